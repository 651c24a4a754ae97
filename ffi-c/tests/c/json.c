#include "json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const char *p, *end;
  char *err;
  size_t err_len;
} parser;

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) {
    fprintf(stderr, "out of memory\n");
    exit(2);
  }
  return p;
}

static jv *newv(jtype t) {
  jv *v = xmalloc(sizeof *v);
  memset(v, 0, sizeof *v);
  v->t = t;
  return v;
}

static void fail(parser *ps, const char *msg) {
  if (ps->err && ps->err[0] == 0) snprintf(ps->err, ps->err_len, "%s", msg);
}

static void ws(parser *ps) {
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t')) ps->p++;
}

static jv *parse_value(parser *ps, int depth);

static void put_utf8(char **buf, size_t *n, size_t *cap, uint32_t cp) {
  char tmp[4];
  size_t k = 0;
  if (cp < 0x80) {
    tmp[k++] = (char)cp;
  } else if (cp < 0x800) {
    tmp[k++] = (char)(0xC0 | (cp >> 6));
    tmp[k++] = (char)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    tmp[k++] = (char)(0xE0 | (cp >> 12));
    tmp[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
    tmp[k++] = (char)(0x80 | (cp & 0x3F));
  } else {
    tmp[k++] = (char)(0xF0 | (cp >> 18));
    tmp[k++] = (char)(0x80 | ((cp >> 12) & 0x3F));
    tmp[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
    tmp[k++] = (char)(0x80 | (cp & 0x3F));
  }
  while (*n + k + 1 > *cap) {
    *cap *= 2;
    *buf = realloc(*buf, *cap);
    if (!*buf) exit(2);
  }
  memcpy(*buf + *n, tmp, k);
  *n += k;
}

static int hex4(parser *ps, uint32_t *out) {
  uint32_t v = 0;
  int i;
  if (ps->end - ps->p < 4) return 0;
  for (i = 0; i < 4; i++) {
    char c = ps->p[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
    else return 0;
  }
  ps->p += 4;
  *out = v;
  return 1;
}

static char *parse_string_raw(parser *ps, size_t *len) {
  size_t cap = 32, n = 0;
  char *buf;
  if (ps->p >= ps->end || *ps->p != '"') {
    fail(ps, "expected a string");
    return NULL;
  }
  ps->p++;
  buf = xmalloc(cap);
  while (ps->p < ps->end && *ps->p != '"') {
    char c = *ps->p++;
    if (c == '\\') {
      char e;
      if (ps->p >= ps->end) break;
      e = *ps->p++;
      switch (e) {
        case 'n': c = '\n'; break;
        case 't': c = '\t'; break;
        case 'r': c = '\r'; break;
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        case '/': c = '/'; break;
        case '\\': c = '\\'; break;
        case '"': c = '"'; break;
        case 'u': {
          uint32_t cp, lo;
          if (!hex4(ps, &cp)) goto bad;
          if (cp >= 0xD800 && cp < 0xDC00 && ps->end - ps->p >= 6 && ps->p[0] == '\\' && ps->p[1] == 'u') {
            ps->p += 2;
            if (!hex4(ps, &lo)) goto bad;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          put_utf8(&buf, &n, &cap, cp);
          continue;
        }
        default: goto bad;
      }
    }
    put_utf8(&buf, &n, &cap, (unsigned char)c < 0x80 ? (uint32_t)(unsigned char)c : 0);
    if ((unsigned char)c >= 0x80) buf[n - 1] = c; /* raw UTF-8 byte: copy as is */
  }
  if (ps->p >= ps->end) goto bad;
  ps->p++;
  buf[n] = 0;
  *len = n;
  return buf;
bad:
  free(buf);
  fail(ps, "bad string");
  return NULL;
}

static jv *parse_value(parser *ps, int depth) {
  jv *v;
  ws(ps);
  if (ps->p >= ps->end || depth > 64) {
    fail(ps, "unexpected end");
    return NULL;
  }
  switch (*ps->p) {
    case '{':
      v = newv(J_OBJ);
      ps->p++;
      ws(ps);
      if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        return v;
      }
      for (;;) {
        size_t kl;
        char *k;
        jv *val;
        ws(ps);
        k = parse_string_raw(ps, &kl);
        if (!k) goto bad;
        ws(ps);
        if (ps->p >= ps->end || *ps->p != ':') {
          free(k);
          fail(ps, "expected :");
          goto bad;
        }
        ps->p++;
        val = parse_value(ps, depth + 1);
        if (!val) {
          free(k);
          goto bad;
        }
        jset(v, k, val);
        free(k);
        ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
          ps->p++;
          continue;
        }
        if (ps->p < ps->end && *ps->p == '}') {
          ps->p++;
          return v;
        }
        fail(ps, "expected , or }");
        goto bad;
      }
    case '[':
      v = newv(J_ARR);
      ps->p++;
      ws(ps);
      if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
        return v;
      }
      for (;;) {
        jv *val = parse_value(ps, depth + 1);
        if (!val) goto bad;
        jpush(v, val);
        ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
          ps->p++;
          continue;
        }
        if (ps->p < ps->end && *ps->p == ']') {
          ps->p++;
          return v;
        }
        fail(ps, "expected , or ]");
        goto bad;
      }
    case '"': {
      size_t n;
      char *s = parse_string_raw(ps, &n);
      if (!s) return NULL;
      v = newv(J_STR);
      v->s = s;
      v->n = n;
      return v;
    }
    case 't':
      if (ps->end - ps->p >= 4 && memcmp(ps->p, "true", 4) == 0) {
        ps->p += 4;
        return jbool(true);
      }
      break;
    case 'f':
      if (ps->end - ps->p >= 5 && memcmp(ps->p, "false", 5) == 0) {
        ps->p += 5;
        return jbool(false);
      }
      break;
    case 'n':
      if (ps->end - ps->p >= 4 && memcmp(ps->p, "null", 4) == 0) {
        ps->p += 4;
        return jnull();
      }
      break;
    default: {
      char tmp[64];
      size_t k = 0;
      bool is_int = true;
      while (ps->p < ps->end && k < sizeof tmp - 1 && strchr("+-0123456789.eE", *ps->p)) {
        if (strchr(".eE", *ps->p)) is_int = false;
        tmp[k++] = *ps->p++;
      }
      tmp[k] = 0;
      if (k == 0) break;
      v = newv(J_NUM);
      v->d = strtod(tmp, NULL);
      if (is_int) {
        errno = 0;
        v->i = strtoll(tmp, NULL, 10);
        v->is_int = errno == 0;
      }
      return v;
    }
  }
  fail(ps, "unexpected character");
  return NULL;
bad:
  json_free(v);
  return NULL;
}

