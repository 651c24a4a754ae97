/* The API's conventions: version, last error, buffers, enums, plans, signer, handler, events
 * shared between threads. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"

static void test_version(void) {
  char expect[64];
  sprintf(expect, "%d.%d.%d", CTT_VERSION_MAJOR, CTT_VERSION_MINOR, CTT_VERSION_PATCH);
  CHECK_STR(ctt_version(), expect);
  CHECK_STR(ctt_version(), CTT_VERSION_STRING);
}

static void test_last_error_and_buffers(void) {
  char buf[512], tiny[4];
  size_t n = 99;
  ctt_result r;
  /* Success clears the last error. */
  CHECK_OK(ctt_validate_enterprise_name("  Acme ", buf, sizeof buf, &n));
  CHECK_STR(buf, "Acme");
  CHECK(n == 4);
  CHECK(ctt_last_error_code() == CTT_OK);
  CHECK_OK(ctt_last_error_message(buf, sizeof buf, &n));
  CHECK(n == 0 && buf[0] == 0);
  /* A too-small buffer: its code, "" in the buffer, the size needed (NUL included). */
  r = ctt_validate_enterprise_name("AcmeCorp", tiny, sizeof tiny, &n);
  CHECK(r == CTT_ERR_BUFFER_TOO_SMALL);
  CHECK(n == strlen("AcmeCorp") + 1);
  CHECK(tiny[0] == 0);
  CHECK(ctt_last_error_code() == CTT_ERR_BUFFER_TOO_SMALL);
  /* Exactly the size needed works. */
  {
    char exact[9];
    CHECK_OK(ctt_validate_enterprise_name("AcmeCorp", exact, sizeof exact, &n));
    CHECK(n == 8);
    CHECK_STR(exact, "AcmeCorp");
  }
  /* A zero-length buffer is too small too. */
  CHECK(ctt_validate_enterprise_name("A", tiny, 0, &n) == CTT_ERR_BUFFER_TOO_SMALL && n == 2);
  /* An invalid input: code, field, message; reading the message never changes it. */
  r = ctt_validate_redirect_url("http://example.com/cb", buf, sizeof buf, &n);
  CHECK(r == CTT_ERR_INVALID_INPUT);
  CHECK(ctt_last_error_code() == CTT_ERR_INVALID_INPUT);
  CHECK(ctt_last_error_message(tiny, sizeof tiny, &n) == CTT_ERR_BUFFER_TOO_SMALL);
  CHECK(n > sizeof tiny);
  {
    char *msg = malloc(n);
    size_t m;
    CHECK_OK(ctt_last_error_message(msg, n, &m));
    CHECK(m == n - 1);
    CHECK(strstr(msg, "invalid_input: redirectUrl") == msg);
    free(msg);
  }
  CHECK_OK(ctt_last_error_field(buf, sizeof buf, &n));
  CHECK_STR(buf, "redirectUrl");
  CHECK(ctt_last_error_status() == 0);
  CHECK(ctt_last_error_retry_after_ms() == -1);
  CHECK(ctt_last_error_rejection() == CTT_REJECTION_NONE);
  CHECK_STR(ctt_result_name(CTT_ERR_RATE_LIMITED), "rate_limited");
  CHECK_STR(ctt_result_name(CTT_ERR_NULL_PARAMETER), "null_parameter");
  CHECK_STR(ctt_result_name(12345), "unknown");
}

static void test_enums(void) {
  const char *s;
  ctt_action_type t;
  uint32_t mask;
  CHECK_OK(ctt_action_type_wire_name(CTT_ACTION_CDR_CONSENT, &s));
  CHECK_STR(s, "GET_CDR_CONSENT");
  CHECK(ctt_action_type_wire_name(CTT_ACTION_TYPE_COUNT, &s) == CTT_ERR_INVALID_INPUT && s == NULL);
  CHECK(ctt_action_type_wire_name(-1, &s) == CTT_ERR_INVALID_INPUT);
  CHECK(ctt_action_type_from_wire("registration", &t) == CTT_ERR_INVALID_INPUT);
  CHECK_OK(ctt_action_type_description(CTT_ACTION_REGISTRATION, &s));
  CHECK(strlen(s) > 10);
  CHECK_OK(ctt_action_type_services(CTT_ACTION_CALL_APP_CONSENT, &mask));
  CHECK(mask == CTT_SERVICE_CALL_APP_ADDON);
  CHECK_OK(ctt_service_display_name(CTT_SERVICE_PBX_CONNECTOR, &s));
  CHECK_STR(s, "PBX Connector");
  CHECK(ctt_service_name(3, &s) == CTT_ERR_INVALID_INPUT);
  {
    ctt_consent_plan *plan = NULL;
    CHECK(ctt_consent_plan_new(16, &plan) == CTT_ERR_INVALID_INPUT && plan == NULL);
  }
}

