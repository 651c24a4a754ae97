/* Runs every case of tests/fixtures/cases/ through the C API and compares the outcome the way
 * tests/fixtures/README.md describes. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "t.h"

static const char *requirement_name(ctt_requirement r) {
  switch (r) {
    case CTT_REQUIREMENT_FLOW_STEP: return "flow_step";
    case CTT_REQUIREMENT_REQUIRED: return "required";
    case CTT_REQUIREMENT_REQUIRED_FOR_SERVICES: return "required_for_services";
    case CTT_REQUIREMENT_OPTIONAL: return "optional";
  }
  return "?";
}

static const char *rejection_name(ctt_rejection r) {
  switch (r) {
    case CTT_REJECTION_NONE: return NULL;
    case CTT_REJECTION_MISSING: return "missing";
    case CTT_REJECTION_MALFORMED: return "malformed";
    case CTT_REJECTION_BAD_SIGNATURE: return "bad_signature";
    case CTT_REJECTION_UNKNOWN_KEY: return "unknown_key";
    case CTT_REJECTION_EXPIRED: return "expired";
    case CTT_REJECTION_FROM_THE_FUTURE: return "from_the_future";
    case CTT_REJECTION_REPLAYED: return "replayed";
  }
  return "?";
}

static const char *expiry_name(ctt_expiry_source s) {
  switch (s) {
    case CTT_EXPIRY_JWT_EXP: return "jwt_exp";
    case CTT_EXPIRY_EPOCH_SECONDS: return "epoch_seconds";
    case CTT_EXPIRY_EPOCH_MILLIS: return "epoch_millis";
    case CTT_EXPIRY_EPOCH_MICROS: return "epoch_micros";
    case CTT_EXPIRY_DURATION_SECONDS: return "duration_seconds";
    case CTT_EXPIRY_UNKNOWN: return "unknown";
  }
  return "?";
}

static const char *event_name(ctt_event_kind k) {
  switch (k) {
    case CTT_EVENT_AUTHENTICATED: return "authenticated";
    case CTT_EVENT_CONSENT_SUCCEEDED: return "consent_succeeded";
    case CTT_EVENT_CONSENT_FAILED: return "consent_failed";
  }
  return "?";
}

/* The outcome of a failed call: {"error": {...}} from the thread's last error. */
static jv *error_outcome(ctt_result code) {
  jv *e = jobj(), *o = jobj();
  char msg[2048], field[128];
  size_t n;
  int64_t ra = ctt_last_error_retry_after_ms();
  uint16_t status = ctt_last_error_status();
  const char *rej = rejection_name(ctt_last_error_rejection());
  CHECK(ctt_last_error_code() == code);
  jset(e, "kind", jstr(ctt_result_name(code)));
  if (ctt_last_error_field(field, sizeof field, &n) == CTT_OK && n > 0) jset(e, "field", jstr(field));
  jset(e, "status", status ? jint(status) : jnull());
  jset(e, "retry_after_secs", ra >= 0 ? jint(ra / 1000) : jnull());
  jset(e, "rejection", jstr(rej));
  ctt_last_error_message(msg, sizeof msg, &n);
  jset(e, "message", jstr(msg));
  jset(o, "error", e);
  return o;
}

static jv *ok_outcome(jv *obj) {
  jv *o = jobj();
  jset(o, "ok", obj);
  return o;
}

static jv *wire(int t) {
  const char *w = NULL;
  ctt_action_type_wire_name(t, &w);
  return jstr(w);
}

/* Copies a string with the buffer protocol: first into a small buffer, then (on
 * CTT_ERR_BUFFER_TOO_SMALL) into one of the size reported. */
typedef ctt_result (*copy_fn)(const ctt_event *, bool *, char *, size_t, size_t *);

static jv *copied_token(const ctt_event *ev, copy_fn f) {
  char small[4];
  size_t need = 0;
  bool present = false;
  ctt_result r = f(ev, &present, small, sizeof small, &need);
  jv *v;
  char *big;
  if (r == CTT_OK) return present ? jstr(small) : jnull();
  CHECK(r == CTT_ERR_BUFFER_TOO_SMALL);
  CHECK(present); /* known even when the buffer is too small */
  CHECK(small[0] == 0);
  big = malloc(need);
  CHECK_OK(f(ev, &present, big, need, &need));
  CHECK(present);
  v = jstr(big);
  memset(big, 0, need); /* a secret: wipe our copy */
  free(big);
  return v;
}

