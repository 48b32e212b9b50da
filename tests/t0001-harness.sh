#!/bin/sh
# t0001-harness: the test harness itself (test-lib.sh, server.sh, buddy),
# against either server.

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"

# A body as typed in a buddy command (\n \t \\ are escapes there), and as
# the receiving buddy must print it (newline, tab, backslash escaped the
# same way, so the two look alike; the raw message below checks the
# receiving side on its own).
sent='Grüße, 日本 \\ back\nslash\tend'
want='Grüße, 日本 \\ back\nslash\tend'

test_expect_success 'environment is private' '
	case $TEST_DIR in /*) ;; *) false ;; esac &&
	test -d "$TEST_DIR" &&
	test "$HOME" = "$TEST_DIR/home" && test -d "$HOME" &&
	test "$TMPDIR" = "$TEST_DIR/tmp" &&
	test "$XDG_RUNTIME_DIR" = "$TEST_DIR/run" &&
	test "$XMPPD_SOCKET_DIR" = "$TEST_DIR/sock" &&
	test "$LC_ALL" = C.UTF-8 &&
	case $PATH in "$TOP/bin:"*) ;; *) false ;; esac &&
	test -f "$TOP/tests/lib/test-lib.sh"
'

test_expect_success 'wait_for polls and times out' '
	: >"$TEST_DIR/flag" &&
	wait_for 1 "test -f \"\$TEST_DIR/flag\"" &&
	! wait_for 0.1 false &&
	printf "a\nb x\nb y\n" >"$TEST_DIR/lines" &&
	test "$(count_lines "$TEST_DIR/lines" "^b ")" = 2 &&
	test "$(count_lines "$TEST_DIR/nonexistent" "^b ")" = 0 &&
	wait_line "$TEST_DIR/lines" "^b y$" 1 &&
	! wait_line "$TEST_DIR/lines" "^c" 0.1
'

test_expect_success 'TAP output and cleanup of a failing script (dash and bash)' '
	mkdir -p "$TEST_DIR/fake/tests/lib" &&
	ln -s "$TOP/tests/lib/test-lib.sh" "$TEST_DIR/fake/tests/lib/" &&
	cat >"$TEST_DIR/fake/tests/sub.sh" <<-\EOF &&
	. "$(dirname "$0")/lib/test-lib.sh"
	echo "$TEST_DIR" >"$TOP/subdir"
	sleep 60 & at_exit "kill $! && echo killed >\"$TOP/killed\""
	test_expect_success "passes" "x=1"
	test_expect_success "variables persist" "test \$x = 1"
	test_expect_success "fails" "echo some output; echo on stderr >&2; false"
	done_testing
	EOF
	for sh in dash bash; do
		rm -f "$TEST_DIR/fake/killed" &&
		{ env -u TEST_TIMING -u TEST_VERBOSE -u TEST_KEEP $sh "$TEST_DIR/fake/tests/sub.sh" \
			>"$TEST_DIR/sub.out" 2>"$TEST_DIR/sub.err"; rc=$?; } &&
		test $rc = 1 &&
		printf "ok 1 - passes\nok 2 - variables persist\nnot ok 3 - fails\n1..3\n" >"$TEST_DIR/sub.want" &&
		diff "$TEST_DIR/sub.want" "$TEST_DIR/sub.out" &&
		grep -q "^#     on stderr" "$TEST_DIR/sub.err" &&
		grep -q "^#     some output" "$TEST_DIR/sub.err" &&
		test -f "$TEST_DIR/fake/killed" &&
		! test -e "$(cat "$TEST_DIR/fake/subdir")" || return 1
	done
'

test_expect_success 'known failures are TAP TODOs, skips are skips; neither fails the script' '
	cat >"$TEST_DIR/fake/tests/todo.sh" <<-\EOF &&
	. "$(dirname "$0")/lib/test-lib.sh"
	test_expect_failure "broken" "defect 9: it breaks" "echo why >&2; false"
	test_expect_failure "mended" "defect 8: it broke" "true"
	test_skip "elsewhere" "not here: no such thing"
	test_expect_success "passes" "true"
	done_testing
	EOF
	for sh in dash bash; do
		{ env -u TEST_TIMING -u TEST_VERBOSE -u TEST_KEEP $sh "$TEST_DIR/fake/tests/todo.sh" \
			>"$TEST_DIR/todo.out" 2>"$TEST_DIR/todo.err"; rc=$?; } &&
		test $rc = 0 &&
		printf "%s\n" "not ok 1 - broken # TODO defect 9: it breaks" \
			"ok 2 - mended # TODO defect 8: it broke" \
			"ok 3 - elsewhere # skip not here: no such thing" "ok 4 - passes" \
			"1..4" >"$TEST_DIR/todo.want" &&
		diff "$TEST_DIR/todo.want" "$TEST_DIR/todo.out" &&
		grep -q "^#     why" "$TEST_DIR/todo.err" || return 1
	done
'

test_expect_success 'server_setup makes the CA and certificates' '
	server_setup &&
	test -n "$SERVER_PORT" && test "$SERVER_CAFILE" = "$SERVER_CERTS/ca.crt" &&
	openssl verify -CAfile "$SERVER_CAFILE" -verify_hostname localhost \
		"$SERVER_CERTS/localhost.crt" &&
	openssl verify -CAfile "$SERVER_CAFILE" -verify_hostname conference.localhost \
		"$SERVER_CERTS/localhost.crt" &&
	! openssl verify -CAfile "$SERVER_CAFILE" "$SERVER_CERTS/untrusted.crt" &&
	openssl verify -CAfile "$SERVER_CAFILE" "$SERVER_CERTS/wrongname.crt" &&
	! openssl verify -CAfile "$SERVER_CAFILE" -verify_hostname localhost \
		"$SERVER_CERTS/wrongname.crt"
'

test_expect_success 'users, start, port accepts connections' '
	server_adduser alice alicepw &&
	server_adduser bob bobpw &&
	server_adduser carol carolpw &&
	server_start &&
	pid_alive "$SERVER_PID" &&
	socat -u /dev/null "TCP:127.0.0.1:$SERVER_PORT"
'

test_expect_success 'buddies bob and carol log in' '
	buddy_start bob bob@localhost/phone bobpw &&
	buddy_start carol carol@localhost/laptop carolpw &&
	pid_alive "$BUDDY_PID_bob" && pid_alive "$BUDDY_PID_carol"
'

test_expect_success 'message with UTF-8, backslash, newline, tab arrives escaped' '
	buddy_cmd carol "send bob@localhost $sent" &&
	wait_line "$TEST_DIR/bob.out" "^msg chat carol@localhost/laptop " &&
	line=$(grep "^msg " "$TEST_DIR/bob.out") &&
	rest=${line#msg chat carol@localhost/laptop } &&
	id=${rest%% *} && body=${rest#* } &&
	test -n "$id" && test "$id" != - &&
	test "$body" = "$want" &&
	test "$(count_lines "$TEST_DIR/bob.out" "^msg ")" = 1
'

test_expect_success 'sendtype, senddelayed and raw arrive' '
	buddy_cmd carol "sendtype normal bob@localhost plain" &&
	buddy_cmd carol "senddelayed bob@localhost 2020-01-02T03:04:05Z old news" &&
	buddy_cmd carol "raw <message to=\"bob@localhost/phone\" id=\"raw1\"><body>by hand</body></message>" &&
	buddy_cmd carol "raw <message to=\"bob@localhost/phone\" id=\"raw2\"><body>a\\b&#10;c&#9;d</body></message>" &&
	wait_line "$TEST_DIR/bob.out" "^msg normal carol@localhost/laptop raw2 " &&
	test "$(grep " raw2 " "$TEST_DIR/bob.out")" = "msg normal carol@localhost/laptop raw2 a\\\\b\\nc\\td" &&
	wait_line "$TEST_DIR/bob.out" "^msg normal carol@localhost/laptop [^ ]+ plain$" &&
	wait_line "$TEST_DIR/bob.out" "^msg chat carol@localhost/laptop [^ ]+ old news$" &&
	wait_line "$TEST_DIR/bob.out" "^msg normal carol@localhost/laptop raw1 by hand$"
'

test_expect_success 'buddy_sync, unknown command' '
	buddy_sync carol && buddy_sync carol &&
	test "$(count_lines "$TEST_DIR/carol.out" "^pong$")" = 2 &&
	buddy_cmd carol "frobnicate" &&
	wait_line "$TEST_DIR/carol.out" "^error unknown command$"
'

test_expect_success 'second resource of bob sees presence both ways' '
	buddy_start bob2 bob@localhost/tablet bobpw --priority 5 --show dnd &&
	wait_line "$TEST_DIR/bob.out" "^presence bob@localhost/tablet available dnd 5$" &&
	wait_line "$TEST_DIR/bob2.out" "^presence bob@localhost/phone available - 0$" &&
	buddy_cmd bob2 "presence away 3 gone fishing" &&
	wait_line "$TEST_DIR/bob.out" "^presence bob@localhost/tablet available away 3$"
'

test_expect_success 'subscription is approved and returned automatically' '
	buddy_cmd carol "subscribe bob@localhost" &&
	wait_line "$TEST_DIR/bob.out" "^subscribe carol@localhost$" &&
	wait_line "$TEST_DIR/carol.out" "^presence bob@localhost/phone available - 0$" &&
	wait_line "$TEST_DIR/bob.out" "^presence carol@localhost/laptop available - 0$"
'

test_expect_success 'buddy_stop quits cleanly; others see it go' '
	pid=$BUDDY_PID_bob2 &&
	buddy_stop bob2 &&
	! pid_alive "$pid" &&
	grep -q "^disconnected$" "$TEST_DIR/bob2.out" &&
	wait_line "$TEST_DIR/bob.out" "^presence bob@localhost/tablet unavailable - 0$"
'

test_expect_success 'wrong password: buddy_start fails, buddy says why' '
	! buddy_start mallory bob@localhost/x wrongpw &&
	grep -q "^error authentication failed" "$TEST_DIR/mallory.out" &&
	wait_for 5 "! pid_alive \$BUDDY_PID_mallory"
'

test_expect_success 'server_passwd while the server runs: the new password, not the old' '
	server_passwd carol carolpw2 &&
	buddy_start carol2 carol@localhost/desk carolpw2 &&
	! buddy_start carol3 carol@localhost/desk3 carolpw &&
	grep -q "^error authentication failed" "$TEST_DIR/carol3.out" &&
	buddy_stop carol2 &&
	server_log | grep -q "carol"
'

test_expect_success 'server_stop stops the server by PID' '
	pid=$SERVER_PID &&
	server_stop &&
	! pid_alive "$pid" &&
	test -z "$SERVER_PID" &&
	! socat -u /dev/null "TCP:127.0.0.1:$SERVER_PORT" 2>/dev/null &&
	wait_line "$TEST_DIR/bob.out" "^disconnected$" &&
	wait_for 5 "! pid_alive \$BUDDY_PID_bob"
'

test_expect_success 'untrusted and wrong-name certificates are refused' '
	server_cert untrusted && server_start &&
	! buddy_start u1 alice@localhost/x alicepw &&
	grep "^error tls certificate rejected: .*self.signed" "$TEST_DIR/u1.out" &&
	server_stop &&
	server_cert wrongname && server_start &&
	! buddy_start u2 alice@localhost/x alicepw &&
	grep "^error tls certificate rejected: .*[Hh]ostname" "$TEST_DIR/u2.out" &&
	server_stop
'

test_expect_success 'restart with the good certificate; same port, data kept' '
	server_cert good && server_start &&
	buddy_start alice alice@localhost/x alicepw
'

test_expect_success 'server_kill, server_pause/resume' '
	server_pause &&
	buddy_cmd alice ping &&
	! wait_line "$TEST_DIR/alice.out" "^pong$" 0.3 &&
	server_resume &&
	wait_line "$TEST_DIR/alice.out" "^pong$" &&
	pid=$SERVER_PID &&
	server_kill && ! pid_alive "$pid" &&
	wait_line "$TEST_DIR/alice.out" "^disconnected$"
'

test_expect_success 'xmppd_config writes the account section' '
	xmppd_config asterisk alice alicepw "buddy = bob@localhost" "timeout = 5" &&
	test "$XMPPD_CONFIG" = "$TEST_DIR/xmppd.conf" &&
	test "$(stat -c %a "$XMPPD_CONFIG")" = 600 &&
	printf "%s\n" "; written by tests/lib/server.sh" "[asterisk]" \
		"username = alice@localhost/xmppd" "secret = alicepw" \
		"serverhost = 127.0.0.1" "port = $SERVER_PORT" \
		"cafile = $SERVER_CAFILE" "buddy = bob@localhost" "timeout = 5" \
		>"$TEST_DIR/conf.want" &&
	diff "$TEST_DIR/conf.want" "$XMPPD_CONFIG"
'

done_testing
