#!/bin/sh
# Install the build and test dependencies on Debian, only those missing.
# Called by `make deps` (and so by `make check`); safe to run repeatedly.
# With an argument, only a part: `build` (to compile), `lint` (make lint).
set -eu

BUILD_PKGS="gcc make pkg-config clang libclang-rt-14-dev libsodium-dev libyaml-dev libuv1-dev libmnl-dev libnftnl-dev libcmocka-dev libncurses-dev"
TEST_PKGS="wireguard-go wireguard-tools iproute2 nftables iptables iputils-ping tmux procps mandoc python3 conntrack iperf3 libfaketime valgrind"
# make deb: debhelper (with dpkg-dev: dpkg-buildpackage), lintian checks the package
DEB_PKGS="debhelper lintian"
# make lint (mandoc is among the test packages)
LINT_PKGS="clang-tidy cppcheck shellcheck"

case "${1:-all}" in
build) want="$BUILD_PKGS" ;;
lint) want="$LINT_PKGS mandoc" ;;
*) want="$BUILD_PKGS $TEST_PKGS $DEB_PKGS $LINT_PKGS" ;;
esac

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-deps: missing packages:$missing (no apt-get here; install them by hand)" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing; run as root or install them first" >&2
	exit 1
fi
echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
