#!/bin/sh
# t0060-daemon: configuration checks, secrets, the detaching start, the
# client protocol by hand, and clients that misbehave.

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

# conf_fails 'PATTERN' LINES...: xmppd -n on a file of these lines fails
# with 78 and says PATTERN.
conf_fails() {
	_pat=$1
	shift
	printf '%s\n' "$@" >"$TEST_DIR/bad.conf" && chmod 600 "$TEST_DIR/bad.conf" &&
	{ xmppd -n -c "$TEST_DIR/bad.conf" alice >/dev/null 2>"$TEST_DIR/err"; _rc=$?; } &&
	[ $_rc = 78 ] && grep -q -- "$_pat" "$TEST_DIR/err" && return 0
	diag "exit $_rc; stderr: $(cat "$TEST_DIR/err")"
	return 1
}

test_expect_success 'set up a server and accounts' '
	server_setup &&
	server_adduser alice "s3cret-Pa55" && server_adduser bob bobpw &&
	server_start &&
	xmppd_config alice alice "s3cret-Pa55" "buddy = bob@localhost"
'

test_expect_success 'xmppd -n prints the effective configuration, secret masked' '
	xmppd -n alice >"$TEST_DIR/n.out" &&
	grep -q "^username = alice@localhost/xmppd$" "$TEST_DIR/n.out" &&
	grep -q "^secret = \*\*\*\*\*\*\*\*$" "$TEST_DIR/n.out" &&
	grep -q "^buddy = bob@localhost$" "$TEST_DIR/n.out" &&
	grep -q "^timeout = 5$" "$TEST_DIR/n.out" &&
	! grep -q "s3cret" "$TEST_DIR/n.out"
'

test_expect_success 'configuration errors name file, line and option (78)' '
	conf_fails "bad.conf:3: unknown option .usernmae." \
		"[alice]" "secret = x" "usernmae = alice@localhost" &&
	conf_fails "bad.conf:3: port: expected a number from 1 to 65535, not .99999." \
		"[alice]" "username = alice@localhost" "port = 99999" "secret = x" &&
	conf_fails "bad.conf:1: \[alice\] has no username" "[alice]" "secret = x" &&
	conf_fails "bad.conf:1: \[alice\] has no secret" "[alice]" "username = a@b" &&
	conf_fails "bad.conf:4: duplicate section \[ALICE\] (first at line 1)" \
		"[alice]" "username = a@b" "secret = x" "[ALICE]" &&
	conf_fails "bad.conf:5: unknown option .bogus." \
		"[alice]" "username = a@b" "secret = x" "[other]" "bogus = 1" &&
	conf_fails "no section \[alice\]" "[bob]" "username = a@b" "secret = x"
'

