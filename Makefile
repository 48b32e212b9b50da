# Makefile for the xmpp toolkit: xmppd and its clients.
# POSIX-ish, with GNU make pattern rules.  User CFLAGS/LDFLAGS are honoured.

# The version has one source: the newest entry of debian/changelog, which
# the Debian package takes its own from.  xmppd, the clients, check_xmppd
# and the man pages get it from here.
VERSION   := $(shell head -n 1 debian/changelog 2>/dev/null | cut -d ' ' -f 2 | tr -d '()')
ifeq ($(VERSION),)
$(error cannot read the version from debian/changelog)
endif
PREFIX    ?= /usr/local
# xmppd is run by users and cron jobs too, not only by a service manager:
# it goes to bin, with the clients.
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
# Programs run by other programs, not by people: xmpp-put (run by
# xmpp-send -F) and xmpp-voicemail (run by Asterisk's externnotify).
LIBEXECDIR ?= $(PREFIX)/lib/xmpp-toolkit
DESTDIR   ?=
CC        ?= cc
PKG_CONFIG ?= pkg-config
CFLAGS    ?= -O2 -g
LDFLAGS   ?=
BUILD     ?= build

WARN      = -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral \
            -Wno-format-truncation
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -DVERSION='"$(VERSION)"' \
            -Isrc/common -Isrc/xmppd $(WARN) $(CPPFLAGS) $(CFLAGS)

STROPHE_CFLAGS := $(shell $(PKG_CONFIG) --cflags libstrophe openssl 2>/dev/null)
STROPHE_LIBS   := $(shell $(PKG_CONFIG) --libs libstrophe openssl 2>/dev/null)
CURL_CFLAGS    := $(shell $(PKG_CONFIG) --cflags libcurl 2>/dev/null)
CURL_LIBS      := $(shell $(PKG_CONFIG) --libs libcurl 2>/dev/null || echo -lcurl)
POPT_CFLAGS    := $(shell $(PKG_CONFIG) --cflags popt 2>/dev/null)
POPT_LIBS      := $(shell $(PKG_CONFIG) --libs popt 2>/dev/null || echo -lpopt)

# The clients link popt statically when libpopt.a is there (libpopt-dev
# has it): one shared library less to map and relocate at every start,
# about 50 us, a tenth of starting xmpp-status.  POPT_STATIC=no to link it
# as a shared library.
POPT_STATIC ?= yes
comma := ,
POPT_A := $(wildcard $(shell $(PKG_CONFIG) --variable=libdir popt 2>/dev/null)/libpopt.a)
CLIENT_POPT_LIBS := $(if $(and $(filter yes,$(POPT_STATIC)),$(POPT_A)),\
    -Wl$(comma)-Bstatic $(POPT_LIBS) -Wl$(comma)-Bdynamic,$(POPT_LIBS))

# The clients are linked statically (-static-pie) when libc.a is there
# (libc6-dev has it): no dynamic loader, no shared library to map and
# relocate at every start; xmpp-send exits about 150 us sooner, a sixth
# of its time.  Not with the sanitizers, which need the shared libc, nor
# under valgrind (check-valgrind), nor in the Debian package, where a
# security update of libc6 must reach the clients (debian/rules).
# CLIENT_STATIC=no links them as the daemon is.
CLIENT_STATIC ?= $(if $(findstring -fsanitize,$(CFLAGS) $(LDFLAGS)),no,yes)
LIBC_A := $(wildcard $(shell $(CC) -print-file-name=libc.a))
ifeq ($(and $(filter yes,$(CLIENT_STATIC)),$(LIBC_A)),)
CLIENT_LINK = $(CLIENT_POPT_LIBS)
else
CLIENT_LINK = -static-pie $(POPT_LIBS)
endif
# Relinked when CLIENT_STATIC changes.
CLIENT_STAMP = $(BUILD)/client-static-$(CLIENT_STATIC)

CLIENTS   = xmpp-send xmpp-status xmpp-recv xmpp-join xmpp-leave \
            xmpp-presence
PROGRAMS  = bin/xmppd $(CLIENTS:%=bin/%)
HELPERS   = bin/xmpp-put
MAN1      = man/xmpp-send.1 man/xmpp-status.1 man/xmpp-recv.1 \
            man/xmpp-join.1 man/xmpp-leave.1 man/xmpp-presence.1
