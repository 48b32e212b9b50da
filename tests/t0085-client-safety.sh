#!/bin/sh
# t0085-client-safety: what the clients trust and what they promise when
# things go wrong (issue 14: D1, D11, D13, D17).  A socket folder made by
# another user, or a socket served by a stranger, gets nothing, not even a
# message body or a room password; a daemon that is stopped with its
# backlog full ends a client after 30 s with 75; a client started with a
# descriptor closed never writes into the daemon's socket; and a daemon
# that dies after a request reached it is reported as "may have been
# accepted" (74), never as "not accepted" (69).  Needs root (other uids).

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (other uids)"
# A uid of this test's own, whose /tmp/xmppd-UID the attacker makes.
VICTIM=$((61000 + $$ % 1000))
TRAP=/tmp/xmppd-$VICTIM
[ -e "$TRAP" ] && skip_all "$TRAP exists here; not touching it"

# victim COMMAND...: runs a client as uid $VICTIM, as cron would (no
# XMPPD_* variables), from the test's bin.
victim() {
	setpriv --reuid=$VICTIM --regid=$VICTIM --clear-groups \
		env -i PATH="$TOP/bin:/usr/bin:/bin" "$@"
}
# reading PID FD: the process PID is blocked reading its descriptor FD.
reading() {
	read -r _nr _fd _rest <"/proc/$1/syscall" 2>/dev/null &&
		[ "$_nr" = 0 ] && [ "$_fd" = "$(printf 0x%x "$2")" ]
}
# socket_fd PID: the descriptor number of the socket PID holds (the last).
socket_fd() {
	for _f in /proc/"$1"/fd/*; do
		case $(readlink "$_f") in socket:*) _sfd=${_f##*/} ;; esac
	done
	echo "$_sfd"
}
# fake_daemon DIR: a stranger (nobody) listening on DIR/acct.sock, world
# writable, greeting like xmppd, answering OK, and keeping whatever it is
# sent in DIR/capture.
fake_daemon() {
	[ -x "$TEST_DIR/fake-daemon" ] || {
		printf '#!/bin/sh\nprintf "XMPPD 1 acct\\nOK fake-1\\nOK fake-2\\n"\nexec cat >>"$1"\n' \
			>"$TEST_DIR/fake-daemon" && chmod 755 "$TEST_DIR/fake-daemon" &&
		chmod 711 "$TEST_DIR"
	} || return 1
	runuser -u nobody -- socat "UNIX-LISTEN:$1/acct.sock,mode=777,fork" \
		EXEC:"$TEST_DIR/fake-daemon $1/capture" 2>/dev/null &
	_fake=$!
	at_exit "kill $_fake 2>/dev/null"
	wait_for 5 "test -S $1/acct.sock"
}

test_expect_success 'set up a server, bob, and the daemons of alice and carol' '
	server_setup &&
	server_adduser alice alicepw && server_adduser bob bobpw &&
	server_adduser carol carolpw &&
	server_start &&
	xmppd_config carol carol carolpw &&
	xmppd_start carol && CAROL_PID=$XMPPD_PID &&
	xmppd_config alice alice alicepw "buddy = bob@localhost" &&
	xmppd_start alice &&
	buddy_start bob bob@localhost/desk bobpw &&
	wait_for 10 "test \"\$(xmpp-status alice bob@localhost)\" = 1"
'

# ------------------------------------------------ D13: stalled daemon
# Started now, looked at near the end: the wait is 30 s.

test_expect_success 'D13: carol stopped with her backlog full; a client is started' '
	kill -STOP "$CAROL_PID" &&
	perl -MSocket -MFcntl -e "
		my (\$path, @s) = @ARGV;
		for (;;) {
			socket(my \$s, PF_UNIX, SOCK_STREAM, 0) or die \$!;
			fcntl(\$s, F_SETFL, fcntl(\$s, F_GETFL, 0) | O_NONBLOCK);
			if (!connect(\$s, pack_sockaddr_un(\$path))) {
				last if \$!{EAGAIN};
				die \"connect: \$!\";
			}
			push @s, \$s;
		}
		\$| = 1; print scalar(@s), \" held: full\\n\"; sleep 3600;
	" "$XMPPD_SOCKET_DIR/carol.sock" >"$TEST_DIR/filler" &
	filler=$! && at_exit "kill $filler 2>/dev/null" &&
	wait_line "$TEST_DIR/filler" "full" &&
	{ xmpp-status carol >"$TEST_DIR/stalled.out" 2>"$TEST_DIR/stalled.err" &
	  stalled=$!; } &&
	at_exit "kill $stalled 2>/dev/null"
