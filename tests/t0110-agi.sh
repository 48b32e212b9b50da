#!/bin/sh
# t0110-agi: scripts/xmpp-agi speaks AGI with a fake Asterisk
# (tests/agi/fake-asterisk) and does JabberSend, JABBER_STATUS and
# JABBER_RECEIVE against a real xmppd, server and buddy: commas in
# messages, status codes, received bodies quoted for SET VARIABLE,
# timeouts, and hangups in the middle of a wait.

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

AGI=$TOP/scripts/xmpp-agi
FAKE=$TOP/tests/agi/fake-asterisk
# TEST_AGI_SHELL=bash (or another shell) runs the script with that shell
# instead of its #! line, e.g. where /bin/sh is bash.
if [ -n "${TEST_AGI_SHELL:-}" ]; then
	cat >"$TEST_DIR/xmpp-agi" <<-EOF || exit 1
	#!/bin/sh
	exec $TEST_AGI_SHELL "$AGI" "\$@"
	EOF
	chmod +x "$TEST_DIR/xmpp-agi" && AGI=$TEST_DIR/xmpp-agi
fi

# agi NAME [fake-asterisk options] -- ARG...: runs xmpp-agi with ARG...
# under the fake Asterisk; the log is $TEST_DIR/NAME.log.  Returns the
# script's exit status.
agi() {
	_agi_log=$TEST_DIR/$1.log
	shift
	rm -f "$_agi_log"
	"$FAKE" --log "$_agi_log" --script "$AGI" "$@"
}
# vars NAME: the SET VARIABLE lines of NAME.log, decoded, in order.
vars() {
	grep '^VAR ' "$TEST_DIR/$1.log" | sed 's/^VAR //'
}
# expect_vars NAME 'LINE...': the variables set are exactly these lines,
# and the script exited 0.
expect_vars() {
	_ev_want=$(printf '%s\n' "$2")
	_ev_got=$(vars "$1")
	if [ "$_ev_got" = "$_ev_want" ] && grep -qx 'EXIT 0' "$TEST_DIR/$1.log" &&
		! grep -Eq '^(LONG|EARLY)' "$TEST_DIR/$1.log"; then
		return 0
	fi
	diag "$1.log:"
	sed 's/^/    /' "$TEST_DIR/$1.log" >&2
	diag "wanted variables:"
	printf '%s\n' "$_ev_want" | sed 's/^/    /' >&2
	return 1
}

# bob_got BODY: bob's next message from the account has this body (as the
# buddy prints it: newline as \n, backslash as \\).
bob_got() {
	next_message bob asterisk@localhost/xmppd "$1"
}

# child_of PID NAME: prints the PID of PID's child called NAME, if any.
child_of() {
	ps -o pid=,comm= --ppid "$1" 2>/dev/null |
		awk -v n="$2" '$2 == n { print $1; exit }'
}

# start_wait NAME [fake-asterisk options]: starts an xmpp-agi recv with a
# 60 s timeout in the background (fake Asterisk's PID in $fake) and waits
# until its xmpp-recv runs (PID in $recvpid, the script's in $agipid).
start_wait() {
	_sw=$1
	shift
	rm -f "$TEST_DIR/$_sw.log" "$TEST_DIR/$_sw.pid"
	"$FAKE" --log "$TEST_DIR/$_sw.log" --pidfile "$TEST_DIR/$_sw.pid" \
		--script "$AGI" "$@" -- recv asterisk-xmpp bob@localhost 60 &
	fake=$!
	at_exit "kill_wait $fake 2"
	wait_for 10 '[ -s "$TEST_DIR/$_sw.pid" ]' &&
		agipid=$(cat "$TEST_DIR/$_sw.pid") &&
		wait_for 10 'recvpid=$(child_of "$agipid" xmpp-recv) && [ -n "$recvpid" ]' ||
		{ diag "no xmpp-recv under the AGI script"; return 1; }
}

