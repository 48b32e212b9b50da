#!/bin/sh
# t0057-flaps: a server that restarts again and again is no evidence
# against the messages queued for it: a backlog survives any number of
# links broken under it, and arrives whole (issue 14, D2).

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

N=2000
online_count() {
	count_lines "$TEST_DIR/xmppd.log" "online as alice@localhost/xmppd"
}

server_unshaped "$N messages would take minutes"

# The server goes away under the daemon: SIGKILL.  ejabberd keeps offline
# messages in Mnesia, whose log reaches the disk about 2 s late, so a
# SIGKILL loses messages it had already confirmed, which no client can
# prevent: there it is stopped with SIGTERM, which breaks the link as
# surely, and loses nothing it confirmed.
flap_down() {
	if server_is ejabberd; then server_stop; else server_kill; fi
}
server_is ejabberd &&
	diag "ejabberd: stopped with SIGTERM between rounds, not SIGKILLed (Mnesia loses what it confirmed in the last 2 s before a SIGKILL)"

test_expect_success 'set up: alice served by xmppd; bob offline' '
	server_setup &&
	server_adduser alice alicepw && server_adduser bob bobpw &&
	xmppd_config alice alice alicepw "buddy = bob@localhost" &&
	server_start &&
	xmppd_start alice
'

test_expect_success "$N messages accepted while the server is down" '
	server_kill &&
	i=0 && while [ $i -lt $N ]; do echo "flap $i"; i=$((i + 1)); done >"$TEST_DIR/in" &&
	xmpp-send --lines alice bob@localhost <"$TEST_DIR/in"
'

test_expect_success 'five times: the server comes up, the daemon logs in and starts sending, the server goes away' '
	for round in 1 2 3 4 5; do
		n=$(online_count) &&
		server_start &&
		wait_for 60 "[ \$(online_count) -gt $n ]" &&
		flap_down || return 1
	done &&
	! xmppd_log_has "dropped"
'

test_expect_success "then the server stays: bob gets all $N" '
	server_start &&
	buddy_start bob bob@localhost/desk bobpw &&
	# the back-off after five flaps is about a minute; then 2000 messages,
	# which on a busy machine and ejabberd took more than the rest
	wait_for 180 "[ \$(sed -n \"s/^msg chat alice@localhost\/xmppd [^ ]* flap //p\" \"$TEST_DIR/bob.out\" | sort -un | wc -l) -ge $N ]" &&
	! xmppd_log_has "dropped"
'

done_testing
