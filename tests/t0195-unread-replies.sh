#!/bin/sh
# t0195-unread-replies: clients that do not read their replies (issue 14,
# D4), and INFO answers made as the client reads them (D8).
#
# On a roster of 5,000 contacts, four connections each write 16 KB of
# "INFO" lines at once and never read: the daemon's memory stays small
# and another client is answered.  A long INFO answer read slowly while
# the roster shrinks still has the announced length and whole records.

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

SOCK=$XMPPD_SOCKET_DIR/alice.sock

# rss_kb PID: resident set size of PID, in kB; peak_kb: its peak so far.
rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}
peak_kb() {
	awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"
}

# now_ms: milliseconds, for the figures this test prints.
now_ms() {
	echo $(( $(date +%s%N) / 1000000 ))
}

# buddies N: N buddy lines for the configuration.
buddies() {
	awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++) printf "buddy = user%05d@localhost\n", i }'
}

# attack N: a connection writing N INFO lines at once and then neither
# reading nor closing (socat keeps the file open, as "tail -f" would).
attack() {
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) print "INFO" }' >"$TEST_DIR/infos"
	socat -u "OPEN:$TEST_DIR/infos,ignoreeof" "UNIX-CONNECT:$SOCK" >/dev/null 2>&1 &
	echo $!
}

# slow_info: on fd 5 (to the daemon) and 6 (from it), asks INFO, reads
# its first 100,000 bytes, has the daemon drop all but 100 contacts
# (SIGHUP), then reads the rest into part1 and part2; sets len.
slow_info() {
	printf "INFO\nQUIT\n" >&5 &&
	read -r greeting <&6 && read -r ok len <&6 &&
	test "$ok" = OK && test "$len" -gt 700000 &&
	echo "INFO announced $len bytes" >&2 &&
	head -c 100000 <&6 >"$TEST_DIR/part1" &&
	xmppd_config alice alice alicepw "autoregister = no" &&
	buddies 100 >>"$XMPPD_CONFIG" &&
	n=$(count_lines "$TEST_DIR/xmppd.log" "configuration reloaded") &&
	kill -HUP "$XMPPD_PID" &&
	wait_count "$TEST_DIR/xmppd.log" "configuration reloaded" $((n + 1)) 60 &&
	cat <&6 >"$TEST_DIR/part2"
}

# sockets PID: how many sockets PID holds.
sockets() {
	ls -l "/proc/$1/fd" 2>/dev/null | grep -c "socket:"
}

test_expect_success "set up $SERVER_NAME and alice with 5,000 buddies" '
	server_setup &&
	server_adduser alice alicepw &&
	server_start &&
	xmppd_config alice alice alicepw "autoregister = no" &&
	buddies 5000 >>"$XMPPD_CONFIG" &&
	xmppd_start alice &&
	test "$(xmpp-status alice user05000@localhost)" = 6 &&
	rss0=$(rss_kb "$XMPPD_PID") &&
	echo "xmppd RSS with 5,000 contacts: $rss0 kB" >&2
'

test_expect_success 'xmpp-status -l lists them all (an answer in pieces)' '
	xmpp-status -l --format=tsv alice >"$TEST_DIR/list" &&
	test "$(grep -c "^contact	user[0-9]*@localhost	buddy	none	6$" "$TEST_DIR/list")" = 5000 &&
	test "$(wc -l <"$TEST_DIR/list")" = 5001 &&
	echo "its size: $(wc -c <"$TEST_DIR/list") bytes" >&2
'

test_expect_success 'four clients write 16 KB of INFO lines and never read' '
	s0=$(sockets "$XMPPD_PID") &&
	a1=$(attack 3276) && a2=$(attack 3276) && a3=$(attack 3276) &&
	a4=$(attack 3276) &&
	at_exit "kill $a1 $a2 $a3 $a4" &&
	wait_for 10 "[ \$(sockets \"\$XMPPD_PID\") -ge $((s0 + 4)) ]"
'

test_expect_success 'another client is answered, and the memory stays small' '
	t0=$(now_ms) &&
	test "$(xmpp-status alice user00001@localhost)" = 6 &&
	t1=$(now_ms) &&
	test "$(xmpp-status alice user02500@localhost)" = 6 &&
	t2=$(now_ms) &&
	rss1=$(rss_kb "$XMPPD_PID") && peak=$(peak_kb "$XMPPD_PID") &&
	echo "xmpp-status during the attack: $((t1 - t0)) ms, then $((t2 - t1)) ms; xmppd RSS $rss0 -> $rss1 kB, peak $peak kB" >&2 &&
	if [ -n "${XMPP_SANITIZED:-}" ] || [ "${XMPP_VALGRIND:-0}" = 1 ]; then
		# ASan and valgrind bring their own weight (665 MB is what
		# the attack took before, in a plain build).
		echo "(sanitized or valgrind: the memory is not checked)" >&2
	else
		test "$peak" -lt 100000 && test "$((rss1 - rss0))" -lt 20000
	fi
'

test_expect_success 'xmpp-status -l still works meanwhile' '
	xmpp-status -l --format=tsv alice >"$TEST_DIR/list2" &&
	test "$(grep -c "^contact	" "$TEST_DIR/list2")" = 5000
'

test_expect_success 'the attackers are still connected, held, not served' '
	kill -0 $a1 $a2 $a3 $a4 &&
	test "$(sockets "$XMPPD_PID")" -ge $((s0 + 4))
'

test_expect_success 'a long answer read slowly while the roster shrinks' '
	kill $a1 $a2 $a3 $a4 &&
	xmppd_config alice alice alicepw "autoregister = no" &&
	buddies 20000 >>"$XMPPD_CONFIG" &&
	n=$(count_lines "$TEST_DIR/xmppd.log" "configuration reloaded") &&
	kill -HUP "$XMPPD_PID" &&
	wait_count "$TEST_DIR/xmppd.log" "configuration reloaded" $((n + 1)) 60 &&
	mkfifo "$TEST_DIR/req" "$TEST_DIR/ans" &&
	{ socat -t 1 "UNIX-CONNECT:$SOCK" - <"$TEST_DIR/req" >"$TEST_DIR/ans" 2>/dev/null & } &&
	slow_info 5>"$TEST_DIR/req" 6<"$TEST_DIR/ans" &&
	cat "$TEST_DIR/part1" "$TEST_DIR/part2" >"$TEST_DIR/body" &&
	test "$(tail -n 1 "$TEST_DIR/body")" = "OK bye" &&
	head -c "$len" "$TEST_DIR/body" >"$TEST_DIR/info" &&
	test "$(tail -c +$((len + 1)) "$TEST_DIR/body" | head -n 1)" = "" &&
	echo "records before the padding: $(grep -c "^contact	" "$TEST_DIR/info")" >&2 &&
	! grep -Ev "^(account	.*|contact	user[0-9]{5}@localhost	buddy	none	6| *)$" "$TEST_DIR/info" &&
	test "$(grep -c "^ *$" "$TEST_DIR/info")" = 1
'

test_expect_success 'the daemon stops cleanly' '
	xmppd_stop
'

done_testing
