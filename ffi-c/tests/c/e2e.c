/* End to end from C: mock + listener + client, every action type, approve and deny, through
 * the blocking and the callback API. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "t.h"

typedef struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  ctt_event *event; /* from the listener */
  int events;
  ctt_action_url *url; /* from the async call */
  ctt_result url_result;
  int urls;
} inbox;

static void on_event(void *userdata, ctt_event *event) {
  inbox *in = userdata;
  pthread_mutex_lock(&in->mu);
  if (in->event) ctt_event_free(in->event); /* unexpected extra event: keep the last */
  in->event = event;
  in->events++;
  pthread_cond_broadcast(&in->cv);
  pthread_mutex_unlock(&in->mu);
}

static void on_url(void *userdata, ctt_result result, ctt_action_url *url) {
  inbox *in = userdata;
  pthread_mutex_lock(&in->mu);
  in->url = url;
  in->url_result = result;
  in->urls++;
  pthread_cond_broadcast(&in->cv);
  pthread_mutex_unlock(&in->mu);
}

/* Waits until *counter reaches `want` (a generous deadline only so a bug fails, never hangs). */
static int wait_for(inbox *in, int *counter, int want) {
  struct timespec deadline;
  int rc = 0;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += 60;
  pthread_mutex_lock(&in->mu);
  while (*counter < want && rc == 0) rc = pthread_cond_timedwait(&in->cv, &in->mu, &deadline);
  pthread_mutex_unlock(&in->mu);
  return *counter >= want;
}

static void one_flow(ctt_client *client, ctt_mock_server *mock, const char *callback_url, ctt_flow_signer *signer,
                     inbox *in, int type, int decision, int use_async) {
  ctt_request *req;
  ctt_action_url *url = NULL;
  const char *s, *token;
  uint16_t status = 0;
  ctt_event_kind kind, want;
  const ctt_flow_state *st;
  ctt_action_type st_type;
  CHECK_OK(ctt_request_new(type, "AcmeCorp", callback_url, &req));
  CHECK_OK(ctt_request_set_state_query(req, signer, "ctt_state"));
  if (use_async) {
    int before = in->urls;
    CHECK_OK(ctt_client_get_action_item_url_async(client, req, on_url, in));
    ctt_request_free(req); /* the call keeps its own copy */
    CHECK(wait_for(in, &in->urls, before + 1));
    CHECK(in->url_result == CTT_OK);
    url = in->url;
    in->url = NULL;
  } else {
    CHECK_OK(ctt_client_get_action_item_url(client, req, &url));
    ctt_request_free(req);
  }
  if (!url) return;
  CHECK_OK(ctt_action_url_url(url, &s));
  CHECK(strncmp(s, "http://127.0.0.1:", 17) == 0);
  CHECK_OK(ctt_action_url_state_token(url, &token));
  CHECK(token != NULL);
  {
    int before = in->events;
    CHECK_OK(ctt_mock_server_consent(mock, s, decision, &status));
    CHECK(status < 400);
    CHECK(wait_for(in, &in->events, before + 1));
  }
  pthread_mutex_lock(&in->mu);
  if (in->event) {
    ctt_callback_style style;
    ctt_action_type_callback_style(type, &style);
    CHECK_OK(ctt_event_get_kind(in->event, &kind));
    if (decision == CTT_DECISION_DENY) want = CTT_EVENT_CONSENT_FAILED;
    else want = style == CTT_CALLBACK_STYLE_JSON_POST ? CTT_EVENT_AUTHENTICATED : CTT_EVENT_CONSENT_SUCCEEDED;
    CHECK(kind == want);
    CHECK_OK(ctt_event_state(in->event, &st));
    CHECK(st != NULL);
    if (st) {
      CHECK_OK(ctt_flow_state_action_type(st, &st_type));
      CHECK((int)st_type == type);
      CHECK_OK(ctt_flow_state_enterprise_name(st, &s));
      CHECK_STR(s, "AcmeCorp");
    }
    if (kind == CTT_EVENT_AUTHENTICATED) {
      char tok[4096];
      size_t n;
      CHECK_OK(ctt_event_copy_access_token(in->event, tok, sizeof tok, &n));
      CHECK(n > 0);
      CHECK_OK(ctt_event_organization(in->event, &s));
      CHECK_STR(s, "AcmeCorp");
    } else if (kind == CTT_EVENT_CONSENT_FAILED) {
      CHECK_OK(ctt_event_message(in->event, &s));
      CHECK(s && strstr(s, "Global Admin") != NULL);
    }
    ctt_event_free(in->event);
    in->event = NULL;
  }
  pthread_mutex_unlock(&in->mu);
  ctt_action_url_free(url);
}

