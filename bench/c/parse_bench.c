/* Callback parsing in C: libctt (ctt_parse_authentication_result + the field accessors) against
 * cJSON extracting the same fields. Both copy the two tokens into caller buffers and read every
 * other field as a borrowed pointer/scalar, as a C user would.
 *
 *   parse_bench ITERS ROUNDS FILE...
 *
 * Prints "parse <TAB> contender <TAB> file <TAB> round <TAB> ns-per-parse" lines. */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <ctt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct fields {
    char access_token[4096];
    char id_token[4096];
    size_t access_len, id_len;
    const char *access_token_type, *displayable_id, *identity_provider, *user_tenant_id;
    const char *tenant_id, *reseller_id, *organization, *office_user_type;
    int64_t expires_on;
    bool has_expires_on, company_admin, teams_admin, multi_rrt;
};

static volatile size_t sink;

static void consume(const struct fields *f) {
    sink += f->access_len + f->id_len + (size_t)f->expires_on + (f->organization ? strlen(f->organization) : 0) +
            (f->displayable_id ? 1 : 0) + (f->office_user_type ? 1 : 0) + (f->company_admin ? 1 : 0);
}

static int with_ctt(const uint8_t *body, size_t len) {
    struct fields f = {0};
    ctt_event *ev = NULL;
    if (ctt_parse_authentication_result(body, len, &ev) != CTT_OK) return -1;
    bool present = false;
    if (ctt_event_copy_access_token(ev, f.access_token, sizeof f.access_token, &f.access_len) != CTT_OK) return -1;
    ctt_event_copy_id_token(ev, &present, f.id_token, sizeof f.id_token, &f.id_len);
    ctt_event_access_token_type(ev, &f.access_token_type);
    ctt_event_expires_on_raw(ev, &f.has_expires_on, &f.expires_on);
    ctt_event_user_displayable_id(ev, &f.displayable_id);
    ctt_event_user_identity_provider(ev, &f.identity_provider);
    ctt_event_user_tenant_id(ev, &f.user_tenant_id);
    ctt_event_tenant_id(ev, &f.tenant_id);
    ctt_event_reseller_id(ev, &f.reseller_id);
    ctt_event_organization(ev, &f.organization);
    ctt_event_office_user_type(ev, &f.office_user_type);
    ctt_event_company_admin(ev, &present, &f.company_admin);
    ctt_event_contains_teams_tenant_admin_api(ev, &present, &f.teams_admin);
    consume(&f);
    ctt_event_free(ev);
    return 0;
}

static const char *str_of(const cJSON *obj, const char *name) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool bool_of(const cJSON *obj, const char *name) {
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, name));
}

static size_t copy_str(char *dst, size_t cap, const char *src) {
    if (!src) { dst[0] = 0; return 0; }
    size_t n = strlen(src);
    if (n >= cap) n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
    return n;
}

static int with_cjson(const uint8_t *body, size_t len) {
    struct fields f = {0};
    cJSON *root = cJSON_ParseWithLength((const char *)body, len);
    if (!root) return -1;
    const cJSON *msal = cJSON_GetObjectItemCaseSensitive(root, "msalAuthenticationResult");
    const cJSON *auth = cJSON_GetObjectItemCaseSensitive(msal, "authenticationResult");
    const char *at = str_of(auth, "accessToken");
    if (!at || !*at) { cJSON_Delete(root); return -1; }
    f.access_len = copy_str(f.access_token, sizeof f.access_token, at);
    f.id_len = copy_str(f.id_token, sizeof f.id_token, str_of(auth, "idToken"));
    f.access_token_type = str_of(auth, "accessTokenType");
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(auth, "expiresOn");
    if (cJSON_IsNumber(exp)) { f.has_expires_on = true; f.expires_on = (int64_t)exp->valuedouble; }
    f.multi_rrt = bool_of(auth, "multipleResourceRefreshToken");
    const cJSON *user = cJSON_GetObjectItemCaseSensitive(auth, "userInfo");
    f.displayable_id = str_of(user, "displayableId");
    f.identity_provider = str_of(user, "identityProvider");
    f.user_tenant_id = str_of(user, "tenantId");
    f.tenant_id = str_of(msal, "tenantId");
    f.reseller_id = str_of(msal, "resellerId");
    f.organization = str_of(root, "organization");
    f.office_user_type = str_of(root, "officeUserType");
    f.company_admin = bool_of(root, "companyAdmin");
    f.teams_admin = bool_of(root, "containsTeamsTenantAdminAPI");
    consume(&f);
    cJSON_Delete(root);
    return 0;
}

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double per_op(int (*fn)(const uint8_t *, size_t), const uint8_t *body, size_t len, long iters) {
    double start = now_ns();
    for (long i = 0; i < iters; i++) {
        if (fn(body, len) != 0) {
            fprintf(stderr, "parse_bench: a parser failed\n");
            exit(1);
        }
    }
    return (now_ns() - start) / (double)iters;
}

static uint8_t *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(2); }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) { perror(path); exit(2); }
    buf[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return buf;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: parse_bench ITERS ROUNDS FILE...\n");
        return 2;
    }
    long iters = atol(argv[1]);
    int rounds = atoi(argv[2]);
    struct { const char *name; int (*fn)(const uint8_t *, size_t); } cs[2] = {
        {"C libctt (ctt_parse_authentication_result + accessors)", with_ctt},
        {"C cJSON (same fields)", with_cjson},
    };
    for (int a = 3; a < argc; a++) {
        size_t len;
        uint8_t *body = slurp(argv[a], &len);
        per_op(with_ctt, body, len, iters / 10 + 1);
        per_op(with_cjson, body, len, iters / 10 + 1);
        free(body);
    }
    for (int r = 0; r < rounds; r++) {
        for (int a = 3; a < argc; a++) {
            size_t len;
            uint8_t *body = slurp(argv[a], &len);
            const char *base = strrchr(argv[a], '/');
            base = base ? base + 1 : argv[a];
            for (int k = 0; k < 2; k++) {
                int c = (r % 2 == 0) ? k : 1 - k;
                printf("parse\t%s\t%s\t%d\t%.1f\n", cs[c].name, base, r, per_op(cs[c].fn, body, len, iters));
                fflush(stdout);
            }
            free(body);
        }
    }
    return 0;
}
