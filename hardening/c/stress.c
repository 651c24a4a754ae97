/*
 * Hardening of the C ABI through its public header only (ctt.h), against the embedded mock:
 *
 *   stress memory N     N full flows (getActionItemUrl + the admin's consent delivered to a
 *                       listener + the event), RSS measured after a warm-up and at the end
 *   stress threads T M  one client shared by T pthreads, M flows each
 *   stress faults       the fault matrix (each mock fault, retries on and off), as a table
 *   stress secrets      no secret in error messages or event JSON
 *
 * Prints figures on lines starting with MEMORY/THREADS/FAULT/SECRETS; exits 1 on any failure.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctt.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int failures = 0;
#define CHECK(cond, ...)                                                   \
  do {                                                                     \
    if (!(cond)) {                                                         \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);      \
      fprintf(stderr, __VA_ARGS__);                                        \
      fprintf(stderr, "\n");                                               \
      failures++;                                                          \
    }                                                                      \
  } while (0)
#define OK(call)                                                           \
  do {                                                                     \
    ctt_result r_ = (call);                                                \
    if (r_ != CTT_OK) {                                                    \
      char m_[512];                                                        \
      size_t l_;                                                           \
      ctt_last_error_message(m_, sizeof m_, &l_);                          \
      fprintf(stderr, "FATAL %s:%d: %s -> %s (%s)\n", __FILE__, __LINE__, \
              #call, ctt_result_name(r_), m_);                             \
      exit(1);                                                             \
    }                                                                      \
  } while (0)

static long rss_kib(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kib = -1;
  if (!f) return -1;
  while (fgets(line, sizeof line, f))
    if (strncmp(line, "VmRSS:", 6) == 0) kib = strtol(line + 6, NULL, 10);
  fclose(f);
  return kib;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ---- a mock, a listener counting events, one shared client ------------------------------ */

static atomic_long events_seen;
static atomic_long events_failed;

static void on_event(void *userdata, ctt_event *event) {
  (void)userdata;
  bool ok = false;
  if (ctt_event_is_success(event, &ok) != CTT_OK || !ok) atomic_fetch_add(&events_failed, 1);
  atomic_fetch_add(&events_seen, 1);
  ctt_event_free(event);
}

typedef struct {
  ctt_mock_server *mock;
  ctt_callback_handler *handler;
  ctt_listener *listener;
  ctt_flow_signer *signer;
  ctt_client *client;
  const char *callback_url;
} rig;

static ctt_client *new_client(const ctt_mock_server *mock, uint32_t attempts, uint64_t timeout_ms,
                              const char *password) {
  const char *token, *id, *secret, *user, *pw;
  const char *base;
  ctt_client_options *o;
  ctt_client *c;
  OK(ctt_mock_server_demo_credentials(&token, &id, &secret, &user, &pw));
  OK(ctt_mock_server_base_url(mock, &base));
  OK(ctt_client_options_new(&o));
  OK(ctt_client_options_set_base_url(o, base));
  OK(ctt_client_options_set_password_grant(o, id, secret, user, password ? password : pw));
  OK(ctt_client_options_set_retry(o, attempts, 10, 50));
  OK(ctt_client_options_set_timeout_ms(o, timeout_ms));
  OK(ctt_client_options_set_use_env_proxy(o, false));
  OK(ctt_client_new(o, &c));
  ctt_client_options_free(o);
  return c;
}

static void rig_start(rig *r) {
  static const uint8_t key[32] = "hardening-c-signing-key-32-bytes";
  memset(r, 0, sizeof *r);
  OK(ctt_mock_server_start(&r->mock));
  OK(ctt_flow_signer_new(key, sizeof key, &r->signer));
  OK(ctt_flow_signer_enable_replay_guard(r->signer));
  OK(ctt_callback_handler_new(&r->handler));
  OK(ctt_callback_handler_set_state_query(r->handler, r->signer, "ctt_state"));
  OK(ctt_listener_start(r->handler, "127.0.0.1:0", "/callback", on_event, NULL, &r->listener));
  OK(ctt_listener_callback_url(r->listener, &r->callback_url));
  r->client = new_client(r->mock, 3, 20000, NULL);
}

