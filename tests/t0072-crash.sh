#!/bin/sh
# t0072-crash: exit 0 from xmpp-send means the message is on the disk:
# the daemon is killed (SIGKILL) at random moments while eight senders
# keep it busy with group commits, round after round; after each restart,
# every message whose sender was told 0 arrives (issue 15).  Messages
# told anything else may or may not arrive; none may arrive twice under
# two ids.  CRASH_ROUNDS sets the number of rounds (default 12).  The
# server reads at full speed (no shaper): thousands of messages are
# accepted, and this test is about the journal, not about the link.

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

ROUNDS=${CRASH_ROUNDS:-12}

# sender K: sends "crash K-N" for N = 0, 1, ... until told to stop,
# writing each body that was accepted (exit 0) to accepted.K.
sender() {
	_n=0
	while [ ! -e "$TEST_DIR/stop" ] && [ -d "$TEST_DIR" ]; do
		xmpp-send alice bob@localhost "crash $1-$_n" 2>/dev/null &&
			echo "crash $1-$_n" >>"$TEST_DIR/accepted.$1"
		_n=$((_n + 1))
	done
}

test_expect_success 'set up a server, bob and the daemon' '
	server_setup &&
	server_adduser alice alicepw && server_adduser bob bobpw &&
	server_c2s_rate none &&
	server_start &&
	xmppd_config alice alice alicepw "buddy = bob@localhost" &&
	buddy_start bob bob@localhost/desk bobpw &&
	xmppd_start alice
'

test_expect_success "$ROUNDS rounds: eight senders, the daemon killed at a random moment, started again" '
	at_exit "touch \"$TEST_DIR/stop\"" &&
	pids= && for k in 1 2 3 4 5 6 7 8; do
		sender $k & pids="$pids $!"
	done &&
	r=0 && while [ $r -lt $ROUNDS ]; do
		sleep "0.$(( $(od -An -N2 -tu2 /dev/urandom) % 400 + 50 ))" &&
		kill -KILL $XMPPD_PID && wait_for 10 "! pid_alive $XMPPD_PID" &&
		xmppd_start alice || return 1
		r=$((r + 1))
	done &&
	touch "$TEST_DIR/stop" &&
	for p in $pids; do wait $p; done &&
	cat "$TEST_DIR"/accepted.* | sort >"$TEST_DIR/accepted" &&
	diag "$(wc -l <"$TEST_DIR/accepted") messages accepted in $ROUNDS rounds"
'

test_expect_success 'every accepted message arrives' '
	xmpp-send -w 20 alice bob@localhost "crash end" &&
	wait_line "$TEST_DIR/bob.out" " crash end\$" 30 &&
	sed -n "s/^msg chat alice@localhost\/xmppd [^ ]* \(crash [0-9]*-[0-9]*\)\$/\1/p" \
		"$TEST_DIR/bob.out" | sort -u >"$TEST_DIR/delivered" &&
	comm -23 "$TEST_DIR/accepted" "$TEST_DIR/delivered" >"$TEST_DIR/lost" &&
	{ [ ! -s "$TEST_DIR/lost" ] || { diag "lost: $(head -5 "$TEST_DIR/lost")"; false; }; }
'

test_expect_success 'a body that came twice came under one stanza id' '
	sed -n "s/^msg chat alice@localhost\/xmppd \([^ ]*\) \(crash .*\)\$/\2 \1/p" \
		"$TEST_DIR/bob.out" | sort -u | cut -d " " -f 1,2 | uniq -d >"$TEST_DIR/twice" &&
	test ! -s "$TEST_DIR/twice"
'

test_expect_success 'the journal is empty at the end' '
	wait_for 10 "test -z \"\$(xmppd --spool alice)\""
'

done_testing
