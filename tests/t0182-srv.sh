#!/bin/sh
# t0182-srv: an account without serverhost goes where the DNS SRV records
# of its domain say (RFC 6120, XEP-0368), for real: a private DNS server
# (dnsmasq) that only this test's namespace sees, the server (Prosody or
# ejabberd) listening on 5222 (STARTTLS) and 5223 (direct TLS) there.
# _xmpp-client and _xmpps-client records mixed by priority, a server that
# is down, does not answer or does not resolve (the next is tried at
# once), "." targets, a domain without records (the domain itself, on
# 5222 or 5223), and a fresh lookup at every reconnect.  Which port
# took each login is read from the server's log.

. "$(dirname "$0")/lib/netns.sh"
. "$(dirname "$0")/lib/test-lib.sh"
netns_require
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

SERVER_DIRECT_TLS=1 SERVER_PORT_FIXED=5222 SERVER_TLS_PORT_FIXED=5223
LINE='logged in as alice@localhost/xmppd via'
TLS='TLSv1\.[23] [A-Z0-9_]+, SCRAM-SHA-1\)$'
HOSTS='--host-record=xmpp.test,127.0.0.1 --host-record=down.test,127.0.0.1'

# srv_config [LINE...]: alice@localhost with neither serverhost nor port.
srv_config() {
	XMPPD_CONFIG=$TEST_DIR/xmppd.conf
	export XMPPD_CONFIG
	{
		printf '[alice]\nusername = alice@localhost\nsecret = alicepw\n'
		printf 'cafile = %s\n' "$SERVER_CAFILE"
		for _l; do
			printf '%s\n' "$_l"
		done
	} >"$XMPPD_CONFIG" && chmod 600 "$XMPPD_CONFIG"
}

# logins_on PORT: how many logins of alice the server took on PORT.
logins_on() {
	server_logins_on alice "$1"
}

# logins_reach PORT N: the server's log (written as it goes) comes to N.
logins_reach() {
	_lr_port=$1 _lr_n=$2
	wait_for 10 '[ "$(logins_on "$_lr_port")" -ge "$_lr_n" ]' && return 0
	diag "$(logins_on "$_lr_port") logins on port $_lr_port, wanted $_lr_n"
	return 1
}

# login_once: the daemon logs in (its log afresh in xmppd.log) and stops.
login_once() {
	: >"$TEST_DIR/xmppd.log" && xmppd_start alice && xmppd_stop
}

test_expect_success "set up $SERVER_NAME on 5222 and 5223 in the namespace" '
	server_setup && server_adduser alice alicepw && server_start &&
	test "$SERVER_PORT $SERVER_TLS_PORT" = "5222 5223"
'

test_expect_success 'the first server is down: the next is tried at once' '
	# shellcheck disable=SC2086
	dns_start $HOSTS \
		--srv-host=_xmpp-client._tcp.localhost,down.test,5300,10,0 \
		--srv-host=_xmpp-client._tcp.localhost,xmpp.test,5222,20,0 &&
	srv_config "directtls = no" && before=$(logins_on 5222) &&
	login_once &&
	xmppd_log_has "cannot reach down.test \(127\.0\.0\.1\) port 5300: Connection refused; trying the next server$" &&
	xmppd_log_has "$LINE xmpp.test \(127\.0\.0\.1\) port 5222 \(STARTTLS, $TLS" &&
	logins_reach 5222 $((before + 1)) &&
	grep -q "query\[SRV\] _xmpp-client._tcp.localhost" "$TEST_DIR/dnsmasq.log" &&
	! grep -q "query\[SRV\] _xmpps-client" "$TEST_DIR/dnsmasq.log"
'

# full_server PORT: something listening on 127.0.0.1:PORT that never
# accepts, its queue filled first: a connection to it gets no answer, as
# from a host behind a firewall that drops packets.
full_server() {
	perl -MIO::Socket::INET -e '
		my $l = IO::Socket::INET->new(LocalAddr => "127.0.0.1:$ARGV[0]",
		    Listen => 1, ReuseAddr => 1) or die "listen: $!\n";
		my @c;
		while (@c < 64) {
			my $c = IO::Socket::INET->new(PeerAddr =>
			    "127.0.0.1:$ARGV[0]", Timeout => 1) or last;
			push @c, $c;
		}
		$| = 1; print "ready\n"; sleep 600;' "$1" >"$TEST_DIR/full.out" 2>&1 &
	FULL_PID=$!
	at_exit "kill $FULL_PID"
	wait_line "$TEST_DIR/full.out" "^ready"
}

test_expect_success 'a server that does not answer is given up (5 s), and the next tried' '
	full_server 5398 &&
	# shellcheck disable=SC2086
	dns_start $HOSTS \
		--srv-host=_xmpp-client._tcp.localhost,down.test,5398,10,0 \
		--srv-host=_xmpp-client._tcp.localhost,xmpp.test,5222,20,0 &&
	srv_config && login_once &&
	xmppd_log_has "cannot reach down.test \(127\.0\.0\.1\) port 5398: Connection timed out; trying the next server$" &&
	xmppd_log_has "$LINE xmpp.test \(127\.0\.0\.1\) port 5222 \(STARTTLS, " ||
	{ cat "$TEST_DIR/xmppd.log" >&2; false; }
