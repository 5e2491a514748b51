# wg_netmanager — one non-recursive GNU Makefile.
#
#   make            build the daemon (build/wg_netmanager)
#   make test       unit tests (cmocka)
#   make SANITIZE=1 test   the same under ASan+UBSan (build/san/)
#   make netns-test multi-node tests in network namespaces (root)
#   make fuzz       run every fuzz target for FUZZ_SECONDS each
#   make check      everything CI runs; installs missing dependencies first
#   make lint       cppcheck, clang-tidy, shellcheck, mandoc -Tlint
#   make demo       the demo mesh in namespaces (root)
#   make install    PREFIX=/usr/local DESTDIR=

PKG_CONFIG ?= pkg-config
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/wg_netmanager
SYSCONFDIR ?= /etc
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
DESTDIR ?=
CC ?= cc
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_CHECK_SECONDS ?= 10
WG_BACKEND ?= auto
VERSION := 0.1.0

ifeq ($(SANITIZE),1)
BUILDDIR ?= build/san
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
HARDEN_CPP :=
else
BUILDDIR ?= build
SAN_FLAGS :=
HARDEN_CPP := -D_FORTIFY_SOURCE=2
endif

# Recursive (=) on purpose: pkg-config runs only when a rule needs it, so
# `make check` can install missing libraries before anything asks for them.
PKGS = libsodium yaml-0.1 libuv libmnl libnftnl
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS))
NCURSES_LIBS = $(shell $(PKG_CONFIG) --libs ncursesw 2>/dev/null || echo -lncursesw)
CMOCKA_CFLAGS = $(shell $(PKG_CONFIG) --cflags cmocka)
CMOCKA_LIBS = $(shell $(PKG_CONFIG) --libs cmocka)

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wconversion \
	-Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith -Wcast-qual \
	-Wwrite-strings -Wvla -Wswitch-enum -Wno-error=deprecated-declarations
HARDEN := $(HARDEN_CPP) -fstack-protector-strong
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c17 -D_GNU_SOURCE -DWGNM_VERSION='"$(VERSION)"' -Isrc \
	$(WARN) $(HARDEN) $(SAN_FLAGS) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP
LDHARDEN := -Wl,-z,relro,-z,now
ALL_LDFLAGS = $(SAN_FLAGS) $(LDHARDEN) $(LDFLAGS)

# Tests trade -Wconversion and prototype warnings for readable tables;
# everything else stays an error.
TEST_CFLAGS = $(filter-out -Wconversion -Wmissing-prototypes,$(ALL_CFLAGS)) \
	$(CMOCKA_CFLAGS) -Itests

ifeq ($(V),1)
Q :=
say :=
else
Q := @
say = @printf '  %-7s %s\n' $(1) $(2);
endif

