/* A small JSON reader and writer for the C tests (test code only: libctt parses nothing by
 * hand). Strings keep their length, so they may hold NULs. */
#ifndef CTT_TEST_JSON_H
#define CTT_TEST_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype;

typedef struct jv {
  jtype t;
  bool b;
  bool is_int;
  int64_t i;
  double d;
  char *s; /* J_STR: NUL-terminated, may hold NULs; length in n */
  size_t n; /* J_STR: length; J_ARR/J_OBJ: element count */
  struct jv **items; /* J_ARR: values; J_OBJ: values */
  char **keys; /* J_OBJ: keys */
} jv;

jv *json_parse(const char *text, size_t len, char *err, size_t err_len);
jv *json_parse_file(const char *path, char *err, size_t err_len);
void json_free(jv *v);
const jv *json_get(const jv *obj, const char *key); /* NULL when absent or not an object */
const char *json_str(const jv *obj, const char *key); /* NULL unless a string */
/* Serialises compactly into a new malloc'd buffer; *len receives its length. */
char *json_write(const jv *v, size_t *len);

/* Builders (each returns a new value; object/array functions take ownership of `val`). */
jv *jnull(void);
jv *jbool(bool b);
jv *jint(int64_t i);
jv *jstr(const char *s); /* NULL gives JSON null */
jv *jstrn(const char *s, size_t n);
jv *jarr(void);
jv *jobj(void);
void jpush(jv *arr, jv *val);
void jset(jv *obj, const char *key, jv *val);

/* The fixtures' comparison: `expected` is a subset of `actual` (see tests/fixtures/README.md).
 * On a mismatch writes a path to `where`. */
bool json_subset(const jv *expected, const jv *actual, char *where, size_t where_len);

#endif