static ctt_result access_token_adapter(const ctt_event *ev, bool *present, char *buf, size_t len, size_t *out) {
  *present = true;
  return ctt_event_copy_access_token(ev, buf, len, out);
}

static jv *consent_url_obj(const ctt_consent_url *u) {
  jv *o = jobj(), *scopes = jarr();
  const char *s;
  bool b;
  size_t n, i;
  ctt_consent_url_host(u, &s); jset(o, "host", jstr(s));
  ctt_consent_url_is_authorize(u, &b); jset(o, "is_authorize", jbool(b));
  ctt_consent_url_client_id(u, &s); jset(o, "client_id", jstr(s));
  ctt_consent_url_response_type(u, &s); jset(o, "response_type", jstr(s));
  ctt_consent_url_response_mode(u, &s); jset(o, "response_mode", jstr(s));
  ctt_consent_url_scope_count(u, &n);
  for (i = 0; i < n; i++) {
    CHECK_OK(ctt_consent_url_scope(u, i, &s));
    jpush(scopes, jstr(s));
  }
  CHECK(ctt_consent_url_scope(u, n, &s) == CTT_ERR_INVALID_INPUT && s == NULL);
  jset(o, "scopes", scopes);
  ctt_consent_url_state(u, &s); jset(o, "state", jstr(s));
  ctt_consent_url_nonce(u, &s); jset(o, "nonce", jstr(s));
  ctt_consent_url_redirect_uri(u, &s); jset(o, "redirect_uri", jstr(s));
  return o;
}

static jv *opt_i64(ctt_result (*f)(const ctt_event *, bool *, int64_t *), const ctt_event *ev) {
  bool present;
  int64_t v;
  CHECK_OK(f(ev, &present, &v));
  return present ? jint(v) : jnull();
}

static jv *opt_bool(ctt_result (*f)(const ctt_event *, bool *, bool *), const ctt_event *ev) {
  bool present, v;
  CHECK_OK(f(ev, &present, &v));
  return present ? jbool(v) : jnull();
}

static jv *event_obj(const ctt_event *ev) {
  jv *o = jobj();
  ctt_event_kind kind;
  const char *s;
  const char *json;
  CHECK_OK(ctt_event_get_kind(ev, &kind));
  jset(o, "event", jstr(event_name(kind)));
  CHECK_OK(ctt_event_to_json(ev, &json));
  CHECK(json != NULL && strstr(json, event_name(kind)) != NULL);
  if (kind != CTT_EVENT_AUTHENTICATED) {
    jv *params = jarr();
    size_t n, i;
    ctt_event_message(ev, &s); jset(o, "message", jstr(s));
    ctt_event_error_code(ev, &s); jset(o, "error_code", jstr(s));
    ctt_event_error_subcode(ev, &s); jset(o, "error_subcode", jstr(s));
    ctt_event_path(ev, &s); jset(o, "path", jstr(s));
    CHECK_OK(ctt_event_param_count(ev, &n));
    for (i = 0; i < n; i++) {
      const char *k, *v;
      jv *pair = jarr();
      CHECK_OK(ctt_event_param(ev, i, &k, &v));
      jpush(pair, jstr(k));
      jpush(pair, jstr(v));
      jpush(params, pair);
    }
    jset(o, "params", params);
  } else {
    bool b;
    ctt_expiry_source src;
    jset(o, "access_token", copied_token(ev, access_token_adapter));
    jset(o, "id_token", copied_token(ev, ctt_event_copy_id_token));
    jset(o, "refresh_token", copied_token(ev, ctt_event_copy_refresh_token));
    ctt_event_access_token_type(ev, &s); jset(o, "access_token_type", jstr(s));
    jset(o, "expires_on_raw", opt_i64(ctt_event_expires_on_raw, ev));
    jset(o, "expires_at", opt_i64(ctt_event_expires_at, ev));
    CHECK_OK(ctt_event_expiry_source(ev, &src)); jset(o, "expiry_source", jstr(expiry_name(src)));
    ctt_event_organization(ev, &s); jset(o, "organization", jstr(s));
    ctt_event_office_user_type(ev, &s); jset(o, "office_user_type", jstr(s));
    jset(o, "company_admin", opt_bool(ctt_event_company_admin, ev));
    jset(o, "contains_teams_tenant_admin_api", opt_bool(ctt_event_contains_teams_tenant_admin_api, ev));
    ctt_event_tenant_id(ev, &s); jset(o, "tenant_id", jstr(s));
    CHECK_OK(ctt_event_tenant_mismatch(ev, &b)); jset(o, "tenant_mismatch", jbool(b));
    CHECK_OK(ctt_event_has_user(ev, &b));
    if (b) {
      jv *u = jobj();
      ctt_event_user_displayable_id(ev, &s); jset(u, "displayable_id", jstr(s));
      ctt_event_user_identity_provider(ev, &s); jset(u, "identity_provider", jstr(s));
      ctt_event_user_tenant_id(ev, &s); jset(u, "tenant_id", jstr(s));
      jset(o, "user", u);
    } else {
      jset(o, "user", jnull());
    }
    CHECK_OK(ctt_event_has_claims(ev, &b));
    if (b) {
      jv *c = jobj(), *scopes = jarr();
      size_t n, i;
      ctt_event_claim_tid(ev, &s); jset(c, "tid", jstr(s));
      ctt_event_claim_oid(ev, &s); jset(c, "oid", jstr(s));
      ctt_event_claim_upn(ev, &s); jset(c, "upn", jstr(s));
      ctt_event_claim_preferred_username(ev, &s); jset(c, "preferred_username", jstr(s));
      CHECK_OK(ctt_event_claim_scope_count(ev, &n));
      for (i = 0; i < n; i++) {
        CHECK_OK(ctt_event_claim_scope(ev, i, &s));
        jpush(scopes, jstr(s));
      }
      jset(c, "scopes", scopes);
      jset(c, "exp", opt_i64(ctt_event_claim_exp, ev));
      jset(o, "claims", c);
    } else {
      jset(o, "claims", jnull());
    }
    /* Secrets never appear in the event's JSON. */
    {
      char tok[8192];
      size_t n;
      if (ctt_event_copy_access_token(ev, tok, sizeof tok, &n) == CTT_OK && n > 3) CHECK(strstr(json, tok) == NULL);
    }
  }
  return o;
}

