#!/bin/sh
# t0075-batch: many messages at once.  The messages of one turn of the
# daemon's loop share one write and one fdatasync(); xmpp-send --lines
# sends every line of stdin as a message, many requests in flight.  None
# of it may lose, reorder or mix up a message.

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

SPOOL=$XMPPD_STATE_DIR/alice
records() {	# the number of messages in the spool (xmppd --spool says)
	xmppd --spool alice | wc -l
}
syncs() {	# how many syncs the daemon made so far (tests/failio.so)
	count_lines "$TEST_DIR/syncs" .
}
# bodies NAME: the bodies buddy NAME received, in order, one per line.
bodies() {
	sed -n 's/^msg chat alice@localhost\/xmppd [^ ]* //p' "$TEST_DIR/$1.out"
}

server_unshaped "500 lines and lines of 40 KB would take 10 to 30 s each"

test_expect_success 'set up a server, bob and the daemon' '
	server_setup &&
	server_adduser alice alicepw && server_adduser bob bobpw &&
	server_start &&
	xmppd_config alice alice alicepw "buddy = bob@localhost" &&
	xmppd_start alice -d &&
	buddy_start bob bob@localhost/desk bobpw
'

test_expect_success '--lines: 500 lines are 500 messages, all there, in order' '
	seq 1 500 | sed "s/^/line /" >"$TEST_DIR/in" &&
	xmpp-send --lines alice bob@localhost <"$TEST_DIR/in" &&
	wait_for 20 "test \$(bodies bob | wc -l) -ge 500" &&
	bodies bob >"$TEST_DIR/got" &&
	cmp "$TEST_DIR/in" "$TEST_DIR/got" &&
	wait_for 10 "test \$(records) = 0"
'