jv *json_parse(const char *text, size_t len, char *err, size_t err_len) {
  parser ps;
  jv *v;
  ps.p = text;
  ps.end = text + len;
  ps.err = err;
  ps.err_len = err_len;
  if (err && err_len) err[0] = 0;
  v = parse_value(&ps, 0);
  if (v) {
    ws(&ps);
    if (ps.p != ps.end) {
      fail(&ps, "trailing characters");
      json_free(v);
      return NULL;
    }
  }
  return v;
}

jv *json_parse_file(const char *path, char *err, size_t err_len) {
  FILE *f = fopen(path, "rb");
  char *buf;
  long n;
  jv *v;
  if (!f) {
    snprintf(err, err_len, "cannot open %s", path);
    return NULL;
  }
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  buf = xmalloc((size_t)n + 1);
  if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
    fclose(f);
    free(buf);
    snprintf(err, err_len, "cannot read %s", path);
    return NULL;
  }
  fclose(f);
  v = json_parse(buf, (size_t)n, err, err_len);
  free(buf);
  return v;
}

void json_free(jv *v) {
  size_t i;
  if (!v) return;
  for (i = 0; i < v->n && (v->t == J_ARR || v->t == J_OBJ); i++) {
    json_free(v->items[i]);
    if (v->t == J_OBJ) free(v->keys[i]);
  }
  free(v->items);
  free(v->keys);
  free(v->s);
  free(v);
}

const jv *json_get(const jv *obj, const char *key) {
  size_t i;
  if (!obj || obj->t != J_OBJ) return NULL;
  for (i = 0; i < obj->n; i++)
    if (strcmp(obj->keys[i], key) == 0) return obj->items[i];
  return NULL;
}

const char *json_str(const jv *obj, const char *key) {
  const jv *v = json_get(obj, key);
  return v && v->t == J_STR ? v->s : NULL;
}

jv *jnull(void) { return newv(J_NULL); }
jv *jbool(bool b) {
  jv *v = newv(J_BOOL);
  v->b = b;
  return v;
}
jv *jint(int64_t i) {
  jv *v = newv(J_NUM);
  v->is_int = true;
  v->i = i;
  v->d = (double)i;
  return v;
}
jv *jstrn(const char *s, size_t n) {
  jv *v = newv(J_STR);
  v->s = xmalloc(n + 1);
  memcpy(v->s, s, n);
  v->s[n] = 0;
  v->n = n;
  return v;
}
jv *jstr(const char *s) { return s ? jstrn(s, strlen(s)) : jnull(); }
jv *jarr(void) { return newv(J_ARR); }
jv *jobj(void) { return newv(J_OBJ); }

static void grow(jv *c) {
  c->items = realloc(c->items, (c->n + 1) * sizeof *c->items);
  if (!c->items) exit(2);
  if (c->t == J_OBJ) {
    c->keys = realloc(c->keys, (c->n + 1) * sizeof *c->keys);
    if (!c->keys) exit(2);
  }
}

