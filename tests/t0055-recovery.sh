#!/bin/sh
# t0055-recovery: after the server hangs, is killed or restarts, the daemon
# comes back by itself.  Watched from outside only: a buddy sees the
# account's presence go and return, the daemon's log says why; no client
# calls the daemon while it recovers (a call would wake it and hide a
# stall: issue 10, defect 1).

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

# seen_back NAME N [SECS]: buddy NAME has seen alice available N times.
seen_back() {
	wait_count "$TEST_DIR/$1.out" "^presence alice@localhost/xmppd available" "$2" "${3:-30}"
}
available() {
	count_lines "$TEST_DIR/$1.out" "^presence alice@localhost/xmppd available"
}

test_expect_success 'set up: alice served by xmppd (keepalive 5 s), bob sees her' '
	server_setup &&
	server_adduser alice alicepw && server_adduser bob bobpw &&
	xmppd_config alice alice alicepw "buddy = bob@localhost" "keepalive = 5" &&
	server_start &&
	buddy_start bob bob@localhost/desk bobpw &&
	xmppd_start alice &&
	buddy_cmd bob "subscribe alice@localhost" &&
	seen_back bob 1
'

test_expect_success 'a hung server: the keepalive drops the link, a login that hangs is given up, and the account returns unasked' '
	n=$(available bob) &&
	server_pause &&
	wait_for 20 "xmppd_log_has \"did not answer a keepalive ping\"" &&
	wait_for 45 "xmppd_log_has \"login did not complete in time\"" &&
	server_resume &&
	seen_back bob $((n + 1)) 30 &&
	test "$(count_lines "$TEST_DIR/xmppd.log" "online as alice@localhost/xmppd")" -ge 2
'

test_expect_success 'the server killed and started again: the account returns unasked' '
	server_kill &&
	wait_for 10 "! pid_alive \$BUDDY_PID_bob" &&
	wait_for 10 "xmppd_log_has \"reconnecting in\"" &&
	server_start &&
	buddy_start bob2 bob@localhost/desk bobpw &&
	seen_back bob2 1 30
'

done_testing
