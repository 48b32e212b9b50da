#!/bin/sh
# t0180-spool: what the daemon finds in its spool folder: spool files of
# the older format (one per batch, NAME.msg: from an older xmppd, or from
# xmpp-send --queue), taken into the journal once.  A record that could
# never be sent (invalid UTF-8, a control character, a bad recipient),
# hand-edited or from a broken writer, is set aside in NAME.msg.bad and
# logged; the other messages go, and the server never sees the poison
# (issue 14 D3).  A file whose messages are all queued from another file
# is removed (D22).  A spool file that cannot be removed is logged, and
# its messages go again at the next start, not at every login (D21).

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

SPOOL=$XMPPD_STATE_DIR/alice
CREATED=$(date +%s)
# record ID TO BODY [HEADER]: one spool record, as spool.c writes it, on
# stdout; BODY goes through printf %b (\001, \377...), HEADER (e.g.
# "messages 3") is a header line before "created".
record() {
	printf '%b' "$3" >"$TEST_DIR/body" &&
	printf 'XMPPD-SPOOL 1\nid %s\nto %s\n' "$1" "$2" &&
	{ [ -z "${4:-}" ] || printf '%s\n' "$4"; } &&
	printf 'created %s\nlength %s\n\n' "$CREATED" "$(wc -c <"$TEST_DIR/body")" &&
	cat "$TEST_DIR/body" && printf '\nEND\n'
}
# at FILE SECONDS: set the file's time SECONDS after CREATED (load order).
at() {
	touch -d "@$((CREATED + $2))" "$1"
}
# bodies NAME: the bodies buddy NAME received, in order, one per line.
bodies() {
	sed -n 's/^msg chat alice@localhost\/xmppd [^ ]* //p' "$TEST_DIR/$1.out"
}
msgfiles() {	# the spool's message files, one per line
	find "$SPOOL" -maxdepth 1 -name '*.msg' | sort
}

test_expect_success 'set up a server, bob, and a spool written by hand' '
	server_setup &&
	server_adduser alice alicepw && server_adduser bob bobpw &&
	server_start &&
	xmppd_config alice alice alicepw "buddy = bob@localhost" &&
	buddy_start bob bob@localhost/desk bobpw &&
	mkdir -p "$XMPPD_STATE_DIR" && mkdir -m 700 "$SPOOL" &&
	{
		record xmppd-hand1 bob@localhost "hand 1" "messages 5" &&
		record xmppd-hand2 bob@localhost "\001poison" &&
		record xmppd-hand3 bob@localhost "hand 2" &&
		record xmppd-hand4 bob@localhost "bad \377\376 bytes" &&
		record xmppd-hand5 bob@localhost "hand 3"
	} >"$SPOOL/xmppd-hand1.msg" && at "$SPOOL/xmppd-hand1.msg" 1 &&
	record xmppd-hand6 "bob@@localhost" "to nobody" >"$SPOOL/xmppd-hand6.msg" &&
	cp "$SPOOL/xmppd-hand6.msg" "$TEST_DIR/hand6" && at "$SPOOL/xmppd-hand6.msg" 2 &&
	{
		record xmppd-dup1 bob@localhost "dup 1" "messages 2" &&
		record xmppd-dup2 bob@localhost "dup 2"
	} >"$SPOOL/xmppd-dup1.msg" && at "$SPOOL/xmppd-dup1.msg" 3 &&
	cp "$SPOOL/xmppd-dup1.msg" "$SPOOL/xmppd-copy.msg" && at "$SPOOL/xmppd-copy.msg" 4 &&
	xmppd_start alice
'

test_expect_success 'the good messages arrive, in order, each once' '
	wait_for 20 "test \$(bodies bob | wc -l) -ge 5" &&
	test "$(bodies bob | tr "\\n" ,)" = "hand 1,hand 2,hand 3,dup 1,dup 2," &&
	wait_for 10 "test -z \"\$(msgfiles)\""
'

test_expect_success 'the bad records are in NAME.msg.bad, only they, and logged with what is wrong' '
	{
		record xmppd-hand2 bob@localhost "\001poison" "messages 2" &&
		record xmppd-hand4 bob@localhost "bad \377\376 bytes"
	} >"$TEST_DIR/want" &&
	cmp "$TEST_DIR/want" "$SPOOL/xmppd-hand1.msg.bad" &&
	cmp "$TEST_DIR/hand6" "$SPOOL/xmppd-hand6.msg.bad" &&
	xmppd_log_has "spool file xmppd-hand1.msg: message xmppd-hand2 to bob@localhost set aside in xmppd-hand1.msg.bad: character not allowed in XML .* at byte 0 of the body" &&
	xmppd_log_has "spool file xmppd-hand1.msg: message xmppd-hand4 to bob@localhost set aside in xmppd-hand1.msg.bad: invalid UTF-8 at byte 4 of the body" &&
	xmppd_log_has "spool file xmppd-hand6.msg: message xmppd-hand6 to bob@@localhost set aside in xmppd-hand6.msg.bad: bad recipient"