static void errors_through_both_apis(ctt_client *client, ctt_mock_server *mock, inbox *in) {
  ctt_request *req;
  ctt_action_url *url = NULL;
  ctt_result r;
  CHECK_OK(ctt_request_new(CTT_ACTION_CDR_CONSENT, "AcmeCorp", "https://pbx.example/cb", &req));
  CHECK_OK(ctt_mock_server_push_fault(mock, "action_url=status:403"));
  r = ctt_client_get_action_item_url(client, req, &url);
  CHECK(r == CTT_ERR_FORBIDDEN && url == NULL);
  CHECK(ctt_last_error_status() == 403);
  CHECK_OK(ctt_mock_server_push_fault(mock, "action_url=status:404"));
  {
    int before = in->urls;
    CHECK_OK(ctt_client_get_action_item_url_async(client, req, on_url, in));
    CHECK(wait_for(in, &in->urls, before + 1));
    CHECK(in->url_result == CTT_ERR_NOT_FOUND && in->url == NULL);
  }
  CHECK(ctt_mock_server_push_fault(mock, "action_url=nonsense") == CTT_ERR_INVALID_INPUT);
  ctt_request_free(req);
}

static ctt_client *client_for(const char *base, const char *token, uint64_t timeout_ms, uint32_t attempts) {
  ctt_client_options *o;
  ctt_client *c = NULL;
  CHECK_OK(ctt_client_options_new(&o));
  CHECK_OK(ctt_client_options_set_base_url(o, base));
  CHECK_OK(ctt_client_options_set_bearer_token(o, token));
  CHECK_OK(ctt_client_options_set_timeout_ms(o, timeout_ms));
  CHECK_OK(ctt_client_options_set_retry(o, attempts, 10, 50));
  CHECK_OK(ctt_client_new(o, &c));
  ctt_client_options_free(o);
  return c;
}

static void no_secret_in_last_error(const char *secret) {
  char msg[2048];
  size_t n;
  CHECK_OK(ctt_last_error_message(msg, sizeof msg, &n));
  CHECK(strstr(msg, secret) == NULL);
}

typedef struct {
  ctt_client *client;
  ctt_request *req;
  int ok;
} worker_arg;

static void *worker(void *p) {
  worker_arg *w = p;
  int i;
  for (i = 0; i < 5; i++) {
    ctt_action_url *u = NULL;
    if (ctt_client_get_action_item_url(w->client, w->req, &u) == CTT_OK) w->ok++;
    ctt_action_url_free(u);
  }
  return NULL;
}