static void test_progress(void) {
  ctt_consent_plan *plan;
  ctt_consent_progress *p;
  bool b, has;
  ctt_step_status st;
  ctt_action_type next;
  const char *msg;
  CHECK_OK(ctt_consent_plan_new(CTT_SERVICE_SMS_CONNECTOR, &plan));
  CHECK_OK(ctt_consent_progress_new(plan, &p));
  ctt_consent_plan_free(plan); /* the tracker keeps its own copy */
  CHECK_OK(ctt_consent_progress_record_success(p, CTT_ACTION_CALL_RECORDING_CONSENT, &b));
  CHECK(!b);
  CHECK_OK(ctt_consent_progress_next(p, &has, &next));
  CHECK(has && next == CTT_ACTION_REGISTRATION);
  CHECK_OK(ctt_consent_progress_record_success(p, CTT_ACTION_REGISTRATION, &b));
  CHECK_OK(ctt_consent_progress_record_failure(p, CTT_ACTION_USER_SYNC_CONSENT, "User is not a Global Admin", &b));
  CHECK(b);
  CHECK_OK(ctt_consent_progress_status(p, CTT_ACTION_USER_SYNC_CONSENT, &st));
  CHECK(st == CTT_STEP_FAILED);
  CHECK_OK(ctt_consent_progress_failure_message(p, CTT_ACTION_USER_SYNC_CONSENT, &msg));
  CHECK_STR(msg, "User is not a Global Admin");
  CHECK_OK(ctt_consent_progress_is_complete(p, &b));
  CHECK(!b);
  CHECK_OK(ctt_consent_progress_record_success(p, CTT_ACTION_USER_SYNC_CONSENT, &b));
  CHECK_OK(ctt_consent_progress_is_complete(p, &b));
  CHECK(b);
  CHECK_OK(ctt_consent_progress_failure_message(p, CTT_ACTION_USER_SYNC_CONSENT, &msg));
  CHECK(msg == NULL);
  ctt_consent_progress_free(p);
}

static void test_signed_callback(void) {
  unsigned char key[32];
  ctt_flow_signer *signer;
  ctt_callback_handler *h;
  ctt_event *ev = NULL;
  const ctt_flow_state *st;
  char token[256], target[512];
  size_t n;
  ctt_action_type t;
  const char *s;
  ctt_result r;
  memset(key, 7, sizeof key);
  CHECK(ctt_flow_signer_new(key, 31, &signer) == CTT_ERR_INVALID_INPUT);
  CHECK_OK(ctt_flow_signer_new(key, sizeof key, &signer));
  CHECK_OK(ctt_flow_signer_issue(signer, CTT_ACTION_PRESENCE_CONSENT, "AcmeCorp", token, sizeof token, &n));
  CHECK(n == strlen(token));
  CHECK_OK(ctt_callback_handler_new(&h));
  CHECK_OK(ctt_callback_handler_set_state_query(h, signer, "ctt_state"));
  sprintf(target, "/cb?ctt_state=%s&success=Presence Consent Completed", token);
  CHECK_OK(ctt_callback_handler_handle(h, "GET", target, "", (const uint8_t *)"", 0, &ev));
  CHECK_OK(ctt_event_state(ev, &st));
  CHECK(st != NULL);
  CHECK_OK(ctt_flow_state_action_type(st, &t));
  CHECK(t == CTT_ACTION_PRESENCE_CONSENT);
  CHECK_OK(ctt_flow_state_enterprise_name(st, &s));
  CHECK_STR(s, "AcmeCorp");
  CHECK_OK(ctt_event_param_value(ev, "ctt_state", &s));
  CHECK_STR(s, token);
  CHECK_OK(ctt_event_param_value(ev, "nope", &s));
  CHECK(s == NULL);
  /* Secrets: a consent event has no tokens. */
  CHECK(ctt_event_copy_access_token(ev, token, sizeof token, &n) == CTT_ERR_INVALID_STATE);
  ctt_event_free(ev);
  ev = NULL;
  r = ctt_callback_handler_handle(h, "GET", "/cb?success=ok", "", (const uint8_t *)"", 0, &ev);
  CHECK(r == CTT_ERR_STATE_REJECTED && ev == NULL);
  CHECK(ctt_last_error_rejection() == CTT_REJECTION_MISSING);
  ctt_callback_handler_free(h);
  ctt_flow_signer_free(signer);
}

