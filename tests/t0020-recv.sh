#!/bin/sh
# t0020-recv: xmpp-recv does what JABBER_RECEIVE meant, without its bugs.

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

# kept N: wait until the daemon has kept N messages in all (debug log).
kept() {
	wait_count "$TEST_DIR/xmppd.log" "message from .* kept for" "$1"
}
# waiting N: wait until N clients in all have started waiting.
waiting() {
	wait_count "$TEST_DIR/xmppd.log" "a client waits" "$1"
}
nkept=0
send_kept() {	# send_kept BUDDY BODY: the buddy sends, the daemon keeps it
	nkept=$((nkept + 1))
	buddy_cmd "$1" "send alice@localhost $2" && kept $nkept
}
now_ms() {
	echo $(( $(date +%s%N) / 1000000 ))
}
# unread: bytes waiting in the daemon's XMPP socket (it is stopped).
unread() {
	ss -Htnp state established "( dport = :$SERVER_PORT )" |
		sed -n "s/^ *\([0-9]*\) .*pid=$XMPPD_PID,.*/\1/p"
}

test_expect_success 'set up a server, buddies and the daemon (timeout = 3)' '
	server_setup &&
	server_adduser alice alicepw &&
	server_adduser bob bobpw &&
	server_adduser bobby bobbypw &&
	server_adduser carol carolpw &&
	server_start &&
	xmppd_config alice alice alicepw "buddy = bob@localhost" "timeout = 3" &&
	xmppd_start alice -d &&
	buddy_start bob bob@localhost/desk bobpw &&
	buddy_start carol carol@localhost/pc carolpw &&
	buddy_start bobby bobby@localhost/x bobbypw
'

test_expect_success 'a reply that came before xmpp-recv started is returned' '
	send_kept bob "early bird" &&
	test "$(xmpp-recv -t 5 alice bob@localhost)" = "early bird"
'

test_expect_success 'a message is consumed once' '
	{ xmpp-recv -t 0.5 alice bob@localhost >"$TEST_DIR/out"; rc=$?; } &&
	test $rc = 1 && test ! -s "$TEST_DIR/out"
'

test_expect_success 'kept messages come back oldest first' '
	send_kept bob one && send_kept bob two && send_kept bob three &&
	test "$(xmpp-recv alice bob@localhost)" = one &&
	test "$(xmpp-recv alice bob@localhost)" = two &&
	test "$(xmpp-recv alice bob@localhost)" = three
'

test_expect_success 'the sender must match exactly, not as a prefix' '
	send_kept bobby "from bobby" &&
	{ xmpp-recv -t 0.5 alice bob@localhost >"$TEST_DIR/out"; rc=$?; } &&
	test $rc = 1 && test ! -s "$TEST_DIR/out" &&
	test "$(xmpp-recv alice BOBBY@localhost)" = "from bobby"
'

test_expect_success 'JID/RESOURCE takes only that resource' '
	buddy_start bobphone bob@localhost/phone bobpw &&
	send_kept bob "from desk" && send_kept bobphone "from phone" &&
	test "$(xmpp-recv alice bob@localhost/phone)" = "from phone" &&
	{ xmpp-recv -t 0.5 alice bob@localhost/phone; test $? = 1; } &&
	test "$(xmpp-recv alice bob@localhost)" = "from desk"
'

test_expect_success 'nothing within the timeout: no output, exit 1, after the timeout' '
	t0=$(now_ms) &&
	{ xmpp-recv -t 1.5 alice bob@localhost >"$TEST_DIR/out" 2>"$TEST_DIR/err"; rc=$?; } &&
	t1=$(now_ms) &&
	test $rc = 1 && test ! -s "$TEST_DIR/out" && test ! -s "$TEST_DIR/err" &&
	test $((t1 - t0)) -ge 1500 && test $((t1 - t0)) -lt 6000
'

test_expect_success 'a message from someone else does not end the wait' '
	n=$(count_lines "$TEST_DIR/xmppd.log" "a client waits") &&
	{ xmpp-recv -t 10 alice bob@localhost >"$TEST_DIR/wait.out" & pid=$!; } &&
	waiting $((n + 1)) &&
	send_kept carol "noise" &&
	pid_alive $pid &&
	buddy_cmd bob "send alice@localhost signal" &&
	wait $pid && test "$(cat "$TEST_DIR/wait.out")" = signal &&
	test "$(xmpp-recv alice carol@localhost)" = noise
'