static jv *state_obj(const ctt_flow_state *st) {
  jv *o = jobj();
  ctt_action_type t;
  const char *s;
  int64_t at;
  CHECK_OK(ctt_flow_state_action_type(st, &t)); jset(o, "action_type", wire((int)t));
  CHECK_OK(ctt_flow_state_enterprise_name(st, &s)); jset(o, "enterprise_name", jstr(s));
  CHECK_OK(ctt_flow_state_issued_at(st, &at)); jset(o, "issued_at", jint(at));
  CHECK_OK(ctt_flow_state_nonce_hex(st, &s)); jset(o, "nonce_hex", jstr(s));
  return o;
}

static size_t unhex(const char *hex, unsigned char *out, size_t cap) {
  size_t n = 0;
  while (hex[0] && hex[1] && n < cap) {
    unsigned int b;
    if (sscanf(hex, "%2x", &b) != 1) break;
    out[n++] = (unsigned char)b;
    hex += 2;
  }
  return n;
}

static jv *run_action_type(const jv *in) {
  ctt_action_type t;
  ctt_requirement req;
  ctt_callback_style style;
  uint32_t mask;
  size_t count, i;
  jv *o, *services;
  ctt_result r = ctt_action_type_from_wire(json_str(in, "wire"), &t);
  if (r != CTT_OK) return error_outcome(r);
  o = jobj();
  jset(o, "wire", wire((int)t));
  jset(o, "code", jint((int64_t)t));
  CHECK_OK(ctt_action_type_requirement((int)t, &req));
  jset(o, "requirement", jstr(requirement_name(req)));
  CHECK_OK(ctt_action_type_callback_style((int)t, &style));
  jset(o, "callback_style", jstr(style == CTT_CALLBACK_STYLE_JSON_POST ? "json_post" : "query_redirect"));
  CHECK_OK(ctt_action_type_services((int)t, &mask));
  CHECK_OK(ctt_action_type_service_count((int)t, &count));
  services = jarr();
  for (i = 0; i < count; i++) {
    ctt_service svc;
    const char *name;
    CHECK_OK(ctt_action_type_service((int)t, i, &svc));
    CHECK((mask & (uint32_t)svc) != 0);
    CHECK_OK(ctt_service_name((int)svc, &name));
    jpush(services, jstr(name));
  }
  jset(o, "services", services);
  return ok_outcome(o);
}

