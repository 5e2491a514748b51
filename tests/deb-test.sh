#!/bin/sh
# The Debian package end to end: build it (make deb), install it with
# dpkg -i, run the installed daemon's `check` on the installed examples,
# look at every file that should be there, purge it, and show that nothing
# it installed is left.
#
# It installs a package on this machine, so it runs only as root on a dpkg
# system, one run at a time (a lock in /run/lock), and never over anything
# it did not put there: a wg-netmanager package dpkg already knows, or any
# of the package's files or its own directories already on disk, makes it
# skip (exit 77) without touching them. What it installed it purges, also
# when it fails or is interrupted; a run killed before that leaves a marker,
# and the next run purges what that run installed. DEB_TEST=0 skips it.
# Every step is bounded in time.
set -eu

PKG=wg-netmanager
DOC=/usr/share/doc/$PKG
LOCK=/run/lock/$PKG-deb-test.lock
MARKER=/var/tmp/$PKG-deb-test.installed
MAKE=${MAKE:-make}

say() { printf 'deb-test: %s\n' "$*"; }
skip() { say "SKIP: $*"; exit 77; }
fail() { say "FAIL: $*"; exit 1; }

[ "${DEB_TEST:-1}" != 0 ] || skip "DEB_TEST=0"
[ "$(id -u)" -eq 0 ] || skip "installs a package: run as root"
for t in dpkg dpkg-deb dpkg-query dpkg-buildpackage dh timeout flock find; do
	command -v "$t" >/dev/null 2>&1 || skip "$t is missing (make deps installs debhelper)"
done

cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/$PKG-deb-test.XXXXXX")
installed=0

# dpkg refuses at once while apt or another dpkg holds its lock: wait for
# it, bounded (another session may be installing packages).
dpkg_run() {
	n=0
	while :; do
		if timeout 300 dpkg "$@" >"$work/dpkg.out" 2>&1; then
			cat "$work/dpkg.out"
			return 0
		fi
		if ! grep -q 'lock' "$work/dpkg.out" || [ "$n" -ge 120 ]; then
			cat "$work/dpkg.out"
			return 1
		fi
		n=$((n + 1))
		sleep 1
	done
}

# dpkg knows the package in some state other than not-installed
# (installed, half-installed, or removed with its configuration kept).
known() {
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$PKG" 2>/dev/null) || return 1
	case "$st" in ?n*) return 1 ;; esac
	return 0
}

purge() {
	say "dpkg --purge $PKG"
	dpkg_run --purge "$PKG" || return 1
	rm -f "$MARKER"
	installed=0
}

cleanup() {
	rc=$?
	if [ "$installed" = 1 ] && known; then
		purge || say "could not purge $PKG: dpkg --purge $PKG by hand"
	fi
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

exec 9>>"$LOCK"
flock -w 900 9 || skip "another deb-test still runs after 15 min ($LOCK)"

if known; then
	if [ -f "$MARKER" ]; then
		say "$PKG was left installed by an interrupted run ($(cat "$MARKER")): purging it"
		installed=1
		purge || fail "could not purge what an earlier run installed"
	else
		skip "$PKG is installed and not by this test ($(dpkg-query -W -f='${Version} ${db:Status-Abbrev}' "$PKG")): not touching it"
	fi
fi
rm -f "$MARKER"

say "make deb"
timeout 900 "$MAKE" --no-print-directory deb >"$work/build.out" 2>&1 || {
	cat "$work/build.out"
	fail "make deb"
}
set -- build/deb/"$PKG"_*_*.deb
if [ $# -ne 1 ] || [ ! -f "$1" ]; then fail "expected one ${PKG}_*.deb in build/deb, found: $*"; fi
deb=$1
say "built $deb"

# Declared dependencies: shared libraries from dh_shlibdeps, WireGuard's tools
# recommended, the userspace implementation suggested.
dep=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libsodium23 libyaml-0-2 libuv1 libmnl0; do
	case ", $dep" in *", $lib"*) ;; *) fail "Depends lacks $lib: $dep" ;; esac
