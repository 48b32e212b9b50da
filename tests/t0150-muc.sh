#!/bin/sh
# t0150-muc: group chat (xmpp-join, xmpp-leave, xmpp-send -g, xmpp-recv
# ROOM[/NICK]) against the server's MUC service (conference.localhost) and
# independent clients.

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

ROOM=talk@conference.localhost
MUC='xmlns="http://jabber.org/protocol/muc"'
# enter BUDDY ROOM NICK [PASSWORD]: the buddy joins (or creates) a room.
enter() {
	buddy_cmd "$1" "raw <presence to=\"$2/$3\"><x $MUC>${4:+<password>$4</password>}</x></presence>" &&
		wait_line "$TEST_DIR/$1.out" "^presence $2/$3 available"
}
# configure BUDDY ROOM FIELD=VALUE...: the owner submits the room form.
configure() {
	_b=$1 _r=$2
	shift 2
	_f='<field var="FORM_TYPE"><value>http://jabber.org/protocol/muc#roomconfig</value></field>'
	for _kv; do
		_f="$_f<field var=\"muc#roomconfig_${_kv%%=*}\"><value>${_kv#*=}</value></field>"
	done
	buddy_cmd "$_b" "raw <iq type=\"set\" id=\"cfg-$_r\" to=\"$_r\"><query xmlns=\"http://jabber.org/protocol/muc#owner\"><x xmlns=\"jabber:x:data\" type=\"submit\">$_f</x></query></iq>" &&
		wait_line "$TEST_DIR/$_b.out" "^iq result $_r cfg-$_r"
}
say() {	# say BUDDY ROOM TEXT
	buddy_cmd "$1" "sendtype groupchat $2 $3"
}
joined() {	# joined N: the daemon has logged N joins of talk
	wait_count "$TEST_DIR/xmppd.log" "joined room $ROOM as" "$1" 20
}

test_expect_success 'set up a server, bob, carol and the daemon' '
	server_setup &&
	server_adduser alice alicepw && server_adduser bob bobpw &&
	server_adduser carol carolpw &&
	server_start &&
	xmppd_config alice alice alicepw "buddy = bob@localhost" &&
	xmppd_start alice &&
	buddy_start bob bob@localhost/desk bobpw &&
	buddy_start carol carol@localhost/pc carolpw
'

test_expect_success 'xmpp-join enters a room with the local part as nick' '
	enter bob $ROOM bob &&
	say bob $ROOM "said before alice came" && buddy_sync bob &&
	xmpp-join alice $ROOM &&
	wait_line "$TEST_DIR/bob.out" "^presence $ROOM/alice available"
'

# Issue 11: xmpp-status -L never listed the rooms the daemon is in.
test_expect_success 'xmpp-status -L lists the room, joined, with our nick (table, tsv, json)' '
	xmpp-status -L alice >"$TEST_DIR/list" &&
	grep -q "^ROOM  *NICK  *STATE\$" "$TEST_DIR/list" &&
	grep -q "^$ROOM  *alice  *joined\$" "$TEST_DIR/list" &&
	xmpp-status --format=tsv alice >"$TEST_DIR/list" &&
	test "$(grep "^room" "$TEST_DIR/list")" = "$(printf "room\t%s\talice\tjoined\t" $ROOM)" &&
	xmpp-status -j alice >"$TEST_DIR/list" &&
	grep -qx "{\"type\":\"room\",\"jid\":\"$ROOM\",\"nick\":\"alice\",\"state\":\"joined\",\"why\":\"\"}" "$TEST_DIR/list"
'

test_expect_success 'history sent on join is not a reply' '
	{ xmpp-recv -t 1 alice $ROOM >"$TEST_DIR/out"; rc=$?; } &&
	test $rc = 1 && test ! -s "$TEST_DIR/out"
'

test_expect_success 'xmpp-recv ROOM takes the next line from any occupant' '
	say bob $ROOM "hello room" &&
	test "$(xmpp-recv alice $ROOM)" = "hello room"
'

test_expect_success 'xmpp-send -g speaks in the room; our echo is not a reply' '
	xmpp-send -g alice $ROOM "hi all, from alice" &&
	wait_line "$TEST_DIR/bob.out" "^msg groupchat $ROOM/alice [^ ]* hi all, from alice$" &&
	{ xmpp-recv -t 1 alice $ROOM >"$TEST_DIR/out"; rc=$?; } &&
	test $rc = 1 && test ! -s "$TEST_DIR/out"
'

test_expect_success 'xmpp-send -g --lines: every line said in the room, in order' '
	printf "line one\nline two\nline three\n" | xmpp-send -g -l alice $ROOM &&
	wait_line "$TEST_DIR/bob.out" "^msg groupchat $ROOM/alice [^ ]* line three$" &&
	sed -n "s/^msg groupchat [^ ]*\/alice [^ ]* \(line .*\)/\1/p" "$TEST_DIR/bob.out" |
		tr "\n" , | grep -q "^line one,line two,line three,$"
'

