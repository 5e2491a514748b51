# shellcheck shell=bash
# Helpers for the netns tests, in the shape of WireGuard's tests/netns.sh:
# every command that changes state is printed before it runs, namespaces
# and interface names carry the test's PID, and the EXIT trap undoes only
# what this test recorded (its namespaces, its PIDs, its temp dir).
#
# Source it from a test script after `set -euo pipefail`:
#   . "$(dirname "$0")/lib.sh"
#
# Exit status 77 means "skipped" to run.sh.

SKIP_STATUS=77
WGNM_TEST=$(basename "$0" .sh)
TEST_NETNS=()
TEST_PIDS=()
TEST_RESTORE=()	# commands that undo host settings a test changed, run on exit
TEST_TMP=$(mktemp -d "/tmp/wgnm-${WGNM_TEST}.XXXXXX")

# fd 3: the progress log, even where stdout is captured.
exec 3>&1

if [ -t 3 ]; then
	pretty() { printf '\033[32m[+] %s\033[0m%s\n' "${1:+$1: }" "$2" >&3; }
else
	pretty() { printf '[+] %s%s\n' "${1:+$1: }" "$2" >&3; }
fi
# Print and run.
pp() { pretty "" "$*"; "$@"; }
# Print and run inside a namespace.
n() { local ns=$1; shift; pretty "$ns" "$*"; ip netns exec "$ns" "$@"; }

fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
skip() { printf 'SKIP: %s\n' "$*"; exit "$SKIP_STATUS"; }

require_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces"
}

# need_tool NAME: skip when an external program is missing.
need_tool() {
	command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed"
}

# ns_new VAR TAG: make namespace wgnm-TAG-$$ with lo up, name into VAR.
ns_new() {
	local name="wgnm-$2-$$"
	pp ip netns add "$name"
	TEST_NETNS+=("$name")
	ip -n "$name" link set lo up
	printf -v "$1" '%s' "$name"
}

# ifname_for TAG: an interface name unique to this test run. The UAPI
# sockets in /var/run/wireguard are shared by all namespaces, so two tests
# (or two nodes of one test) must never use the same name. <= 15 chars.
ifname_for() {
	local n="wg$1$$"
	printf '%s' "${n:0:15}"
}

# bg_run VAR OUTFILE CMD...: start CMD in the background with stdout and
# stderr to OUTFILE, record its PID for cleanup and put it into VAR.
bg_run() {
	local var=$1 out=$2
	shift 2
	pretty "" "$* &"
	"$@" >"$out" 2>&1 &
	TEST_PIDS+=("$!")
	printf -v "$var" '%s' "$!"
}

# track_pid PID: a process started on our behalf (a userspace WireGuard).
track_pid() { TEST_PIDS+=("$1"); }

# wait_for DESC TRIES CMD...: run CMD until it succeeds, at most TRIES
# times 0.1 s apart; fail with DESC otherwise. Bounded in count and time.
wait_for() {
	local desc=$1 tries=$2 i
	shift 2
	for ((i = 0; i < tries; i++)); do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	fail "timed out waiting for: $desc"
}

# wait_gone PID TRIES: wait until PID has exited (it must be our child to
# collect its status; otherwise only its absence is checked).
pid_alive() { kill -0 "$1" 2>/dev/null; }
wait_gone() {
	local pid=$1 tries=$2 i
	for ((i = 0; i < tries; i++)); do
		pid_alive "$pid" || return 0
		sleep 0.1
	done
	fail "process $pid did not exit"
}

# kernel_wg_available NS: can this kernel make a wireguard link?
kernel_wg_available() {
	local probe
	probe=$(ifname_for p)
	if ip -n "$1" link add "$probe" type wireguard 2>/dev/null; then
		ip -n "$1" link del "$probe"
		return 0
	fi
	return 1
}

cleanup() {
	local status=$? pid ns i
	set +e
	for pid in "${TEST_PIDS[@]}"; do
		pid_alive "$pid" && kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${TEST_PIDS[@]}"; do
		for ((i = 0; i < 30; i++)); do
			pid_alive "$pid" || break
			sleep 0.1
		done
		pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null
	done
	for ns in "${TEST_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	for i in "${!TEST_RESTORE[@]}"; do
		eval "${TEST_RESTORE[i]}"
	done
	# WGNM_KEEP_LOGS=DIR: keep the daemons' logs (debugging a flaky run)
	if [ -n "${WGNM_KEEP_LOGS:-}" ] && [ -d "$TEST_TMP" ]; then
		mkdir -p "$WGNM_KEEP_LOGS/$(basename "$TEST_TMP")"
		cp "$TEST_TMP"/*log "$WGNM_KEEP_LOGS/$(basename "$TEST_TMP")/" 2>/dev/null
	fi
	rm -rf "$TEST_TMP"
	exit "$status"
}
trap cleanup EXIT
# Make a signal end the script through the EXIT trap.
trap 'exit 130' INT
trap 'exit 143' TERM HUP
