#!/bin/sh
# t0095-service-user: a daemon run by a service user with its socket in
# /run/xmppd is found, with no help from the environment, by clients run
# as that user from cron, by root's shell, and by members of socketgroup;
# others are refused.  With the daemon stopped, root's xmpp-send --queue
# (no XMPPD_STATE_DIR) finds the service's spool through the lock file and
# writes there as the service user; the daemon sends it at its next start.
# Needs root; touches /run/xmppd only if it does not exist, and removes it
# afterwards.

. "$(dirname "$0")/lib/system-lock.sh"
. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"

ACCT=svctest$$
[ "$(id -u)" = 0 ] || skip_all "needs root (service users, /run/xmppd)"
[ -e /run/xmppd ] && skip_all "/run/xmppd exists here; not touching it"
[ -e "/tmp/xmppd-0/$ACCT.sock" ] && skip_all "/tmp/xmppd-0/$ACCT.sock exists"
SVC=$TEST_DIR/svc
# as USER GROUP [SUPPLEMENTARY]: run a command with cron's bare
# environment (no HOME, no XMPPD_* variables) as that user.
as() {
	_u=$1 _g=$2 _s=--clear-groups
	[ -n "$3" ] && _s=--groups=$3
	shift 3
	setpriv --reuid="$_u" --regid="$_g" "$_s" \
		env -i PATH="$TOP/bin:/usr/bin:/bin" "$@"
}
daemon_pid() {
	sed -n 1p /run/xmppd/$ACCT.lock 2>/dev/null
}

test_expect_success 'set up a server; /run/xmppd as systemd makes it for the service user' '
	server_setup && server_adduser alice alicepw && server_adduser bob bobpw &&
	server_start && buddy_start bob bob@localhost/desk bobpw &&
	mkdir -m 0700 /run/xmppd && chown nobody:nogroup /run/xmppd &&
	at_exit "kill \$(daemon_pid) 2>/dev/null; rm -rf /run/xmppd" &&
	chmod 711 "$TEST_DIR" && mkdir -m 0700 "$SVC" &&
	cp "$SERVER_CAFILE" "$SVC/ca.crt" &&
	printf "[%s]\nusername = alice@localhost\nsecret = alicepw\nserverhost = 127.0.0.1\nport = %s\ncafile = %s\nsocketgroup = nogroup\nbuddy = bob@localhost\n" \
		"$ACCT" "$SERVER_PORT" "$SVC/ca.crt" >"$SVC/xmppd.conf" &&
	chmod 600 "$SVC/xmppd.conf" && chown -R nobody:nogroup "$SVC"
'

test_expect_success 'the service user starts xmppd; the socket lands in /run/xmppd' '
	as nobody nogroup "" XMPPD_STATE_DIR="$SVC/state" \
		xmppd -c "$SVC/xmppd.conf" $ACCT 2>"$TEST_DIR/err" &&
	test -S /run/xmppd/$ACCT.sock &&
	test "$(stat -c "%U %G %a" /run/xmppd)" = "nobody nogroup 750"
'

test_expect_success 'found by the service user from cron' '
	test "$(as nobody nogroup "" xmpp-status $ACCT)" = 1
'

test_expect_success "found by root's shell" '
	test "$(env -i PATH="$TOP/bin:/usr/bin:/bin" HOME=/root xmpp-status $ACCT)" = 1
'

test_expect_success 'found by another user in socketgroup (as Asterisk would be)' '
	test "$(as daemon nogroup "" xmpp-status $ACCT)" = 1 &&
	test "$(as daemon daemon nogroup xmpp-status $ACCT)" = 1
'

test_expect_success 'a user outside socketgroup is refused (77)' '
	{ as daemon daemon "" xmpp-status $ACCT 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 77 && grep -q "permission denied" "$TEST_DIR/err"
'

test_expect_success 'the daemon stops, and takes its socket with it' '
	pid=$(daemon_pid) && kill "$pid" && wait_for 10 "! pid_alive $pid" &&
	test ! -e /run/xmppd/$ACCT.sock
'

test_expect_success 'root queues (no XMPPD_STATE_DIR): into the service'"'"'s spool, as its user, saying so' '
	env -i PATH="$TOP/bin:/usr/bin:/bin" HOME=/root \
		xmpp-send --queue $ACCT bob@localhost "queued by root" 2>"$TEST_DIR/err" &&
	grep -q "queued in $SVC/state/$ACCT, the spool its lock file /run/xmppd/$ACCT.lock names" "$TEST_DIR/err" &&
	test ! -e /var/spool/xmppd/$ACCT &&
	f=$(grep -l "queued by root" "$SVC/state/$ACCT"/*.msg) &&
	test "$(stat -c "%U %a" "$f")" = "nobody 600"
'

test_expect_success 'another user, who cannot read the lock file, is refused (77), nothing queued' '
	n=$(ls "$SVC/state/$ACCT" | wc -l) &&
	{ as daemon nogroup "" xmpp-send --queue $ACCT bob@localhost "not queued" \
		2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 77 &&
	grep -q "its lock file /run/xmppd/$ACCT.lock, which names its spool, cannot be read" "$TEST_DIR/err" &&
	test "$(ls "$SVC/state/$ACCT" | wc -l)" = "$n"
'

test_expect_success 'the service daemon sends what root queued at its next start' '
	as nobody nogroup "" XMPPD_STATE_DIR="$SVC/state" \
		xmppd -c "$SVC/xmppd.conf" $ACCT 2>"$TEST_DIR/err" &&
	wait_line "$TEST_DIR/bob.out" "^msg chat alice@localhost/xmppd [^ ]* queued by root\$" &&
	pid=$(daemon_pid) && kill "$pid" && wait_for 10 "! pid_alive $pid"
'

done_testing