test_expect_success 'xmpp-recv ROOM/NICK takes that occupant only' '
	enter carol $ROOM carol &&
	say bob $ROOM "bob speaking" && buddy_sync bob &&
	say carol $ROOM "carol speaking" &&
	test "$(xmpp-recv alice $ROOM/carol)" = "carol speaking" &&
	test "$(xmpp-recv alice $ROOM)" = "bob speaking"
'

test_expect_success 'xmpp-send without -g to a room we are in is refused (65), naming -g' '
	{ xmpp-send alice $ROOM "as a chat" 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 65 && grep -q "is a group chat room: send to it with xmpp-send -g" "$TEST_DIR/err" &&
	xmpp-send alice $ROOM/bob "a private message to an occupant goes"
'

test_expect_success 'xmpp-send -g to a room not joined is refused (65)' '
	{ xmpp-send -g alice other@conference.localhost hi 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 65 && grep -q "not in room other@conference.localhost" "$TEST_DIR/err"
'

test_expect_success 'a nick in use is refused (65), the room named' '
	{ xmpp-join alice $ROOM bob 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 65 &&
	grep -q "room $ROOM: the room refused: the nickname is taken" "$TEST_DIR/err"
'

test_expect_success 'a password room: none or a wrong one is refused (77), the right one lets us in' '
	enter bob secret@conference.localhost bob &&
	configure bob secret@conference.localhost passwordprotectedroom=1 roomsecret=s3same &&
	{ xmpp-join alice secret@conference.localhost 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 77 && grep -q "a password is needed, or it is wrong" "$TEST_DIR/err" &&
	{ xmpp-join -p wrong alice secret@conference.localhost 2>/dev/null; test $? = 77; } &&
	echo s3same | xmpp-join --password-stdin alice secret@conference.localhost &&
	wait_line "$TEST_DIR/bob.out" "^presence secret@conference.localhost/alice available"
'

test_expect_success 'with debug on, a room password never reaches the log' '
	n=$(count_lines "$TEST_DIR/xmppd.log" "SIGHUP: configuration reloaded") &&
	echo "debug = yes" >>"$XMPPD_CONFIG" &&
	kill -HUP $XMPPD_PID &&
	wait_count "$TEST_DIR/xmppd.log" "SIGHUP: configuration reloaded" $((n + 1)) &&
	enter bob vault@conference.localhost bob &&
	configure bob vault@conference.localhost passwordprotectedroom=1 roomsecret=v4ult-Pw &&
	echo v4ult-Pw | xmpp-join --password-stdin alice vault@conference.localhost &&
	xmppd_log_has "<password>\[redacted\]" &&
	! grep -q "v4ult-Pw" "$TEST_DIR/xmppd.log" &&
	sed -i "/^debug = yes$/d" "$XMPPD_CONFIG" && kill -HUP $XMPPD_PID
'

test_expect_success 'a members-only room is refused (77)' '
	enter bob club@conference.localhost bob &&
	configure bob club@conference.localhost membersonly=1 &&
	{ xmpp-join alice club@conference.localhost 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 77 && grep -q "the room is for members only" "$TEST_DIR/err"
'

test_expect_success 'rooms are joined again after a server restart' '
	n=$(count_lines "$TEST_DIR/xmppd.log" "joined room $ROOM as") &&
	server_stop && server_start &&
	joined $((n + 1)) &&
	buddy_start bob2 bob@localhost/desk bobpw &&
	enter bob2 $ROOM bob &&
	say bob2 $ROOM "after the restart" &&
	test "$(xmpp-recv -t 10 alice $ROOM)" = "after the restart"
'

test_expect_success 'rooms are joined again after the daemon restarts' '
	n=$(count_lines "$TEST_DIR/xmppd.log" "joined room $ROOM as") &&
	xmppd_stop && xmppd_start alice && joined $((n + 1)) &&
	say bob2 $ROOM "after the daemon restart" &&
	test "$(xmpp-recv -t 10 alice $ROOM)" = "after the daemon restart"
'

test_expect_success 'xmpp-leave leaves and forgets the room' '
	xmpp-leave alice $ROOM &&
	wait_line "$TEST_DIR/bob2.out" "^presence $ROOM/alice unavailable" &&
	{ xmpp-leave alice $ROOM 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 65 && grep -q "not in room $ROOM" "$TEST_DIR/err" &&
	n=$(count_lines "$TEST_DIR/xmppd.log" "joined room $ROOM as") &&
	xmppd_stop && xmppd_start alice &&
	test "$(count_lines "$TEST_DIR/xmppd.log" "joined room $ROOM as")" = $n &&
	xmpp-status --format=tsv alice >"$TEST_DIR/list" &&
	grep -q "^account" "$TEST_DIR/list" && grep -q "^room" "$TEST_DIR/list" &&
	! grep -q "^room	$ROOM	" "$TEST_DIR/list"
'

RING=ring@conference.localhost
SPOOL=$XMPPD_STATE_DIR/alice
# admin BUDDY ROOM ID ITEM: the owner changes a role or affiliation.
admin() {
	buddy_cmd "$1" "raw <iq type=\"set\" id=\"$3\" to=\"$2\"><query xmlns=\"http://jabber.org/protocol/muc#admin\">$4</query></iq>" &&
		wait_line "$TEST_DIR/$1.out" "^iq result $2 $3"
}

# Issue 14 D14: after a kick or a ban, group messages were accepted (0,
# even with -w) and bounced by the room, only logged.
test_expect_success 'kicked: xmpp-send -g is refused at once (75) with the reason, -w or not, until xmpp-join' '
	enter bob2 $RING bob && configure bob2 $RING persistentroom=1 &&
	xmpp-join alice $RING &&
	wait_line "$TEST_DIR/bob2.out" "^presence $RING/alice available" &&
	admin bob2 $RING kick1 "<item nick=\"alice\" role=\"none\"><reason>too loud</reason></item>" &&
	wait_line "$TEST_DIR/xmppd.log" "we were kicked from room $RING by bob: too loud; xmpp-join it again" &&
	for w in "" "-w 10"; do
		{ xmpp-send -g $w alice $RING "after the kick" 2>"$TEST_DIR/err"; rc=$?; } &&
		test $rc = 75 &&
		grep -q "^xmpp-send: account alice: we were kicked from room $RING by bob: too loud; xmpp-join it again\$" "$TEST_DIR/err" ||
			return 1
	done &&
	xmpp-status --format=tsv alice >"$TEST_DIR/list" &&
	grep -q "^room	$RING	alice	out	we were kicked from room $RING by bob: too loud; xmpp-join it again\$" "$TEST_DIR/list" &&
	xmpp-join alice $RING && xmpp-send -g alice $RING "back in" &&
	wait_line "$TEST_DIR/bob2.out" "^msg groupchat $RING/alice [^ ]* back in\$" &&
	! grep -q "after the kick" "$TEST_DIR/bob2.out"
'

test_expect_success 'banned: refused (77) with the reason; a new xmpp-join is refused as forbidden, not called a ban' '
	admin bob2 $RING ban1 "<item jid=\"alice@localhost\" affiliation=\"outcast\"><reason>gone for good</reason></item>" &&
	wait_line "$TEST_DIR/xmppd.log" "we were banned from room $RING by bob: gone for good" &&
	{ xmpp-send -g alice $RING "after the ban" 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 77 && grep -q "we were banned from room $RING by bob: gone for good\$" "$TEST_DIR/err" &&
	{ xmpp-join alice $RING 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 77 && grep -q "room $RING: the room refused: forbidden" "$TEST_DIR/err" &&
	! grep -q "we are banned" "$TEST_DIR/err" &&
	{ xmpp-send -g alice $RING "after the refused join" 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 77 && grep -q "room $RING refused us: forbidden" "$TEST_DIR/err"
'

test_expect_success 'link down: group messages are held for the rejoin; -w tells the server took one, the bounce is logged' '
	server_stop && wait_for 10 "! xmpp-status alice >/dev/null 2>&1" &&
	{ xmpp-send -g -w 30 alice $RING "held while down" & w=$!; } &&
	wait_for 10 "xmppd --spool alice | grep -q ." &&
	server_start && wait $w &&
	wait_line "$TEST_DIR/xmppd.log" "room $RING refused us: forbidden" 20 &&
	wait_line "$TEST_DIR/xmppd.log" "message [^ ]* to $RING bounced" &&
	{ xmpp-send -g alice $RING "after the rejoin" 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 77 && grep -q "room $RING refused us: forbidden" "$TEST_DIR/err"
'

# Issue 10 defect 7: ejabberd refuses a room on a domain without a group
# chat service with forbidden and "Access denied by service policy": no
# ban.  A contact plays that service here.
test_expect_success 'forbidden with the server'"'"'s words is reported with them, still 77' '
	server_adduser svc svcpw && buddy_start svc svc@localhost/room svcpw &&
	{ xmpp-join alice svc@localhost room 2>"$TEST_DIR/err" & j=$!; } &&
	wait_line "$TEST_DIR/svc.out" "^presence alice@localhost/xmppd available" &&
	buddy_cmd svc "raw <presence to=\"alice@localhost/xmppd\" type=\"error\"><error type=\"auth\"><forbidden xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/><text xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\">Access denied by service policy</text></error></presence>" &&
	{ wait $j; rc=$?; } && test $rc = 77 &&
	grep -q "room svc@localhost: the room refused: forbidden: Access denied by service policy\$" "$TEST_DIR/err"
'

# The real thing: a room on a domain the server has no service for.
# ejabberd refuses with forbidden and "Access denied by service policy";
# Prosody (no s2s here) with not-allowed and its own words.
test_expect_success 'a room on a domain not served: the condition and the server'"'"'s words' '
	{ xmpp-join -t 10 alice room@nomuc.localhost 2>"$TEST_DIR/err"; rc=$?; } &&
	cat "$TEST_DIR/err" &&
	if server_is ejabberd; then
		test $rc = 77 &&
		grep -q "the room refused: forbidden: Access denied by service policy\$" "$TEST_DIR/err"
	else
		test $rc = 69 &&
		grep -q "the room refused: not-allowed: Communication with remote domains is not enabled\$" "$TEST_DIR/err"
	fi
'

test_expect_success 'the daemon stops cleanly' '
	xmppd_stop
'

done_testing