static jv *run_consent_plan(const jv *in) {
  const jv *names = json_get(in, "services");
  uint32_t mask = 0;
  size_t i, n;
  ctt_consent_plan *plan;
  jv *steps;
  ctt_result r;
  for (i = 0; names && i < names->n; i++) {
    ctt_service s;
    r = ctt_service_from_name(names->items[i]->s, &s);
    if (r != CTT_OK) return error_outcome(r);
    mask |= (uint32_t)s;
  }
  r = ctt_consent_plan_new(mask, &plan);
  if (r != CTT_OK) return error_outcome(r);
  steps = jarr();
  CHECK_OK(ctt_consent_plan_len(plan, &n));
  for (i = 0; i < n; i++) {
    ctt_action_type t;
    bool optional;
    jv *step = jobj();
    CHECK_OK(ctt_consent_plan_step(plan, i, &t, &optional));
    jset(step, "action_type", wire((int)t));
    jset(step, "optional", jbool(optional));
    jpush(steps, step);
  }
  ctt_consent_plan_free(plan);
  {
    jv *o = jobj();
    jset(o, "steps", steps);
    return ok_outcome(o);
  }
}

static jv *run_validate(const jv *in) {
  const char *field = json_str(in, "field"), *value = json_str(in, "value");
  char small[2], *big;
  size_t need;
  ctt_result (*f)(const char *, char *, size_t, size_t *) =
      strcmp(field, "enterpriseName") == 0 ? ctt_validate_enterprise_name : ctt_validate_redirect_url;
  ctt_result r = f(value, small, sizeof small, &need);
  jv *o;
  if (r == CTT_OK) {
    o = jobj();
    jset(o, "value", jstr(small));
    return ok_outcome(o);
  }
  if (r != CTT_ERR_BUFFER_TOO_SMALL) return error_outcome(r);
  big = malloc(need);
  r = f(value, big, need, &need);
  CHECK(r == CTT_OK);
  CHECK(need == strlen(big));
  o = jobj();
  jset(o, "value", jstr(big));
  free(big);
  return ok_outcome(o);
}

static jv *event_outcome(ctt_result r, ctt_event *ev) {
  jv *o;
  if (r != CTT_OK) {
    CHECK(ev == NULL);
    return error_outcome(r);
  }
  o = ok_outcome(event_obj(ev));
  ctt_event_free(ev);
  return o;
}

static jv *run_redirect(const jv *in) {
  ctt_event *ev = NULL;
  ctt_result r = ctt_parse_consent_redirect(json_str(in, "url"), &ev);
  return event_outcome(r, ev);
}

static jv *run_auth_result(const jv *in) {
  const jv *body = json_get(in, "body"), *body_json = json_get(in, "body_json");
  const jv *at = json_get(in, "received_at");
  ctt_event *ev = NULL;
  ctt_result r;
  if (body && body->t == J_STR) {
    r = ctt_parse_authentication_result_at((const uint8_t *)body->s, body->n, at->i, &ev);
  } else {
    size_t n;
    char *text = json_write(body_json, &n);
    r = ctt_parse_authentication_result_at((const uint8_t *)text, n, at->i, &ev);
    free(text);
  }
  return event_outcome(r, ev);
}

static jv *run_callback(const jv *in) {
  const jv *body = json_get(in, "body"), *fill = json_get(in, "body_fill"), *limit = json_get(in, "body_limit");
  const char *ct = json_str(in, "content_type");
  ctt_callback_handler *h;
  ctt_event *ev = NULL;
  ctt_result r;
  char *data = NULL;
  size_t len = 0;
  CHECK_OK(ctt_callback_handler_new(&h));
  if (limit && limit->t == J_NUM) CHECK_OK(ctt_callback_handler_set_body_limit(h, (size_t)limit->i));
  if (fill && fill->t == J_OBJ) {
    const jv *byte = json_get(fill, "byte");
    len = (size_t)json_get(fill, "len")->i;
    data = malloc(len + 1);
    memset(data, byte->t == J_STR ? byte->s[0] : (int)byte->i, len);
  } else if (body && body->t == J_STR) {
    len = body->n;
    data = malloc(len + 1);
    memcpy(data, body->s, len);
  }
  r = ctt_callback_handler_handle(h, json_str(in, "method"), json_str(in, "url"), ct ? ct : "",
                                  data ? (const uint8_t *)data : (const uint8_t *)"", len, &ev);
  free(data);
  ctt_callback_handler_free(h);
  return event_outcome(r, ev);
}