'

test_expect_success 'a server whose name does not resolve is passed over' '
	# shellcheck disable=SC2086
	dns_start $HOSTS \
		--srv-host=_xmpp-client._tcp.localhost,nowhere.test,5222,10,0 \
		--srv-host=_xmpp-client._tcp.localhost,xmpp.test,5222,20,0 &&
	srv_config && login_once &&
	xmppd_log_has "cannot resolve nowhere.test: .*; trying the next server$" &&
	xmppd_log_has "$LINE xmpp.test \(127\.0\.0\.1\) port 5222 \(STARTTLS, "
'

test_expect_success 'both services in one order: a direct TLS record by its priority' '
	# shellcheck disable=SC2086
	dns_start $HOSTS \
		--srv-host=_xmpps-client._tcp.localhost,down.test,5301,5,0 \
		--srv-host=_xmpp-client._tcp.localhost,down.test,5300,7,0 \
		--srv-host=_xmpps-client._tcp.localhost,xmpp.test,5223,10,0 \
		--srv-host=_xmpp-client._tcp.localhost,xmpp.test,5222,20,0 &&
	srv_config && before=$(logins_on 5223) && login_once &&
	xmppd_log_has "connecting to down.test \(127\.0\.0\.1\) port 5301 \(direct TLS\)$" &&
	xmppd_log_has "cannot reach down.test \(127\.0\.0\.1\) port 5300: Connection refused; trying the next server$" &&
	test "$(grep -n "port 5301: Connection refused" "$TEST_DIR/xmppd.log" | cut -d: -f1)" -lt \
		"$(grep -n "port 5300: Connection refused" "$TEST_DIR/xmppd.log" | cut -d: -f1)" &&
	xmppd_log_has "$LINE xmpp.test \(127\.0\.0\.1\) port 5223 \(direct TLS, $TLS" &&
	logins_reach 5223 $((before + 1))
'

test_expect_success 'directtls = no takes _xmpp-client only, directtls = yes _xmpps-client only' '
	# shellcheck disable=SC2086
	dns_start $HOSTS \
		--srv-host=_xmpp-client._tcp.localhost,xmpp.test,5222,10,0 \
		--srv-host=_xmpps-client._tcp.localhost,xmpp.test,5223,20,0 &&
	srv_config && login_once &&
	xmppd_log_has "$LINE xmpp.test \(127\.0\.0\.1\) port 5222 \(STARTTLS, " &&
	srv_config "directtls = yes" && login_once &&
	xmppd_log_has "$LINE xmpp.test \(127\.0\.0\.1\) port 5223 \(direct TLS, " &&
	! xmppd_log_has "port 5222" &&
	srv_config "directtls = no" && login_once &&
	xmppd_log_has "$LINE xmpp.test \(127\.0\.0\.1\) port 5222 \(STARTTLS, " &&
	! xmppd_log_has "port 5223"
'

# RFC 2782: the first of a priority is the lighter (weight 1) with a
# chance of 2 in 22 (weight + 1 over the sum + 1), the heavier (20) with
# 20 in 22.  In 200 rounds, the lighter never first, or first more than a
# quarter as often as the heavier, is each far below one in a million.
test_expect_success 'weights: within a priority, at random as the weights say' '
	# shellcheck disable=SC2086
	dns_start $HOSTS \
		--srv-host=_xmpp-client._tcp.localhost,down.test,5300,10,1 \
		--srv-host=_xmpps-client._tcp.localhost,down.test,5301,10,20 \
		--srv-host=_xmpp-client._tcp.localhost,down.test,5302,5,0 &&
	srv_config && : >"$TEST_DIR/first" && i=0 && while [ $i -lt 200 ]; do
		xmppd -t alice >"$TEST_DIR/t.out" 2>/dev/null
		[ $? = 75 ] || return 1
		grep "^  [12]\. " "$TEST_DIR/t.out" | tr "\n" " " >>"$TEST_DIR/first"
		echo >>"$TEST_DIR/first"
		i=$((i + 1))
	done &&
	light=$(grep -c "^  1\. .* port 5302, .*  2\. .* port 5300, STARTTLS" "$TEST_DIR/first") &&
	heavy=$(grep -c "^  1\. .* port 5302, .*  2\. .* port 5301, direct TLS" "$TEST_DIR/first") &&
	diag "second in 200 rounds (the first always priority 5): weight 1 $light times, weight 20 $heavy times" &&
	test $((light + heavy)) = 200 && test "$light" -ge 1 &&
	test $((light * 4)) -lt "$heavy"
'