MAN5      = man/xmppd.conf.5
MAN8      = man/xmppd.8 man/xmpp-agi.8 man/check_xmppd.8 \
            man/xmpp-voicemail.8

COMMON    = proto text jid sockdir spool home
DAEMON    = main config filecheck secret control requests session stanza \
            message presence roster inbox outbox queue reload muc upload hook \
            xmppd loss journal srv tls probe log util
UNITS     = test-proto test-text test-jid test-config test-roster test-inbox \
            test-spool test-sockdir test-outbox test-control test-stanza \
            test-journal

COMMON_OBJ = $(COMMON:%=$(BUILD)/common/%.o)
DAEMON_OBJ = $(DAEMON:%=$(BUILD)/xmppd/%.o)
# The clients' home_dir() reads /etc/passwd (see home.c).
CLIENT_OBJ = $(BUILD)/common/client.o $(BUILD)/common/home-files.o \
             $(filter-out $(BUILD)/common/home.o,$(COMMON_OBJ))
UNIT_BIN   = $(UNITS:%=tests/unit/%)
TEST_BIN   = tests/buddy tests/freeport tests/failio.so

.PHONY: all check check-unit check-local check-prosody check-ejabberd \
        check-asan check-valgrind lint install uninstall clean test-programs \
        demo bench soak

all: $(PROGRAMS) $(HELPERS)

$(BUILD)/common/%.o: src/common/%.c src/common/*.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(POPT_CFLAGS) -c -o $@ $<

$(BUILD)/xmppd/%.o: src/xmppd/%.c src/xmppd/*.h src/common/*.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(STROPHE_CFLAGS) $(POPT_CFLAGS) -c -o $@ $<

$(BUILD)/%/main.o: src/%/main.c src/common/*.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(POPT_CFLAGS) -c -o $@ $<

$(BUILD)/common/home-files.o: src/common/home.c src/common/*.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -DHOME_FILES -c -o $@ $<

$(CLIENT_STAMP):
	@mkdir -p $(@D)
	rm -f $(BUILD)/client-static-*
	touch $@

# The version is compiled into these two.
$(BUILD)/common/client.o $(BUILD)/xmppd/main.o: debian/changelog

bin/xmppd: $(DAEMON_OBJ) $(COMMON_OBJ)
	@mkdir -p bin
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(STROPHE_LIBS) $(POPT_LIBS) \
	    -lresolv

$(BUILD)/xmpp-status/list.o: src/xmpp-status/list.c src/xmpp-status/list.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# xmpp-send --file: its own file, and the HTTP part in a program of its
# own (xmpp-put, with libcurl), so that xmpp-send links no more than it
# did and starts as fast when it sends text.  xmpp-put is installed in
# LIBEXECDIR, where xmpp-send looks for it ($$XMPP_PUT overrides).
$(BUILD)/xmpp-send/main.o: src/xmpp-send/upload.h
$(BUILD)/xmpp-send/upload.o: src/xmpp-send/upload.c src/xmpp-send/upload.h \
        src/common/*.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(POPT_CFLAGS) \
	    -DXMPP_PUT_PATH='"$(LIBEXECDIR)/xmpp-put"' -c -o $@ $<
bin/xmpp-send: $(BUILD)/xmpp-send/upload.o

$(BUILD)/xmpp-put/main.o: src/xmpp-put/main.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CURL_CFLAGS) -c -o $@ $<

bin/xmpp-put: $(BUILD)/xmpp-put/main.o
	@mkdir -p bin
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(CURL_LIBS)

# The clients link popt and libc only, which keeps them quick to start.
bin/xmpp-status: $(BUILD)/xmpp-status/list.o
bin/xmpp-%: $(BUILD)/xmpp-%/main.o $(CLIENT_OBJ) $(CLIENT_STAMP)
	@mkdir -p bin
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(CLIENT_LINK)

# Unit tests link the module under test and whatever it needs from an
# archive of the daemon's objects (all but main.o).
DAEMON_LIB = $(BUILD)/xmppd/libxmppd.a
$(DAEMON_LIB): $(filter-out $(BUILD)/xmppd/main.o,$(DAEMON_OBJ))
	rm -f $@
	$(AR) rcs $@ $^

tests/unit/test-%: tests/unit/test-%.c tests/unit/tap.h $(COMMON_OBJ) \
        $(DAEMON_LIB)
	$(CC) $(ALL_CFLAGS) $(STROPHE_CFLAGS) $(LDFLAGS) -Itests/unit -o $@ $< \
	    $(COMMON_OBJ) $(DAEMON_LIB) $(STROPHE_LIBS)

tests/buddy: tests/buddy.c
	$(CC) $(ALL_CFLAGS) $(STROPHE_CFLAGS) $(LDFLAGS) -o $@ $< $(STROPHE_LIBS)

# Not built with the sanitizers: it is preloaded into sanitized programs.
tests/failio.so: tests/failio.c
	$(CC) -std=c11 -Wall -Wextra -O2 -fPIC -shared -o $@ $< -ldl

tests/freeport: tests/freeport.c
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $<

test-programs: $(PROGRAMS) $(HELPERS) $(UNIT_BIN) $(TEST_BIN)

# The tests: unit tests in C, then the integration tests (tests/t*.sh).
# Those that talk to an XMPP server (they source tests/lib/server.sh) run
# twice, against a private Prosody and a private ejabberd; the others
# once (check-local).  PROVE_JOBS=1 runs one test at a time.
# The longest ones start first, so that none of them is left running
# alone at the end (t0146 and t0147 take a lock: not both at once).
SLOW_TESTS   := tests/t0057-flaps.sh tests/t0146-debian.sh \
                tests/t0055-recovery.sh tests/t0056-link-failures.sh \
                tests/t0070-delivery.sh tests/t0147-recipes.sh
SERVER_TESTS := $(shell grep -l '^\. .*/lib/server\.sh' tests/t*.sh)
SERVER_TESTS := $(foreach t,$(SLOW_TESTS),$(filter $t,$(SERVER_TESTS))) \
                $(filter-out $(SLOW_TESTS),$(SERVER_TESTS))