static jv *run_action_url_response(const jv *in) {
  const jv *body = json_get(in, "body");
  const char *ra = json_str(in, "retry_after");
  ctt_action_url *u = NULL;
  ctt_result r = ctt_parse_action_url_response((uint16_t)json_get(in, "status")->i, (const uint8_t *)body->s,
                                               body->n, ra ? ra : "", &u);
  jv *o;
  const char *s;
  const ctt_consent_url *c;
  if (r != CTT_OK) {
    CHECK(u == NULL);
    return error_outcome(r);
  }
  o = jobj();
  CHECK_OK(ctt_action_url_url(u, &s));
  jset(o, "url", jstr(s));
  CHECK_OK(ctt_action_url_state_token(u, &s));
  CHECK(s == NULL);
  CHECK_OK(ctt_action_url_consent(u, &c));
  jset(o, "consent", consent_url_obj(c));
  ctt_action_url_free(u);
  return ok_outcome(o);
}

static jv *run_consent_url(const jv *in) {
  ctt_consent_url *u = NULL;
  ctt_result r = ctt_inspect_consent_url(json_str(in, "url"), &u);
  jv *o;
  if (r != CTT_OK) return error_outcome(r);
  o = ok_outcome(consent_url_obj(u));
  ctt_consent_url_free(u);
  return o;
}

static ctt_result make_signer(const jv *in, ctt_flow_signer **out) {
  unsigned char key[256];
  size_t n = unhex(json_str(in, "key_hex"), key, sizeof key);
  const jv *prev = json_get(in, "previous_keys_hex"), *ttl = json_get(in, "ttl_secs"), *rg = json_get(in, "replay_guard");
  size_t i;
  ctt_result r = ctt_flow_signer_new(key, n, out);
  if (r != CTT_OK) return r;
  for (i = 0; prev && prev->t == J_ARR && i < prev->n; i++) {
    n = unhex(prev->items[i]->s, key, sizeof key);
    r = ctt_flow_signer_add_previous_key(*out, key, n);
    if (r != CTT_OK) return r;
  }
  if (ttl && ttl->t == J_NUM) CHECK_OK(ctt_flow_signer_set_ttl_secs(*out, (uint64_t)ttl->i));
  if (rg && rg->t == J_BOOL && rg->b) CHECK_OK(ctt_flow_signer_enable_replay_guard(*out));
  return CTT_OK;
}

static jv *run_state_issue(const jv *in) {
  ctt_flow_signer *s = NULL;
  ctt_action_type t;
  unsigned char nonce[16] = {0};
  char token[512];
  size_t n;
  ctt_result r = make_signer(in, &s);
  jv *o;
  if (r == CTT_OK) r = ctt_action_type_from_wire(json_str(in, "action_type"), &t);
  unhex(json_str(in, "nonce_hex"), nonce, sizeof nonce);
  if (r == CTT_OK)
    r = ctt_flow_signer_issue_at(s, (int)t, json_str(in, "enterprise_name"), json_get(in, "issued_at")->i, nonce,
                                 token, sizeof token, &n);
  if (r != CTT_OK) {
    o = error_outcome(r);
    ctt_flow_signer_free(s);
    return o;
  }
  ctt_flow_signer_free(s);
  o = jobj();
  jset(o, "token", jstr(token));
  return ok_outcome(o);
}

static jv *run_state_verify(const jv *in) {
  ctt_flow_signer *s = NULL;
  const jv *rep = json_get(in, "repeat");
  int64_t times = rep && rep->t == J_NUM ? rep->i : 1, i;
  ctt_result r = make_signer(in, &s);
  jv *o = NULL;
  if (r != CTT_OK) return error_outcome(r);
  for (i = 0; i < times; i++) {
    ctt_flow_state *st = NULL;
    json_free(o);
    r = ctt_flow_signer_verify_at(s, json_str(in, "token"), json_get(in, "now")->i, &st);
    if (r != CTT_OK) {
      o = error_outcome(r);
    } else {
      o = ok_outcome(state_obj(st));
      ctt_flow_state_free(st);
    }
  }
  ctt_flow_signer_free(s);
  return o;
}