static void client_behaviour(ctt_mock_server *mock, const char *base, const char *demo_token) {
  ctt_request *req;
  ctt_action_url *url = NULL;
  ctt_client *c;
  ctt_result r;
  CHECK_OK(ctt_request_new(CTT_ACTION_CONTACTS_CONSENT, "AcmeCorp", "https://pbx.example/cb", &req));

  /* The blocking call ends at the client's timeout. */
  c = client_for(base, demo_token, 300, 1);
  CHECK_OK(ctt_mock_server_push_fault(mock, "action_url=delay:5000"));
  r = ctt_client_get_action_item_url(c, req, &url);
  CHECK(r == CTT_ERR_TIMEOUT && url == NULL);
  ctt_client_free(c);

  /* 429 with Retry-After, no retries left: the code and the retry-after. */
  c = client_for(base, demo_token, 10000, 1);
  CHECK_OK(ctt_mock_server_push_fault(mock, "action_url=rate_limited:7"));
  r = ctt_client_get_action_item_url(c, req, &url);
  CHECK(r == CTT_ERR_RATE_LIMITED);
  CHECK(ctt_last_error_status() == 429);
  CHECK(ctt_last_error_retry_after_ms() == 7000);

  /* A transient 503 is retried within the budget. */
  ctt_client_free(c);
  c = client_for(base, demo_token, 10000, 3);
  CHECK_OK(ctt_mock_server_push_fault(mock, "action_url=status:503"));
  CHECK_OK(ctt_client_get_action_item_url(c, req, &url));
  ctt_action_url_free(url);
  url = NULL;

  /* Many threads on one client at once. */
  {
    pthread_t th[4];
    worker_arg args[4];
    int i, ok = 0;
    for (i = 0; i < 4; i++) {
      args[i].client = c;
      args[i].req = req;
      args[i].ok = 0;
      pthread_create(&th[i], NULL, worker, &args[i]);
    }
    for (i = 0; i < 4; i++) {
      pthread_join(th[i], NULL);
      ok += args[i].ok;
    }
    CHECK(ok == 20);
  }
  ctt_client_free(c);

  /* A refused bearer token never shows up in the error. */
  c = client_for(base, "s3cr3t-wrong-token", 10000, 1);
  r = ctt_client_get_action_item_url(c, req, &url);
  CHECK(r == CTT_ERR_UNAUTHORIZED);
  no_secret_in_last_error("s3cr3t-wrong-token");
  ctt_client_free(c);

  /* Nor does a refused password or client secret. */
  {
    ctt_client_options *o;
    ctt_access_token *tok = NULL;
    CHECK_OK(ctt_client_options_new(&o));
    CHECK_OK(ctt_client_options_set_base_url(o, base));
    CHECK_OK(ctt_client_options_set_password_grant(o, "ctt-demo-client", "s3cr3t-client-secret", "admin@provider.example",
                                                   "s3cr3t-password"));
    CHECK_OK(ctt_client_new(o, &c));
    ctt_client_options_free(o);
    r = ctt_client_fetch_token(c, &tok);
    CHECK(r == CTT_ERR_UNAUTHORIZED && tok == NULL);
    no_secret_in_last_error("s3cr3t-client-secret");
    no_secret_in_last_error("s3cr3t-password");
    ctt_client_free(c);
  }
  ctt_request_free(req);
}

static void token_fetch(ctt_client *client) {
  ctt_access_token *tok = NULL;
  char buf[512];
  size_t n;
  bool present;
  uint64_t ms;
  const char *s;
  CHECK_OK(ctt_client_fetch_token(client, &tok));
  if (!tok) return;
  CHECK_OK(ctt_access_token_copy_token(tok, buf, sizeof buf, &n));
  CHECK(n > 0);
  CHECK_OK(ctt_access_token_type(tok, &s));
  CHECK(s != NULL);
  CHECK_OK(ctt_access_token_expires_in_ms(tok, &present, &ms));
  CHECK(present && ms > 0);
  CHECK_OK(ctt_access_token_copy_refresh_token(tok, &present, buf, sizeof buf, &n));
  ctt_access_token_free(tok);
  CHECK_OK(ctt_parse_retry_after("120", &present, &ms));
  CHECK(present && ms == 120000);
  CHECK_OK(ctt_parse_retry_after("soon", &present, &ms));
  CHECK(!present);
}

static void batch(ctt_client *client, const char *callback_url) {
  ctt_request *reqs[3];
  ctt_batch *b = NULL;
  size_t n;
  ctt_result code;
  const ctt_action_url *u;
  const char *msg;
  CHECK_OK(ctt_request_new(CTT_ACTION_REGISTRATION, "AcmeCorp", callback_url, &reqs[0]));
  CHECK_OK(ctt_request_new(CTT_ACTION_PRESENCE_CONSENT, "   ", callback_url, &reqs[1]));
  CHECK_OK(ctt_request_new(CTT_ACTION_CDR_CONSENT, "AcmeCorp", callback_url, &reqs[2]));
  CHECK_OK(ctt_client_get_action_item_urls(client, (const ctt_request *const *)reqs, 3, 2, &b));
  CHECK_OK(ctt_batch_len(b, &n));
  CHECK(n == 3);
  CHECK_OK(ctt_batch_result(b, 0, &code));
  CHECK(code == CTT_OK);
  CHECK_OK(ctt_batch_url(b, 0, &u));
  CHECK(u != NULL);
  CHECK_OK(ctt_batch_result(b, 1, &code));
  CHECK(code == CTT_ERR_INVALID_INPUT);
  CHECK_OK(ctt_batch_url(b, 1, &u));
  CHECK(u == NULL);
  CHECK_OK(ctt_batch_error_message(b, 1, &msg));
  CHECK(strstr(msg, "enterpriseName") != NULL);
  CHECK_OK(ctt_batch_result(b, 2, &code));
  CHECK(code == CTT_OK);
  CHECK(ctt_batch_result(b, 3, &code) == CTT_ERR_INVALID_INPUT);
  ctt_batch_free(b);
  {
    const ctt_request *holes[2] = {NULL, NULL};
    holes[0] = reqs[0];
    b = NULL;
    CHECK(ctt_client_get_action_item_urls(client, holes, 2, 1, &b) == CTT_ERR_NULL_PARAMETER && b == NULL);
  }
  for (n = 0; n < 3; n++) ctt_request_free(reqs[n]);
}

