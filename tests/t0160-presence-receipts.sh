#!/bin/sh
# t0160-presence-receipts: xmpp-presence and delivery receipts (XEP-0184).

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

sees() {	# sees BUDDY SHOW PRIO: the buddy saw our presence change to it
	wait_line "$TEST_DIR/$1.out" "^presence alice@localhost/xmppd available $2 $3$"
}

test_expect_success 'set up a server, bob (answers receipts), carol (does not)' '
	server_setup &&
	server_adduser alice alicepw && server_adduser bob bobpw &&
	server_adduser carol carolpw &&
	server_start &&
	xmppd_config alice alice alicepw "buddy = bob@localhost" "buddy = carol@localhost" &&
	xmppd_start alice &&
	buddy_start bob bob@localhost/desk bobpw --receipts &&
	buddy_start carol carol@localhost/pc carolpw &&
	wait_for 10 "[ \"\$(xmpp-status alice bob@localhost)\" = 1 ]"
'

test_expect_success 'xmpp-presence sets show and text; buddies see it' '
	xmpp-presence alice dnd On a call &&
	test "$(xmpp-status alice)" = 5 &&
	sees bob dnd 1
'

test_expect_success 'the presence is kept across a reconnect' '
	server_stop && server_start &&
	wait_for 30 "xmpp-status alice >/dev/null 2>&1" &&
	buddy_start bob2 bob@localhost/desk bobpw --receipts &&
	sees bob2 dnd 1 &&
	test "$(xmpp-status alice)" = 5
'

test_expect_success 'and changed back' '
	xmpp-presence alice available &&
	sees bob2 - 1 && test "$(xmpp-status alice)" = 1
'

test_expect_success 'a bad show is a usage error (64)' '
	{ xmpp-presence alice busy 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 64 && grep -q "unknown presence .busy." "$TEST_DIR/err"
'

test_expect_success '--receipt: 0 once the recipient confirms' '
	buddy_start carol2 carol@localhost/pc carolpw &&
	xmpp-send --receipt 10 alice bob@localhost "did you get this" &&
	wait_line "$TEST_DIR/bob2.out" "^msg chat alice@localhost/xmppd [^ ]* did you get this$"
'

test_expect_success '--receipt: 1 at the deadline when no receipt comes' '
	{ xmpp-send --receipt 1 alice carol@localhost "no receipts here" 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 1 && test ! -s "$TEST_DIR/err" &&
	wait_line "$TEST_DIR/carol2.out" "^msg chat alice@localhost/xmppd [^ ]* no receipts here$"
'

test_expect_success 'the daemon answers receipt requests from contacts' '
	buddy_cmd bob2 "sendreceipt alice@localhost please confirm" &&
	wait_line "$TEST_DIR/bob2.out" "^received alice@localhost/xmppd buddy[0-9]*-[0-9]*$"
'

test_expect_success 'the daemon stops cleanly' '
	xmppd_stop
'

done_testing
