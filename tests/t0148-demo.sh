#!/bin/sh
# t0148-demo: README's first command, scripts/demo, as a newcomer runs it:
# root's login PATH and nothing else of ours in the environment.  It must
# play its three dialplan examples to the end, print the environment its
# commands need (so that they can be pasted into another shell while it
# runs), and leave nothing behind: no folder, no daemon.

. "$(dirname "$0")/lib/test-lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root: the demo runs scripts/install-deps"
command -v prosody >/dev/null 2>&1 || skip_all "no prosody"
[ "${XMPP_SANITIZED:-0}" = 1 ] &&
	skip_all "sanitized run: the demo builds the programs as a newcomer does, without the sanitizers"
# The demo runs make: building here would rewrite bin/ under the feet of
# tests running alongside.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	make -s -q -C "$TOP" all tests/buddy tests/freeport 2>/dev/null ||
	skip_all "the programs are not up to date: run make test-programs first"

test_expect_success 'scripts/demo, from a login shell: the three examples, exit 0' '
	(cd / && env -i HOME=/root LOGNAME=root SHELL=/bin/sh TERM=dumb \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		"$TOP/scripts/demo") >"$TEST_DIR/demo.out" 2>&1 ||
	{ tail -n 20 "$TEST_DIR/demo.out" >&2; false; }
	grep -q "^    asterisk@localhost/xmppd: Alice (555-0100) is calling 1234\$" "$TEST_DIR/demo.out" &&
	grep -qx "OPTION=1" "$TEST_DIR/demo.out" &&
	grep -qx -- "-> Dial(SIP/987654321)" "$TEST_DIR/demo.out" &&
	test "$(grep -c "^    asterisk@localhost/xmppd: " "$TEST_DIR/demo.out")" = 7
'

test_expect_success 'it prints the environment its commands run with' '
	grep -qx "    export PATH=$TOP/bin:\\\$PATH" "$TEST_DIR/demo.out" &&
	grep -q "^    export XMPPD_CONFIG=/" "$TEST_DIR/demo.out" &&
	grep -q "^    export XMPPD_SOCKET_DIR=/[^ ]* XMPPD_STATE_DIR=/" "$TEST_DIR/demo.out"
'

test_expect_success 'and leaves nothing behind: its folder is gone, its daemon stopped' '
	dir=$(sed -n "s|^    export XMPPD_CONFIG=\\(/.*\\)/xmppd.conf\$|\\1|p" "$TEST_DIR/demo.out") &&
	test -n "$dir" && test ! -e "$dir" &&
	pid=$(sed -n "s/^\\\$ kill \\([0-9]*\\)\$/\\1/p" "$TEST_DIR/demo.out") &&
	test -n "$pid" && ! pid_alive "$pid"
'

done_testing
