/* Tiny test helpers shared by the C test files. */
#ifndef CTT_TEST_T_H
#define CTT_TEST_T_H

#include <stdio.h>
#include <string.h>

#include "ctt.h"

extern int t_passed, t_failed;

#define CHECK(cond)                                                                   \
  do {                                                                                \
    if (cond) {                                                                       \
      t_passed++;                                                                     \
    } else {                                                                          \
      t_failed++;                                                                     \
      fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                 \
    }                                                                                 \
  } while (0)

#define CHECK_OK(call)                                                                \
  do {                                                                                \
    ctt_result r_ = (call);                                                           \
    if (r_ == CTT_OK) {                                                               \
      t_passed++;                                                                     \
    } else {                                                                          \
      char m_[512];                                                                   \
      size_t n_;                                                                      \
      ctt_last_error_message(m_, sizeof m_, &n_);                                     \
      t_failed++;                                                                     \
      fprintf(stderr, "FAIL %s:%d: %s -> %s (%s)\n", __FILE__, __LINE__, #call,       \
              ctt_result_name(r_), m_);                                               \
    }                                                                                 \
  } while (0)

#define CHECK_STR(a, b)                                                               \
  do {                                                                                \
    const char *a_ = (a), *b_ = (b);                                                  \
    if (a_ && b_ && strcmp(a_, b_) == 0) {                                            \
      t_passed++;                                                                     \
    } else {                                                                          \
      t_failed++;                                                                     \
      fprintf(stderr, "FAIL %s:%d: %s == %s (\"%s\" vs \"%s\")\n", __FILE__, __LINE__, \
              #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)");                        \
    }                                                                                 \
  } while (0)

/* The suites (each file defines one). */
void test_fixtures(const char *cases_dir);
void test_api(void);
void test_null_and_utf8(void);
void test_e2e(void);

#endif
