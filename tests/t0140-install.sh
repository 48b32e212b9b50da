#!/bin/sh
# t0140-install: "make install" puts the extras of mk/extras.mk where
# they belong (AGI script, monitoring plugin, systemd unit, bash
# completion, examples) next to the programs, into a DESTDIR, and "make
# uninstall" removes every file again.  Assumes the Makefile includes
# mk/extras.mk and that install and uninstall depend on install-extras and
# uninstall-extras.  Also: the man pages as installed name the folders of
# that install and the version, and uninstall leaves no folder of the
# toolkit's own.

. "$(dirname "$0")/lib/test-lib.sh"

ROOT=$TEST_DIR/root

# "make install" depends on "all": building here would rewrite bin/ under
# the feet of tests running alongside.
make -s -q -C "$TOP" all 2>/dev/null ||
	skip_all "the programs are not up to date: run make all first"

# files DIR: every file and symbolic link under DIR, relative, sorted.
files() {
	(cd "$1" && find . \( -type f -o -type l \) | sed 's|^\./||' | LC_ALL=C sort)
}

EXTRAS="usr/lib/nagios/plugins/check_xmppd
usr/lib/systemd/system/xmppd@.service
usr/lib/tmpfiles.d/xmppd.conf
usr/lib/xmpp-toolkit/xmpp-agi
usr/lib/xmpp-toolkit/xmpp-put
usr/lib/xmpp-toolkit/xmpp-voicemail
usr/share/bash-completion/completions/xmpp-join
usr/share/bash-completion/completions/xmpp-leave
usr/share/bash-completion/completions/xmpp-presence
usr/share/bash-completion/completions/xmpp-recv
usr/share/bash-completion/completions/xmpp-send
usr/share/bash-completion/completions/xmpp-status
usr/share/bash-completion/completions/xmppd
usr/share/doc/xmpp-toolkit/SERVICES.md
usr/share/doc/xmpp-toolkit/examples/README.md
usr/share/doc/xmpp-toolkit/examples/cron
usr/share/doc/xmpp-toolkit/examples/extensions.ael
usr/share/doc/xmpp-toolkit/examples/extensions.conf
usr/share/doc/xmpp-toolkit/examples/xmppd.conf"

test_expect_success 'make install DESTDIR=... PREFIX=/usr' '
	make -C "$TOP" install DESTDIR="$ROOT" PREFIX=/usr >"$TEST_DIR/make.log" 2>&1 ||
	{ tail -n 20 "$TEST_DIR/make.log" >&2; false; }
'

test_expect_success 'the programs and man pages are there' '
	for f in usr/bin/xmppd usr/bin/xmpp-send usr/bin/xmpp-status \
		usr/bin/xmpp-recv usr/share/man/man1/xmpp-send.1 \
		usr/share/man/man5/xmppd.conf.5 usr/share/man/man8/xmppd.8 \
		usr/share/man/man8/check_xmppd.8; do
		test -s "$ROOT/$f" || { diag "missing: $f"; return 1; }
	done
'

test_expect_success 'the extras are there, exactly these' '
	files "$ROOT" | grep -E "^usr/(lib/(nagios|systemd|tmpfiles.d|xmpp-toolkit)|share/(bash-completion|doc))/" \
		>"$TEST_DIR/got" &&
	printf "%s\n" "$EXTRAS" | diff -u - "$TEST_DIR/got"
'

test_expect_success 'scripts executable, the rest not; completions link to one file' '
	test -x "$ROOT/usr/lib/xmpp-toolkit/xmpp-agi" &&
	test -x "$ROOT/usr/lib/nagios/plugins/check_xmppd" &&
	test ! -x "$ROOT/usr/lib/systemd/system/xmppd@.service" &&
	test ! -x "$ROOT/usr/share/doc/xmpp-toolkit/examples/cron" &&
	test -f "$ROOT/usr/share/bash-completion/completions/xmppd" &&
	test ! -L "$ROOT/usr/share/bash-completion/completions/xmppd" &&
	for n in xmpp-send xmpp-status xmpp-recv; do
		test "$(readlink "$ROOT/usr/share/bash-completion/completions/$n")" = xmppd ||
			return 1
	done
'

test_expect_success 'the installed unit starts the installed daemon' '
	grep -qx "ExecStart=/usr/bin/xmppd %i" "$ROOT/usr/lib/systemd/system/xmppd@.service" &&
	grep -qx "PIDFile=/run/xmppd/%i.lock" "$ROOT/usr/lib/systemd/system/xmppd@.service"
'

test_expect_success 'systemd-analyze verify accepts the unit (where it runs)' '
	if ! command -v systemd-analyze >/dev/null 2>&1; then
		diag "no systemd-analyze: not verified"
		return 0
	fi
	mkdir "$TEST_DIR/unit" &&
	sed "s|^ExecStart=/usr/bin/xmppd|ExecStart=$ROOT/usr/bin/xmppd|" \
		"$ROOT/usr/lib/systemd/system/xmppd@.service" \
		>"$TEST_DIR/unit/xmppd@.service" &&
	systemd-analyze verify --man=no "$TEST_DIR/unit/xmppd@.service" \
		>"$TEST_DIR/verify.log" 2>&1 ||
	{ sed "s/^/    /" "$TEST_DIR/verify.log" >&2; false; }
'

