#!/bin/sh
# t0102-config-checks: what the daemon makes of the files its
# configuration names and of its secretcmd, at start, with -n and on
# SIGHUP: a missing or wrong cafile is named, not taken for a TLS failure
# (issue 11); secretcmd has a deadline, its process group is killed after
# it, and SIGTERM cuts a SIGHUP's wait short (issue 14 D9); logfile gets
# the log of a detached daemon and is reopened on SIGHUP; a buddy needs a
# node, in the configuration and in xmpp-status alike.

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

# hanging_secretcmd PIDFILE: a secretcmd line that records its pid and
# never answers ('\;': a bare ';' starts a comment).
hanging_secretcmd() {
	printf 'secretcmd = echo $$ >%s.new \\; mv %s.new %s \\; exec sleep 100' \
		"$1" "$1" "$1"
}

test_expect_success 'setup: a server, alice and bob' '
	server_setup && server_adduser alice alicepw &&
	server_adduser bob bobpw && server_start
'

test_expect_success 'a missing cafile is named by -n and by a start (78), not as TLS' '
	xmppd_config alice alice alicepw "cafile = $TEST_DIR/nosuch-ca.pem" &&
	{ xmppd -n alice >"$TEST_DIR/out" 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 78 && test ! -s "$TEST_DIR/out" &&
	grep -q "xmppd.conf:8: cafile $TEST_DIR/nosuch-ca.pem: no such file" "$TEST_DIR/err" &&
	{ xmppd alice 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 78 &&
	grep -q "cafile $TEST_DIR/nosuch-ca.pem: no such file" "$TEST_DIR/err" &&
	! grep -q TLS "$TEST_DIR/err"
'

test_expect_success 'a cafile holding the key, not the certificate, is named' '
	xmppd_config alice alice alicepw "cafile = $SERVER_CERTS/ca.key" &&
	{ xmppd -n alice >/dev/null 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 78 &&
	grep -q "cafile $SERVER_CERTS/ca.key: holds no certificate in PEM format" "$TEST_DIR/err"
'

test_expect_success 'capath, secretfile and hook are checked by -n too' '
	xmppd_config alice alice alicepw "capath = $SERVER_CAFILE" &&
	{ xmppd -n alice >/dev/null 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 78 && grep -q "capath $SERVER_CAFILE: not a folder" "$TEST_DIR/err" &&
	xmppd_config alice alice "" "secretfile = $TEST_DIR/nosuch.pass" &&
	{ xmppd -n alice >/dev/null 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 78 && grep -q "secretfile $TEST_DIR/nosuch.pass: no such file" "$TEST_DIR/err" &&
	printf "#!/bin/sh\n" >"$TEST_DIR/hook.sh" && chmod 644 "$TEST_DIR/hook.sh" &&
	xmppd_config alice alice alicepw "hook = $TEST_DIR/hook.sh" &&
	{ xmppd -n alice >/dev/null 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 78 && grep -q "hook $TEST_DIR/hook.sh: not executable by user" "$TEST_DIR/err"
'

test_expect_success 'a buddy without a node is refused with its line' '
	xmppd_config alice alice alicepw "buddy = bob" &&
	{ xmppd -n alice >/dev/null 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 78 && grep -q "xmppd.conf:8: buddy: no .@. in JID" "$TEST_DIR/err"
'

test_expect_success 'start alice, with bob as buddy and a logfile' '
	mkdir "$TEST_DIR/log" &&
	xmppd_config alice alice alicepw "buddy = bob@localhost" \
		"logfile = $TEST_DIR/log/xmppd.log" &&
	buddy_start bob bob@localhost/desk bobpw &&
	xmppd_start alice &&
	wait_line "$TEST_DIR/log/xmppd.log" "^[0-9T:+-]* xmppd\[alice\]\[$XMPPD_PID\]: ready on "
'

test_expect_success 'xmpp-status of a JID without a node: 65, as xmpp-send' '
	{ xmpp-status alice bob >"$TEST_DIR/out" 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 65 && test ! -s "$TEST_DIR/out" && grep -q "bob" "$TEST_DIR/err" &&
	{ xmpp-send alice bob hello 2>/dev/null; rc=$?; } && test $rc = 65 &&
	test "$(xmpp-status alice bob@localhost)" = 1
'

test_expect_success 'SIGHUP with a missing cafile: refused, logged, the old one kept' '
	xmppd_config alice alice alicepw "buddy = bob@localhost" \
		"logfile = $TEST_DIR/log/xmppd.log" "cafile = $TEST_DIR/nosuch-ca.pem" &&
	kill -HUP "$XMPPD_PID" &&
	wait_line "$TEST_DIR/log/xmppd.log" "SIGHUP: configuration not reloaded: .*xmppd.conf:10: cafile $TEST_DIR/nosuch-ca.pem: no such file" &&
	test "$(xmpp-status alice bob@localhost)" = 1
'

test_expect_success 'logrotate: the file moved away, SIGHUP starts a new one' '
	mv "$TEST_DIR/log/xmppd.log" "$TEST_DIR/log/xmppd.log.1" &&
	xmppd_config alice alice alicepw "buddy = bob@localhost" \
		"logfile = $TEST_DIR/log/xmppd.log" &&
	kill -HUP "$XMPPD_PID" &&
	wait_line "$TEST_DIR/log/xmppd.log" "SIGHUP: configuration reloaded from " &&
	! grep -q "configuration reloaded" "$TEST_DIR/log/xmppd.log.1"
'

test_expect_success 'SIGHUP with a hanging secretcmd: killed after 10 s, clients answered, old password kept' '
	xmppd_config alice alice "" "buddy = bob@localhost" \
		"logfile = $TEST_DIR/log/xmppd.log" \
		"$(hanging_secretcmd "$TEST_DIR/hup.pid")" &&
	kill -HUP "$XMPPD_PID" &&
	wait_for 10 "test -s $TEST_DIR/hup.pid" || return 1
	# A client while the daemon waits: answered once the wait is over.
	{ xmpp-status alice bob@localhost >"$TEST_DIR/status.out" 2>&1; echo $? >"$TEST_DIR/status.rc"; } &
	wait_line "$TEST_DIR/log/xmppd.log" "SIGHUP: configuration not reloaded: .*xmppd.conf:10: secretcmd gave no password within 10 seconds, and was killed" 20 &&
	wait_for 30 "test -s $TEST_DIR/status.rc" &&
	test "$(cat "$TEST_DIR/status.rc")" = 0 && test "$(cat "$TEST_DIR/status.out")" = 1 &&
	! pid_alive "$(cat "$TEST_DIR/hup.pid")" &&
	xmpp-send alice bob@localhost "still connected" &&
	next_message bob alice@localhost/xmppd "still connected"
'

test_expect_success 'SIGTERM while SIGHUP waits for secretcmd: the daemon stops at once' '
	xmppd_config alice alice "" "buddy = bob@localhost" \
		"logfile = $TEST_DIR/log/xmppd.log" \
		"$(hanging_secretcmd "$TEST_DIR/term.pid")" &&
	kill -HUP "$XMPPD_PID" &&
	wait_for 10 "test -s $TEST_DIR/term.pid" &&
	{ kill_wait "$XMPPD_PID" 5 TERM; rc=$?; } && test $rc = 0 &&
	XMPPD_PID= && xmppd_valgrind_clean &&
	grep -q "SIGHUP: configuration not reloaded: .*secretcmd was killed: xmppd is stopping" "$TEST_DIR/log/xmppd.log" &&
	! pid_alive "$(cat "$TEST_DIR/term.pid")"
'

test_expect_success 'a hanging secretcmd at start: 78 after the deadline, the command killed' '
	xmppd_config alice alice "" "$(hanging_secretcmd "$TEST_DIR/start.pid")" &&
	{ xmppd alice 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 78 &&
	grep -q "xmppd.conf:8: secretcmd gave no password within 10 seconds, and was killed" "$TEST_DIR/err" &&
	! grep -q "sleep" "$TEST_DIR/err" &&
	! pid_alive "$(cat "$TEST_DIR/start.pid")" &&
	test ! -e "$XMPPD_SOCKET_DIR/alice.sock"
'

done_testing