void jpush(jv *arr, jv *val) {
  grow(arr);
  arr->items[arr->n++] = val;
}

void jset(jv *obj, const char *key, jv *val) {
  size_t kl = strlen(key);
  grow(obj);
  obj->keys[obj->n] = xmalloc(kl + 1);
  memcpy(obj->keys[obj->n], key, kl + 1);
  obj->items[obj->n++] = val;
}

typedef struct {
  char *b;
  size_t n, cap;
} sbuf;

static void sb_put(sbuf *sb, const char *s, size_t n) {
  while (sb->n + n + 1 > sb->cap) {
    sb->cap = sb->cap ? sb->cap * 2 : 256;
    sb->b = realloc(sb->b, sb->cap);
    if (!sb->b) exit(2);
  }
  memcpy(sb->b + sb->n, s, n);
  sb->n += n;
  sb->b[sb->n] = 0;
}

static void write_str(sbuf *sb, const char *s, size_t n) {
  size_t i;
  sb_put(sb, "\"", 1);
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    char tmp[8];
    if (c == '"' || c == '\\') {
      tmp[0] = '\\';
      tmp[1] = (char)c;
      sb_put(sb, tmp, 2);
    } else if (c == '\n') sb_put(sb, "\\n", 2);
    else if (c == '\t') sb_put(sb, "\\t", 2);
    else if (c == '\r') sb_put(sb, "\\r", 2);
    else if (c < 0x20) {
      snprintf(tmp, sizeof tmp, "\\u%04x", c);
      sb_put(sb, tmp, 6);
    } else sb_put(sb, (const char *)&s[i], 1);
  }
  sb_put(sb, "\"", 1);
}

static void write_v(sbuf *sb, const jv *v) {
  char tmp[64];
  size_t i;
  switch (v->t) {
    case J_NULL: sb_put(sb, "null", 4); break;
    case J_BOOL: v->b ? sb_put(sb, "true", 4) : sb_put(sb, "false", 5); break;
    case J_NUM:
      if (v->is_int) snprintf(tmp, sizeof tmp, "%lld", (long long)v->i);
      else snprintf(tmp, sizeof tmp, "%.17g", v->d);
      sb_put(sb, tmp, strlen(tmp));
      break;
    case J_STR: write_str(sb, v->s, v->n); break;
    case J_ARR:
      sb_put(sb, "[", 1);
      for (i = 0; i < v->n; i++) {
        if (i) sb_put(sb, ",", 1);
        write_v(sb, v->items[i]);
      }
      sb_put(sb, "]", 1);
      break;
    case J_OBJ:
      sb_put(sb, "{", 1);
      for (i = 0; i < v->n; i++) {
        if (i) sb_put(sb, ",", 1);
        write_str(sb, v->keys[i], strlen(v->keys[i]));
        sb_put(sb, ":", 1);
        write_v(sb, v->items[i]);
      }
      sb_put(sb, "}", 1);
      break;
  }
}

char *json_write(const jv *v, size_t *len) {
  sbuf sb = {NULL, 0, 0};
  write_v(&sb, v);
  *len = sb.n;
  return sb.b;
}

static bool num_eq(const jv *a, const jv *b) {
  if (a->is_int && b->is_int) return a->i == b->i;
  return a->d == b->d;
}

bool json_subset(const jv *e, const jv *a, char *where, size_t wl) {
  size_t i;
  if (e->t == J_NULL) {
    if (!a || a->t == J_NULL) return true;
    snprintf(where, wl, "expected null");
    return false;
  }
  if (!a) {
    snprintf(where, wl, "missing");
    return false;
  }
  if (e->t != a->t) {
    snprintf(where, wl, "type differs");
    return false;
  }
  switch (e->t) {
    case J_BOOL: if (e->b == a->b) return true; break;
    case J_NUM: if (num_eq(e, a)) return true; break;
    case J_STR: if (e->n == a->n && memcmp(e->s, a->s, e->n) == 0) return true; break;
    case J_ARR:
      if (e->n != a->n) {
        snprintf(where, wl, "array length %zu != %zu", a->n, e->n);
        return false;
      }
      for (i = 0; i < e->n; i++) {
        char sub[256];
        if (!json_subset(e->items[i], a->items[i], sub, sizeof sub)) {
          snprintf(where, wl, "[%zu]: %s", i, sub);
          return false;
        }
      }
      return true;
    case J_OBJ:
      for (i = 0; i < e->n; i++) {
        char sub[256];
        if (!json_subset(e->items[i], json_get(a, e->keys[i]), sub, sizeof sub)) {
          snprintf(where, wl, ".%s: %s", e->keys[i], sub);
          return false;
        }
      }
      return true;
    default: break;
  }
  snprintf(where, wl, "value differs");
  return false;
}