test_expect_success 'the installed plugin, AGI script and completion run' '
	{ "$ROOT/usr/lib/nagios/plugins/check_xmppd" -h >/dev/null; test $? = 3; } &&
	test -x "$ROOT/usr/lib/xmpp-toolkit/xmpp-put" &&
	sh -n "$ROOT/usr/lib/xmpp-toolkit/xmpp-voicemail" &&
	test -s "$ROOT/usr/share/man/man8/xmpp-voicemail.8" &&
	sh -n "$ROOT/usr/lib/xmpp-toolkit/xmpp-agi" &&
	if command -v bash >/dev/null 2>&1; then
		bash -c ". \"$ROOT/usr/share/bash-completion/completions/xmpp-send\" &&
			complete -p xmpp-recv" | grep -q _xmpp_complete
	fi
'

VERSION=$(sed -n "1s/^[^ ]* (\\([^)]*\\)).*/\\1/p" "$TOP/debian/changelog")

test_expect_success 'installed man pages: the version, and the folders of this install' '
	test -n "$VERSION" &&
	for m in "$ROOT"/usr/share/man/man?/*; do
		grep -qx ".Os xmpp-toolkit $VERSION" "$m" ||
			{ diag "$m: no .Os xmpp-toolkit $VERSION"; return 1; }
	done &&
	grep -q "/usr/lib/xmpp-toolkit/xmpp-agi" "$ROOT/usr/share/man/man8/xmpp-agi.8" &&
	grep -q "/usr/lib/systemd/system/xmppd@.service" "$ROOT/usr/share/man/man8/xmppd.8" &&
	grep -q "/usr/share/doc/xmpp-toolkit" "$ROOT/usr/share/man/man8/xmppd.8" &&
	if grep -En "/usr/local/(bin/|lib/(xmpp-toolkit|nagios|systemd|tmpfiles)|share/doc/xmpp)" \
		"$ROOT"/usr/share/man/man?/*; then
		diag "/usr/local left in pages installed with PREFIX=/usr"; return 1
	fi &&
	mandoc -Tlint -W warning "$ROOT"/usr/share/man/man?/*
'

test_expect_success 'SEE ALSO of xmppd(8) and xmppd.conf(5) names every other page' '
	for p in xmppd.8 xmppd.conf.5; do
		sed -n "/^\.Sh SEE ALSO/,/^\.Sh /p" "$TOP/man/$p" >"$TEST_DIR/seealso" &&
		for m in "$TOP"/man/*.[158]; do
			n=${m##*/} && [ "$n" != "$p" ] || continue
			grep -qx "\.Xr ${n%.*} ${n##*.}\( ,\)\{0,1\}" "$TEST_DIR/seealso" ||
				{ diag "$p: SEE ALSO lacks ${n%.*}(${n##*.})"; return 1; }
		done || return 1
	done
'

test_expect_success 'README'"'"'s list of man pages names every page' '
	sed -n "/^The man pages have the details:/,/man -l/p" "$TOP/README.md" |
		tr "\n" " " | sed "s/(.man -l.*//" >"$TEST_DIR/list" &&
	grep -q "xmppd(8)" "$TEST_DIR/list" &&
	for m in "$TOP"/man/*.[158]; do
		n=${m##*/} && n="${n%.*}(${n##*.})" &&
		grep -qF "\`$n\`" "$TEST_DIR/list" ||
			{ diag "README: the man page list lacks $n"; return 1; }
	done
'

test_expect_success 'the installed plugin says the same version' '
	"$ROOT/usr/lib/nagios/plugins/check_xmppd" -h | head -n 1 |
		grep -q "^check_xmppd $VERSION: "
'

test_expect_success 'make uninstall leaves no file, and no folder of its own' '
	make -C "$TOP" uninstall DESTDIR="$ROOT" PREFIX=/usr >"$TEST_DIR/make.log" 2>&1 &&
	files "$ROOT" >"$TEST_DIR/left" &&
	{ test ! -s "$TEST_DIR/left" || { sed "s/^/    left: /" "$TEST_DIR/left" >&2; false; }; } &&
	(cd "$ROOT" && find . -mindepth 1 -type d | sed "s|^\./||" | LC_ALL=C sort) >"$TEST_DIR/dirs" &&
	printf "%s\n" usr usr/bin usr/lib usr/share usr/share/doc usr/share/man \
		usr/share/man/man1 usr/share/man/man5 usr/share/man/man8 |
		diff -u - "$TEST_DIR/dirs"
'

test_expect_success 'PREFIX and BINDIR reach the unit' '
	rm -rf "$ROOT" &&
	make -C "$TOP" install DESTDIR="$ROOT" >"$TEST_DIR/make.log" 2>&1 &&
	grep -qx "ExecStart=/usr/local/bin/xmppd %i" \
		"$ROOT/usr/local/lib/systemd/system/xmppd@.service" &&
	make -C "$TOP" uninstall DESTDIR="$ROOT" >"$TEST_DIR/make.log" 2>&1 &&
	make -C "$TOP" install DESTDIR="$ROOT" PREFIX=/opt/x BINDIR=/opt/x/libexec \
		>"$TEST_DIR/make.log" 2>&1 &&
	grep -qx "ExecStart=/opt/x/libexec/xmppd %i" \
		"$ROOT/opt/x/lib/systemd/system/xmppd@.service" &&
	make -C "$TOP" uninstall DESTDIR="$ROOT" PREFIX=/opt/x BINDIR=/opt/x/libexec \
		>"$TEST_DIR/make.log" 2>&1 &&
	test -z "$(files "$ROOT")"
'

done_testing
