#!/bin/bash
# Control clients that hang up: a monitoring script's timeout, `top` quit
# during a refresh. 300 clients ask for `status json` or `metrics` and
# close at once without reading, some with a reset (SO_LINGER 0), some
# after half a request. The daemon must neither die (SIGPIPE used to end
# it with status 141, no goodbye, a stale socket) nor keep the clients:
# afterwards it still answers, and a clean stop exits 0.
set -euo pipefail
# shellcheck source=netns-tests/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=netns-tests/mesh-lib.sh
. "$(dirname "$0")/mesh-lib.sh"
require_root
need_tool python3

NS='' P=''
ns_new NS pipe
IF=$(ifname_for p)
RUN=$TEST_TMP/run
write_net_yaml "$TEST_TMP/net.yaml" "192.0.2.2:50002 50502 10.1.1.2"
start_node P "$NS" alice 10.1.1.1 "$IF" --run-dir "$RUN"
serving() { ip netns exec "$NS" "$DAEMON" status -i "$IF" --run-dir "$RUN" >/dev/null 2>&1; }
wait_for "alice serving" 100 serving

pretty "" "300 clients that hang up on $RUN/$IF.sock"
SOCK="$RUN/$IF.sock" timeout 60 python3 - <<'PY' || true
import os, socket, struct, sys
path = os.environ["SOCK"]
for i in range(300):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
    except OSError as e:
        sys.exit("client %d: %s: the daemon is gone" % (i, e))
    req = [b"status json\n", b"metrics\n", b"status\n", b"metrics\nstatus json\nmetrics\n"][i % 4]
    if i % 7 == 3:
        req = req[:3]            # half a request, then gone
    try:
        s.sendall(req)
    except OSError:              # "too many clients": closed on us first
        pass
    if i % 5 == 0:               # a reset rather than a FIN
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
PY
if ! pid_alive "$P"; then
	st=0
	wait "$P" || st=$?
	fail "the daemon ended (status $st) when clients hung up"
fi
wait_for "alice still serving" 50 serving
# into a variable: `| grep -q` would close the pipe on the client (SIGPIPE,
# and pipefail would count that as a failure)
out=$(ip netns exec "$NS" "$DAEMON" metrics -i "$IF" --run-dir "$RUN")
grep -q '^wgnm_uptime_seconds' <<<"$out" || fail "metrics after the hang-ups"
pp kill -TERM "$P"
wait "$P" || fail "alice exited with status $?"
[ ! -e "$RUN/$IF.sock" ] || fail "the control socket was left behind"
echo ok