test_expect_success 'no records: the domain itself on 5222 (STARTTLS), or 5223 with directtls = yes' '
	dns_start &&
	srv_config && login_once &&
	xmppd_log_has "$LINE localhost \(127\.0\.0\.1\) port 5222 \(STARTTLS, " &&
	grep -q "query\[SRV\] _xmpps-client._tcp.localhost" "$TEST_DIR/dnsmasq.log" &&
	grep -q "query\[SRV\] _xmpp-client._tcp.localhost" "$TEST_DIR/dnsmasq.log" &&
	srv_config "directtls = yes" && login_once &&
	xmppd_log_has "$LINE localhost \(127\.0\.0\.1\) port 5223 \(direct TLS, "
'

test_expect_success 'records whose servers are all down: no fallback to the domain (75)' '
	# shellcheck disable=SC2086
	dns_start $HOSTS \
		--srv-host=_xmpp-client._tcp.localhost,down.test,5300,10,0 &&
	srv_config && before=$(($(logins_on 5222) + $(logins_on 5223))) &&
	{ xmppd -f alice >"$TEST_DIR/err" 2>&1; rc=$?; } &&
	test $rc = 75 &&
	grep -q "cannot reach down.test (127.0.0.1) port 5300: Connection refused$" "$TEST_DIR/err" &&
	test "$(($(logins_on 5222) + $(logins_on 5223)))" = "$before"
'

test_expect_success 'an _xmpps-client target of ".": no direct TLS, _xmpp-client is used' '
	# shellcheck disable=SC2086
	dns_start $HOSTS \
		--srv-host=_xmpps-client._tcp.localhost \
		--srv-host=_xmpp-client._tcp.localhost,xmpp.test,5222,10,0 &&
	srv_config && login_once &&
	xmppd_log_has "$LINE xmpp.test \(127\.0\.0\.1\) port 5222 \(STARTTLS, "
'

test_expect_success '"." with directtls = yes: refused (69), no fallback to 5223' '
	srv_config "directtls = yes" &&
	before=$(logins_on 5223) &&
	{ xmppd -f alice >"$TEST_DIR/err" 2>&1; rc=$?; } &&
	test $rc = 69 &&
	grep -q "localhost publishes in DNS that it offers no direct TLS (SRV target \".\"); set directtls = no, or remove it$" "$TEST_DIR/err" &&
	! grep -q "connecting to" "$TEST_DIR/err" &&
	test "$(logins_on 5223)" = "$before"
'

test_expect_success '"." for both services: no XMPP service at all (69)' '
	dns_start --srv-host=_xmpps-client._tcp.localhost \
		--srv-host=_xmpp-client._tcp.localhost &&
	srv_config &&
	{ xmppd -f alice >"$TEST_DIR/err" 2>&1; rc=$?; } &&
	test $rc = 69 &&
	grep -q "localhost publishes in DNS that it offers no XMPP service (SRV target \".\")$" "$TEST_DIR/err"
'

test_expect_success 'xmppd -t shows the records and what became of each server' '
	# shellcheck disable=SC2086
	dns_start $HOSTS \
		--srv-host=_xmpp-client._tcp.localhost,down.test,5300,10,0 \
		--srv-host=_xmpps-client._tcp.localhost,xmpp.test,5223,20,5 &&
	srv_config && xmppd -t alice >"$TEST_DIR/t.out" 2>"$TEST_DIR/t.err" &&
	grep -qx "  _xmpps-client._tcp.localhost: 20 5 5223 xmpp.test" "$TEST_DIR/t.out" &&
	grep -qx "  _xmpp-client._tcp.localhost: 10 0 5300 down.test" "$TEST_DIR/t.out" &&
	grep -qx "  1. down.test (127.0.0.1) port 5300, STARTTLS: cannot reach down.test (127.0.0.1) port 5300: Connection refused" "$TEST_DIR/t.out" &&
	grep -qx "  2. xmpp.test (127.0.0.1) port 5223, direct TLS: logged in" "$TEST_DIR/t.out" &&
	grep -qx "server: xmpp.test (127.0.0.1) port 5223, direct TLS" "$TEST_DIR/t.out"
'

test_expect_success 'each reconnect looks DNS up again' '
	# shellcheck disable=SC2086
	dns_start $HOSTS \
		--srv-host=_xmpp-client._tcp.localhost,xmpp.test,5222,10,0 &&
	srv_config && : >"$TEST_DIR/xmppd.log" && xmppd_start alice &&
	xmppd_log_has "$LINE xmpp.test \(127\.0\.0\.1\) port 5222 \(STARTTLS, " &&
	# shellcheck disable=SC2086
	dns_start $HOSTS \
		--srv-host=_xmpps-client._tcp.localhost,xmpp.test,5223,10,0 &&
	server_stop && server_start &&
	wait_line "$TEST_DIR/xmppd.log" "$LINE xmpp.test \(127\.0\.0\.1\) port 5223 \(direct TLS, " 30 &&
	xmppd_stop
'

done_testing
