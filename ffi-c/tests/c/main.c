/* The C test suite: fixtures, API conventions, NULL/UTF-8/buffer checks, end to end. */
#include <stdlib.h>

#include "t.h"

int t_passed = 0, t_failed = 0;

int main(int argc, char **argv) {
  const char *fixtures = argc > 1 ? argv[1] : "tests/fixtures/cases";
  test_api();
  test_null_and_utf8();
  test_fixtures(fixtures);
  test_e2e();
  CHECK_OK(ctt_runtime_shutdown(5000));
  printf("%d passed, %d failed\n", t_passed, t_failed);
  return t_failed == 0 ? 0 : 1;
}
