#!/bin/sh
# t0070-delivery: exit 0 from xmpp-send means the message reaches the
# server, whatever happens to the server or the daemon afterwards.

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

SPOOL=$XMPPD_STATE_DIR/alice
spooled() {	# spooled N: the spool holds N messages (xmppd --spool says)
	[ "$(xmppd --spool alice | wc -l)" -eq "$1" ]
}
# bob_has NAME TEXT: buddy NAME received a message with body TEXT.
bob_has() {
	wait_line "$TEST_DIR/$1.out" "^msg chat alice@localhost/xmppd [^ ]* $2\$" "${3:-10}"
}

test_expect_success 'set up a server, bob and the daemon' '
	server_setup &&
	server_adduser alice alicepw && server_adduser bob bobpw &&
	server_start &&
	xmppd_config alice alice alicepw "buddy = bob@localhost" "lifetime = 600" &&
	xmppd_start alice -d &&
	buddy_start bob bob@localhost/desk bobpw
'

test_expect_success 'the spool is empty once the server has confirmed' '
	xmpp-send alice bob@localhost "first" && bob_has bob first &&
	wait_for 10 "spooled 0" &&
	test "$(stat -c %a "$SPOOL")" = 700
'

test_expect_success '--wait returns once the server has the message' '
	xmpp-send --wait 10 alice bob@localhost "confirmed one" &&
	spooled 0 && bob_has bob "confirmed one"
'

test_expect_success 'WAIT for an id the daemon never gave out, though with its prefix: unknown (65), not confirmed' '
	printf "SEND 4 bob@localhost\nwaitQUIT\n" |
		socat -t 5 - "UNIX-CONNECT:$XMPPD_SOCKET_DIR/alice.sock" >"$TEST_DIR/conv" &&
	id=$(sed -n "s/^OK \(xmppd-.*\)$/\1/p" "$TEST_DIR/conv") && test -n "$id" &&
	never="${id%-*}-$((${id##*-} + 1000))" &&
	printf "WAIT 1000 %s\nWAIT 1000 %s\nWAIT 1000 %s\nQUIT\n" "$id" "$never" "${id%-*}-0$((${id##*-}))" |
		socat -t 5 - "UNIX-CONNECT:$XMPPD_SOCKET_DIR/alice.sock" >"$TEST_DIR/conv" &&
	sed -n 2p "$TEST_DIR/conv" | grep -q "^OK confirmed$" &&
	sed -n 3p "$TEST_DIR/conv" | grep -q "^ERR 65 unknown message id" &&
	sed -n 4p "$TEST_DIR/conv" | grep -q "^ERR 65 unknown message id"
'

