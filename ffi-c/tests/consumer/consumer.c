/* An out-of-tree consumer: built against an installed prefix (pkg-config or CMake). */
#include <ctt.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  const char *wire = NULL;
  char name[64];
  size_t n;
  if (strcmp(ctt_version(), CTT_VERSION_STRING) != 0) return 1;
  if (ctt_action_type_wire_name(CTT_ACTION_USER_SYNC_CONSENT, &wire) != CTT_OK) return 1;
  if (ctt_validate_enterprise_name(" AcmeCorp ", name, sizeof name, &n) != CTT_OK) return 1;
  printf("consumer: libctt %s, %s, \"%s\"\n", ctt_version(), wire, name);
  return strcmp(wire, "GET_USER_SYNC_CONSENT") == 0 && strcmp(name, "AcmeCorp") == 0 ? 0 : 1;
}
