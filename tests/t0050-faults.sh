#!/bin/sh
# t0050-faults: start-up failures are reported on the terminal with their
# own exit status; outages are survived; strangers are kept out.

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

# start_fails STATUS PATTERN: a detaching start of xmppd alice fails with
# STATUS, says PATTERN on stderr and leaves no socket behind.
start_fails() {
	xmppd alice >"$TEST_DIR/out" 2>"$TEST_DIR/err"
	_rc=$?
	[ "$_rc" = "$1" ] && grep -q -- "$2" "$TEST_DIR/err" &&
		[ ! -e "$XMPPD_SOCKET_DIR/alice.sock" ] && return 0
	diag "exit $_rc (wanted $1); stderr: $(cat "$TEST_DIR/err")"
	return 1
}
spooled() {	# spooled N: the spool of alice holds N messages
	[ "$(xmppd --spool alice | wc -l)" -eq "$1" ]
}
status_is() {
	_si_jid=$1 _si_want=$2
	wait_for "${3:-10}" '[ "$(xmpp-status alice "$_si_jid" 2>/dev/null)" = "$_si_want" ]'
}

test_expect_success 'set up a server and accounts' '
	server_setup &&
	server_adduser alice alicepw && server_adduser bob bobpw &&
	xmppd_config alice alice alicepw "buddy = bob@localhost" "keepalive = 2"
'

test_expect_success 'server down at start: 75, "cannot reach"' '
	start_fails 75 "cannot reach 127.0.0.1 port $SERVER_PORT: Connection refused"
'

test_expect_success 'wrong password: 77, reported as a wrong password' '
	server_start &&
	xmppd_config alice alice WRONG "buddy = bob@localhost" &&
	start_fails 77 "authentication failed for alice@localhost/xmppd: wrong password"
'

test_expect_success 'untrusted certificate: 69, and the password is never sent' '
	xmppd_config alice alice alicepw "buddy = bob@localhost" "keepalive = 2" &&
	server_stop && server_cert untrusted && server_start &&
	n=$(count_lines "$SERVER_LOG" alice) &&
	start_fails 69 "certificate could not be verified for localhost" &&
	test "$(count_lines "$SERVER_LOG" alice)" = "$n"
'

test_expect_success 'certificate for another name: 69' '
	server_stop && server_cert wrongname && server_start &&
	start_fails 69 "certificate could not be verified for localhost"
'

test_expect_success 'a good start detaches only when ready; a second daemon is refused (73)' '
	server_stop && server_cert good && server_start &&
	xmppd alice 2>"$TEST_DIR/err" &&
	pid=$(sed -n 1p "$XMPPD_SOCKET_DIR/alice.lock") && at_exit "kill $pid" &&
	test "$(xmpp-status alice)" = 1 &&
	{ xmppd alice 2>"$TEST_DIR/err2"; rc=$?; } &&
	test $rc = 73 && grep -q "already served by another xmppd (pid $pid" "$TEST_DIR/err2" &&
	kill $pid && wait_for 10 "! pid_alive $pid" &&
	test ! -e "$XMPPD_SOCKET_DIR/alice.sock"
'

test_expect_success 'folder and socket are closed to others' '
	xmppd_start alice &&
	test "$(stat -c %a "$XMPPD_SOCKET_DIR")" = 700 &&
	test "$(stat -c %a "$XMPPD_SOCKET_DIR/alice.sock")" = 600
'

test_expect_success 'another uid is refused (77), even if the modes let it in' '
	{ runuser -u nobody -- "$TOP/bin/xmpp-status" -S "$XMPPD_SOCKET_DIR" alice \
		2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 77 && grep -q "permission denied" "$TEST_DIR/err" &&
	chmod 711 "$TEST_DIR" "$XMPPD_SOCKET_DIR" &&
	chmod 666 "$XMPPD_SOCKET_DIR/alice.sock" &&
	{ runuser -u nobody -- "$TOP/bin/xmpp-send" -S "$XMPPD_SOCKET_DIR" alice \
		bob@localhost "from nobody" 2>"$TEST_DIR/err"; rc=$?; } &&
	chmod 700 "$XMPPD_SOCKET_DIR" && chmod 600 "$XMPPD_SOCKET_DIR/alice.sock" &&
	test $rc = 77 && grep -q "uid 65534 may not use account alice" "$TEST_DIR/err"
'

test_expect_success 'server restarted: 75 while down, sends held, then reconnects' '
	buddy_start bob bob@localhost/desk bobpw &&
	status_is bob@localhost 1 &&
	server_stop &&
	wait_for 10 "! xmpp-status alice >/dev/null 2>&1" &&
	{ xmpp-status alice bob@localhost 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 75 && grep -q "not connected" "$TEST_DIR/err" &&
	xmpp-send alice bob@localhost "sent while the server was down" &&
	server_start &&
	wait_for 20 "xmpp-status alice >/dev/null 2>&1" &&
	# bob logs in once the server has the message: ejabberd may store an
	# offline message after a login that comes at the same moment has
	# looked for them, and keep it until the next login.
	wait_for 10 "spooled 0" &&
	buddy_start bob2 bob@localhost/desk bobpw &&
	wait_line "$TEST_DIR/bob2.out" "^msg chat alice@localhost/xmppd xmppd-.* sent while the server was down$" &&
	status_is bob@localhost 1
'

test_expect_success 'a hung server is noticed by the keepalive, then rejoined' '
	server_pause &&
	wait_for 20 "xmppd_log_has \"did not answer a keepalive\"" &&
	{ xmpp-status alice bob@localhost 2>/dev/null; test $? = 75; } &&
	server_resume &&
	wait_for 30 "xmpp-status alice >/dev/null 2>&1"
'

test_expect_success 'SIGTERM: unavailable presence, socket removed, exit 0' '
	n=$(count_lines "$TEST_DIR/bob2.out" "^presence alice@localhost/xmppd unavailable") &&
	xmppd_stop &&
	test ! -e "$XMPPD_SOCKET_DIR/alice.sock" &&
	wait_count "$TEST_DIR/bob2.out" "^presence alice@localhost/xmppd unavailable" $((n + 1))
'

test_expect_success 'no daemon: 69, naming the account and the socket path' '
	{ xmpp-status alice bob@localhost 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 69 &&
	grep -q "account alice: no daemon running ($XMPPD_SOCKET_DIR/alice.sock" "$TEST_DIR/err"
'

done_testing