test_expect_success 'server down: --wait fails with 75 at its deadline, the message stays queued' '
	server_stop &&
	wait_for 10 "! xmpp-status alice >/dev/null 2>&1" &&
	{ xmpp-send --wait 0.5 alice bob@localhost "late one" 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 75 && grep -q "not confirmed by the server in time" "$TEST_DIR/err" &&
	spooled 1 &&
	server_up alice &&
	# bob logs in once the server has it (see t0050: ejabberd may store
	# an offline message after a login at the same moment looked)
	wait_for 10 "spooled 0" &&
	buddy_start bob2 bob@localhost/desk bobpw &&
	bob_has bob2 "late one"
'

test_expect_success 'xmppd killed (SIGKILL) after accepting: delivered after restart, same id' '
	server_stop &&
	wait_for 10 "! xmpp-status alice >/dev/null 2>&1" &&
	xmpp-send alice bob@localhost "survives a crash" && spooled 1 &&
	id=$(xmppd --spool alice | cut -d " " -f 1) && test -n "$id" &&
	kill -KILL $XMPPD_PID && wait_for 10 "! pid_alive $XMPPD_PID" &&
	server_start && buddy_start bob3 bob@localhost/desk bobpw &&
	xmppd_start alice -d &&
	bob_has bob3 "survives a crash" &&
	grep -q "^msg chat alice@localhost/xmppd $id survives a crash$" "$TEST_DIR/bob3.out" &&
	wait_for 10 "spooled 0"
'

# lifetime LIFETIME: reconfigure the running daemon (SIGHUP).
lifetime() {
	_n=$(count_lines "$TEST_DIR/xmppd.log" "SIGHUP: configuration reloaded")
	xmppd_config alice alice alicepw "buddy = bob@localhost" "lifetime = $1" &&
		kill -HUP $XMPPD_PID &&
		wait_count "$TEST_DIR/xmppd.log" "SIGHUP: configuration reloaded" $((_n + 1))
}

test_expect_success 'a message not sent within its lifetime is dropped and logged' '
	lifetime 3 &&
	server_stop &&
	wait_for 10 "! xmpp-status alice >/dev/null 2>&1" &&
	xmpp-send alice bob@localhost "too late" && spooled 1 &&
	wait_for 10 "xmppd_log_has \"dropped: not sent within its lifetime of 3 s\"" &&
	spooled 0 &&
	server_start && buddy_start bob4 bob@localhost/desk bobpw &&
	wait_for 30 "xmpp-status alice >/dev/null 2>&1" &&
	xmpp-send --wait 10 alice bob@localhost "marker" && bob_has bob4 marker &&
	! grep -q "too late" "$TEST_DIR/bob4.out" &&
	lifetime 600
'

test_expect_success 'the spool cannot be written (the disk fails): 75, nothing claimed, nothing sent, not even after a restart' '
	xmppd_stop && xmppd_start_failio alice -d && touch "$TEST_DIR/failio" &&
	{ xmpp-send alice bob@localhost "never claimed" 2>"$TEST_DIR/err"; rc=$?; } &&
	rm "$TEST_DIR/failio" &&
	test $rc = 75 && grep -q "cannot write the journal in $SPOOL: Input/output error" "$TEST_DIR/err" &&
	spooled 0 &&
	xmpp-send --wait 10 alice bob@localhost "after the failure" &&
	bob_has bob4 "after the failure" &&
	xmppd_stop && xmppd_start alice -d &&
	xmpp-send --wait 10 alice bob@localhost "after the restart" &&
	bob_has bob4 "after the restart" &&
	! grep -q "never claimed" "$TEST_DIR/bob4.out"
'

test_expect_success 'no daemon: 69, or with --queue spooled for the next start' '
	xmppd_stop &&
	{ xmpp-send alice bob@localhost "refused" 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 69 && spooled 0 &&
	xmpp-send --queue alice bob@localhost "queued without a daemon" &&
	spooled 1 &&
	xmppd_start alice -d &&
	bob_has bob4 "queued without a daemon" && wait_for 10 "spooled 0" &&
	! grep -q "refused" "$TEST_DIR/bob4.out"
'

test_expect_success '--queue goes to the spool the last daemon'"'"'s lock file names, and says so' '
	xmppd_stop &&
	test "$(sed -n 2p "$XMPPD_SOCKET_DIR/alice.lock")" = "$SPOOL" &&
	XMPPD_STATE_DIR=$TEST_DIR/elsewhere xmpp-send --queue alice bob@localhost \
		"queued where the daemon reads" 2>"$TEST_DIR/err" &&
	grep -q "^xmpp-send: account alice: no daemon running: queued in $SPOOL, the spool its lock file $XMPPD_SOCKET_DIR/alice.lock names" "$TEST_DIR/err" &&
	test ! -e "$TEST_DIR/elsewhere" && spooled 1 &&
	xmppd_start alice -d &&
	bob_has bob4 "queued where the daemon reads" && wait_for 10 "spooled 0"
'

test_expect_success '--queue without any lock file: the default spool, and it says so' '
	xmpp-send --queue ghost bob@localhost "for a daemon never run" 2>"$TEST_DIR/err" &&
	grep -q "no lock file of one in $XMPPD_SOCKET_DIR: queued in $XMPPD_STATE_DIR/ghost, which a daemon run as uid 0 with the same XMPPD_STATE_DIR reads" "$TEST_DIR/err" &&
	test "$(ls "$XMPPD_STATE_DIR/ghost" | grep -c "\.msg\$")" = 1
'

test_expect_success 'D10: a relative XMPPD_STATE_DIR is taken from the current folder (xmpp-send -Q)' '
	(cd "$TEST_DIR" && XMPPD_STATE_DIR=relstate xmpp-send -Q ghost2 bob@localhost \
		"relative" 2>"$TEST_DIR/err") &&
	grep -q "queued in $TEST_DIR/relstate/ghost2," "$TEST_DIR/err" &&
	test "$(ls "$TEST_DIR/relstate/ghost2" | grep -c "\.msg\$")" = 1
'

test_expect_success 'D10: ... and by xmppd, which records the absolute spool in its lock' '
	xmppd_stop && saved=$XMPPD_STATE_DIR && cd "$TEST_DIR" &&
	XMPPD_STATE_DIR=relstate && xmppd_start alice -d; rc=$?
	XMPPD_STATE_DIR=$saved && cd "$TOP" && test $rc = 0 &&
	test "$(sed -n 2p "$XMPPD_SOCKET_DIR/alice.lock")" = "$TEST_DIR/relstate/alice" &&
	test "$(stat -c %a "$TEST_DIR/relstate/alice")" = 700 &&
	xmpp-send -w 10 alice bob@localhost "with a relative spool" &&
	bob_has bob4 "with a relative spool" &&
	xmppd_stop && xmppd_start alice -d
'

test_expect_success 'a truncated spool file is set aside, the others are sent' '
	xmppd_stop &&
	xmpp-send --queue alice bob@localhost "whole one" &&
	xmpp-send --queue alice bob@localhost "cut one" &&
	f=$(grep -l "cut one" "$SPOOL"/*.msg) &&
	head -c -3 "$f" >"$f.tmp" && mv "$f.tmp" "$f" &&
	xmppd_start alice -d &&
	bob_has bob4 "whole one" &&
	xmppd_log_has "truncated or not a spool file" &&
	test -e "$f.bad" && wait_for 10 "spooled 0"
'

test_expect_success 'a message to a user who does not exist bounces, logged, not retried' '
	xmpp-send --wait 10 alice nosuchuser@localhost "into the void" &&
	wait_for 10 "xmppd_log_has \"to nosuchuser@localhost bounced: service-unavailable; not retried\"" &&
	spooled 0 &&
	test "$(grep -c "SENT: <message .*into the void" "$TEST_DIR/xmppd.log")" = 1
'

# burst N: sends "burst 0" .. "burst N-1", noting each one accepted.
burst() {
	_i=0
	while [ $_i -lt "$1" ]; do
		xmpp-send alice bob@localhost "burst $_i" &&
			echo "burst $_i" >>"$TEST_DIR/accepted"
		_i=$((_i + 1))
	done
}
accepted() {
	[ "$(wc -l <"$TEST_DIR/accepted")" -ge "$1" ]
}

missing() {	# missing NAME: how many of "burst 0" .. "burst 149" NAME has not got
	_m=0 _i=0
	while [ $_i -lt 150 ]; do
		grep -q " burst $_i\$" "$TEST_DIR/$1.out" || _m=$((_m + 1))
		_i=$((_i + 1))
	done
	echo $_m
}

# bob is offline meanwhile: the server stores the messages for him.
KILLED="ejabberd keeps offline messages in Mnesia, whose log reaches the "\
"disk about 2 s late: a SIGKILL of the server loses messages it had "\
"already confirmed, which no client can prevent"
test_skip_on ejabberd "$KILLED" \
	'server killed (SIGKILL) during traffic: every accepted message arrives' '
	buddy_stop bob4 && : >"$TEST_DIR/accepted" &&
	{ burst 150 & sender=$!; } &&
	wait_for 10 "accepted 40" &&
	server_kill && server_start &&
	wait $sender && accepted 150 &&
	wait_for 30 "xmpp-status alice >/dev/null 2>&1" &&
	xmpp-send --wait 20 alice bob@localhost "burst end" &&
	wait_for 20 "spooled 0" &&
	buddy_start bob5 bob@localhost/desk bobpw &&
	bob_has bob5 "burst end" 20 &&
	test "$(missing bob5)" = 0 &&
	# a body may come twice, but only ever under one stanza id
	sed -n "s/^msg chat alice@localhost\/xmppd //p" "$TEST_DIR/bob5.out" |
		sort -u | cut -d" " -f2- | sort | uniq -d >"$TEST_DIR/dups" &&
	test ! -s "$TEST_DIR/dups"
'

# ejabberd's stock offline store keeps 100 messages a user and bounces
# the rest with <resource-constraint/> of type wait, "try again later":
# the daemon does (it dropped them before).  Prosody stores them all.
test_expect_success 'a full offline store: what bounced "wait" is sent again, all arrive once bob is back' '
	for b in bob4 bob5; do _tl_buddy_pid $b; [ -z "$_tl_bpid" ] || buddy_stop $b; done &&
	: >"$TEST_DIR/accepted" &&
	burst 150 && accepted 150 &&
	{ ! server_is ejabberd ||
		wait_for 10 "xmppd_log_has \"bounced: resource-constraint, for now; sent again in\""; } &&
	buddy_start bob6 bob@localhost/desk bobpw &&
	wait_for 90 "[ \$(missing bob6) = 0 ]" &&
	wait_for 20 "spooled 0" &&
	sed -n "s/^msg chat alice@localhost\/xmppd //p" "$TEST_DIR/bob6.out" |
		sort -u | cut -d" " -f2- | sort | uniq -d >"$TEST_DIR/dups" &&
	test ! -s "$TEST_DIR/dups"
'

test_expect_success 'the daemon stops cleanly' '
	xmppd_stop
'

done_testing
