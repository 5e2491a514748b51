/*
 * sd_notify without libsystemd: READY=1, WATCHDOG=1 and STOPPING=1 as one
 * datagram each to the unix socket named by $NOTIFY_SOCKET (a path, or an
 * abstract name written with a leading '@'). Without $NOTIFY_SOCKET every
 * call is a no-op, so the daemon calls these unconditionally.
 */
#ifndef WGNM_NOTIFY_H
#define WGNM_NOTIFY_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

/* Parse a $NOTIFY_SOCKET value into sun and len. 0 or -EINVAL. Pure. */
int notify_addr(const char *value, struct sockaddr_un *sun, socklen_t *len);
/* Send state ("READY=1\nSTATUS=..."). 0 (also when not supervised) or -errno. */
int notify_send(const char *state);
/*
 * The watchdog interval in microseconds from $WATCHDOG_USEC (only if
 * $WATCHDOG_PID is unset or ours); 0 when no watchdog is asked for.
 */
uint64_t notify_watchdog_usec(void);

#endif