void test_e2e(void) {
  ctt_mock_server *mock = NULL;
  ctt_listener *listener = NULL;
  ctt_callback_handler *handler;
  ctt_flow_signer *signer;
  ctt_client_options *opts;
  ctt_client *client = NULL;
  const char *base, *cb_url, *token, *cid, *secret, *user, *pw;
  unsigned char key[32];
  inbox in;
  int type, decision, use_async;
  uint64_t delivered = 0;
  memset(&in, 0, sizeof in);
  pthread_mutex_init(&in.mu, NULL);
  pthread_cond_init(&in.cv, NULL);
  memset(key, 42, sizeof key);

  CHECK_OK(ctt_mock_server_start(&mock));
  if (!mock) return;
  CHECK_OK(ctt_mock_server_base_url(mock, &base));
  CHECK_OK(ctt_mock_server_demo_credentials(&token, &cid, &secret, &user, &pw));
  CHECK_OK(ctt_flow_signer_new(key, sizeof key, &signer));
  CHECK_OK(ctt_callback_handler_new(&handler));
  CHECK_OK(ctt_callback_handler_set_state_query(handler, signer, "ctt_state"));
  CHECK_OK(ctt_listener_start(handler, "127.0.0.1:0", "/callback", on_event, &in, &listener));
  ctt_callback_handler_free(handler); /* the listener keeps its own copy */
  CHECK_OK(ctt_listener_callback_url(listener, &cb_url));

  CHECK_OK(ctt_client_options_new(&opts));
  CHECK_OK(ctt_client_options_set_base_url(opts, base));
  CHECK_OK(ctt_client_options_set_password_grant(opts, cid, secret, user, pw));
  CHECK_OK(ctt_client_options_set_timeout_ms(opts, 30000));
  CHECK_OK(ctt_client_options_set_retry(opts, 1, 10, 100));
  CHECK_OK(ctt_client_new(opts, &client));
  ctt_client_options_free(opts);

  for (use_async = 0; use_async <= 1; use_async++)
    for (type = 0; type < (int)CTT_ACTION_TYPE_COUNT; type++)
      for (decision = CTT_DECISION_APPROVE; decision <= CTT_DECISION_DENY; decision++)
        one_flow(client, mock, cb_url, signer, &in, type, decision, use_async);
  CHECK_OK(ctt_listener_delivered(listener, &delivered));
  CHECK(delivered == 2 * 2 * CTT_ACTION_TYPE_COUNT);
  printf("e2e: %llu flows delivered (9 action types x approve/deny x blocking/callback)\n",
         (unsigned long long)delivered);

  errors_through_both_apis(client, mock, &in);
  token_fetch(client);
  batch(client, cb_url);
  client_behaviour(mock, base, token);

  CHECK_OK(ctt_listener_stop(listener));
  CHECK(ctt_listener_stop(listener) == CTT_ERR_INVALID_STATE);
  ctt_listener_free(listener);
  CHECK_OK(ctt_mock_server_stop(mock));
  ctt_mock_server_free(mock);
  ctt_client_free(client);
  ctt_flow_signer_free(signer);
  pthread_cond_destroy(&in.cv);
  pthread_mutex_destroy(&in.mu);
}
