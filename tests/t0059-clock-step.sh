#!/bin/sh
# t0059-clock-step: a step of the wall clock is not time that passed: a
# message queued just before the clock jumps a day ahead (a device
# without a clock battery when NTP syncs at boot) is not dropped as "not
# sent within its lifetime" (issue 14, D12).  The daemon runs under
# libfaketime, which moves only its wall clock, at once.

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

FAKETIME_LIB=
for f in /usr/lib/*/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1; do
	[ -e "$f" ] && FAKETIME_LIB=$f
done
[ -n "$FAKETIME_LIB" ] || skip_all "libfaketime is not installed (Debian package faketime)"
[ "${XMPP_SANITIZED:-0}" = 1 ] && skip_all "libfaketime does not mix with the sanitizers and valgrind"

attempts() {
	count_lines "$TEST_DIR/xmppd.log" "connecting to"
}

test_expect_success 'set up: xmppd under a wall clock we can step' '
	server_setup &&
	server_adduser alice alicepw && server_adduser bob bobpw &&
	xmppd_config alice alice alicepw "buddy = bob@localhost" "lifetime = 3600" &&
	server_start &&
	echo "+0" >"$TEST_DIR/faketime" &&
	export LD_PRELOAD="$FAKETIME_LIB" FAKETIME_TIMESTAMP_FILE="$TEST_DIR/faketime" \
		FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1 &&
	xmppd_start alice &&
	unset LD_PRELOAD FAKETIME_TIMESTAMP_FILE FAKETIME_NO_CACHE FAKETIME_DONT_FAKE_MONOTONIC
'

test_expect_success 'a message queued with the server down, then the clock jumps 25 hours' '
	server_stop &&
	wait_for 10 "xmppd_log_has \"reconnecting in\"" &&
	xmpp-send alice bob@localhost "queued before the clock jumped" &&
	echo "+25h" >"$TEST_DIR/faketime" &&
	n=$(attempts) &&
	wait_for 30 "[ \$(attempts) -ge $((n + 2)) ]" &&
	! xmppd_log_has "dropped"
'

test_expect_success 'the server returns: the message is delivered' '
	server_start &&
	buddy_start bob bob@localhost/desk bobpw &&
	wait_line "$TEST_DIR/bob.out" "^msg chat alice@localhost/xmppd [^ ]* queued before the clock jumped$" 40 &&
	! xmppd_log_has "dropped"
'

done_testing