done
[ "$(dpkg-deb -f "$deb" Recommends)" = wireguard-tools ] || fail "Recommends: $(dpkg-deb -f "$deb" Recommends)"
[ "$(dpkg-deb -f "$deb" Suggests)" = wireguard-go ] || fail "Suggests: $(dpkg-deb -f "$deb" Suggests)"

# Nothing of the package may be on disk already: its files would be
# overwritten, its own directories (owned by no package) purged.
dpkg-deb --fsys-tarfile "$deb" | tar -tvf - |
	awk '{ p = $6; sub(/^\./, "", p); sub(/\/$/, "", p); if (p != "") print substr($1, 1, 1), p }' |
	sort -k2 >"$work/entries"
cut -d' ' -f2- "$work/entries" >"$work/paths"
while read -r type p; do
	if [ "$type" = d ]; then
		if [ -e "$p" ] && ! dpkg-query -S "$p" >/dev/null 2>&1; then
			skip "directory $p is already there, owned by no package: not installing into it"
		fi
	elif [ -e "$p" ] || [ -L "$p" ]; then
		skip "$p is already there and not from this test: not installing over it"
	fi
done <"$work/entries"
[ -s "$work/paths" ] || fail "no paths in $deb"

# What there is before, where a package leaves things: all of /etc and
# /usr, and what bears its name elsewhere.
roots="/etc /usr /var/lib/dpkg/info"
[ -L /lib ] || roots="$roots /lib"
for d in /var/lib/systemd/deb-systemd-helper-enabled /var/lib/systemd/deb-systemd-helper-masked; do
	[ -d "$d" ] && roots="$roots $d"
done
snapshot() {
	{
		# shellcheck disable=SC2086
		timeout 300 find $roots -xdev 2>/dev/null || true
		timeout 300 find /var /opt /srv -xdev \( -name '*wg_netmanager*' -o -name '*wg-netmanager*' \) \
			2>/dev/null || true
	} | sort -u >"$1"
}
snapshot "$work/before"
[ -s "$work/before" ] || fail "could not list the file system"

say "dpkg -i $deb"
printf '%s from %s, pid %s\n' "$(date -u +%FT%TZ)" "$(pwd)" "$$" >"$MARKER"
installed=1
dpkg_run -i "$deb" || fail "dpkg -i"
known || fail "$PKG not installed after dpkg -i"
[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$PKG")" = "ii " ] || fail "status $(dpkg-query -W -f='${db:Status-Abbrev}' "$PKG")"
out=$(dpkg --verify "$PKG" 2>&1) || fail "dpkg --verify: $out"
[ -z "$out" ] || fail "dpkg --verify: $out"

# The files, where they belong.
bin=/usr/sbin/wg_netmanager
if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then fail "$bin missing or not executable"; fi
v=$(timeout 10 "$bin" -V) || fail "$bin -V"
case "$v" in "wg_netmanager $(dpkg-query -W -f='${Version}' "$PKG")"*) ;; *) fail "$bin -V: $v" ;; esac
for m in /usr/share/man/man8/wg_netmanager.8.gz /usr/share/man/man5/wg_netmanager.yaml.5.gz; do
	[ -f "$m" ] || fail "$m missing"
	gzip -dc "$m" >"$work/man"
	# paths of this package under the build's prefix, not the installed one
	# (the userspace WireGuard's search list names /usr/local/sbin rightly)
	ours='/usr/local/(s?bin/wg_netmanager|share/(doc|man)/|etc/wg_netmanager)'
	! grep -qE "$ours" "$work/man" || fail "$m names /usr/local: $(grep -nE "$ours" "$work/man")"
done
gzip -dc /usr/share/man/man8/wg_netmanager.8.gz | grep -q "^\.Pa $DOC" ||
	fail "wg_netmanager(8) does not point at $DOC"
