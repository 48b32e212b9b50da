#!/bin/sh
# t0090-ops: looking inside (xmpp-status --list) and SIGHUP reloads.

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

status_is() {
	_si_jid=$1 _si_want=$2
	wait_for 10 '[ "$(xmpp-status alice "$_si_jid" 2>/dev/null)" = "$_si_want" ]'
}
reloaded() {	# reloaded N: the daemon logged its Nth reload
	wait_count "$TEST_DIR/xmppd.log" "SIGHUP: configuration reloaded" "$1"
}

test_expect_success 'set up a server, bob and the daemon' '
	server_setup &&
	server_adduser alice alicepw && server_adduser bob bobpw &&
	server_adduser carol carolpw &&
	server_start &&
	xmppd_config alice alice alicepw "buddy = bob@localhost" &&
	xmppd_start alice &&
	buddy_start bob bob@localhost/desk bobpw --priority 3 &&
	buddy_cmd bob "presence away 3 In a	meeting" &&
	status_is bob@localhost 3
'

test_expect_success '--list --format=tsv: account, contacts and resources' '
	xmpp-status --list --format=tsv alice >"$TEST_DIR/tsv" &&
	grep -q "^account	alice	online	alice@localhost/xmppd	[0-9]*	0	0	0$" "$TEST_DIR/tsv" &&
	grep -q "^contact	bob@localhost	both	both	3$" "$TEST_DIR/tsv" &&
	grep -q "^resource	bob@localhost	desk	3	3	In a\\\\tmeeting$" "$TEST_DIR/tsv"
'

test_expect_success '--list: a table for people' '
	xmpp-status -l alice >"$TEST_DIR/table" &&
	grep -q "^account alice: online as alice@localhost/xmppd, up " "$TEST_DIR/table" &&
	grep -q "^bob@localhost  *3 away  *both  *both$" "$TEST_DIR/table" &&
	grep -q "^  /desk  *3 away  *priority 3 \"In a meeting\"$" "$TEST_DIR/table"
'

test_expect_success '--list --format=json: one object per line' '
	xmpp-status -l --format=json alice >"$TEST_DIR/json" &&
	grep -q "^{\"type\":\"account\",\"name\":\"alice\",\"state\":\"online\",\"jid\":\"alice@localhost/xmppd\",\"uptime\":[0-9]*,\"queued\":0,\"kept\":0,\"waiting\":0}$" "$TEST_DIR/json" &&
	grep -q "^{\"type\":\"resource\",\"jid\":\"bob@localhost\",\"resource\":\"desk\",\"status\":3,\"priority\":3,\"text\":\"In a\\\\tmeeting\"}$" "$TEST_DIR/json" &&
	{ xmpp-status -l --format=xml alice 2>/dev/null; test $? = 64; }
'

test_expect_success 'SIGHUP: new presence and buddies without a new login' '
	logins=$(count_lines "$TEST_DIR/xmppd.log" "online as") &&
	n=$(count_lines "$TEST_DIR/bob.out" "^presence alice@localhost/xmppd available dnd 5$") &&
	xmppd_config alice alice alicepw "buddy = bob@localhost" \
		"buddy = carol@localhost" "status = dnd" "priority = 5" &&
	kill -HUP $XMPPD_PID && reloaded 1 &&
	test "$(xmpp-status alice)" = 5 &&
	wait_count "$TEST_DIR/bob.out" "^presence alice@localhost/xmppd available dnd 5$" $((n + 1)) &&
	test "$(xmpp-status alice carol@localhost)" = 6 &&
	test "$(count_lines "$TEST_DIR/xmppd.log" "online as")" = "$logins"
'

test_expect_success 'SIGHUP: a broken configuration is refused, the old one kept' '
	printf "[alice]\nusernmae = x\n" >"$XMPPD_CONFIG" &&
	kill -HUP $XMPPD_PID &&
	wait_line "$TEST_DIR/xmppd.log" "configuration not reloaded: .*unknown option .usernmae." &&
	test "$(xmpp-status alice)" = 5 &&
	test "$(xmpp-status alice carol@localhost)" = 6
'

test_expect_success 'SIGHUP: new connection settings mean a new login' '
	logins=$(count_lines "$TEST_DIR/xmppd.log" "online as") &&
	server_adduser alice2 alice2pw &&
	xmppd_config alice alice2 alice2pw "buddy = bob@localhost" &&
	kill -HUP $XMPPD_PID && reloaded 2 &&
	wait_count "$TEST_DIR/xmppd.log" "online as alice2@localhost/xmppd" 1 &&
	wait_for 10 "xmpp-status alice >/dev/null 2>&1" &&
	xmpp-status -l --format=tsv alice | grep -q "^account	alice	online	alice2@localhost/xmppd	" &&
	test "$(xmpp-status alice carol@localhost)" = 7
'

test_expect_success 'the daemon stops cleanly' '
	xmppd_stop
'

done_testing
