#!/bin/sh
# t0040-seed: the dialplan examples of the document this project was born
# from (res_jabber's JabberSend, JABBER_STATUS and JABBER_RECEIVE), played
# as the shell commands that System() and SHELL() would run.

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

# Example 1: context default, _XXXX =>
#   JabberSend(asterisk-xmpp,buddy@gmail.com,${CALLERID(name)} is calling ${EXTEN})
#   Dial(SIP/${EXTEN},30)
incoming_call() {	# CALLERID_NAME EXTEN
	sh -c 'xmpp-send asterisk-xmpp bob@localhost "$1 is calling $2"' sh "$1" "$2" &&
		echo "Dial(SIP/$2,30)"
}

# Example 2: 1234 => Set(STATUS=${JABBER_STATUS(asterisk-xmpp,buddy@gmail.com)})
#   if (${STATUS}=1) Dial(Gtalk/...) else Dial(SIP/1234)
route_1234() {
	STATUS=$(sh -c 'xmpp-status -n asterisk-xmpp bob@localhost')
	if [ "$STATUS" = 1 ]; then
		echo "Dial(Gtalk/asterisk-xmpp/bob@localhost)"
	else
		echo "Dial(SIP/1234)"
	fi
}

# Example 3: context from-ext, 1234 => the menu dialog with bob.
from_ext_1234() {	# CALLERID_NUM [TIMEOUT]
	j=bob@localhost
	xmpp-send asterisk-xmpp $j "Call from $1 - choose an option to process the call" &&
	xmpp-send asterisk-xmpp $j "1 : forward to cellphone" &&
	xmpp-send asterisk-xmpp $j "2 : forward to work phone" &&
	xmpp-send asterisk-xmpp $j "Default action : forward to your voicemail" || return
	OPTION=$(xmpp-recv -n -t "${2:-20}" asterisk-xmpp $j)
	case $OPTION in
	1)	xmpp-send asterisk-xmpp $j "(Calling cellphone..." &&
		echo "Dial(SIP/987654321)" ;;
	2)	xmpp-send asterisk-xmpp $j "(Calling workphone..." &&
		echo "Dial(SIP/1234)" ;;
	*)	echo "Voicemail(1234|u)" ;;
	esac
}

# Example 4: context gtalk-in: chat back with the caller, whose JID is in
# CALLERID(name), and dial the number the caller types.
gtalk_in() {	# CALLERID_NAME
	xmpp-send asterisk-xmpp "$1" "Please enter the number you wish to call" &&
	NEWEXTEN=$(xmpp-recv -n asterisk-xmpp "$1") &&
	xmpp-send asterisk-xmpp "$1" "Calling $NEWEXTEN ..." &&
	echo "Dial(SIP/$NEWEXTEN)"
}

# bob_saw N TEXT: the Nth message bob received has body TEXT.
bob_saw() {
	wait_count "$TEST_DIR/bob.out" '^msg ' "$1" || return 1
	_line=$(grep '^msg ' "$TEST_DIR/bob.out" | sed -n "$1p")
	[ "${_line#msg chat asterisk@localhost/xmppd * }" = "$2" ] && return 0
	diag "message $1 to bob: $_line; wanted: $2"
	return 1
}
bob_count() {
	count_lines "$TEST_DIR/bob.out" '^msg '
}

test_expect_success 'set up a server, bob, carol and the asterisk-xmpp account' '
	server_setup &&
	server_adduser asterisk astpw && server_adduser bob bobpw &&
	server_adduser carol carolpw &&
	server_start &&
	xmppd_config asterisk-xmpp asterisk astpw "buddy = bob@localhost" &&
	xmppd_start asterisk-xmpp &&
	buddy_start bob bob@localhost/laptop bobpw &&
	wait_for 10 "[ \"\$(xmpp-status asterisk-xmpp bob@localhost)\" = 1 ]"
'

test_expect_success 'JabberSend: the buddy is told who is calling' '
	incoming_call "Alice Caller" 2001 >"$TEST_DIR/dial" &&
	bob_saw 1 "Alice Caller is calling 2001" &&
	test "$(cat "$TEST_DIR/dial")" = "Dial(SIP/2001,30)"
'

test_expect_success 'JABBER_STATUS: online (1) rings the chat client' '
	test "$(route_1234)" = "Dial(Gtalk/asterisk-xmpp/bob@localhost)"
'

test_expect_success 'JABBER_STATUS: away prefers the SIP phone' '
	buddy_cmd bob "presence away" &&
	wait_for 10 "[ \"\$(xmpp-status asterisk-xmpp bob@localhost)\" = 3 ]" &&
	test "$(route_1234)" = "Dial(SIP/1234)" &&
	buddy_cmd bob "presence available" &&
	wait_for 10 "[ \"\$(xmpp-status asterisk-xmpp bob@localhost)\" = 1 ]"
'

test_expect_success 'JABBER_RECEIVE menu: bob answers 1, the cellphone is dialled' '
	n=$(bob_count) &&
	{ from_ext_1234 5551234 >"$TEST_DIR/dial" & pid=$!; } &&
	bob_saw $((n + 4)) "Default action : forward to your voicemail" &&
	bob_saw $((n + 1)) "Call from 5551234 - choose an option to process the call" &&
	bob_saw $((n + 2)) "1 : forward to cellphone" &&
	buddy_cmd bob "send asterisk@localhost 1" &&
	wait $pid &&
	test "$(cat "$TEST_DIR/dial")" = "Dial(SIP/987654321)" &&
	bob_saw $((n + 5)) "(Calling cellphone..."
'

test_expect_success 'JABBER_RECEIVE menu: an answer typed before the menu ended counts' '
	n=$(bob_count) &&
	{ from_ext_1234 5551234 >"$TEST_DIR/dial" & pid=$!; } &&
	bob_saw $((n + 1)) "Call from 5551234 - choose an option to process the call" &&
	buddy_cmd bob "send asterisk@localhost 2" &&
	wait $pid &&
	test "$(cat "$TEST_DIR/dial")" = "Dial(SIP/1234)" &&
	bob_saw $((n + 5)) "(Calling workphone..."
'

test_expect_success 'JABBER_RECEIVE menu: no answer goes to voicemail' '
	n=$(bob_count) &&
	from_ext_1234 5551234 2 >"$TEST_DIR/dial" &&
	test "$(cat "$TEST_DIR/dial")" = "Voicemail(1234|u)" &&
	bob_saw $((n + 4)) "Default action : forward to your voicemail" &&
	test "$(bob_count)" = $((n + 4))
'

test_expect_success 'gtalk-in: chat back with the caller and dial what it types' '
	buddy_start carol carol@localhost/phone carolpw &&
	{ gtalk_in carol@localhost >"$TEST_DIR/dial" & pid=$!; } &&
	wait_line "$TEST_DIR/carol.out" "^msg chat asterisk@localhost/xmppd .* Please enter the number you wish to call$" &&
	buddy_cmd carol "send asterisk@localhost 6001" &&
	wait $pid &&
	test "$(cat "$TEST_DIR/dial")" = "Dial(SIP/6001)" &&
	wait_line "$TEST_DIR/carol.out" "^msg chat asterisk@localhost/xmppd .* Calling 6001 \\.\\.\\.$"
'

test_expect_success 'the daemon stops cleanly' '
	xmppd_stop
'

done_testing