static void rig_stop(rig *r) {
  ctt_client_free(r->client);
  OK(ctt_listener_stop(r->listener));
  ctt_listener_free(r->listener);
  ctt_callback_handler_free(r->handler);
  ctt_flow_signer_free(r->signer);
  OK(ctt_mock_server_stop(r->mock));
  ctt_mock_server_free(r->mock);
}

/* One whole flow: ask for the URL (with a signed state), the admin approves, the listener gets
 * the outcome. Returns 0 on success. */
static int flow(const rig *r, const ctt_client *client, long i) {
  static const int32_t types[] = {CTT_ACTION_REGISTRATION, CTT_ACTION_USER_SYNC_CONSENT,
                                  CTT_ACTION_PRESENCE_CONSENT, CTT_ACTION_CDR_CONSENT};
  char name[64];
  ctt_request *req = NULL;
  ctt_action_url *url = NULL;
  const char *u;
  uint16_t status = 0;
  int rc = 1;
  snprintf(name, sizeof name, "Enterprise %ld", i);
  if (ctt_request_new(types[i % 4], name, r->callback_url, &req) != CTT_OK) goto out;
  if (ctt_request_set_state_query(req, r->signer, "ctt_state") != CTT_OK) goto out;
  if (ctt_client_get_action_item_url(client, req, &url) != CTT_OK) goto out;
  if (ctt_action_url_url(url, &u) != CTT_OK) goto out;
  if (ctt_mock_server_consent(r->mock, u, CTT_DECISION_APPROVE, &status) != CTT_OK) goto out;
  rc = status == 200 ? 0 : 1;
out:
  if (rc) {
    char m[512];
    size_t l;
    ctt_last_error_message(m, sizeof m, &l);
    fprintf(stderr, "flow %ld failed: %s (status %u)\n", i, m, status);
  }
  ctt_action_url_free(url);
  ctt_request_free(req);
  return rc;
}