# stopped_cleanly NAME: after a hangup, the script ended within 2 s, its
# xmpp-recv too, nothing was set, and it exited 0.
stopped_cleanly() {
	wait_for 2 '! pid_alive "$agipid"' ||
		{ diag "the script still runs 2 s after the hangup"; return 1; }
	wait_for 2 '! pid_alive "$recvpid"' ||
		{ diag "xmpp-recv $recvpid still runs"; return 1; }
	wait "$fake" || { diag "fake-asterisk: exit $?"; return 1; }
	grep -qx 'EXIT 0' "$TEST_DIR/$1.log" && ! grep -q '^CMD' "$TEST_DIR/$1.log" &&
		return 0
	sed 's/^/    /' "$TEST_DIR/$1.log" >&2
	return 1
}

test_expect_success 'set up a server, bob, carol and the asterisk-xmpp account' '
	server_setup &&
	server_adduser asterisk astpw && server_adduser bob bobpw &&
	server_adduser carol carolpw &&
	server_start &&
	xmppd_config asterisk-xmpp asterisk astpw "buddy = bob@localhost" \
		"timeout = 30" &&
	xmppd_start asterisk-xmpp &&
	buddy_start bob bob@localhost/laptop bobpw &&
	wait_for 10 "[ \"\$(xmpp-status asterisk-xmpp bob@localhost)\" = 1 ]"
'

# ---------------------------------------------------------------- send

test_expect_success 'send: the message is everything after the JID, commas put back' '
	agi send --slow-header -- send asterisk-xmpp bob@localhost \
		"Call from Alice" " line 2" " all, fine" &&
	expect_vars send "XMPP_RESULT=OK" &&
	bob_got "Call from Alice, line 2, all, fine"
'

test_expect_success 'send: quotes, backslashes, leading hyphens and trailing commas reach bob as they are' '
	agi send -- send asterisk-xmpp bob@localhost "-5 \"degrees\" \\ outside" "" &&
	expect_vars send "XMPP_RESULT=OK" &&
	bob_got "-5 \"degrees\" \\\\ outside," &&
	agi send -- send asterisk-xmpp bob@localhost -- &&
	expect_vars send "XMPP_RESULT=OK" &&
	bob_got "--"
'

test_expect_success 'send: an empty message, a bad JID or no daemon is ERROR' '
	agi send -- send asterisk-xmpp bob@localhost "" &&
	expect_vars send "XMPP_RESULT=ERROR" &&
	agi send -- send asterisk-xmpp bob "hello" &&
	expect_vars send "XMPP_RESULT=ERROR" &&
	agi send -- send nosuch bob@localhost "hello" &&
	expect_vars send "XMPP_RESULT=ERROR" &&
	xmpp-send asterisk-xmpp bob@localhost "marker" &&
	bob_got "marker"
'

# ---------------------------------------------------------------- status

test_expect_success 'status: online is 1, in XMPP_STATUS or the variable named' '
	agi status -- status asterisk-xmpp bob@localhost &&
	expect_vars status "XMPP_STATUS=1
XMPP_RESULT=OK" &&
	agi status -- status asterisk-xmpp bob@localhost BOB_STATE &&
	expect_vars status "BOB_STATE=1
XMPP_RESULT=OK"
'

test_expect_success 'blanks around the action, account, JID and variable do not matter' '
	agi status -- " status" " asterisk-xmpp" " bob@localhost " " BOB_STATE " &&
	expect_vars status "BOB_STATE=1
XMPP_RESULT=OK"
'

test_expect_success 'status: away is 3, a stranger 7, the account itself 1' '
	buddy_cmd bob "presence away" &&
	wait_for 10 "[ \"\$(xmpp-status asterisk-xmpp bob@localhost)\" = 3 ]" &&
	agi status -- status asterisk-xmpp bob@localhost &&
	expect_vars status "XMPP_STATUS=3
XMPP_RESULT=OK" &&
	agi status -- status asterisk-xmpp carol@localhost &&
	expect_vars status "XMPP_STATUS=7
XMPP_RESULT=OK" &&
	agi status -- status asterisk-xmpp "" &&
	expect_vars status "XMPP_STATUS=1
XMPP_RESULT=OK" &&
	buddy_cmd bob "presence available" &&
	wait_for 10 "[ \"\$(xmpp-status asterisk-xmpp bob@localhost)\" = 1 ]"
'

test_expect_success 'status: a bad JID or no daemon leaves it empty, ERROR' '
	agi status -- status asterisk-xmpp "bob@" &&
	expect_vars status "XMPP_STATUS=