test_expect_success 'a secret readable by others is refused, with advice' '
	cp "$XMPPD_CONFIG" "$TEST_DIR/open.conf" && chmod 644 "$TEST_DIR/open.conf" &&
	{ xmppd -n -c "$TEST_DIR/open.conf" alice 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 78 && grep -q "readable by every user.*chmod o-rwx" "$TEST_DIR/err"
'

test_expect_success 'Asterisk-only options are warned about, not fatal' '
	{ cat "$XMPPD_CONFIG"; printf "type = client\npubsub_node = x\n"; } >"$TEST_DIR/ast.conf" &&
	chmod 600 "$TEST_DIR/ast.conf" &&
	xmppd -n -c "$TEST_DIR/ast.conf" alice >/dev/null 2>"$TEST_DIR/err" &&
	grep -q "option .type. is used by Asterisk only" "$TEST_DIR/err"
'

test_expect_success 'the password comes from secretcmd, and a failing one is named' '
	xmppd_config alice alice "" "buddy = bob@localhost" \
		"secretcmd = printf %s s3cret-Pa55" &&
	xmppd alice && pid=$(sed -n 1p "$XMPPD_SOCKET_DIR/alice.lock") &&
	test "$(xmpp-status alice)" = 1 &&
	! grep -q "s3cret" /proc/$pid/cmdline &&
	kill $pid && wait_for 10 "! pid_alive $pid" &&
	xmppd_config alice alice "" "secretcmd = exit 3" &&
	{ xmppd alice 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 78 && grep -q "xmppd.conf:[0-9]*: secretcmd failed: exit status 3" "$TEST_DIR/err" &&
	! grep -q "exit 3" "$TEST_DIR/err"
'

test_expect_success 'the password comes from secretfile' '
	printf "s3cret-Pa55\n" >"$TEST_DIR/pw" && chmod 600 "$TEST_DIR/pw" &&
	xmppd_config alice alice "" "buddy = bob@localhost" "secretfile = $TEST_DIR/pw" &&
	xmppd_start alice -d &&
	test "$(xmpp-status alice)" = 1
'

test_expect_success 'the password is in neither -d output nor ps' '
	grep -q "<auth " "$TEST_DIR/xmppd.log" &&
	! grep -q "s3cret" "$TEST_DIR/xmppd.log" &&
	! grep -q "$(printf "\0alice\0s3cret-Pa55" | base64)" "$TEST_DIR/xmppd.log" &&
	! ps -ww -eo args | grep -q "[s]3cret"
'

test_expect_success 'the protocol can be typed by hand' '
	printf "PING\nSTATUS\nSTATUS bob@localhost\nRECV 100 bob@localhost\nfrobnicate\nQUIT\n" |
		socat -t 5 - "UNIX-CONNECT:$XMPPD_SOCKET_DIR/alice.sock" >"$TEST_DIR/conv" &&
	printf "XMPPD 1 alice\nOK\nOK 1\nOK 6\nERR 1 no message before the timeout\nERR 64 unknown request %s\nOK bye\n" \
		"'"'"'frobnicate'"'"'" >"$TEST_DIR/want" &&
	diff "$TEST_DIR/want" "$TEST_DIR/conv"
'

test_expect_success 'an overlong line closes only that connection' '
	# socat may see a broken pipe: the daemon hangs up on purpose.
	{ { head -c 10000 /dev/zero | tr "\0" a; echo; echo PING; } |
		socat -t 5 - "UNIX-CONNECT:$XMPPD_SOCKET_DIR/alice.sock" \
		>"$TEST_DIR/conv" 2>/dev/null || :; } &&
	grep -q "^ERR 64 request line too long" "$TEST_DIR/conv" &&
	! grep -q "^OK$" "$TEST_DIR/conv" &&
	test "$(xmpp-status alice)" = 1
'

test_expect_success 'a client sending one byte at a time does not hold up others' '
	{ for c in S T A T U S; do printf %s $c; sleep 0.3; done; echo; } |
		socat -t 5 - "UNIX-CONNECT:$XMPPD_SOCKET_DIR/alice.sock" >"$TEST_DIR/slow" &
	slow=$! &&
	test "$(xmpp-status alice bob@localhost)" = 6 &&
	pid_alive $slow &&
	wait $slow && grep -q "^OK 1$" "$TEST_DIR/slow"
'

test_expect_success 'three hundred waiting clients are each answered' '
	pids= &&
	i=0 && while [ $i -lt 300 ]; do
		xmpp-recv -t 1 alice nobody@localhost >/dev/null 2>>"$TEST_DIR/many.err" &
		pids="$pids $!" && i=$((i + 1))
	done &&
	test "$(xmpp-status alice)" = 1 &&
	fails=0 && for p in $pids; do
		wait $p; rc=$?; [ $rc = 1 ] || fails=$((fails + 1))
	done &&
	test $fails = 0 && test ! -s "$TEST_DIR/many.err"
'

test_expect_success 'a second account with the same JID and resource is refused (73), naming the first' '
	cp "$XMPPD_CONFIG" "$TEST_DIR/twin.conf" &&
	sed -n "/^\[alice\]/,\$p" "$XMPPD_CONFIG" | sed "s/^\[alice\]/[twin]/" >>"$TEST_DIR/twin.conf" &&
	{ xmppd -c "$TEST_DIR/twin.conf" twin 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 73 &&
	grep -q "account twin logs in as alice@localhost/xmppd, like the account served by pid $XMPPD_PID alice" "$TEST_DIR/err" &&
	grep -q "give one of them another resource" "$TEST_DIR/err" &&
	test ! -e "$XMPPD_SOCKET_DIR/twin.sock"
'

test_expect_success 'the daemon stops cleanly' '
	xmppd_stop
'

done_testing
