/* Node and interface names; see names.h. */
#include "names.h"

#include <net/if.h>
#include <string.h>

bool name_valid(const char *name, const char **why)
{
	size_t n = strlen(name);

	if (n == 0 || n > NAME_MAX_LEN) {
		*why = "a name has 1 to 32 characters";
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) {
			*why = "a name may hold only letters, digits, '-', '_' and '.'";
			return false;
		}
	}
	return true;
}

bool ifname_valid(const char *ifname, const char **why)
{
	size_t n = strlen(ifname);

	if (n == 0 || n >= IFNAMSIZ) {
		*why = "an interface name has 1 to 15 characters";
		return false;
	}
	if (strcmp(ifname, ".") == 0 || strcmp(ifname, "..") == 0 ||
	    strpbrk(ifname, "/: \t\n")) {
		*why = "an interface name may not be '.', '..' or hold '/', ':' or spaces";
		return false;
	}
	return true;
}
