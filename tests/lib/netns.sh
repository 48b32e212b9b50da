# shellcheck shell=sh
# netns.sh - a private network namespace with a DNS server of its own,
# for tests of what DNS tells the daemon (SRV records).
#
# Source it first, before test-lib.sh, then require it:
#
#     . "$(dirname "$0")/lib/netns.sh"
#     . "$(dirname "$0")/lib/test-lib.sh"
#     netns_require
#
# As root, the test script runs itself again inside `unshare --mount
# --net`: a network namespace of its own, whose loopback no other process
# of the machine shares (the test's servers may take 5222 and 5223, and
# the DNS server 127.0.0.53:53), and a mount namespace in which
# /etc/resolv.conf is bind-mounted over with one naming that DNS server.
# The machine's resolver and network are untouched.  Everything started
# in it dies with it; the test still stops its servers by PID.
# netns_require skips the whole test, saying why, when that is not
# possible (not root, or no unshare).
#
# dns_start ARG...: (re)start dnsmasq on 127.0.0.53 with these options
# (e.g. --srv-host=_xmpp-client._tcp.localhost,xmpp.test,5222,10,0 or
# --host-record=xmpp.test,127.0.0.1), authoritative for .test and
# localhost (other names: NXDOMAIN), logging its queries to
# $TEST_DIR/dnsmasq.log; waits until it answers.

if [ "${XMPP_TEST_NETNS:-}" != 1 ] && [ "$(id -u)" = 0 ] &&
	unshare --mount --net --propagation private true 2>/dev/null; then
	XMPP_TEST_NETNS=1
	export XMPP_TEST_NETNS
	exec unshare --mount --net --propagation private "$0" "$@"
fi

DNS_PID=

# netns_require: inside the private namespace, with loopback up, or skip.
netns_require() {
	[ "${XMPP_TEST_NETNS:-}" = 1 ] ||
		skip_all "needs root and unshare(1) for a private network and mount namespace (its own DNS server)"
	command -v dnsmasq >/dev/null 2>&1 ||
		skip_all "dnsmasq is not installed (Debian: dnsmasq-base; scripts/install-deps)"
	ip link set lo up || bail_out "cannot bring up loopback in the namespace"
	printf 'nameserver 127.0.0.53\noptions timeout:1 attempts:2\n' \
		>"$TEST_DIR/resolv.conf" &&
		mount --bind "$TEST_DIR/resolv.conf" /etc/resolv.conf ||
		bail_out "cannot bind-mount $TEST_DIR/resolv.conf over /etc/resolv.conf"
	at_exit _dns_cleanup
}

dns_start() {
	_dns_cleanup
	: >"$TEST_DIR/dnsmasq.log"
	dnsmasq -k --conf-file=/dev/null --pid-file= --user=root \
		--log-facility="$TEST_DIR/dnsmasq.log" --log-queries \
		--listen-address=127.0.0.53 --bind-interfaces --port=53 \
		--no-resolv --no-hosts --local=/test/ --local=/localhost/ \
		--host-record=dns-ready.test,127.0.0.99 "$@" \
		>"$TEST_DIR/dnsmasq.out" 2>&1 </dev/null &
	DNS_PID=$!
	wait_for 10 'getent hosts dns-ready.test >/dev/null 2>&1 ||
		! pid_alive "$DNS_PID"' && pid_alive "$DNS_PID" && return 0
	diag "dnsmasq did not come up:"
	sed 's/^/    /' "$TEST_DIR/dnsmasq.out" "$TEST_DIR/dnsmasq.log" >&2
	return 1
}

_dns_cleanup() {
	[ -n "$DNS_PID" ] || return 0
	kill_wait "$DNS_PID" 5
	DNS_PID=
}