test_expect_success 'two waiters: first come, first served, one message each' '
	n=$(count_lines "$TEST_DIR/xmppd.log" "a client waits") &&
	{ xmpp-recv -t 10 alice bob@localhost >"$TEST_DIR/w1" & p1=$!; } &&
	waiting $((n + 1)) &&
	{ xmpp-recv -t 10 alice bob@localhost >"$TEST_DIR/w2" & p2=$!; } &&
	waiting $((n + 2)) &&
	buddy_cmd bob "send alice@localhost first" &&
	buddy_cmd bob "send alice@localhost second" &&
	wait $p1 && wait $p2 &&
	test "$(cat "$TEST_DIR/w1")" = first &&
	test "$(cat "$TEST_DIR/w2")" = second
'

# Issue 14 D5: the waiter dies while the daemon is stopped and its
# message is already in the daemon's socket: it must not be lost with it.
test_expect_success 'a message for an xmpp-recv killed meanwhile goes to the next one' '
	n=$(count_lines "$TEST_DIR/xmppd.log" "a client waits") &&
	{ xmpp-recv -t 20 alice bob@localhost >"$TEST_DIR/dead" & r=$!; } &&
	waiting $((n + 1)) &&
	kill -STOP $XMPPD_PID &&
	kill -KILL $r && { wait $r; test $? = 137; } &&
	buddy_cmd bob "send alice@localhost for the living" && buddy_sync bob &&
	wait_for 5 "test \"\$(unread)\" -gt 0" &&
	kill -CONT $XMPPD_PID &&
	test "$(xmpp-recv -t 5 alice bob@localhost)" = "for the living"
'

test_expect_success 'a client that shut down its writing side still gets its message' '
	n=$(count_lines "$TEST_DIR/xmppd.log" "a client waits") &&
	{ printf "RECV 10000 bob@localhost\n" |
		socat -t 15 - "UNIX-CONNECT:$XMPPD_SOCKET_DIR/alice.sock" >"$TEST_DIR/half" & s=$!; } &&
	waiting $((n + 1)) &&
	buddy_cmd bob "send alice@localhost to the half-closed" &&
	wait $s &&
	printf "OK 18 chat bob@localhost/desk\nto the half-closed\n" >"$TEST_DIR/want" &&
	sed 1d "$TEST_DIR/half" | cmp - "$TEST_DIR/want"
'

test_expect_success 'kept messages expire after the configured timeout' '
	send_kept bob "too old" &&
	sleep 3.2 &&
	{ xmpp-recv -t 0.5 alice bob@localhost >"$TEST_DIR/out"; rc=$?; } &&
	test $rc = 1 && test ! -s "$TEST_DIR/out"
'

test_expect_success 'error bounces are never returned as replies' '
	buddy_cmd bob "sendtype error alice@localhost/xmppd your own words" &&
	buddy_sync bob &&
	wait_line "$TEST_DIR/xmppd.log" "error message from bob@localhost" &&
	{ xmpp-recv -t 0.5 alice bob@localhost >"$TEST_DIR/out"; rc=$?; } &&
	test $rc = 1 && test ! -s "$TEST_DIR/out"
'

test_expect_success 'messages delayed longer than the timeout are not replies' '
	buddy_cmd bob "senddelayed alice@localhost 2020-01-01T00:00:00Z old news" &&
	wait_line "$TEST_DIR/xmppd.log" "stale offline message from bob@localhost" &&
	stamp=$(date -u +%Y-%m-%dT%H:%M:%SZ) &&
	buddy_cmd bob "senddelayed alice@localhost $stamp fresh news" &&
	test "$(xmpp-recv alice bob@localhost)" = "fresh news"
'

test_expect_success 'bodies come out byte for byte (UTF-8, XML specials, lines, spaces)' '
	buddy_cmd bob "send alice@localhost   two leading\\n<a&b> \"q\" '"'"'s'"'"'\\n\\tGrüße 日本 🎉" &&
	xmpp-recv alice bob@localhost >"$TEST_DIR/body" &&
	printf "  two leading\n<a&b> \"q\" '"'"'s'"'"'\n\tGrüße 日本 🎉\n" >"$TEST_DIR/want" &&
	cmp "$TEST_DIR/want" "$TEST_DIR/body"
'

test_expect_success '-n prints the body without the newline' '
	send_kept bob "no newline" &&
	xmpp-recv -n alice bob@localhost >"$TEST_DIR/out" &&
	printf "no newline" | cmp - "$TEST_DIR/out"
'

test_expect_success 'no JID: the next message from anyone, as a record with its sender' '
	send_kept carol "from carol" &&
	send_kept bob "two\\nlines" &&
	xmpp-recv alice >"$TEST_DIR/rec" &&
	printf "carol@localhost/pc chat 10\nfrom carol\n" | cmp - "$TEST_DIR/rec" &&
	xmpp-recv --json alice >"$TEST_DIR/json" &&
	printf "{\"from\":\"bob@localhost/desk\",\"type\":\"chat\",\"body\":\"two\\\\nlines\"}\n" |
		cmp - "$TEST_DIR/json"
'