static int wait_events(long expected) {
  for (int i = 0; i < 200 && atomic_load(&events_seen) < expected; i++) {
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  return atomic_load(&events_seen) == expected;
}

/* ---- memory -------------------------------------------------------------------------------- */

static void memory(long n) {
  rig r;
  long warmup = n / 10, bad = 0;
  long rss_start = 0;
  double t0;
  rig_start(&r);
  atomic_store(&events_seen, 0);
  t0 = now_ms();
  for (long i = 0; i < n; i++) {
    if (i == warmup) rss_start = rss_kib();
    /* The mock keeps its last 10,000 requests and every flow: forget them now and then so that
     * what is measured is the SDK (the client then refreshes its token once on the 401). */
    if (i > 0 && i % 500 == 0) OK(ctt_mock_server_reset(r.mock));
    bad += flow(&r, r.client, i);
    if (i > 0 && i % 2000 == 0) fprintf(stderr, "  %ld flows, RSS %ld KiB\n", i, rss_kib());
  }
  long rss_end = rss_kib();
  double secs = (now_ms() - t0) / 1e3;
  CHECK(wait_events(n), "events %ld of %ld", atomic_load(&events_seen), n);
  uint64_t delivered = 0;
  OK(ctt_listener_delivered(r.listener, &delivered));
  rig_stop(&r);
  long growth = rss_end - rss_start;
  printf("MEMORY c: %ld flows (getActionItemUrl + consent + listener event; mock reset every 500) in %.1f s (%.0f flows/s), "
         "%ld failed, %lu delivered; RSS after %ld warm-up flows %ld KiB, at the end %ld KiB "
         "(%+ld KiB, %+.1f%%)\n",
         n, secs, n / secs, bad, (unsigned long)delivered, warmup, rss_start, rss_end, growth,
         100.0 * growth / rss_start);
  CHECK(bad == 0, "%ld flows failed", bad);
  CHECK(delivered == (uint64_t)n, "delivered %lu", (unsigned long)delivered);
  CHECK(atomic_load(&events_failed) == 0, "failed events");
  /* Noise: allocator arenas of the runtime's threads. A leak of even 1 KiB per flow would be
   * 10 MiB over 10,000 flows. */
  CHECK(growth < 8 * 1024, "RSS grew by %ld KiB", growth);
}

/* ---- threads ------------------------------------------------------------------------------- */

typedef struct {
  const rig *r;
  int id;
  long flows;
  long failed;
} worker_arg;

static void *worker(void *p) {
  worker_arg *a = p;
  for (long i = 0; i < a->flows; i++) a->failed += flow(a->r, a->r->client, a->id * 100000 + i);
  return NULL;
}

static void threads(int t, long m) {
  rig r;
  pthread_t th[64];
  worker_arg args[64];
  long failed = 0;
  double t0;
  if (t > 64) t = 64;
  rig_start(&r);
  atomic_store(&events_seen, 0);
  t0 = now_ms();
  for (int i = 0; i < t; i++) {
    args[i] = (worker_arg){&r, i, m, 0};
    CHECK(pthread_create(&th[i], NULL, worker, &args[i]) == 0, "pthread_create");
  }
  for (int i = 0; i < t; i++) {
    pthread_join(th[i], NULL);
    failed += args[i].failed;
  }
  double secs = (now_ms() - t0) / 1e3;
  CHECK(wait_events(t * m), "events %ld of %ld", atomic_load(&events_seen), t * m);
  uint64_t delivered = 0;
  OK(ctt_listener_delivered(r.listener, &delivered));
  rig_stop(&r);
  printf("THREADS c: one client shared by %d pthreads x %ld flows = %ld flows in %.1f s, %ld failed, "
         "%lu events delivered\n",
         t, m, t * m, secs, failed, (unsigned long)delivered);
  CHECK(failed == 0, "%ld flows failed", failed);
  CHECK(delivered == (uint64_t)(t * m), "delivered %lu", (unsigned long)delivered);
}

/* ---- fault matrix -------------------------------------------------------------------------- */

typedef struct {
  const char *fault;
  ctt_result with_retries; /* 3 attempts */
  ctt_result without;      /* 1 attempt */
} fault_case;

static const fault_case CASES[] = {
    {"reset", CTT_OK, CTT_ERR_TRANSPORT},
    {"close", CTT_OK, CTT_ERR_TRANSPORT},
    {"delay:10000", CTT_ERR_TIMEOUT, CTT_ERR_TIMEOUT},
    {"rate_limit:1", CTT_OK, CTT_ERR_RATE_LIMITED},
    {"status:500", CTT_ERR_SERVER, CTT_ERR_SERVER},
    {"status:502", CTT_OK, CTT_ERR_SERVER},
    {"status:503", CTT_OK, CTT_ERR_SERVER},
    {"status:504", CTT_OK, CTT_ERR_SERVER},
    {"truncate", CTT_OK, CTT_ERR_TRANSPORT},
    {"garbage", CTT_ERR_MALFORMED_RESPONSE, CTT_ERR_MALFORMED_RESPONSE},
    {"html", CTT_ERR_MALFORMED_RESPONSE, CTT_ERR_MALFORMED_RESPONSE},
};

static ctt_result one_call(const ctt_mock_server *mock, const ctt_client *c, const char *fault,
                           double *ms, uint16_t *status) {
  char spec[64];
  ctt_request *req;
  ctt_action_url *url = NULL;
  snprintf(spec, sizeof spec, "action_url=%s", fault);
  OK(ctt_mock_server_push_fault(mock, spec));
  OK(ctt_request_new(CTT_ACTION_CDR_CONSENT, "Fault Corp", "https://sp.example/cb", &req));
  double t0 = now_ms();
  ctt_result res = ctt_client_get_action_item_url(c, req, &url);
  *ms = now_ms() - t0;
  *status = ctt_last_error_status();
  ctt_action_url_free(url);
  ctt_request_free(req);
  return res;
}

static void faults(void) {
  const uint64_t deadline = 3000;
  ctt_mock_server *mock;
  OK(ctt_mock_server_start(&mock));
  ctt_client *retrying = new_client(mock, 3, deadline, NULL);
  ctt_client *single = new_client(mock, 1, deadline, NULL);
  /* Fetch the token first so that faults hit getActionItemUrl itself. */
  ctt_access_token *tok;
  OK(ctt_client_fetch_token(retrying, &tok));
  ctt_access_token_free(tok);
  printf("FAULT c: action_url fault | 3 attempts: outcome (ms) | 1 attempt: outcome (ms) | deadline %lu ms\n",
         (unsigned long)deadline);
  for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
    const fault_case *fc = &CASES[i];
    double ms1, ms2;
    uint16_t st1, st2;
    OK(ctt_mock_server_reset(mock));
    ctt_result a = one_call(mock, retrying, fc->fault, &ms1, &st1);
    OK(ctt_mock_server_reset(mock));
    ctt_result b = one_call(mock, single, fc->fault, &ms2, &st2);
    printf("FAULT c: %-13s | %-18s %5.0f | %-18s %5.0f%s\n", fc->fault,
           a == CTT_OK ? "ok (retried)" : ctt_result_name(a), ms1, ctt_result_name(b), ms2,
           (a == fc->with_retries && b == fc->without) ? "" : "   <-- UNEXPECTED");
    CHECK(a == fc->with_retries, "%s with retries: %s", fc->fault, ctt_result_name(a));
    CHECK(b == fc->without, "%s without retries: %s", fc->fault, ctt_result_name(b));
    /* No hang: the deadline bounds every call (plus scheduling slack). */
    CHECK(ms1 < deadline + 2000 && ms2 < deadline + 2000, "%s took %.0f / %.0f ms", fc->fault, ms1, ms2);
  }
  ctt_client_free(single);
  ctt_client_free(retrying);
  OK(ctt_mock_server_stop(mock));
  ctt_mock_server_free(mock);
}

