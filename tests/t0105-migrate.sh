#!/bin/sh
# t0105-migrate: moving off res_xmpp, as xmppd.conf(5) MOVING OFF RES_XMPP
# tells it.  Asterisk's own sample xmpp.conf, as it ships
# (tests/golden/asterisk-xmpp-sample.conf), has its [asterisk] account
# enabled the way an administrator does it (its lines uncommented, the
# OAuth ones left out), is accepted with the warnings the man page
# documents, and then logs in against the test server with only the lines
# a user must change adjusted: username, secret, serverhost, port, and a
# cafile for the private CA; status set to a value the sample's comment
# offers (xaway), which a contact then sees as xa.

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

SAMPLE=$TOP/tests/golden/asterisk-xmpp-sample.conf
CONF=$TEST_DIR/etc/asterisk/xmpp.conf

test_expect_success 'the sample as Asterisk ships it: read whole, no account yet' '
	mkdir -p "$TEST_DIR/etc/asterisk" &&
	cp "$SAMPLE" "$CONF" &&
	{ xmppd -n -c "$CONF" asterisk >"$TEST_DIR/out" 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 78 && test ! -s "$TEST_DIR/out" &&
	test "$(cat "$TEST_DIR/err")" = "xmppd: $CONF: no section [asterisk]"
'

test_expect_success 'its account enabled: uncommented, OAuth left out, closed to others' '
	sed -e "/^;\[asterisk\]/,\$ {" \
		-e "/^;\(refresh_token\|oauth_\)/b" \
		-e "s/^;\([a-z_[]\)/\1/" -e "}" "$SAMPLE" >"$CONF" &&
	chmod 600 "$CONF" &&
	grep -q "^\[asterisk\]" "$CONF" && grep -q "^keepalive=\$" "$CONF" &&
	grep -q "^sendtodialplan=yes" "$CONF" && grep -q "^;refresh_token" "$CONF" &&
	test "$(diff "$SAMPLE" "$CONF" | grep -c "^>")" = 19
'

test_expect_success 'xmppd -n accepts it, with the documented warnings only' '
	xmppd -n -c "$CONF" asterisk >"$TEST_DIR/out" 2>"$TEST_DIR/err" &&
	grep -q "^username = asterisk@astjab.org/asterisk\$" "$TEST_DIR/out" &&
	grep -q "^status = available\$" "$TEST_DIR/out" &&
	grep -q "^keepalive = 60\$" "$TEST_DIR/out" &&
	grep -q "^buddy = mogorman@astjab.org\$" "$TEST_DIR/out" &&
	test "$(wc -l <"$TEST_DIR/err")" = 2 &&
	grep -q "^xmppd\[asterisk\]: $CONF:16: option .type. is used by Asterisk only; xmppd ignores it (and others like it)\$" "$TEST_DIR/err" &&
	grep -q "^xmppd\[asterisk\]: $CONF:[0-9]*: option .sendtodialplan.: xmppd has no dialplan to hand messages to; set .hook. to a program that gets each incoming message instead (xmppd.conf(5), MOVING OFF RES_XMPP)\$" "$TEST_DIR/err"
'

test_expect_success 'a server with the account alice and a contact bob' '
	server_setup && server_adduser alice alicepw &&
	server_adduser bob bobpw && server_start
'

test_expect_success 'adjust only what a user must: username, secret, serverhost, port, cafile' '
	sed -e "s|^username=asterisk@astjab.org/asterisk|username=alice@localhost/asterisk|" \
		-e "s|^secret=blah|secret=alicepw|" \
		-e "s|^serverhost=astjab.org|serverhost=127.0.0.1|" \
		-e "s|^port=5222|port=$SERVER_PORT|" \
		-e "s|^status=available|status=xaway|" \
		-e "/^usesasl=/a\\
cafile=$SERVER_CAFILE			; the private CA that signed the server" \
		"$CONF" >"$CONF.new" && chmod 600 "$CONF.new" &&
	{ diff "$CONF" "$CONF.new" >"$TEST_DIR/diff"; test $? = 1; } &&
	sed -n "s/^> \([a-z]*\)=.*/\1/p" "$TEST_DIR/diff" | sort | tr "\n" " " >"$TEST_DIR/changed" &&
	test "$(cat "$TEST_DIR/changed")" = "cafile port secret serverhost status username " &&
	test "$(grep -c "^<" "$TEST_DIR/diff")" = 5 &&
	mv "$CONF.new" "$CONF"
'

test_expect_success 'the daemon logs in with it, warning as documented' '
	xmppd_start asterisk -c "$CONF" &&
	test "$(xmpp-status asterisk)" = 4 &&
	test "$(grep -c "is used by Asterisk only" "$TEST_DIR/xmppd.log")" = 1 &&
	test "$(grep -c "no dialplan to hand messages to" "$TEST_DIR/xmppd.log")" = 1
'

test_expect_success 'a contact sees the account as xa, and messages go both ways' '
	buddy_start bob bob@localhost/desk bobpw &&
	buddy_cmd bob "subscribe alice@localhost" &&
	wait_line "$TEST_DIR/bob.out" "^presence alice@localhost/asterisk available xa " &&
	xmpp-send asterisk bob@localhost "JabberSend, the xmppd way" &&
	next_message bob alice@localhost/asterisk "JabberSend, the xmppd way" &&
	buddy_cmd bob "send alice@localhost/asterisk 1" &&
	test "$(xmpp-recv -t 10 asterisk bob@localhost)" = 1
'

test_expect_success 'the daemon stops cleanly' '
	xmppd_stop
'

done_testing