XMPP_RESULT=ERROR" &&
	agi status -- status nosuch bob@localhost S &&
	expect_vars status "S=
XMPP_RESULT=ERROR"
'

# ---------------------------------------------------------------- recv

test_expect_success 'recv: a reply that comes during the wait is OK' '
	start_wait recv &&
	buddy_cmd bob "send asterisk@localhost 1" &&
	wait "$fake" &&
	expect_vars recv "XMPP_MESSAGE=1
XMPP_RESULT=OK"
'

test_expect_success 'recv: a reply kept from before, into the variable named' '
	buddy_cmd bob "send asterisk@localhost 2" &&
	buddy_sync bob &&
	agi recv -- recv asterisk-xmpp bob@localhost OPTION &&
	expect_vars recv "OPTION=2
XMPP_RESULT=OK" &&
	buddy_cmd bob "send asterisk@localhost 3" &&
	buddy_sync bob &&
	agi recv -- recv asterisk-xmpp bob@localhost 5 OPTION &&
	expect_vars recv "OPTION=3
XMPP_RESULT=OK" &&
	buddy_cmd bob "send asterisk@localhost 4" &&
	buddy_sync bob &&
	agi recv -- recv asterisk-xmpp bob@localhost "" OPTION &&
	expect_vars recv "OPTION=4
XMPP_RESULT=OK"
'

test_expect_success 'recv: quotes and backslashes survive, line breaks become spaces' '
	buddy_cmd bob "send asterisk@localhost   say \"hi\"\\nto C:\\\\temp\\n\\n\\tbye" &&
	buddy_sync bob &&
	agi recv -- recv asterisk-xmpp bob@localhost 5 &&
	grep -Fx "CMD SET VARIABLE XMPP_MESSAGE \"  say \\\"hi\\\" to C:\\\\temp  	bye\"" \
		"$TEST_DIR/recv.log" &&
	expect_vars recv "XMPP_MESSAGE=  say \"hi\" to C:\\temp  	bye
XMPP_RESULT=OK"
'

test_expect_success 'recv: a long body is cut below 2048 bytes, at a character' '
	body=$(awk "BEGIN { while (i++ < 1500) printf \"\\303\\251\" }") &&
	buddy_cmd bob "send asterisk@localhost $body" &&
	buddy_sync bob &&
	agi recv -- recv asterisk-xmpp bob@localhost 5 &&
	expect_vars recv "$(vars recv | head -n 1)
XMPP_RESULT=OK" &&
	value=$(vars recv | sed -n "1s/^XMPP_MESSAGE=//p") &&
	bytes=$(printf %s "$value" | wc -c) &&
	test "$bytes" -gt 1900 && test "$bytes" -le 1972 &&
	test $((bytes % 2)) = 0 &&
	case $body in "$value"*) : ;; *) false ;; esac
'

test_expect_success 'recv: a long body of backslashes is not cut inside an escape' '
	body=$(awk "BEGIN { while (i++ < 3000) printf \"\\\\\\\\\" }") &&
	buddy_cmd bob "send asterisk@localhost $body" &&
	buddy_sync bob &&
	agi recv -- recv asterisk-xmpp bob@localhost 5 &&
	value=$(vars recv | sed -n "1s/^XMPP_MESSAGE=//p") &&
	expect_vars recv "XMPP_MESSAGE=$value
XMPP_RESULT=OK" &&
	bytes=$(printf %s "$value" | wc -c) &&
	test "$bytes" -gt 900 && test "$bytes" -le 986 &&
	test -z "$(printf %s "$value" | tr -d "\\\\")"
'

test_expect_success 'recv: nothing within the timeout is TIMEOUT, an empty value' '
	agi recv -- recv asterisk-xmpp bob@localhost 0.3 &&
	expect_vars recv "XMPP_MESSAGE=
XMPP_RESULT=TIMEOUT" &&
	agi recv -- recv asterisk-xmpp bob@localhost 0.3 OPTION &&
	expect_vars recv "OPTION=
XMPP_RESULT=TIMEOUT"
'

test_expect_success 'recv: a bad JID, a bad timeout or no daemon is ERROR' '
	agi recv -- recv asterisk-xmpp "bob@" 1 &&
	expect_vars recv "XMPP_MESSAGE=