/* ---- secrets ------------------------------------------------------------------------------- */

static const char *SECRET_BEARER = "hardening-c-bearer-9d31";
static const char *WRONG_PASSWORD = "hardening-c-wrong-password-51aa";

static int contains_any(const char *text, const char *const *secrets, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (secrets[i][0] && strstr(text, secrets[i])) return 1;
  return 0;
}

static void secrets(void) {
  rig r;
  char msg[2048], tokbuf[4096], jwt[8192];
  size_t len;
  const char *token, *id, *secret, *user, *pw, *json, *u;
  int checked = 0;
  rig_start(&r);
  OK(ctt_mock_server_demo_credentials(&token, &id, &secret, &user, &pw));
  ctt_access_token *tok;
  OK(ctt_client_fetch_token(r.client, &tok));
  OK(ctt_access_token_copy_token(tok, tokbuf, sizeof tokbuf, &len));
  ctt_access_token_free(tok);

  /* A registration: the listener's event holds the JWT; its JSON must not. */
  ctt_event *ev = NULL;
  ctt_request *req;
  ctt_action_url *url;
  uint16_t status;
  OK(ctt_request_new(CTT_ACTION_REGISTRATION, "Secret Corp", r.callback_url, &req));
  OK(ctt_client_get_action_item_url(r.client, req, &url));
  OK(ctt_action_url_url(url, &u));
  /* Handle the delivered body in process as well: the mock answers with what it POSTed. */
  OK(ctt_mock_server_consent(r.mock, u, CTT_DECISION_APPROVE, &status));
  ctt_action_url_free(url);
  ctt_request_free(req);
  /* An MSAL-shaped body with known tokens, through the in-process parser. */
  static const char body[] =
      "{\"msalAuthenticationResult\":{\"authenticationResult\":{"
      "\"accessToken\":\"eyJhbGciOiJub25lIn0.eyJ0aWQiOiJ4In0.c2lnbmF0dXJlLXNlY3JldA\","
      "\"idToken\":\"hardening-c-id-token-secret\",\"refreshToken\":\"hardening-c-refresh-secret\","
      "\"expiresOn\":1742985175242681}},\"organization\":\"Secret Corp\"}";
  OK(ctt_parse_authentication_result((const uint8_t *)body, strlen(body), &ev));
  OK(ctt_event_copy_access_token(ev, jwt, sizeof jwt, &len));
  const char *const known[] = {secret, pw, tokbuf, jwt, "c2lnbmF0dXJlLXNlY3JldA", "hardening-c-id-token-secret",
                               "hardening-c-refresh-secret", SECRET_BEARER, WRONG_PASSWORD};
  const size_t nk = sizeof known / sizeof known[0];
  OK(ctt_event_to_json(ev, &json));
  CHECK(!contains_any(json, known, nk), "event JSON leaks: %s", json);
  checked++;
  ctt_event_free(ev);

  /* Errors: a wrong password, an unknown bearer token, the server echoing the token back. */
  ctt_client *wrong = new_client(r.mock, 1, 5000, WRONG_PASSWORD);
  CHECK(ctt_client_fetch_token(wrong, &tok) == CTT_ERR_UNAUTHORIZED || ctt_last_error_code() != CTT_OK, "wrong pw");
  ctt_last_error_message(msg, sizeof msg, &len);
  CHECK(!contains_any(msg, known, nk), "error leaks: %s", msg);
  checked++;
  ctt_client_free(wrong);

  const char *base;
  ctt_client_options *o;
  ctt_client *bearer;
  OK(ctt_mock_server_base_url(r.mock, &base));
  OK(ctt_client_options_new(&o));
  OK(ctt_client_options_set_base_url(o, base));
  OK(ctt_client_options_set_bearer_token(o, SECRET_BEARER));
  OK(ctt_client_options_set_use_env_proxy(o, false));
  OK(ctt_client_new(o, &bearer));
  ctt_client_options_free(o);
  OK(ctt_request_new(CTT_ACTION_CDR_CONSENT, "Acme", "https://sp.example/cb", &req));
  CHECK(ctt_client_get_action_item_url(bearer, req, &url) == CTT_ERR_UNAUTHORIZED, "unknown bearer");
  ctt_last_error_message(msg, sizeof msg, &len);
  CHECK(!contains_any(msg, known, nk), "error leaks: %s", msg);
  checked++;
  char echo[256];
  snprintf(echo, sizeof echo, "action_url=status:500:{\"message\":\"bad token %s\"}", SECRET_BEARER);
  OK(ctt_mock_server_push_fault(r.mock, echo));
  /* The server quotes the caller's own token in its error message: the library must not. */
  CHECK(ctt_client_get_action_item_url(bearer, req, &url) == CTT_ERR_SERVER, "echo");
  ctt_last_error_message(msg, sizeof msg, &len);
  CHECK(!contains_any(msg, known, nk), "error leaks the echoed token: %s", msg);
  checked++;
  ctt_request_free(req);
  ctt_client_free(bearer);
  rig_stop(&r);
  printf("SECRETS c: %d outputs (event JSON; error messages: wrong password, unknown bearer, a 500 body quoting "
         "the caller's bearer token) checked against %zu known secrets: %s\n",
         checked, nk, failures ? "LEAK" : "none found");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: stress memory N | threads T M | faults | secrets\n");
    return 2;
  }
  if (!strcmp(argv[1], "memory")) memory(argc > 2 ? atol(argv[2]) : 10000);
  else if (!strcmp(argv[1], "threads")) threads(argc > 2 ? atoi(argv[2]) : 8, argc > 3 ? atol(argv[3]) : 100);
  else if (!strcmp(argv[1], "faults")) faults();
  else if (!strcmp(argv[1], "secrets")) secrets();
  else return 2;
  ctt_runtime_shutdown(5000);
  if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
  return failures ? 1 : 0;
}