'

test_expect_success 'the server never closed the stream' '
	test "$(count_lines "$TEST_DIR/xmppd.log" "online as")" = 1 &&
	! xmppd_log_has "reconnecting|dropped" &&
	! server_log | grep -q "not-well-formed"
'

test_expect_success 'a file whose messages are all queued from another is removed' '
	xmppd_log_has "spool file xmppd-copy.msg: its 2 message\\(s\\) are queued from another file already; removed"
'

test_expect_success 'the .bad files stay there across a restart, and are not sent' '
	xmppd_stop && xmppd_start alice && buddy_sync bob &&
	xmpp-send -w 10 alice bob@localhost "after the restart" &&
	wait_line "$TEST_DIR/bob.out" " after the restart\$" &&
	test "$(bodies bob | tr "\\n" ,)" = "hand 1,hand 2,hand 3,dup 1,dup 2,after the restart," &&
	test -f "$SPOOL/xmppd-hand1.msg.bad" && test -f "$SPOOL/xmppd-hand6.msg.bad"
'

# A start that cannot log in (the server is down at boot) has read the
# spool all the same: what it set aside must not be found again, and what
# it took into the journal is sent once.
test_expect_success 'a file with bad records: the good ones go into the journal, the file goes' '
	xmppd_stop && server_stop &&
	{
		record xmppd-hand7 bob@localhost "hand 4" "messages 2" &&
		record xmppd-hand8 bob@localhost "\001again"
	} >"$SPOOL/xmppd-hand7.msg" && at "$SPOOL/xmppd-hand7.msg" 5 &&
	{ xmppd -f alice >>"$TEST_DIR/xmppd.log" 2>&1; rc=$?; } && test $rc = 75 &&
	test ! -e "$SPOOL/xmppd-hand7.msg" &&
	test "$(xmppd --spool alice | cut -d " " -f 1,6)" = "xmppd-hand7 journal" &&
	record xmppd-hand8 bob@localhost "\001again" "" |
		cmp - "$SPOOL/xmppd-hand7.msg.bad" &&
	server_start && buddy_start bob3 bob@localhost/desk bobpw &&
	xmppd_start alice &&
	wait_line "$TEST_DIR/bob3.out" " hand 4\$" &&
	test "$(bodies bob3 | grep -c "^hand 4\$")" = 1 &&
	test "$(count_lines "$TEST_DIR/xmppd.log" "message xmppd-hand8 to")" = 1 &&
	wait_for 10 "test -z \"\$(msgfiles)\""
'

# chattr +i makes a file that even root cannot remove, as a spool on a
# read-only file system would be.
: >"$TEST_DIR/probe"
if chattr +i "$TEST_DIR/probe" 2>/dev/null && chattr -i "$TEST_DIR/probe"; then
test_expect_success 'a spool file that cannot be removed is logged, once, with what it means' '
	xmppd_stop &&
	xmpp-send -Q alice bob@localhost "stuck in the spool" &&
	f=$(msgfiles) && test -n "$f" && test $(echo "$f" | wc -l) = 1 &&
	chattr +i "$f" && at_exit "chattr -i \"$f\"" &&
	xmppd_start alice &&
	wait_line "$TEST_DIR/bob3.out" " stuck in the spool\$" &&
	wait_line "$TEST_DIR/xmppd.log" "cannot remove the spool file $f: Operation not permitted; its messages are in the journal, and will be sent again at the next start" &&
	test "$(count_lines "$TEST_DIR/xmppd.log" "cannot remove the spool file")" = 1
'

test_expect_success '...its messages are not sent again at the next login' '
	server_stop && wait_for 10 "! xmpp-status alice >/dev/null 2>&1" &&
	server_up alice &&
	buddy_start bob2 bob@localhost/desk bobpw &&
	xmpp-send -w 10 alice bob@localhost "after the login" &&
	wait_line "$TEST_DIR/bob2.out" " after the login\$" &&
	test "$(bodies bob2 | tr "\\n" ,)" = "after the login,"
'

test_expect_success '...but at the next start, as the log said' '
	id=$(sed -n "s/^msg chat [^ ]* \\([^ ]*\\) stuck in the spool\$/\\1/p" "$TEST_DIR/bob3.out") &&
	xmppd_stop && xmppd_start alice &&
	wait_line "$TEST_DIR/bob2.out" " stuck in the spool\$" &&
	grep -q "^msg chat [^ ]* $id stuck in the spool\$" "$TEST_DIR/bob2.out" &&
	wait_count "$TEST_DIR/xmppd.log" "cannot remove the spool file" 2 &&
	chattr -i "$f" && xmppd_stop && xmppd_start alice &&
	wait_for 10 "test -z \"\$(msgfiles)\""
'
else
	test_skip 'a spool file that cannot be removed is logged' \
		"chattr +i does not work in $TEST_DIR"
fi

test_expect_success 'the daemon stops cleanly' '
	xmppd_stop
'

done_testing