static jv *run_case(const jv *in) {
  const char *kind = json_str(in, "kind");
  if (strcmp(kind, "action_type") == 0) return run_action_type(in);
  if (strcmp(kind, "consent_plan") == 0) return run_consent_plan(in);
  if (strcmp(kind, "validate") == 0) return run_validate(in);
  if (strcmp(kind, "redirect") == 0) return run_redirect(in);
  if (strcmp(kind, "auth_result") == 0) return run_auth_result(in);
  if (strcmp(kind, "callback") == 0) return run_callback(in);
  if (strcmp(kind, "action_url_response") == 0) return run_action_url_response(in);
  if (strcmp(kind, "consent_url") == 0) return run_consent_url(in);
  if (strcmp(kind, "state_issue") == 0) return run_state_issue(in);
  if (strcmp(kind, "state_verify") == 0) return run_state_verify(in);
  return NULL;
}

static bool error_matches(const jv *expected, const jv *actual, char *why, size_t wl) {
  size_t i;
  for (i = 0; i < expected->n; i++) {
    const char *key = expected->keys[i];
    const jv *e = expected->items[i];
    if (strcmp(key, "message_contains") == 0) {
      const char *msg = json_str(actual, "message");
      if (!msg || !strstr(msg, e->s)) {
        snprintf(why, wl, "message \"%s\" lacks \"%s\"", msg ? msg : "", e->s);
        return false;
      }
    } else {
      char sub[256];
      if (!json_subset(e, json_get(actual, key), sub, sizeof sub)) {
        snprintf(why, wl, "error.%s: %s", key, sub);
        return false;
      }
    }
  }
  return true;
}

static int run_file(const char *path, int *cases) {
  char err[256], why[512];
  jv *doc = json_parse_file(path, err, sizeof err);
  const jv *list;
  size_t i;
  int failures = 0;
  if (!doc) {
    fprintf(stderr, "FAIL %s: %s\n", path, err);
    t_failed++;
    return 1;
  }
  list = json_get(doc, "cases");
  for (i = 0; list && i < list->n; i++) {
    const jv *c = list->items[i];
    const char *name = json_str(c, "name");
    const jv *expect = json_get(c, "expect");
    const jv *ok = json_get(expect, "ok"), *error = json_get(expect, "error");
    jv *outcome = run_case(json_get(c, "input"));
    bool pass;
    why[0] = 0;
    (*cases)++;
    if (!outcome) {
      pass = false;
      snprintf(why, sizeof why, "unknown input kind");
    } else if (ok) {
      const jv *got = json_get(outcome, "ok");
      pass = got && json_subset(ok, got, why, sizeof why);
      if (!got) snprintf(why, sizeof why, "failed: %s", json_str(json_get(outcome, "error"), "message"));
    } else {
      const jv *got = json_get(outcome, "error");
      pass = got && error_matches(error, got, why, sizeof why);
      if (!got) snprintf(why, sizeof why, "succeeded but an error was expected");
    }
    if (pass) {
      t_passed++;
    } else {
      t_failed++;
      failures++;
      fprintf(stderr, "FAIL fixture %s: %s\n", name, why);
    }
    json_free(outcome);
  }
  json_free(doc);
  return failures;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

void test_fixtures(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *ent;
  char *names[256];
  size_t n = 0, i;
  int cases = 0, failures = 0;
  if (!d) {
    fprintf(stderr, "FAIL: cannot open the fixtures directory %s\n", dir);
    t_failed++;
    return;
  }
  while ((ent = readdir(d)) != NULL && n < 256) {
    size_t l = strlen(ent->d_name);
    if (l > 5 && strcmp(ent->d_name + l - 5, ".json") == 0) {
      names[n] = malloc(strlen(dir) + l + 2);
      sprintf(names[n], "%s/%s", dir, ent->d_name);
      n++;
    }
  }
  closedir(d);
  qsort(names, n, sizeof *names, cmp_str);
  for (i = 0; i < n; i++) {
    failures += run_file(names[i], &cases);
    free(names[i]);
  }
  CHECK(n > 0 && cases > 0);
  printf("fixtures: %d cases in %zu files, %d failed\n", cases, n, failures);
}