'

# ------------------------------------------------ D1: strangers' folders

test_expect_success 'D1: a stranger makes /tmp/xmppd-UID of our uid, with a socket in it' '
	runuser -u nobody -- mkdir -m 755 "$TRAP" &&
	at_exit "rm -rf $TRAP" &&
	fake_daemon "$TRAP" &&
	chmod 711 "$TEST_DIR"
'

test_expect_success 'D1: xmpp-send refuses it (77) and the message stays ours' '
	{ victim xmpp-send acct bob@localhost "the secret body" 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 77 &&
	grep -q "refusing socket folder $TRAP: it belongs to uid 65534, not to you (uid $VICTIM)" "$TEST_DIR/err" &&
	! grep -q "secret" "$TRAP/capture" 2>/dev/null
'

test_expect_success 'D1: xmpp-join --password-stdin refuses it (77), the password stays ours' '
	{ echo "room-Pa55word" | victim xmpp-join --password-stdin acct room@conference.localhost \
		2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 77 && grep -q "refusing socket folder $TRAP" "$TEST_DIR/err" &&
	! grep -q "Pa55" "$TRAP/capture" 2>/dev/null
'

test_expect_success 'D1: xmpp-recv refuses it (77) and prints no forged answer' '
	{ victim xmpp-recv -t 1 acct bob@localhost >"$TEST_DIR/out" 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 77 && test ! -s "$TEST_DIR/out" &&
	grep -q "refusing socket folder $TRAP" "$TEST_DIR/err" &&
	test ! -s "$TRAP/capture"
'

test_expect_success 'D1: a folder others may write in is refused, even our own (-S)' '
	mkdir -m 777 "$TEST_DIR/open" && chmod 777 "$TEST_DIR/open" &&
	{ xmpp-status -S "$TEST_DIR/open" alice 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 77 &&
	grep -q "refusing socket folder $TEST_DIR/open: others may write in it (mode 0777)" "$TEST_DIR/err"
'

test_expect_success 'D1: a trusted folder whose socket a stranger serves: refused (77) after SO_PEERCRED' '
	mkdir -m 755 "$TEST_DIR/peer" "$TEST_DIR/nob" && chown nobody "$TEST_DIR/nob" &&
	fake_daemon "$TEST_DIR/nob" &&
	mv "$TEST_DIR/nob/acct.sock" "$TEST_DIR/peer/acct.sock" &&
	{ victim xmpp-send -S "$TEST_DIR/peer" acct bob@localhost "peer secret" \
		2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 77 &&
	grep -q "refusing $TEST_DIR/peer/acct.sock: it is served by uid 65534, which is neither you (uid $VICTIM), root nor the owner of its folder (uid 0)" "$TEST_DIR/err" &&
	! grep -q "peer secret" "$TEST_DIR/nob/capture" 2>/dev/null
'

test_expect_success 'D1: a service user'"'"'s folder under a root-owned parent is trusted' '
	mkdir -m 755 "$TEST_DIR/svcrun" && mkdir -m 755 "$TEST_DIR/svcrun/svc" &&
	chown nobody "$TEST_DIR/svcrun/svc" &&
	fake_daemon "$TEST_DIR/svcrun/svc" &&
	test "$(victim xmpp-status -S "$TEST_DIR/svcrun/svc" acct)" = fake-1
'

# ------------------------------------------------ D17: closed descriptors

test_expect_success 'D17: xmpp-recv with stdout closed: the body never reaches the socket' '
	buddy_cmd bob "send alice@localhost PRESENCE dnd" && buddy_sync bob &&
	{ xmpp-recv -t 5 alice bob@localhost >&- 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 0 &&
	test "$(xmpp-status alice)" = 1
'

test_expect_success 'D17: xmpp-send with stdin closed reads nothing, not the socket (65)' '
	{ xmpp-send alice bob@localhost <&- 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 65 && grep -q "empty message" "$TEST_DIR/err"
'

# ------------------------------------------------ no daemon: where we looked

test_expect_success '"no daemon" names every place looked in, and the accounts there' '
	{ env -u XMPPD_SOCKET_DIR xmpp-status nosuch 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 69 &&
	grep -q "/tmp/xmppd-0" "$TEST_DIR/err" && grep -q "/run/xmppd" "$TEST_DIR/err" &&
	{ xmpp-send nosuch bob@localhost hi 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 69 &&
	grep -q "account nosuch: no daemon running ($XMPPD_SOCKET_DIR/nosuch.sock: no such socket; $XMPPD_SOCKET_DIR has sockets for: " "$TEST_DIR/err" &&
	grep -q "alice" "$TEST_DIR/err" && grep -q "carol" "$TEST_DIR/err"
'

# ------------------------------------------------ D11: lost answers

test_expect_success 'D11: a daemon stopped before its greeting, then killed: 69, nothing sent' '
	kill -STOP "$XMPPD_PID" &&
	{ xmpp-send alice bob@localhost "never sent" 2>"$TEST_DIR/err" & s=$!; } &&
	wait_for 10 "test -n \"\$(socket_fd $s)\" && reading $s \$(socket_fd $s)" &&
	kill -KILL "$XMPPD_PID" && { wait $s; rc=$?; } &&
	test $rc = 69 && grep -q "the daemon closed the connection" "$TEST_DIR/err" &&
	! grep -q "may have been" "$TEST_DIR/err" &&
	xmppd_start alice
'

test_expect_success 'D11: --lines, daemon killed after a line went out: 74, "may have been accepted"' '
	mkfifo "$TEST_DIR/lines" &&
	{ xmpp-send --lines alice bob@localhost <"$TEST_DIR/lines" 2>"$TEST_DIR/err" & s=$!; } &&
	exec 3>"$TEST_DIR/lines" &&
	wait_for 10 "reading $s 0" &&
	kill -STOP "$XMPPD_PID" &&
	echo "line one" >&3 &&
	wait_for 10 "reading $s \$(socket_fd $s)" &&
	kill -KILL "$XMPPD_PID" && { wait $s; rc=$?; } && exec 3>&- &&
	test $rc = 74 &&
	grep -q "the daemon closed the connection before answering" "$TEST_DIR/err" &&
	grep -q "lines 1 to 1 were sent but not answered: they may have been accepted" "$TEST_DIR/err" &&
	! grep -q "send them again" "$TEST_DIR/err" &&
	xmppd_start alice
'

test_expect_success 'D11: --wait, daemon killed after accepting: 75, stays queued, delivered later' '
	server_pause &&
	{ xmpp-send --wait 60 alice bob@localhost "accepted, then killed" 2>"$TEST_DIR/err" & s=$!; } &&
	wait_for 10 "xmppd --spool alice | grep -q ." &&
	wait_for 10 "reading $s \$(socket_fd $s)" &&
	kill -KILL "$XMPPD_PID" && { wait $s; rc=$?; } &&
	test $rc = 75 &&
	grep -q "the message was accepted and stays queued; do not send it again" "$TEST_DIR/err" &&
	server_resume && xmppd_start alice &&
	wait_line "$TEST_DIR/bob.out" "accepted, then killed" 30
'

# ------------------------------------------------ D13: the result

test_expect_success 'D13: the client at the stalled daemon gave up with 75 after 30 s' '
	wait_for 60 "! pid_alive $stalled" && { wait $stalled; rc=$?; } &&
	test $rc = 75 && test ! -s "$TEST_DIR/stalled.out" &&
	grep -q "account carol: the daemon did not accept the connection within 30 s" "$TEST_DIR/stalled.err"
'

test_expect_success 'the daemons stop cleanly' '
	kill "$filler" && kill -CONT "$CAROL_PID" && kill_wait "$CAROL_PID" &&
	xmppd_stop
'

done_testing
