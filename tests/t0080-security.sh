#!/bin/sh
# t0080-security: no plaintext password, group access to the socket, and
# a daemon that stays small whatever local clients do.

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

rss_kib() {	# resident memory of the daemon, KiB
	sed -n "s/^VmRSS:[ 	]*\([0-9]*\) kB/\1/p" "/proc/$XMPPD_PID/status"
}
cpu_ticks() {	# user and system time the daemon has used, clock ticks
	awk "{ print \$14 + \$15 }" "/proc/$XMPPD_PID/stat"
}

test_expect_success 'set up a server and accounts' '
	server_setup &&
	server_adduser alice alicepw && server_adduser bob bobpw &&
	server_start
'

# The start detaches (no -f): when it has said 69, the account's lock is
# free at once, so that the same command run again is not told that
# another xmppd serves the account.
test_expect_success 'a server without STARTTLS never receives the password (69)' '
	port=$("$TOP/tests/freeport") && : >"$TEST_DIR/capture" &&
	{ socat "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork" \
		EXEC:"$TOP/tests/fake-server.sh $TEST_DIR/capture" & fake=$!; } &&
	at_exit "kill $fake 2>/dev/null" &&
	wait_for 5 "socat -u /dev/null TCP:127.0.0.1:$port 2>/dev/null" &&
	xmppd_config alice alice "pl4intext-Secret" "port = $port" &&
	{ xmppd alice 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 69 && grep -q "does not offer TLS (STARTTLS), which xmppd requires" "$TEST_DIR/err" &&
	flock -n "$XMPPD_SOCKET_DIR/alice.lock" true &&
	wait_line "$TEST_DIR/capture" "<stream:stream" &&
	! grep -q "pl4intext" "$TEST_DIR/capture" &&
	! grep -q "$(printf "\0alice\0pl4intext-Secret" | base64)" "$TEST_DIR/capture" &&
	! grep -q "<auth" "$TEST_DIR/capture"
'

test_expect_success 'socketgroup lets exactly that group in' '
	groupadd -f xmpptest &&
	xmppd_config alice alice alicepw "buddy = bob@localhost" "socketgroup = xmpptest" &&
	xmppd_start alice &&
	test "$(stat -c "%a %G" "$XMPPD_SOCKET_DIR")" = "750 xmpptest" &&
	test "$(stat -c "%a %G" "$XMPPD_SOCKET_DIR/alice.sock")" = "660 xmpptest" &&
	chmod 711 "$TEST_DIR" &&
	test "$(setpriv --reuid=nobody --regid=xmpptest --clear-groups \
		"$TOP/bin/xmpp-status" alice bob@localhost)" = 6 &&
	{ setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$TOP/bin/xmpp-status" alice bob@localhost 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 77 && grep -q "permission denied" "$TEST_DIR/err"
'

test_expect_success 'a peer in the group by its supplementary groups only is let in' '
	test "$(setpriv --reuid=nobody --regid=nogroup --groups=xmpptest \
		"$TOP/bin/xmpp-status" alice bob@localhost)" = 6
'

test_expect_success 'a thousand clients at once, and memory stays bounded' '
	before=$(rss_kib) &&
	pids= && i=0 && while [ $i -lt 1000 ]; do
		xmpp-recv -t 3 alice bob@localhost >/dev/null 2>>"$TEST_DIR/many.err" &
		pids="$pids $!" && i=$((i + 1))
	done &&
	test "$(xmpp-status alice bob@localhost)" = 6 &&
	peak=$(rss_kib) &&
	fails=0 && for p in $pids; do
		wait $p; [ $? = 1 ] || fails=$((fails + 1))
	done &&
	test $fails = 0 && test ! -s "$TEST_DIR/many.err" &&
	after=$(rss_kib) &&
	diag "daemon RSS: $before KiB idle, $peak KiB with 1000 clients, $after KiB after" &&
	# A thousand clients cost little; the 16 MiB target holds for a plain
	# build (ASan and valgrind, XMPP_SANITIZED, bring their own weight).
	test $((peak - before)) -lt 4096 &&
	{ [ -n "${XMPP_SANITIZED:-}" ] || test "$peak" -lt 16384; }
'

test_expect_success 'random bytes, overlong lines and huge bodies leave it serving' '
	before=$(rss_kib) &&
	i=0 && while [ $i -lt 20 ]; do
		head -c 65536 /dev/urandom |
			socat -t 2 - "UNIX-CONNECT:$XMPPD_SOCKET_DIR/alice.sock" >/dev/null 2>&1
		printf "SEND 999999999 bob@localhost\n" |
			socat -t 2 - "UNIX-CONNECT:$XMPPD_SOCKET_DIR/alice.sock" >/dev/null 2>&1
		i=$((i + 1))
	done;
	test "$(xmpp-status alice bob@localhost)" = 6 &&
	after=$(rss_kib) &&
	diag "daemon RSS: $before KiB before, $after KiB after 40 hostile clients" &&
	test "$after" -lt $((before + 4096))
'

# Issue 14 D7: out of descriptors, the daemon spun at full speed and
# logged "accept: Too many open files" 76,000 times a second until the
# clients left.  Those it cannot take must be refused at once (75), and
# the listening socket then has nobody waiting.
test_expect_success '400 clients, 200 descriptors: the rest refused (75), no busy loop, the log says it once' '
	tick=$(getconf CLK_TCK) &&
	soft=$(prlimit --pid $XMPPD_PID --nofile --noheadings --output SOFT) &&
	prlimit --pid $XMPPD_PID --nofile=200: &&
	n=$(count_lines "$TEST_DIR/xmppd.log" "clients|accept|descriptors") &&
	: >"$TEST_DIR/fd.rc" && pids= && i=0 && while [ $i -lt 400 ]; do
		{ xmpp-recv -t 8 alice bob@localhost >/dev/null 2>"$TEST_DIR/fd.err.$i"
			echo $? >>"$TEST_DIR/fd.rc"; } &
		pids="$pids $!" && i=$((i + 1))
	done &&
	t0=$(cpu_ticks) && sleep 3 && t1=$(cpu_ticks) &&
	diag "daemon CPU over 3 s with 400 clients: $(((t1 - t0) * 1000 / tick)) ms" &&
	for p in $pids; do wait $p; done &&
	cat "$TEST_DIR"/fd.err.* >"$TEST_DIR/fd.err" &&
	refused=$(grep -c "^75\$" "$TEST_DIR/fd.rc") &&
	diag "$refused of 400 refused; exit statuses: $(sort "$TEST_DIR/fd.rc" | uniq -c | tr -s "\n " " ")" &&
	diag "log: $(sed -n "$((n + 1)),\$p" "$TEST_DIR/xmppd.log" | grep -E "clients|accept|descriptors")" &&
	diag "other errors: $(grep -v "too many clients" "$TEST_DIR/fd.err")" &&
	test $((t1 - t0)) -lt $((tick / 2)) &&
	test "$refused" -gt 0 &&
	test $(grep -cv "^[1]\$\|^75\$" "$TEST_DIR/fd.rc") = 0 &&
	test $(grep -cv "too many clients" "$TEST_DIR/fd.err") = 0 &&
	test $(($(count_lines "$TEST_DIR/xmppd.log" "clients|accept|descriptors") - n)) -le 2 &&
	prlimit --pid $XMPPD_PID --nofile="$soft": &&
	test "$(xmpp-status alice bob@localhost)" = 6
'

# A NUL byte in a SEND line: the line is refused, and its body, which
# holds a request, must not be read as one (issue 14 D16).
test_expect_success 'a NUL byte in a request line closes the connection; its body is no request' '
	printf "SEND 15 bob@localhost\000x\nPRESENCE away\nPING\n" |
		socat -t 5 - "UNIX-CONNECT:$XMPPD_SOCKET_DIR/alice.sock" >"$TEST_DIR/conv" &&
	sed -n 2p "$TEST_DIR/conv" | grep -q "^ERR 64 NUL byte in the request" &&
	test $(wc -l <"$TEST_DIR/conv") = 2 &&
	test "$(xmpp-status alice)" = 1
'

test_expect_success 'the daemon stops cleanly' '
	xmppd_stop
'

done_testing