test_expect_success '--lines: bad lines are named and skipped, the good ones go, exit 65' '
	buddy_start bob2 bob@localhost/desk bobpw &&
	{
		printf "good 1\r\n\001bad\n\ngood 2\n"
		head -c 40000 /dev/zero | tr "\\0" x; echo
		printf "good 3"	# no newline at the end
	} >"$TEST_DIR/in" &&
	{ xmpp-send -l alice bob@localhost <"$TEST_DIR/in" 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 65 &&
	grep -q "^xmpp-send: line 2: .*control character" "$TEST_DIR/err" &&
	grep -q "^xmpp-send: line 5: message too long" "$TEST_DIR/err" &&
	test $(wc -l <"$TEST_DIR/err") = 2 &&
	wait_for 10 "bodies bob2 | grep -q \"^good 3\\\$\"" &&
	test "$(bodies bob2 | tr "\\n" ,)" = "good 1,good 2,good 3,"
'

test_expect_success '--lines: a line with a colour code or a Latin-1 byte is refused, naming --clean' '
	printf "ok\n\033[31mred\033[0m\ncaf\351\n" >"$TEST_DIR/in" &&
	{ xmpp-send -l alice bob@localhost <"$TEST_DIR/in" 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 65 &&
	grep -q "^xmpp-send: line 2: .*control character.*--clean" "$TEST_DIR/err" &&
	grep -q "^xmpp-send: line 3: .*invalid UTF-8.*--clean" "$TEST_DIR/err" &&
	wait_for 10 "bodies bob2 | grep -q \"^ok\\\$\""
'

test_expect_success '--lines --clean: every line goes, cleaned; a long one in parts' '
	n0=$(bodies bob2 | wc -l) &&
	{
		printf "ok\n\033[31mred\033[0m\r\ncaf\351\n\001\033[0m\n"
		head -c 40000 /dev/zero | tr "\\0" y; echo
		printf "last"
	} >"$TEST_DIR/in" &&
	xmpp-send -l -C alice bob@localhost <"$TEST_DIR/in" 2>"$TEST_DIR/err" &&
	test ! -s "$TEST_DIR/err" &&
	wait_for 40 "bodies bob2 | grep -q \"^last\\\$\"" &&
	bodies bob2 | tail -n +$((n0 + 1)) >"$TEST_DIR/got" &&
	test "$(sed -n 1,3p "$TEST_DIR/got" | tr "\\n" ,)" = "ok,red,caf$(printf "\357\277\275")," &&
	sed -n 4p "$TEST_DIR/got" | grep -q "^(part 1 of 2)\\\\nyyyy" &&
	sed -n 5p "$TEST_DIR/got" | grep -q "^(part 2 of 2)\\\\nyyyy" &&
	test "$(sed -n 4,5p "$TEST_DIR/got" | tr -cd y | wc -c)" = 40000 &&
	test "$(sed -n 6p "$TEST_DIR/got")" = last && test $(wc -l <"$TEST_DIR/got") = 6
'

test_expect_success '--lines with --wait: every line confirmed by the server on exit 0' '
	seq 1 50 | xmpp-send -l -w 10 alice bob@localhost &&
	test $(records) = 0
'

test_expect_success '--lines goes with no MESSAGE, --queue or --receipt (64)' '
	{ echo x | xmpp-send -l alice bob@localhost word 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 64 && grep -q "lines" "$TEST_DIR/err" &&
	{ echo x | xmpp-send -l -Q alice bob@localhost 2>/dev/null; rc=$?; } &&
	test $rc = 64
'

test_expect_success 'requests in one write: answered in order, a bad one in its place' '
	printf "SEND 5 bob@localhost\nfirst\nSEND 3 bad@@jid\nxyzSEND 6 bob@localhost\nsecond\nPING\n" |
		socat -t 5 - "UNIX-CONNECT:$XMPPD_SOCKET_DIR/alice.sock" >"$TEST_DIR/conv" &&
	sed -n 2,5p "$TEST_DIR/conv" | cut -c1-6 >"$TEST_DIR/got" &&
	printf "OK xmp\nERR 65\nOK xmp\nOK\n" | cmp - "$TEST_DIR/got" &&
	wait_for 10 "bodies bob2 | grep -q \"^second\\\$\""
'

test_expect_success 'server down: 40 lines spooled with fewer syncs than messages, all of them there' '
	xmppd_stop && xmppd_start_failio alice -d &&
	server_stop &&
	wait_for 10 "! xmpp-status alice >/dev/null 2>&1" &&
	seq 1 40 | sed "s/^/held /" >"$TEST_DIR/in" &&
	n=$(syncs) &&
	xmpp-send -l alice bob@localhost <"$TEST_DIR/in" &&
	test $(records) = 40 && test $(($(syncs) - n)) -lt 40 &&
	diag "40 messages in $(($(syncs) - n)) sync(s)"
'

test_expect_success 'xmppd killed (SIGKILL): all 40 delivered after restart, in order, same ids' '
	xmppd --spool alice | cut -d " " -f 1 | sort >"$TEST_DIR/ids" &&
	kill -KILL $XMPPD_PID && wait_for 10 "! pid_alive $XMPPD_PID" &&
	server_start && buddy_start bob3 bob@localhost/desk bobpw &&
	xmppd_start alice -d &&
	wait_for 20 "test \$(bodies bob3 | wc -l) -ge 40" &&
	bodies bob3 | cmp "$TEST_DIR/in" - &&
	sed -n "s/^msg chat alice@localhost\/xmppd \([^ ]*\) held .*/\1/p" \
		"$TEST_DIR/bob3.out" | sort | cmp "$TEST_DIR/ids" - &&
	wait_for 10 "test \$(records) = 0"
'

test_expect_success 'many clients at once: every sender told 0 has its message delivered' '
	buddy_start bob4 bob@localhost/desk bobpw &&
	pids= &&
	for i in $(seq 1 40); do
		xmpp-send alice bob@localhost "parallel $i" & pids="$pids $!"
	done &&
	for p in $pids; do wait $p || return 1; done &&
	wait_for 20 "test \$(bodies bob4 | grep -c \"^parallel \") -ge 40" &&
	test $(bodies bob4 | sort -u | grep -c "^parallel ") = 40 &&
	wait_for 10 "test \$(records) = 0"
'

test_expect_success 'spool unwritable (the disk fails): every message of the turn refused with 75, none sent' '
	xmppd_stop && xmppd_start_failio alice -d && touch "$TEST_DIR/failio" &&
	{ printf "lost 1\nlost 2\nlost 3\n" |
		xmpp-send -l alice bob@localhost 2>"$TEST_DIR/err"; rc=$?; } &&
	rm "$TEST_DIR/failio" &&
	test $rc = 75 &&
	test $(grep -c "^xmpp-send: line [123]: cannot accept the message: cannot write the journal" "$TEST_DIR/err") = 3 &&
	xmpp-send -w 10 alice bob@localhost "after the failure" &&
	wait_for 10 "bodies bob4 | grep -q \"^after the failure\\\$\"" &&
	! bodies bob4 | grep -q "^lost "
'

# Two clients whose pipelines reach the daemon in the same turn: b's last
# request must be answered at once, although a's refused message commits
# b's messages after the loop has passed b.  Offline, with the next
# reconnect 4 s or more away, nothing else would wake the daemon.
LATER="reconnecting in ([4-9]|[1-9][0-9])\\."
test_expect_success 'offline, two pipelines at once: every request answered at once' '
	n=$(count_lines "$TEST_DIR/xmppd.log" "$LATER") &&
	server_stop && wait_count "$TEST_DIR/xmppd.log" "$LATER" $((n + 1)) 20 &&
	mkfifo "$TEST_DIR/a.in" "$TEST_DIR/b.in" &&
	{ socat -t 10 - "UNIX-CONNECT:$XMPPD_SOCKET_DIR/alice.sock" \
		<"$TEST_DIR/a.in" >"$TEST_DIR/a.out" & } &&
	exec 7>"$TEST_DIR/a.in" && wait_line "$TEST_DIR/a.out" "^XMPPD" 5 &&
	{ socat -t 10 - "UNIX-CONNECT:$XMPPD_SOCKET_DIR/alice.sock" \
		<"$TEST_DIR/b.in" >"$TEST_DIR/b.out" & } &&
	exec 8>"$TEST_DIR/b.in" && wait_line "$TEST_DIR/b.out" "^XMPPD" 5 &&
	kill -STOP $XMPPD_PID &&
	printf "SEND 2 bob@localhost\nb1PING\nSEND 2 bob@localhost\nb2PING\n" >&8 &&
	printf "SEND 2 bob@localhost\na1PING\nSEND 2 bob@localhost\na2SEND 1 bad@@jid\nx" >&7 &&
	sleep 0.3 && kill -CONT $XMPPD_PID &&
	wait_count "$TEST_DIR/b.out" "^OK\$" 2 2 &&
	wait_line "$TEST_DIR/a.out" "^ERR 65 bad JID" 2 &&
	exec 7>&- 8>&- &&
	server_up alice
'

test_expect_success '--lines -w, server down: the first unconfirmed line reported, status of the first failure' '
	server_stop && wait_for 10 "! xmpp-status alice >/dev/null 2>&1" &&
	{ printf "held 1\n\001bad\nheld 3\n" |
		xmpp-send -l -w 0.5 alice bob@localhost 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 65 &&
	grep -q "^xmpp-send: line 2: .*control character" "$TEST_DIR/err" &&
	grep -q "^xmpp-send: line 1: not confirmed by the server in time" "$TEST_DIR/err" &&
	grep -q "^xmpp-send: lines after line 1: not waited for" "$TEST_DIR/err" &&
	server_up alice
'

test_expect_success 'no spool file was set aside' '
	! ls "$SPOOL"/*.bad 2>/dev/null &&
	! grep -q "not a spool file" "$TEST_DIR/xmppd.log"
'

done_testing
