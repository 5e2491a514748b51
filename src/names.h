/*
 * What a node name and an interface name may be: the rules the
 * configuration, the command line and useExitNode share.
 */
#ifndef WGNM_NAMES_H
#define WGNM_NAMES_H

#include <stdbool.h>

#define NAME_MAX_LEN 32		/* a node name, in bytes (WIRE_NAME_MAX) */

/* 1..32 of letters, digits, '-', '_', '.'; else false with *why. */
bool name_valid(const char *name, const char **why);
/* 1..15 characters, not "." or "..", no '/', ':' or space; else false with *why. */
bool ifname_valid(const char *ifname, const char **why);

#endif