/* An event builds its C strings (and its JSON) at the first getter that needs them, once: every
 * thread reading one event at the same time must get the same pointers, and they stay valid
 * (and unchanged) until ctt_event_free. */
enum { READERS = 4, AUTH_READS = 21, CONSENT_READS = 9 };

struct reader {
  const ctt_event *ev;
  pthread_barrier_t *start;
  const char *s[AUTH_READS];
  int failures;
};

static void *read_auth(void *arg) {
  struct reader *r = arg;
  const ctt_event *ev = r->ev;
  const char **s = r->s;
  int f = 0;
  pthread_barrier_wait(r->start);
  f += ctt_event_to_json(ev, &s[0]) != CTT_OK;
  f += ctt_event_access_token_type(ev, &s[1]) != CTT_OK;
  f += ctt_event_organization(ev, &s[2]) != CTT_OK;
  f += ctt_event_office_user_type(ev, &s[3]) != CTT_OK;
  f += ctt_event_tenant_id(ev, &s[4]) != CTT_OK;
  f += ctt_event_reseller_id(ev, &s[5]) != CTT_OK;
  f += ctt_event_user_displayable_id(ev, &s[6]) != CTT_OK;
  f += ctt_event_user_identity_provider(ev, &s[7]) != CTT_OK;
  f += ctt_event_user_tenant_id(ev, &s[8]) != CTT_OK;
  f += ctt_event_user_unique_id(ev, &s[9]) != CTT_OK;
  f += ctt_event_user_given_name(ev, &s[10]) != CTT_OK;
  f += ctt_event_user_family_name(ev, &s[11]) != CTT_OK;
  f += ctt_event_claim_tid(ev, &s[12]) != CTT_OK;
  f += ctt_event_claim_oid(ev, &s[13]) != CTT_OK;
  f += ctt_event_claim_upn(ev, &s[14]) != CTT_OK;
  f += ctt_event_claim_preferred_username(ev, &s[15]) != CTT_OK;
  f += ctt_event_claim_audience(ev, &s[16]) != CTT_OK;
  f += ctt_event_claim_issuer(ev, &s[17]) != CTT_OK;
  f += ctt_event_claim_scope(ev, 0, &s[18]) != CTT_OK;
  f += ctt_event_claim_scope(ev, 1, &s[19]) != CTT_OK;
  f += ctt_event_claim_role(ev, 0, &s[20]) != CTT_OK;
  r->failures = f;
  return NULL;
}

static void *read_consent(void *arg) {
  struct reader *r = arg;
  const ctt_event *ev = r->ev;
  const char **s = r->s;
  const ctt_flow_state *st = (const ctt_flow_state *)&st;
  int f = 0;
  pthread_barrier_wait(r->start);
  f += ctt_event_message(ev, &s[0]) != CTT_OK;
  f += ctt_event_error_code(ev, &s[1]) != CTT_OK;
  f += ctt_event_error_subcode(ev, &s[2]) != CTT_OK;
  f += ctt_event_path(ev, &s[3]) != CTT_OK;
  f += ctt_event_param(ev, 3, &s[4], &s[5]) != CTT_OK;
  f += ctt_event_param_value(ev, "x", &s[6]) != CTT_OK;
  f += ctt_event_to_json(ev, &s[7]) != CTT_OK;
  f += ctt_event_state(ev, &st) != CTT_OK || st != NULL;
  s[8] = "";
  r->failures = f;
  return NULL;
}

/* Runs `fn` on READERS threads at once against `ev`; checks that they agree pointer for pointer
 * and returns the first reader's strings (in `first`). */
static void read_concurrently(const ctt_event *ev, void *(*fn)(void *), int reads, const char **first) {
  pthread_barrier_t start;
  pthread_t th[READERS];
  struct reader rd[READERS];
  int i, k, same = 1;
  memset(rd, 0, sizeof rd);
  CHECK(pthread_barrier_init(&start, NULL, READERS) == 0);
  for (i = 0; i < READERS; i++) {
    rd[i].ev = ev;
    rd[i].start = &start;
    CHECK(pthread_create(&th[i], NULL, fn, &rd[i]) == 0);
  }
  for (i = 0; i < READERS; i++) {
    pthread_join(th[i], NULL);
    CHECK(rd[i].failures == 0);
    for (k = 0; k < reads; k++) same &= rd[i].s[k] == rd[0].s[k];
  }
  CHECK(same);
  pthread_barrier_destroy(&start);
  for (k = 0; k < reads; k++) first[k] = rd[0].s[k];
}