test_expect_success '--follow prints every message as it comes, one record each' '
	{ xmpp-recv --follow --json alice bob@localhost >"$TEST_DIR/follow" & f=$!; } &&
	buddy_cmd bob "send alice@localhost one" &&
	buddy_cmd carol "send alice@localhost not for the follower" &&
	buddy_cmd bob "send alice@localhost two\\nlines" &&
	wait_count "$TEST_DIR/follow" "^{" 2 &&
	pid_alive $f && kill $f && { wait $f 2>/dev/null || :; } &&
	printf "%s\n" "{\"from\":\"bob@localhost/desk\",\"type\":\"chat\",\"body\":\"one\"}" \
		"{\"from\":\"bob@localhost/desk\",\"type\":\"chat\",\"body\":\"two\\nlines\"}" |
		cmp - "$TEST_DIR/follow" &&
	test "$(xmpp-recv alice carol@localhost)" = "not for the follower"
'

test_expect_success '--follow -t ends after SECS without a message' '
	{ xmpp-recv --follow -t 1 alice bob@localhost >"$TEST_DIR/follow"; rc=$?; } &&
	test $rc = 1 && test ! -s "$TEST_DIR/follow"
'

# Issue 14 D6: the type attribute is the sender's to write; none may pass
# for part of the sender in the reply to the client.
test_expect_success 'an unknown message type is reported as normal; the sender cannot be forged' '
	buddy_cmd bob "raw <message to=\"alice@localhost\" type=\"chat boss@localhost/desk\"><body>pay now</body></message>" &&
	buddy_cmd bob "raw <message to=\"alice@localhost\" type=\"weird\"><body>odd type</body></message>" &&
	buddy_cmd bob "sendtype headline alice@localhost news" &&
	xmpp-recv alice >"$TEST_DIR/rec" &&
	printf "bob@localhost/desk normal 7\npay now\n" | cmp - "$TEST_DIR/rec" &&
	xmpp-recv --json alice >"$TEST_DIR/json" &&
	printf "{\"from\":\"bob@localhost/desk\",\"type\":\"normal\",\"body\":\"odd type\"}\n" |
		cmp - "$TEST_DIR/json" &&
	xmpp-recv alice >"$TEST_DIR/rec" &&
	printf "bob@localhost/desk headline 4\nnews\n" | cmp - "$TEST_DIR/rec"
'

test_expect_success 'a sender whose resource holds spaces is printed whole' '
	buddy_start bobsp "bob@localhost/big desk chat 9" bobpw &&
	buddy_cmd bobsp "send alice@localhost spaced" &&
	xmpp-recv alice >"$TEST_DIR/rec" &&
	printf "bob@localhost/big desk chat 9 chat 6\nspaced\n" | cmp - "$TEST_DIR/rec" &&
	buddy_cmd bobsp "send alice@localhost again" &&
	xmpp-recv --json alice >"$TEST_DIR/json" &&
	printf "{\"from\":\"bob@localhost/big desk chat 9\",\"type\":\"chat\",\"body\":\"again\"}\n" |
		cmp - "$TEST_DIR/json" &&
	buddy_stop bobsp
'

test_expect_success 'a bad timeout is a usage error (64)' '
	for t in 0 -1 abc "" 1e9; do
		{ xmpp-recv -t "$t" alice bob@localhost 2>"$TEST_DIR/err"; rc=$?; } &&
		test $rc = 64 || return 1
		grep -q "^xmpp-recv: " "$TEST_DIR/err" || return 1
	done
'

test_expect_success 'stale offline messages from before a restart are skipped' '
	# timeout = 6 leaves a slow start (valgrind) room for the fresh one
	xmppd_stop &&
	n=$(count_lines "$TEST_DIR/xmppd.log" "stale offline message from bob") &&
	xmppd_config alice alice alicepw "buddy = bob@localhost" "timeout = 6" &&
	buddy_cmd bob "send alice@localhost stored long ago" && buddy_sync bob &&
	sleep 7.2 &&	# delay stamps have whole seconds: one more for rounding
	buddy_cmd bob "send alice@localhost stored just now" && buddy_sync bob &&
	xmppd_start alice -d &&
	test "$(xmpp-recv -t 5 alice bob@localhost)" = "stored just now" &&
	{ xmpp-recv -t 0.5 alice bob@localhost; test $? = 1; } &&
	wait_count "$TEST_DIR/xmppd.log" "stale offline message from bob" $((n + 1))
'

test_expect_success 'no daemon: 69, naming the account and the socket' '
	xmppd_stop &&
	{ xmpp-recv -t 1 alice bob@localhost 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 69 && grep -q "account alice" "$TEST_DIR/err" &&
	grep -q "$XMPPD_SOCKET_DIR/alice.sock" "$TEST_DIR/err"
'

done_testing