LIB_SRCS := $(sort $(filter-out src/main.c,$(wildcard src/*.c src/core/*.c src/wire/*.c src/tui/*.c)))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILDDIR)/%.o)
SIM_SRCS := $(sort $(wildcard tests/sim/*.c))
SIM_OBJS := $(SIM_SRCS:%.c=$(BUILDDIR)/%.o)
TEST_SRCS := $(sort $(wildcard tests/test_*.c))
TEST_BINS := $(TEST_SRCS:tests/%.c=$(BUILDDIR)/tests/%)
# Small programs the netns tests drive (tests/tool_*.c), built with `all`.
TOOL_SRCS := $(sort $(wildcard tests/tool_*.c))
TOOL_BINS := $(TOOL_SRCS:tests/%.c=$(BUILDDIR)/tests/%)
BENCH_SRCS := $(sort $(wildcard bench/*.c))
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILDDIR)/bench/%)
FUZZ_SRCS := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:fuzz/%.c=build/fuzz/%)
NETNS_TESTS := $(sort $(wildcard netns-tests/[0-9]*.sh))
DAEMON := $(BUILDDIR)/wg_netmanager

.PHONY: all test check deps netns-test fuzz fuzz-check fuzz-build bench install \
	uninstall clean demo lint lint-tidy core-purity
.DEFAULT_GOAL := all

all: $(DAEMON) $(TOOL_BINS)

$(DAEMON): $(BUILDDIR)/src/main.o $(BUILDDIR)/libwgnm.a
	$(call say,LD,$@)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(NCURSES_LIBS)

$(BUILDDIR)/libwgnm.a: $(LIB_OBJS)
	@mkdir -p $(@D)
	$(call say,AR,$@)rm -f $@ && ar rcs $@ $^

$(BUILDDIR)/libsim.a: $(SIM_OBJS)
	@mkdir -p $(@D)
	$(call say,AR,$@)rm -f $@ && ar rcs $@ $^

$(BUILDDIR)/src/%.o: src/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILDDIR)/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<)$(CC) $(TEST_CFLAGS) -c -o $@ $<

$(BUILDDIR)/tests/test_%: $(BUILDDIR)/tests/test_%.o $(BUILDDIR)/libsim.a $(BUILDDIR)/libwgnm.a
	$(call say,LD,$@)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(PKG_LIBS) $(NCURSES_LIBS)

$(BUILDDIR)/tests/tool_%: $(BUILDDIR)/tests/tool_%.o $(BUILDDIR)/libwgnm.a
	$(call say,LD,$@)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILDDIR)/bench/%: bench/%.c $(BUILDDIR)/libsim.a $(BUILDDIR)/libwgnm.a
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(TEST_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(NCURSES_LIBS)

test: $(TEST_BINS) $(DAEMON) core-purity
	$(Q)failed=0; for t in $(TEST_BINS); do \
		printf '== %s\n' "$$t"; \
		WGNM_TEST_DAEMON=$(DAEMON) $$t || failed=$$((failed + 1)); \
	done; \
	printf '%d unit test programs, %d failed\n' $(words $(TEST_BINS)) $$failed; \
	test $$failed -eq 0

# The sans-IO core must not reach for I/O libraries or clocks.
core-purity:
	$(Q)bad=$$(grep -nE '#include <(uv|sodium|libmnl/libmnl|time)\.h>|clock_gettime|gettimeofday|[^_a-z]time\(' \
		src/core/*.c src/core/*.h src/wire/wire.c src/wire/wire.h src/wire/buf.h 2>/dev/null); \
	if [ -n "$$bad" ]; then echo "core-purity: I/O or clock in the sans-IO core:"; echo "$$bad"; exit 1; fi

deps:
	$(Q)./scripts/install-deps.sh

netns-test: $(DAEMON) $(TOOL_BINS)
	$(Q)WGNM_DAEMON=$(abspath $(DAEMON)) WGNM_TOOLDIR=$(abspath $(BUILDDIR)/tests) WG_BACKEND=$(WG_BACKEND) ./netns-tests/run.sh $(NETNS_TESTS)

# --- fuzzing (clang + libFuzzer, separate object tree) ---
FUZZ_FLAGS := -std=c17 -D_GNU_SOURCE -DWGNM_VERSION='"$(VERSION)"' -DWGNM_FUZZING -Isrc -g -O1 \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=build/fuzz/obj/%.o)

build/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(call say,FUZZCC,$<)$(FUZZ_CC) $(subst -fsanitize=fuzzer$(comma),-fsanitize=fuzzer-no-link$(comma),$(FUZZ_FLAGS)) $(PKG_CFLAGS) -c -o $@ $<

comma := ,
build/fuzz/%: fuzz/%.c $(FUZZ_LIB_OBJS)
	@mkdir -p $(@D)
	$(call say,FUZZLD,$@)$(FUZZ_CC) $(FUZZ_FLAGS) $(PKG_CFLAGS) -o $@ $^ $(PKG_LIBS) $(NCURSES_LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	$(Q)./fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

fuzz-check: $(FUZZ_BINS)
	$(Q)./fuzz/run.sh $(FUZZ_CHECK_SECONDS) $(FUZZ_BINS)

bench: $(BENCH_BINS) $(DAEMON)
	$(Q)for b in $(BENCH_BINS); do $$b || exit 1; done

# Everything CI runs. Sub-makes so that pkg-config is asked only after the
# dependencies are installed.
check: deps
	$(MAKE) --no-print-directory all test
	$(MAKE) --no-print-directory SANITIZE=1 test
	$(MAKE) --no-print-directory netns-test
	$(MAKE) --no-print-directory SANITIZE=1 netns-test
	$(MAKE) --no-print-directory fuzz-check
	$(MAKE) --no-print-directory deb-test

demo: deps
	$(MAKE) --no-print-directory all
	$(Q)WGNM_DAEMON=$(abspath build/wg_netmanager) ./netns-tests/demo.sh

# Static checks: cppcheck, clang-tidy, shellcheck, mandoc -Tlint.
# clang-tidy runs with .clang-tidy over every file of src/ (the headers
# through them), with the build's flags, two files at a time; any finding
# fails. It is the slow part: 70 s on a 2-core machine, up to 2 minutes
# with other jobs running (80 s of CPU).
TIDY_SRCS = $(sort $(wildcard src/*.c src/*/*.c))
TIDY_FLAGS = $(filter-out -MMD -MP,$(ALL_CFLAGS))

lint: lint-tidy
	$(Q)for t in cppcheck shellcheck mandoc; do command -v $$t >/dev/null || \
		{ echo "lint: $$t is missing (scripts/install-deps.sh lint, or apt-get install $$t)"; exit 1; }; done
	$(Q)cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr --suppressions-list=.cppcheck-suppressions -Isrc src
	$(Q)shellcheck -x scripts/*.sh netns-tests/*.sh fuzz/*.sh .ci/run rc.d/wg_netmanager rc.d/wg_netmanager.openrc
	$(Q)mandoc -Tlint -W warning docs/*.[58]

lint-tidy:
	$(Q)command -v clang-tidy >/dev/null || \
		{ echo "lint: clang-tidy is missing (scripts/install-deps.sh lint, or apt-get install clang-tidy)"; exit 1; }
	@mkdir -p $(BUILDDIR)
	$(call say,TIDY,src)printf '%s\n' $(TIDY_SRCS) | xargs -P2 -I{} clang-tidy --quiet \
		--warnings-as-errors='*' {} -- $(TIDY_FLAGS) 2>$(BUILDDIR)/clang-tidy.log || \
		{ grep -v ' generated\.$$' $(BUILDDIR)/clang-tidy.log; echo "lint: clang-tidy: see above"; exit 1; }

install: $(DAEMON)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSTEMDUNITDIR)
	install -d -m 0700 $(DESTDIR)$(SYSCONFDIR)/wg_netmanager
	install -m 0755 $(DAEMON) $(DESTDIR)$(BINDIR)/wg_netmanager
	# the man pages name where the guide is installed
	for m in man8/wg_netmanager.8 man5/wg_netmanager.yaml.5; do \
		sed 's|/usr/local/share/doc/wg_netmanager|$(DOCDIR)|' docs/$${m#*/} >$(DESTDIR)$(MANDIR)/$$m && \
		chmod 0644 $(DESTDIR)$(MANDIR)/$$m || exit 1; done
	install -m 0644 net.example.yaml peer.example.yaml README.md $(DESTDIR)$(DOCDIR)/
	if [ -f systemd/wg_netmanager@.service ]; then sed 's|/usr/local/sbin/|$(BINDIR)/|' systemd/wg_netmanager@.service \
		>$(DESTDIR)$(SYSTEMDUNITDIR)/wg_netmanager@.service && chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/wg_netmanager@.service; fi
	# operator's guide and the FreeBSD / OpenRC scripts (copied into place by hand)
	install -d $(DESTDIR)$(DOCDIR)/rc.d
	for f in docs/GUIDE.md docs/PROTOCOL.md docs/BACKENDS.md; do if [ -f $$f ]; then install -m 0644 $$f $(DESTDIR)$(DOCDIR)/; fi; done
	for f in rc.d/wg_netmanager rc.d/wg_netmanager.openrc; do \
		sed 's|/usr/local/sbin/|$(BINDIR)/|' $$f >$(DESTDIR)$(DOCDIR)/$$f && chmod 0755 $(DESTDIR)$(DOCDIR)/$$f; done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/wg_netmanager $(DESTDIR)$(MANDIR)/man8/wg_netmanager.8 \
		$(DESTDIR)$(MANDIR)/man5/wg_netmanager.yaml.5 $(DESTDIR)$(SYSTEMDUNITDIR)/wg_netmanager@.service
	rm -rf $(DESTDIR)$(DOCDIR)