unit=$(dpkg-query -L "$PKG" | grep '/systemd/system/wg_netmanager@\.service$') || fail "no systemd unit in the package"
case "$unit" in /lib/systemd/system/* | /usr/lib/systemd/system/*) ;; *) fail "unit at $unit" ;; esac
[ -f "$unit" ] || fail "$unit missing"
grep -q "^ExecStart=$bin " "$unit" || fail "$unit: ExecStart is not $bin: $(grep ^ExecStart "$unit")"
! grep -q /usr/local "$unit" || fail "$unit names /usr/local"
# ProtectSystem=strict: without it the revocations are never kept on disk
grep -q '^StateDirectory=wg_netmanager$' "$unit" ||
	fail "$unit names no StateDirectory: /var/lib/wg_netmanager is read-only under it"
for f in GUIDE.md PROTOCOL.md BACKENDS.md README.md; do
	[ -f "$DOC/$f" ] || [ -f "$DOC/$f.gz" ] || fail "$DOC/$f missing"
done
for f in net.example.yaml peer.example.yaml copyright; do
	[ -f "$DOC/$f" ] || fail "$DOC/$f missing"
done
[ "$(stat -c '%a %U:%G' /etc/wg_netmanager)" = "700 root:root" ] ||
	fail "/etc/wg_netmanager is $(stat -c '%a %U:%G' /etc/wg_netmanager), not 700 root:root"

# The installed daemon checks the installed examples (it links and runs),
# and still refuses an incomplete configuration.
say "$bin check -c $DOC/net.example.yaml -p $DOC/peer.example.yaml"
timeout 30 "$bin" check -c "$DOC/net.example.yaml" -p "$DOC/peer.example.yaml" >"$work/check.out" 2>&1 || {
	cat "$work/check.out"
	fail "check on the installed examples"
}
cat "$work/check.out"
grep -q '^name: *charlie$' "$work/check.out" || fail "check did not print the example's node name"
grep -q '^wgIp: *10\.1\.1\.21$' "$work/check.out" || fail "check did not print the example's wgIp"
rc=0
timeout 30 "$bin" check -c "$DOC/net.example.yaml" -p /dev/null >"$work/check2.out" 2>&1 || rc=$?
[ "$rc" -eq 2 ] || {
	cat "$work/check2.out"
	fail "check without a node address: exit $rc, expected 2"
}

purge || fail "dpkg --purge"
! known || fail "$PKG still known to dpkg after purge"

# Nothing left behind, nothing of what was there before taken away. Paths
# that another package brought meanwhile (someone else's apt-get) are not
# ours.
snapshot "$work/after"
comm -13 "$work/before" "$work/after" >"$work/added"
comm -23 "$work/before" "$work/after" >"$work/removed"
bad=0
while IFS= read -r p; do
	if owner=$(dpkg-query -S "$p" 2>/dev/null) && ! printf '%s\n' "$owner" | grep -q "^$PKG:"; then
		say "note: $p appeared meanwhile, from ${owner%%:*}"
	else
		say "left behind: $p"
		bad=1
	fi
done <"$work/added"
while IFS= read -r p; do
	if grep -qxF "$p" "$work/paths" || printf '%s' "$p" | grep -q 'wg[_-]netmanager'; then
		say "removed, though there before: $p"
		bad=1
	else
		say "note: $p went away meanwhile (not this package's)"
	fi
done <"$work/removed"
[ "$bad" -eq 0 ] || fail "the file system differs after purge"
[ ! -e /etc/wg_netmanager ] || fail "/etc/wg_netmanager still there after purge"
! ls /var/lib/dpkg/info/"$PKG".* >/dev/null 2>&1 || fail "dpkg still has $PKG's files: $(ls /var/lib/dpkg/info/"$PKG".*)"
say "PASS: built, installed, checked, purged, nothing left behind"