LOCAL_TESTS  := $(filter-out $(SERVER_TESTS),$(sort $(wildcard tests/t*.sh)))
PROVE_JOBS   ?= 2
PROVE         = prove -j$(PROVE_JOBS) $(PROVE_FLAGS)

check: check-unit check-local check-prosody check-ejabberd

check-unit: $(UNIT_BIN)
	@echo "== unit tests"
	$(PROVE) $(UNIT_BIN)

check-local: test-programs
	@echo "== integration tests that need no server"
	$(PROVE) $(LOCAL_TESTS)

check-prosody: test-programs
	@echo "== integration tests against Prosody"
	XMPP_SERVER=prosody $(PROVE) $(SERVER_TESTS)

check-ejabberd: test-programs
	@echo "== integration tests against ejabberd"
	XMPP_SERVER=ejabberd $(PROVE) $(SERVER_TESTS)

# The whole suite with AddressSanitizer and UndefinedBehaviorSanitizer.
# Objects are rebuilt before and after, so no sanitized object lingers.
check-asan:
	$(MAKE) clean
	XMPP_SANITIZED=1 $(MAKE) check CFLAGS="-O1 -g -fsanitize=address,undefined \
	    -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    LDFLAGS="-fsanitize=address,undefined"; \
	    status=$$?; $(MAKE) clean; exit $$status

# The whole suite with every program under valgrind (see tests/lib), one
# test at a time.
check-valgrind:
	$(MAKE) test-programs CLIENT_STATIC=no
	XMPP_VALGRIND=1 XMPP_SANITIZED=1 $(MAKE) check PROVE_JOBS=1 \
	    CLIENT_STATIC=no