# Debian package (debhelper, debian/). dpkg-buildpackage writes next to
# the tree it builds and into debian/, so it builds a copy under build/deb/,
# where the .deb, .changes and lintian's report land. The unit tests are
# `make test`'s, not run again inside (DEB_BUILD_OPTIONS= runs them).
# deb-test installs the package on this machine and purges it; it skips
# itself (exit 77) unless root with dpkg, or if anything of the package is
# already there; DEB_TEST=0 skips it.
DEB_BUILD_OPTIONS ?= nocheck
DEB_TREE := build/deb/wg-netmanager-$(VERSION)
.PHONY: deb deb-test

deb:
	$(Q)command -v dh >/dev/null && command -v dpkg-buildpackage >/dev/null || \
		{ echo "deb: debhelper is missing (make deps, or apt-get install debhelper)"; exit 1; }
	$(Q)v=$$(dpkg-parsechangelog -l debian/changelog -S Version) && [ "$$v" = "$(VERSION)" ] || \
		{ echo "deb: debian/changelog is at version $$v, the Makefile at $(VERSION)"; exit 1; }
	$(Q)rm -rf build/deb && mkdir -p $(DEB_TREE)
	$(Q)cp -R Makefile README.md net.example.yaml peer.example.yaml debian docs rc.d src systemd tests $(DEB_TREE)/
	$(call say,DEB,build/deb/build.log)cd $(DEB_TREE) && DEB_BUILD_OPTIONS='$(DEB_BUILD_OPTIONS)' \
		dpkg-buildpackage -b -us -uc -Jauto >../build.log 2>&1 || { tail -n 40 ../build.log; exit 1; }
	$(Q)if command -v lintian >/dev/null; then \
		lintian -I --fail-on error,warning build/deb/*.changes >build/deb/lintian.txt 2>&1; r=$$?; \
		cat build/deb/lintian.txt; [ $$r -eq 0 ] || { echo "deb: lintian found errors or warnings"; exit 1; }; \
	else echo "deb: lintian is missing, the package is not checked (make deps)"; fi
	$(Q)ls build/deb/*.deb

deb-test:
	$(Q)MAKE='$(MAKE)' ./tests/deb-test.sh || { [ $$? -eq 77 ] && echo "deb-test: skipped"; }

clean:
	rm -rf build

# build/deb holds a copy of the tree (make deb), with its own rc.d and .d files
-include $(shell find build -path build/deb -prune -o -name '*.d' -type f -print 2>/dev/null)
