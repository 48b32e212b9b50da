#!/bin/sh
# t0170-hook: the incoming-message hook (Asterisk's sendtodialplan, for
# scripts): what it gets, how many run at once, and its time limit.

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

HOOKS=$TEST_DIR/hooks
# A hook that records its arguments, XMPP_* variables and stdin, then
# waits while the file "$HOOKS/hold" exists, and exits with status 3.
write_hook() {
	mkdir -p "$HOOKS" && cat >"$TEST_DIR/hook" <<-EOF && chmod 755 "$TEST_DIR/hook"
	#!/bin/sh
	d=$HOOKS/run.\$\$
	mkdir "\$d"
	printf '%s\n' "\$@" >"\$d/args"
	env | grep '^XMPP_' | sort >"\$d/env"
	cat >"\$d/body"
	ls -d $HOOKS/running.* 2>/dev/null | wc -l >"\$d/others"
	touch $HOOKS/running.\$\$
	while [ -e $HOOKS/hold ]; do sleep 0.05; done
	rm $HOOKS/running.\$\$
	exit 3
	EOF
}
runs() {	# runs N: N hook runs have finished recording their input
	wait_for 10 "[ \$(ls \"$HOOKS\"/run.*/others 2>/dev/null | wc -l) -ge $1 ]"
}

test_expect_success 'set up a server, bob and the daemon with a hook' '
	server_setup &&
	server_adduser alice alicepw && server_adduser bob bobpw &&
	server_start && write_hook &&
	xmppd_config alice alice alicepw "buddy = bob@localhost" \
		"hook = $TEST_DIR/hook" "hookmax = 2" "hooktimeout = 2" &&
	xmppd_start alice &&
	buddy_start bob bob@localhost/desk bobpw
'

test_expect_success 'the hook gets sender and type as arguments, the body on stdin' '
	buddy_cmd bob "send alice@localhost call 6001\\n  now; rm -rf / \$(x)" &&
	runs 1 && d=$(ls -d "$HOOKS"/run.*) &&
	printf "bob@localhost/desk\nchat\n" | cmp - "$d/args" &&
	printf "call 6001\n  now; rm -rf / \$(x)" | cmp - "$d/body" &&
	grep -q "^XMPP_ACCOUNT=alice$" "$d/env" &&
	grep -q "^XMPP_FROM=bob@localhost/desk$" "$d/env" &&
	grep -q "^XMPP_TYPE=chat$" "$d/env" &&
	grep -q "^XMPP_ID=buddy[0-9]*-[0-9]*$" "$d/env" &&
	wait_line "$TEST_DIR/xmppd.log" "hook for the message from bob@localhost/desk exited with status 3"
'

test_expect_success 'the message is still there for xmpp-recv' '
	xmpp-recv alice bob@localhost >"$TEST_DIR/body" &&
	grep -q "^call 6001$" "$TEST_DIR/body"
'

test_expect_success 'at most hookmax run at once; the others wait their turn' '
	rm -rf "$HOOKS"/run.* && : >"$HOOKS/hold" &&
	for i in 1 2 3 4; do buddy_cmd bob "send alice@localhost burst $i" || return 1; done &&
	runs 2 && buddy_sync bob &&
	test "$(ls -d "$HOOKS"/run.* | wc -l)" = 2 &&
	rm "$HOOKS/hold" && runs 4 &&
	test "$(cat "$HOOKS"/run.*/others | sort -n | tail -n 1)" -le 1
'

test_expect_success 'a hook over its time limit is stopped, and that is logged' '
	: >"$HOOKS/hold" &&
	buddy_cmd bob "send alice@localhost slow one" &&
	wait_line "$TEST_DIR/xmppd.log" "hook for the message from bob@localhost/desk stopped after 2 s" &&
	pid=$(ls "$HOOKS"/running.* | sed "s/.*running\.//") &&
	! pid_alive "$pid" &&
	rm -f "$HOOKS/hold"
'

test_expect_success 'a hook that is not an executable path is a configuration error' '
	xmppd_config alice alice alicepw "hook = hook.sh" &&
	{ xmppd -n alice 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 78 && grep -q "xmppd.conf:[0-9]*: hook hook.sh: give the absolute path of a program" "$TEST_DIR/err"
'

test_expect_success 'the daemon stops cleanly' '
	xmppd_stop
'

done_testing
