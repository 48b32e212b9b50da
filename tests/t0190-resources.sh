#!/bin/sh
# t0190-resources: a contact with 50,000 resources (issue 14, D8).
#
# eve speaks for a hostile domain (a component of the test server, as a
# remote server would): she subscribes (autoregister approves her), then
# sends available presence for 50,000 resources of hers.  The daemon
# keeps a bounded number of them, its CPU time stays bounded (under 3 s:
# 0.3-0.9 s here, 8.6-10 s before the resources were capped; 2.6 s with
# ASan), xmpp-status keeps answering, and xmpp-status -l lists at most
# the cap.

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

FLOOD=${FLOOD:-50000}
CAP=32		# ROSTER_RESOURCES_MAX in src/xmppd/roster.h
# Resource names share a long prefix, as an attacker's would: comparing
# two of them costs 200 bytes, not one.
PREFIX=$(printf "%0200d" 0 | tr 0 r)

# cpu_ticks PID: user + system CPU time of PID, in clock ticks.
cpu_ticks() {
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

# now_ms: milliseconds, for the figures this test prints.
now_ms() {
	echo $(( $(date +%s%N) / 1000000 ))
}

# rss_kb PID: resident set size of PID, in kB.
rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

test_expect_success "set up $SERVER_NAME with a component, alice, bob, eve" '
	COMP_PORT=$("$TOP/tests/freeport") &&
	PROSODY_EXTRA="component_ports = { $COMP_PORT }
component_interfaces = { \"127.0.0.1\" }
Component \"flood.localhost\"
  component_secret = \"floodpw\"" &&
	EJABBERD_LISTEN_EXTRA="  -
    port: $COMP_PORT
    ip: \"127.0.0.1\"
    module: ejabberd_service
    hosts:
      flood.localhost:
        password: floodpw" &&
	if server_is ejabberd; then
		EJABBERD_PRES_INTERVAL=2 &&
		XMPPD_PRES_COUNTER=5/2 && export XMPPD_PRES_COUNTER &&
		echo "ejabberd mod_pres_counter: interval 2 s (stock 60 s): eve is asked back within seconds, not a minute" >&2
	fi &&
	server_setup &&
	server_adduser alice alicepw && server_adduser bob bobpw &&
	server_start &&
	xmppd_config alice alice alicepw "buddy = bob@localhost" &&
	xmppd_start alice &&
	buddy_start bob bob@localhost/desk bobpw &&
	buddy_start eve eve@flood.localhost/x floodpw --component floodpw \
		--port "$COMP_PORT" &&
	wait_for 10 "[ \"\$(xmpp-status alice bob@localhost)\" = 1 ]"
'

test_expect_success 'eve subscribes: autoregister approves her' '
	buddy_cmd eve "subscribe alice@localhost" &&
	wait_line "$TEST_DIR/eve.out" "^subscribe alice@localhost$" &&
	wait_for 10 "[ \"\$(xmpp-status alice eve@flood.localhost)\" = 6 ]"
'

test_expect_success "eve sends presence for $FLOOD resources" '
	t0=$(cpu_ticks "$XMPPD_PID") && rss0=$(rss_kb "$XMPPD_PID") &&
	buddy_cmd eve "flood $FLOOD alice@localhost available $PREFIX" &&
	wait_line "$TEST_DIR/eve.out" "^flooded $FLOOD$" 60 &&
	m0=$(now_ms) && test "$(xmpp-status alice bob@localhost)" = 1 &&
	m1=$(now_ms) &&
	buddy_sync eve 60 &&
	wait_for 120 "[ \"\$(xmpp-status alice eve@flood.localhost/$PREFIX$FLOOD)\" = 1 ]" &&
	t1=$(cpu_ticks "$XMPPD_PID") && rss1=$(rss_kb "$XMPPD_PID") &&
	cpu=$(( (t1 - t0) * 1000 / $(getconf CLK_TCK) )) &&
	echo "xmppd CPU for $FLOOD resources: $cpu ms; RSS $rss0 -> $rss1 kB; xmpp-status during the flood: $((m1 - m0)) ms" >&2 &&
	if [ "${XMPP_VALGRIND:-0}" = 1 ]; then
		echo "(under valgrind: CPU and memory are not checked)" >&2
	elif [ -n "${XMPP_SANITIZED:-}" ]; then
		# ASan keeps what was freed for a while, and runs slower.
		echo "(sanitized build: the memory is not checked)" >&2 &&
		test "$cpu" -lt 12000
	else
		test "$((rss1 - rss0))" -lt 4000 && test "$cpu" -lt 3000
	fi
'

test_expect_success 'xmpp-status answers, for eve and for bob' '
	test "$(xmpp-status alice eve@flood.localhost)" = 1 &&
	test "$(xmpp-status alice bob@localhost)" = 1 &&
	test "$(xmpp-status alice eve@flood.localhost/${PREFIX}1)" = 6
'

test_expect_success "xmpp-status -l works and lists at most $CAP of eve's resources" '
	xmpp-status -l --format=tsv alice >"$TEST_DIR/list" &&
	n=$(grep -c "^resource	eve@flood.localhost	" "$TEST_DIR/list") &&
	echo "eve has $n resources listed" >&2 &&
	test "$n" -ge 1 && test "$n" -le $CAP &&
	grep -q "^resource	bob@localhost	desk	1	" "$TEST_DIR/list"
'

test_expect_success 'the daemon logged the cap once for eve' '
	test "$(grep -c "eve@flood.localhost.*resources" "$TEST_DIR/xmppd.log")" = 1
'

test_expect_success 'the daemon stops cleanly' '
	xmppd_stop
'

done_testing