lint: lint-extras bin/xmppd
	mandoc -Tlint -W warning $(MAN1) $(MAN5) $(MAN8)
	tests/layers.sh $(BUILD)/xmppd
	for f in tests/lib/*.sh tests/t*.sh tests/soak.sh scripts/demo \
	    scripts/install-deps scripts/bench; do sh -n $$f || exit 1; done

demo: all tests/buddy tests/freeport
	scripts/demo

# Figures, not tests: see "Performance" in README.md.
bench: all tests/buddy tests/freeport
	scripts/bench

# The soak (tests/soak.sh, "Reliability" in README.md): one daemon for
# SOAK_MINUTES (default 30) against each server of SOAK_SERVERS, in turn,
# while the server is frozen, killed, stopped, shaped, cut off...; a
# table each (build/soak-SERVER.txt).  As root.  SOAK_JOBS=2 runs them at
# the same time, their outputs printed once both have ended (CI:
# SOAK_MINUTES=3 SOAK_JOBS=2, about 4 minutes in all).
SOAK_MINUTES ?= 30
SOAK_SERVERS ?= prosody ejabberd
SOAK_JOBS    ?= 1
soak: all tests/buddy tests/freeport
	@status=0; \
	if [ "$(SOAK_JOBS)" = 1 ]; then \
	    for s in $(SOAK_SERVERS); do \
	        SOAK_SERVER=$$s SOAK_MINUTES=$(SOAK_MINUTES) tests/soak.sh || \
	            status=1; \
	    done; \
	else \
	    pids=; for s in $(SOAK_SERVERS); do \
	        SOAK_SERVER=$$s SOAK_MINUTES=$(SOAK_MINUTES) tests/soak.sh \
	            >$(BUILD)/soak-$$s.out 2>&1 & pids="$$pids $$!"; \
	    done; \
	    for p in $$pids; do wait $$p || status=1; done; \
	    for s in $(SOAK_SERVERS); do cat $(BUILD)/soak-$$s.out; done; \
	fi; \
	exit $$status

# Installed man pages name the folders of this install and the version:
# the sources say /usr/local (the default PREFIX) and ".Os xmpp-toolkit".
MANSUBST = sed -e 's|/usr/local/bin/|$(BINDIR)/|g' \
	    -e 's|/usr/local/lib/xmpp-toolkit/xmpp-put|@LIBEXECDIR@/xmpp-put|g' \
	    -e 's|/usr/local/lib/xmpp-toolkit/xmpp-voicemail|@LIBEXECDIR@/xmpp-voicemail|g' \
	    -e 's|/usr/local/lib/xmpp-toolkit|$(AGIDIR)|g' \
	    -e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' \
	    -e 's|/usr/local/lib/nagios/plugins|$(NAGIOSDIR)|g' \
	    -e 's|/usr/local/lib/systemd/system|$(UNITDIR)|g' \
	    -e 's|/usr/local/lib/tmpfiles.d|$(TMPFILESDIR)|g' \
	    -e 's|/usr/local/share/doc/xmpp-toolkit|$(DOCDIR)|g' \
	    -e 's|^\.Os xmpp-toolkit$$|.Os xmpp-toolkit $(VERSION)|'

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 755 $(PROGRAMS) $(DESTDIR)$(BINDIR)/
	install -d $(DESTDIR)$(LIBEXECDIR)
	install -m 755 $(HELPERS) $(DESTDIR)$(LIBEXECDIR)/
	for m in $(MAN1) $(MAN5) $(MAN8); do \
	    d=$(DESTDIR)$(MANDIR)/man$${m##*.}; \
	    $(MANSUBST) $$m >$$d/$${m#man/}.tmp && \
	    chmod 644 $$d/$${m#man/}.tmp && \
	    mv $$d/$${m#man/}.tmp $$d/$${m#man/} || exit 1; \
	done

# Removes every file "make install" wrote, and the folders it made that
# are left empty, except the standard ones of PREFIX (bin, lib, share,
# share/man/manN...), which other software expects to find.  Also the
# xmppd of an earlier install, which went to sbin.
uninstall:
	rm -f $(PROGRAMS:bin/%=$(DESTDIR)$(BINDIR)/%) $(DESTDIR)$(PREFIX)/sbin/xmppd
	rm -f $(HELPERS:bin/%=$(DESTDIR)$(LIBEXECDIR)/%)
	if [ -d $(DESTDIR)$(LIBEXECDIR) ]; then \
	    rmdir --ignore-fail-on-non-empty $(DESTDIR)$(LIBEXECDIR); fi
	rm -f $(MAN1:man/%=$(DESTDIR)$(MANDIR)/man1/%)
	rm -f $(MAN5:man/%=$(DESTDIR)$(MANDIR)/man5/%)
	rm -f $(MAN8:man/%=$(DESTDIR)$(MANDIR)/man8/%)

clean:
	rm -rf $(BUILD) $(PROGRAMS) $(HELPERS) $(UNIT_BIN) $(TEST_BIN)

include mk/extras.mk
install: install-extras
uninstall: uninstall-extras

include mk/fuzz.mk
