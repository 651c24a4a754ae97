#include "t.h"
void test_null_and_utf8(void) {}