XMPP_RESULT=ERROR" &&
	agi recv -- recv asterisk-xmpp bob@localhost 0 &&
	expect_vars recv "XMPP_MESSAGE=
XMPP_RESULT=ERROR" &&
	agi recv -- recv nosuch bob@localhost 1 &&
	expect_vars recv "XMPP_MESSAGE=
XMPP_RESULT=ERROR"
'

# ---------------------------------------------------------------- hangups

test_expect_success 'hangup by SIGHUP during a wait: xmpp-recv and the script end at once' '
	start_wait hup &&
	kill -USR1 "$fake" &&
	stopped_cleanly hup
'

test_expect_success 'the cancelled wait took nothing: the next message is there for the next reader' '
	buddy_cmd bob "send asterisk@localhost after the hangup" &&
	test "$(xmpp-recv -t 10 asterisk-xmpp bob@localhost)" = "after the hangup"
'

test_expect_success 'hangup by a HANGUP line (FastAGI) during a wait' '
	start_wait line --hangup line &&
	kill -USR1 "$fake" &&
	stopped_cleanly line
'

test_expect_success 'the input closed during a wait: the script ends too, and its wait' '
	rm -f "$TEST_DIR/eof.log" &&
	{ "$FAKE" --log "$TEST_DIR/eof.log" --close-after-header --script "$AGI" \
		-- recv asterisk-xmpp bob@localhost 60 & fake=$!; } &&
	wait_for 2 "! pid_alive $fake" &&
	wait "$fake" &&
	grep -qx "EXIT 0" "$TEST_DIR/eof.log" && ! grep -q "^CMD" "$TEST_DIR/eof.log" &&
	buddy_cmd bob "send asterisk@localhost after the end of input" &&
	test "$(xmpp-recv -t 10 asterisk-xmpp bob@localhost)" = "after the end of input"
'

# ---------------------------------------------------------------- protocol

test_expect_success 'a HANGUP answer stops the script before its next command' '
	agi proto --reply HANGUP -- status asterisk-xmpp bob@localhost &&
	test "$(grep -c "^CMD" "$TEST_DIR/proto.log")" = 1 &&
	grep -qx "EXIT 0" "$TEST_DIR/proto.log"
'

test_expect_success 'an error answer (510, or a 520- usage block) stops it with status 1' '
	! agi proto --reply "510 Invalid or unknown command" -- \
		status asterisk-xmpp bob@localhost 2>"$TEST_DIR/err" &&
	test "$(grep -c "^CMD" "$TEST_DIR/proto.log")" = 1 &&
	grep -q "510 Invalid" "$TEST_DIR/err" &&
	! agi proto --reply "520-Invalid command syntax.  Proper usage follows:\\n Usage: SET VARIABLE <variablename> <value>\\n520 End of proper usage." \
		--reply "200 result=1" -- status asterisk-xmpp bob@localhost 2>"$TEST_DIR/err" &&
	test "$(grep -c "^CMD" "$TEST_DIR/proto.log")" = 1 &&
	grep -qx "EXIT 1" "$TEST_DIR/proto.log"
'

test_expect_success 'the input ending with the header: nothing is sent' '
	agi proto --close-after-header -- send asterisk-xmpp bob@localhost hi &&
	! grep -q "^CMD" "$TEST_DIR/proto.log"
'

test_expect_success 'a bad action or variable name: XMPP_RESULT=ERROR, status 64' '
	! agi usage -- fetch asterisk-xmpp bob@localhost 2>/dev/null &&
	grep -qx "EXIT 64" "$TEST_DIR/usage.log" &&
	test "$(vars usage)" = "XMPP_RESULT=ERROR" &&
	! agi usage -- status asterisk-xmpp bob@localhost "BAD NAME" 2>/dev/null &&
	grep -qx "EXIT 64" "$TEST_DIR/usage.log" &&
	test "$(vars usage)" = "XMPP_RESULT=ERROR" &&
	! agi usage -- send asterisk-xmpp bob@localhost 2>/dev/null &&
	test "$(vars usage)" = "XMPP_RESULT=ERROR"
'

test_expect_success 'no temporary file is left behind' '
	test -z "$(find "$TMPDIR" -name "xmpp-agi.*")"
'

test_expect_success 'the daemon stops cleanly' '
	xmppd_stop
'

done_testing
