#!/bin/sh
# t0145-service: what scripts/xmppd@.service relies on, played without
# systemd: its ExecStart= (Type=forking) returns only when the socket
# answers, its PIDFile= then holds the daemon's pid, ExecReload= keeps it
# running, SIGTERM stops it in time, the /run/xmppd that tmpfiles.d makes
# (0750, group xmppd-clients) is what xmppd accepts with the shipped
# configuration's socketgroup, and the failures RestartPreventExitStatus=
# names are the ones that need a person.  The unit's /run/xmppd,
# /var/lib/xmppd and /etc/xmppd become folders of the test, and the
# caller's own group stands in for xmppd-clients.  The sandbox is tested
# by t0146-debian.

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"

UNIT=$TOP/scripts/xmppd@.service
TMPFILES=$TOP/scripts/xmppd.tmpfiles
GROUP=$(id -gn)
ACCT=asterisk-xmpp
RUN=$TEST_DIR/run/xmppd
STATE=$TEST_DIR/var/lib/xmppd
MAINPID=

# unit KEY: the value of the unit's line KEY=... (the last one).
unit() {
	sed -n "s/^$1=//p" "$UNIT" | tail -n 1
}
# path VALUE: VALUE with the unit's folders moved into the test's, %i set.
path() {
	printf '%s\n' "$1" | sed "s|/run/xmppd|$RUN|g; s|/var/lib/xmppd|$STATE|g;
		s|/etc/xmppd/xmppd.conf|$TEST_DIR/xmppd.conf|g;
		s|/usr/local/bin/xmppd|$TOP/bin/xmppd|g; s|%i|$ACCT|g"
}
# unit_env: the unit's Environment= settings, as NAME=VALUE lines.
unit_env() {
	sed -n 's/^Environment=//p' "$UNIT" | while IFS= read -r _e; do
		path "$_e"
	done
}
# as_unit COMMAND...: runs COMMAND in the unit's environment.
as_unit() {
	# shellcheck disable=SC2046
	env -u XMPPD_SOCKET_DIR -u XMPPD_STATE_DIR -u XMPPD_CONFIG \
		$(unit_env) "$@"
}
# start: runs ExecStart= as systemd would for Type=forking; its status.
start() {
	# shellcheck disable=SC2046
	as_unit $(path "$(unit ExecStart)") >"$TEST_DIR/start.out" 2>&1
}
# mainpid: what systemd reads from PIDFile= (its first line), if it is a
# pid; the second line names the spool, for xmpp-send --queue.
mainpid() {
	_pf=$(path "$(unit PIDFile)")
	MAINPID=$(sed -n 1p "$_pf") || return 1
	[ "$(cat "$_pf"; echo x)" = "$MAINPID
$STATE/$ACCT
x" ] || { diag "$_pf is not the pid and the spool, one per line"; return 1; }
	case $MAINPID in
	''|*[!0-9]*) diag "$_pf holds '$MAINPID'"; return 1 ;;
	esac
}
stop_main() {
	[ -n "$MAINPID" ] && pid_alive "$MAINPID" && kill_wait "$MAINPID" 15 TERM
	MAINPID=
	return 0
}
at_exit stop_main

test_expect_success 'the unit reads as the tests expect' '
	test "$(unit Type)" = forking &&
	test "$(unit ExecStart)" = "/usr/local/bin/xmppd %i" &&
	test "$(unit PIDFile)" = "/run/xmppd/%i.lock" &&
	test "$(unit ReadWritePaths)" = /run/xmppd &&
	test -z "$(unit RuntimeDirectory)" &&
	test "$(unit StateDirectory)" = xmppd &&
	test "$(unit StateDirectoryMode)" = 0700 &&
	unit_env | grep -qx "XMPPD_STATE_DIR=$STATE" &&
	unit_env | grep -qx "XMPPD_SOCKET_DIR=$RUN" &&
	unit_env | grep -qx "XMPPD_CONFIG=$TEST_DIR/xmppd.conf" &&
	test "$(unit Restart)" = on-failure &&
	test "$(unit RestartPreventExitStatus)" = "64 73 77 78" &&
	test "$(unit ExecReload)" = "/bin/kill -HUP \$MAINPID" &&
	test "$(unit User)" = xmppd && test "$(unit Group)" = xmppd &&
	test "$(unit SupplementaryGroups)" = xmppd-clients &&
	grep -qx "d /run/xmppd 0750 xmppd xmppd-clients -" "$TMPFILES" &&
	grep -qx "socketgroup = xmppd-clients" "$TOP/scripts/xmppd.conf"
