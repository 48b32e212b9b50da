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
	test "$(count_lines "$TEST_DIR/xmppd.log" "joined room $ROOM as")" = $n
'

test_expect_success 'the daemon stops cleanly' '
	xmppd_stop
'

done_testing
