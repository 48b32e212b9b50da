#!/bin/sh
# t0058-slow-server: a server that reads slowly (a stock shaper: ejabberd's
# takes 3000 bytes/s from a client; Prosody's mod_limits likewise) is alive:
# the keepalive must not drop the link while our own output drains,
# although the ping waits behind our messages for many seconds (issue 10,
# defect 2).  Every message arrives once.

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

N=600	# lines of 100 bytes: about 20 s at 3000 bytes/s

test_expect_success 'set up: a server that reads 3000 bytes/s from each client; keepalive 5 s' '
	server_setup &&
	server_adduser alice alicepw && server_adduser bob bobpw &&
	server_c2s_rate 3000 &&
	xmppd_config alice alice alicepw "buddy = bob@localhost" "keepalive = 5" &&
	server_start &&
	buddy_start bob bob@localhost/desk bobpw &&
	xmppd_start alice
'

test_expect_success "$N messages of 100 bytes: the link holds while they drain, each arrives once" '
	i=0 && while [ $i -lt $N ]; do
		printf "slow %04d %s\n" $i "$(printf "%090d" 0)"; i=$((i + 1))
	done >"$TEST_DIR/in" &&
	xmpp-send --lines alice bob@localhost <"$TEST_DIR/in" &&
	wait_for 120 "[ \$(grep -c \"^msg chat alice@localhost/xmppd [^ ]* slow \" \"$TEST_DIR/bob.out\") -ge $N ]" &&
	test "$(grep "^msg chat alice@localhost/xmppd [^ ]* slow " "$TEST_DIR/bob.out" | sort | uniq -d | wc -l)" = 0 &&
	! xmppd_log_has "keepalive" &&
	test "$(count_lines "$TEST_DIR/xmppd.log" "online as")" = 1
'

done_testing