'

test_expect_success 'Documentation= names every man page the toolkit installs' '
	for m in "$TOP"/man/*.[158]; do
		n=${m##*/} && n="${n%.*}(${n##*.})" &&
		grep "^Documentation=" "$UNIT" | grep -qF "man:$n" ||
			{ diag "Documentation= lacks man:$n"; return 1; }
	done &&
	test "$(grep "^Documentation=" "$UNIT" | grep -o "man:" | wc -l)" = \
		"$(ls "$TOP"/man/*.[158] | wc -l)"
'

test_expect_success 'set up a server and the account, folders as systemd makes them' '
	server_setup && server_adduser asterisk astpw && server_start &&
	xmppd_config $ACCT asterisk astpw "[general]" "socketgroup = $GROUP" &&
	mkdir -p "$TEST_DIR/run" "$TEST_DIR/var/lib" &&
	mkdir -m "$(sed -n "s|^d /run/xmppd \([0-7]*\) .*|\1|p" "$TMPFILES")" "$RUN" &&
	chgrp "$GROUP" "$RUN" &&
	mkdir -m "$(unit StateDirectoryMode)" "$STATE"
'

test_expect_success 'ExecStart returns 0 only once the socket answers; PIDFile names the daemon' '
	start &&
	xmpp-status -S "$RUN" $ACCT >/dev/null &&
	mainpid &&
	pid_alive "$MAINPID" &&
	test "$(cat /proc/$MAINPID/comm)" = xmppd &&
	test -S "$RUN/$ACCT.sock" &&
	test -d "$STATE/$ACCT"
'

test_expect_success 'ExecReload (SIGHUP) keeps the daemon running and serving' '
	kill -HUP "$MAINPID" &&
	wait_for 10 "xmpp-status -S \"$RUN\" $ACCT >/dev/null 2>&1" &&
	pid_alive "$MAINPID" && mainpid
'

test_expect_success 'a second start fails (73) while the first runs' '
	{ start; test $? = 73; } &&
	grep -q "already served" "$TEST_DIR/start.out"
'

test_expect_success 'SIGTERM stops it well within TimeoutStopSec, socket gone' '
	pid=$MAINPID &&
	kill -TERM "$pid" &&
	wait_for "$(unit TimeoutStopSec)" "! pid_alive $pid" &&
	MAINPID= &&
	test ! -e "$RUN/$ACCT.sock"
'

test_expect_success 'a start after a stop reuses the folder; the socket is for the group' '
	start && mainpid && pid_alive "$MAINPID" &&
	test "$(stat -c "%a %G" "$RUN/$ACCT.sock")" = "660 $GROUP" &&
	test "$(stat -c "%a %G" "$RUN")" = "750 $GROUP" &&
	stop_main
'

test_expect_success 'a configuration without socketgroup is refused (77), for good' '
	xmppd_config $ACCT asterisk astpw &&
	{ start; test $? = 77; } &&
	grep -q "open to others" "$TEST_DIR/start.out" &&
	xmppd_config $ACCT asterisk astpw "[general]" "socketgroup = $GROUP"
'

test_expect_success 'a wrong password is 77 and a configuration error 78: no restart' '
	xmppd_config $ACCT asterisk wrongpw "[general]" "socketgroup = $GROUP" &&
	{ start; test $? = 77; } &&
	xmppd_config $ACCT asterisk astpw "prioity = 1" "[general]" "socketgroup = $GROUP" &&
	{ start; test $? = 78; } &&
	xmppd_config $ACCT asterisk astpw "[general]" "socketgroup = $GROUP"
'

test_expect_success 'a spool folder that is not the daemon own is 73: no restart either' '
	chmod 755 "$STATE/$ACCT" &&
	{ start; test $? = 73; } &&
	grep -q "$STATE/$ACCT" "$TEST_DIR/start.out" &&
	chmod 700 "$STATE/$ACCT"
'

test_expect_success 'a server out of reach is 75: restarted (not in RestartPreventExitStatus)' '
	server_stop &&
	{ start; test $? = 75; } &&
	case " $(unit RestartPreventExitStatus) " in *" 75 "*) false ;; esac
'

done_testing