static void test_shared_event(void) {
  /* The access token is a JWT (unsigned; claims are information only). */
  static const char body[] =
      "{\"msalAuthenticationResult\":{\"authenticationResult\":{"
      "\"accessToken\":\"eyJhbGciOiJub25lIn0.eyJleHAiOjE5MDAwMDAwMDAsInRpZCI6InRpZC0xIiwib2lkIjoib2lkLTEiLCJ1"
      "cG4iOiJhZG1pbkBjb250b3NvLmNvbSIsInByZWZlcnJlZF91c2VybmFtZSI6ImFkbWluIiwic2NwIjoiVXNlci5SZWFkIE1h"
      "aWwuU2VuZCIsInJvbGVzIjpbIlJvbGUuQSJdLCJhdWQiOiJhcGk6Ly9jdHQiLCJpc3MiOiJodHRwczovL3N0cy5leGFtcGxlLyJ9.sig\","
      "\"accessTokenType\":\"Bearer\",\"expiresOn\":1900000000,"
      "\"userInfo\":{\"displayableId\":\"admin@contoso.com\",\"identityProvider\":\"live.com\","
      "\"tenantId\":\"tid-1\",\"uniqueId\":\"u-1\",\"givenName\":\"Ada\",\"familyName\":\"Lovelace\"}},"
      "\"resellerId\":\"r-1\",\"tenantId\":\"w-1\"},"
      "\"organization\":\"MS\\u0000FT\",\"officeUserType\":\"GLOBAL_ADMIN\",\"companyAdmin\":true}";
  static const char *const want[AUTH_READS] = {
      NULL, "Bearer", "MSFT", "GLOBAL_ADMIN", "tid-1", "r-1", "admin@contoso.com", "live.com", "tid-1",
      "u-1", "Ada", "Lovelace", "tid-1", "oid-1", "admin@contoso.com", "admin", "api://ctt",
      "https://sts.example/", "User.Read", "Mail.Send", "Role.A"};
  const char *s[AUTH_READS], *again;
  ctt_event *ev = NULL;
  int k;
  CHECK_OK(ctt_parse_authentication_result((const uint8_t *)body, sizeof body - 1, &ev));
  read_concurrently(ev, read_auth, AUTH_READS, s);
  CHECK(s[0] != NULL && strstr(s[0], "\"organization\":\"MS") != NULL && strstr(s[0], "[REDACTED]") != NULL);
  /* An interior NUL (JSON's \u0000) is dropped from the C string. */
  for (k = 1; k < AUTH_READS; k++) CHECK_STR(s[k], want[k]);
  /* The same pointers later, from this thread too, and nothing moved. */
  CHECK_OK(ctt_event_organization(ev, &again));
  CHECK(again == s[2]);
  CHECK_OK(ctt_event_to_json(ev, &again));
  CHECK(again == s[0]);
  CHECK_STR(s[1], "Bearer");
  ctt_event_free(ev);

  ev = NULL;
  CHECK_OK(ctt_parse_consent_redirect(
      "/cb?error=access_denied&error_description=Denied&error_subcode=cancel&x=1", &ev));
  read_concurrently(ev, read_consent, CONSENT_READS, s);
  CHECK_STR(s[0], "Denied");
  CHECK_STR(s[1], "access_denied");
  CHECK_STR(s[2], "cancel");
  CHECK_STR(s[3], "/cb");
  CHECK_STR(s[4], "x");
  CHECK_STR(s[5], "1");
  CHECK(s[6] == s[5]);
  CHECK(s[7] != NULL && strstr(s[7], "\"error_code\":\"access_denied\"") != NULL);
  CHECK_OK(ctt_event_message(ev, &again));
  CHECK(again == s[0]);
  ctt_event_free(ev);
}

void test_api(void) {
  test_version();
  test_last_error_and_buffers();
  test_enums();
  test_progress();
  test_signed_callback();
  test_shared_event();
  /* _free(NULL) is a no-op for every handle type. */
  ctt_client_options_free(NULL);
  ctt_client_free(NULL);
  ctt_request_free(NULL);
  ctt_action_url_free(NULL);
  ctt_consent_url_free(NULL);
  ctt_consent_plan_free(NULL);
  ctt_consent_progress_free(NULL);
  ctt_callback_handler_free(NULL);
  ctt_event_free(NULL);
  ctt_flow_signer_free(NULL);
  ctt_flow_state_free(NULL);
}
