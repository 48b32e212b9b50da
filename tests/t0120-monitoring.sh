#!/bin/sh
# t0120-monitoring: scripts/check_xmppd, the monitoring plugin, against a
# real daemon (account connected, not connected, no daemon; a contact's
# presence mapped to OK, WARNING, CRITICAL and UNKNOWN), and the cron
# recipes of scripts/examples/cron marked [tested] (alert only on failure,
# with and without --queue), run as cron would run them.

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

CHECK=$TOP/scripts/check_xmppd
CRONTAB=$TOP/scripts/examples/cron

# check EXIT REGEX ARG...: check_xmppd ARG... exits EXIT and prints one
# line matching REGEX (grep -E), and nothing on stderr.
check() {
	_ck_want=$1 _ck_re=$2
	shift 2
	"$CHECK" "$@" >"$TEST_DIR/check.out" 2>"$TEST_DIR/check.err"
	_ck_rc=$?
	if [ "$_ck_rc" = "$_ck_want" ] &&
		[ "$(wc -l <"$TEST_DIR/check.out")" -eq 1 ] &&
		grep -Eq -- "$_ck_re" "$TEST_DIR/check.out" &&
		[ ! -s "$TEST_DIR/check.err" ]; then
		return 0
	fi
	diag "check_xmppd $*: exit $_ck_rc (wanted $_ck_want)"
	sed 's/^/    out: /' "$TEST_DIR/check.out" >&2
	sed 's/^/    err: /' "$TEST_DIR/check.err" >&2
	diag "wanted: /$_ck_re/"
	return 1
}

TIME='time=[0-9]+\.[0-9]{3}s;;;0$'

# bob_got BODY: bob's next message from the account has this body (as the
# buddy prints it, newlines as \n).
bob_got() {
	next_message bob asterisk@localhost/xmppd "$1"
}

# cron_line REGEX: prints the command of the crontab line matching REGEX
# (its five time fields cut off) as cron would run it: "\%" is "%", and
# an unescaped "%" would end the command, which the recipes must avoid.
# The account, the person and the job become the test's.
cron_line() {
	_cl=$(grep -E -- "$1" "$CRONTAB" | grep -v '^#')
	[ "$(printf '%s\n' "$_cl" | grep -c .)" = 1 ] ||
		{ diag "not exactly one line of $CRONTAB matches /$1/"; return 1; }
	_cl=$(printf '%s\n' "$_cl" | sed -E 's/^([^ 	]+[ 	]+){5}//')
	case $(printf '%s\n' "$_cl" | sed 's/\\%//g') in
	*%*) diag "unescaped % in: $_cl"; return 1 ;;
	esac
	printf '%s\n' "$_cl" | sed 's/\\%/%/g; s/ work / asterisk-xmpp /; s/admin@example\.org/bob@localhost/'
}

# as_cron COMMAND: runs COMMAND with /bin/sh in an environment like cron's:
# nearly empty, the toolkit and the test's job in PATH.  The socket and
# spool folders are the test's, which a real crontab does not need.
as_cron() {
	env -i HOME="$HOME" LOGNAME=test SHELL=/bin/sh \
		PATH="$TEST_DIR/jobs:$TOP/bin:/usr/bin:/bin" \
		XMPPD_SOCKET_DIR="$XMPPD_SOCKET_DIR" \
		XMPPD_STATE_DIR="$XMPPD_STATE_DIR" \
		/bin/sh -c "$1" </dev/null
}

test_expect_success 'set up a server, bob, carol and the asterisk-xmpp account' '
	server_setup &&
	server_adduser asterisk astpw && server_adduser bob bobpw &&
	server_adduser carol carolpw && server_adduser dave davepw &&
	server_start &&
	xmppd_config asterisk-xmpp asterisk astpw "buddy = bob@localhost" \
		"buddy = dave@localhost" &&
	xmppd_start asterisk-xmpp &&
	buddy_start bob bob@localhost/laptop bobpw &&
	wait_for 10 "[ \"\$(xmpp-status asterisk-xmpp bob@localhost)\" = 1 ]"
'

# ---------------------------------------------------------------- account

test_expect_success 'account connected: OK, with the time as perfdata' '
	check 0 "^XMPPD OK - account asterisk-xmpp connected \\| $TIME" \
		-a asterisk-xmpp &&
	check 0 "^XMPPD OK - account asterisk-xmpp connected" \
		-a asterisk-xmpp -S "$XMPPD_SOCKET_DIR" -t 5
'

test_expect_success 'no daemon for the account: CRITICAL' '
	check 2 "^XMPPD CRITICAL - account nosuch: no daemon running .*\\| $TIME" \
		-a nosuch &&
	check 2 "^XMPPD CRITICAL - account nosuch: no daemon running" \
		-a nosuch -b bob@localhost
'

test_expect_success 'a bad command line: UNKNOWN, with the usage' '
	{ "$CHECK" >"$TEST_DIR/out" 2>&1; test $? = 3; } &&
	grep -q "^XMPPD UNKNOWN - give the account with -a" "$TEST_DIR/out" &&
	grep -q "^Usage: check_xmppd -a ACCOUNT" "$TEST_DIR/out" &&
	for args in "-a asterisk-xmpp -b bob@localhost -c 8" \
		"-a asterisk-xmpp -b bob@localhost -w 1,,2" \
		"-a asterisk-xmpp -w 6" "-a asterisk-xmpp -t 0" \
		"-a asterisk-xmpp extra" "-x" "-a"; do
		# shellcheck disable=SC2086
		"$CHECK" $args >"$TEST_DIR/out" 2>&1
		rc=$?
		if [ "$rc" != 3 ] || ! head -n 1 "$TEST_DIR/out" | grep -q "^XMPPD UNKNOWN - "; then
			diag "check_xmppd $args: exit $rc: $(cat "$TEST_DIR/out")"
			return 1
		fi
	done &&
	{ "$CHECK" -h >"$TEST_DIR/out"; test $? = 3; } &&
	grep -q "^Status codes" "$TEST_DIR/out"
'

test_expect_success '--help and --version: printed, exit 3 as the monitoring plugins do' '
	{ "$CHECK" --help >"$TEST_DIR/out" 2>&1; test $? = 3; } &&
	grep -q "^Status codes" "$TEST_DIR/out" && ! grep -q "unknown option" "$TEST_DIR/out" &&
	{ "$CHECK" -a asterisk-xmpp --help >"$TEST_DIR/out" 2>&1; test $? = 3; } &&
	grep -q "^Status codes" "$TEST_DIR/out" &&
	{ "$CHECK" --version >"$TEST_DIR/out" 2>&1; test $? = 3; } &&
	test "$(cat "$TEST_DIR/out")" = "check_xmppd 0.1" &&
	{ "$CHECK" --bogus >"$TEST_DIR/out" 2>&1; test $? = 3; } &&
	grep -q "^XMPPD UNKNOWN - unknown option --bogus$" "$TEST_DIR/out"
'

test_expect_success 'XMPP_ACCOUNT stands in for -a' '
	XMPP_ACCOUNT=asterisk-xmpp check 0 "^XMPPD OK - account asterisk-xmpp connected"
'

test_expect_success 'a user the daemon refuses: UNKNOWN (77), naming the account once' '
	[ "$(id -u)" = 0 ] || return 0
	{ runuser -u nobody -- env XMPPD_SOCKET_DIR="$XMPPD_SOCKET_DIR" PATH="$PATH" TMPDIR=/tmp \
		"$CHECK" -a asterisk-xmpp >"$TEST_DIR/out" 2>&1; rc=$?; } &&
	test $rc = 3 &&
	grep -q "^XMPPD UNKNOWN - account asterisk-xmpp: xmpp-status exited 77: permission denied" "$TEST_DIR/out" &&
	test "$(grep -o "account asterisk-xmpp" "$TEST_DIR/out" | wc -l)" = 1
'

# ---------------------------------------------------------------- contact

test_expect_success 'a contact online (1) or away (3) is OK, with its code as perfdata' '
	check 0 "^XMPPD OK - bob@localhost is online \\(1\\) \\| status=1;;;1;7 $TIME" \
		-a asterisk-xmpp -b bob@localhost &&
	buddy_cmd bob "presence away" &&
	wait_for 10 "[ \"\$(xmpp-status asterisk-xmpp bob@localhost)\" = 3 ]" &&
	check 0 "^XMPPD OK - bob@localhost is away \\(3\\) \\| status=3;" \
		-a asterisk-xmpp -b bob@localhost
'

test_expect_success '-w and -c name the codes that are WARNING and CRITICAL; -c wins' '
	check 1 "^XMPPD WARNING - bob@localhost is away \\(3\\)" \
		-a asterisk-xmpp -b bob@localhost -w 3,4 &&
	check 2 "^XMPPD CRITICAL - bob@localhost is away \\(3\\)" \
		-a asterisk-xmpp -b bob@localhost -w 3 -c 4,3 &&
	check 0 "^XMPPD OK - bob@localhost is away" \
		-a asterisk-xmpp -b bob@localhost -w 4 -c 5,6,7
'

test_expect_success 'do not disturb (5) is OK by default' '
	buddy_cmd bob "presence dnd" &&
	wait_for 10 "[ \"\$(xmpp-status asterisk-xmpp bob@localhost)\" = 5 ]" &&
	check 0 "^XMPPD OK - bob@localhost is do not disturb \\(5\\)" \
		-a asterisk-xmpp -b bob@localhost
'

test_expect_success 'a buddy offline (6) is WARNING, or CRITICAL with -c 6' '
	check 1 "^XMPPD WARNING - dave@localhost is offline \\(6\\) \\| status=6;;;1;7 $TIME" \
		-a asterisk-xmpp -b dave@localhost &&
	check 2 "^XMPPD CRITICAL - dave@localhost is offline \\(6\\)" \
		-a asterisk-xmpp -b dave@localhost -c 6,7
'

test_expect_success 'someone not in the roster (7) is UNKNOWN, or CRITICAL with -c 7' '
	check 3 "^XMPPD UNKNOWN - carol@localhost is not in the roster of asterisk-xmpp \\(7\\)" \
		-a asterisk-xmpp -b carol@localhost &&
	check 2 "^XMPPD CRITICAL - carol@localhost is not in the roster" \
		-a asterisk-xmpp -b carol@localhost -c 7
'

test_expect_success 'a bad JID is UNKNOWN' '
	check 3 "^XMPPD UNKNOWN - bob@: xmpp-status exited 65" \
		-a asterisk-xmpp -b "bob@"
'

test_expect_success 'a daemon that does not answer within -t: CRITICAL' '
	command -v timeout >/dev/null || return 0
	kill -STOP "$XMPPD_PID" &&
	check 2 "^XMPPD CRITICAL - account asterisk-xmpp: the daemon did not answer within 1 s" \
		-a asterisk-xmpp -t 1
	rc=$?
	kill -CONT "$XMPPD_PID"
	return $rc
'

# ---------------------------------------------------------------- cron

test_expect_success 'cron, alert only on failure: a job that succeeds sends nothing' '
	mkdir -p "$TEST_DIR/jobs" &&
	cat >"$TEST_DIR/jobs/some-job" <<-\EOF &&
	#!/bin/sh
	# prints a line, and a complaint unless the file "status" beside it says 0;
	# exits with that status
	echo "checked 3 disks"
	status=$(cat "${0%/*}/status")
	[ "$status" = 0 ] || echo "-- /dev/sdb: no space left" >&2
	exit "$status"
	EOF
	chmod +x "$TEST_DIR/jobs/some-job" &&
	cmd=$(cron_line "out=.*some-job.*\\|\\| xmpp-send --clean work") &&
	echo 0 >"$TEST_DIR/jobs/status" &&
	as_cron "$cmd" &&
	xmpp-send asterisk-xmpp bob@localhost "marker after the good run" &&
	bob_got "marker after the good run"
'

test_expect_success 'cron, alert only on failure: a job that fails sends its output' '
	echo 3 >"$TEST_DIR/jobs/status" &&
	as_cron "$cmd" &&
	bob_got "some-job failed on $(hostname): checked 3 disks\\n-- /dev/sdb: no space left"
'

test_expect_success 'cron, with --queue: the alert waits in the spool while no daemon runs' '
	qcmd=$(cron_line "out=.*some-job.*\\|\\| xmpp-send --clean --queue work") &&
	xmppd_stop &&
	! as_cron "$cmd" 2>"$TEST_DIR/err" &&
	grep -q "no daemon running" "$TEST_DIR/err" &&
	as_cron "$qcmd" &&
	echo 0 >"$TEST_DIR/jobs/status" &&
	as_cron "$qcmd" &&
	xmppd_start asterisk-xmpp &&
	bob_got "some-job failed on $(hostname): checked 3 disks\\n-- /dev/sdb: no space left" &&
	xmpp-send asterisk-xmpp bob@localhost "marker after the queue" &&
	bob_got "marker after the queue"
'

test_expect_success 'cron, alert only on failure: colour codes, Latin-1, 40 KB: all of it arrives' '
	cat >"$TEST_DIR/jobs/some-job" <<-\EOF &&
	#!/bin/sh
	printf "\033[1;31mFAILED\033[0m caf\351\n"
	i=0
	while [ $i -lt 800 ]; do
		printf "log line %04d of a noisy job, long enough to add up\n" $i
		i=$((i + 1))
	done
	exit 1
	EOF
	n=$(grep -c "^msg " "$TEST_DIR/bob.out") &&
	as_cron "$cmd" &&
	wait_count "$TEST_DIR/bob.out" "^msg " $((n + 2)) &&
	grep "^msg " "$TEST_DIR/bob.out" | tail -n 2 >"$TEST_DIR/parts" &&
	head -n 1 "$TEST_DIR/parts" | grep -q "^msg chat [^ ]* [^ ]* (part 1 of 2)\\\\nsome-job failed on $(hostname): FAILED caf$(printf "\357\277\275")\\\\nlog line 0000 " &&
	tail -n 1 "$TEST_DIR/parts" | grep -q "^msg chat [^ ]* [^ ]* (part 2 of 2)\\\\nlog line .*log line 0799 of a noisy job, long enough to add up$" &&
	test "$(grep -o "log line [0-9]*" "$TEST_DIR/parts" | sort -u | wc -l)" = 800
'

test_expect_success 'the account not connected: CRITICAL for the account and for a contact' '
	server_stop &&
	wait_for 10 "! xmpp-status asterisk-xmpp >/dev/null 2>&1" &&
	check 2 "^XMPPD CRITICAL - account asterisk-xmpp not connected to its server \\| $TIME" \
		-a asterisk-xmpp &&
	check 2 "^XMPPD CRITICAL - account asterisk-xmpp not connected: the presence of bob@localhost is unknown" \
		-a asterisk-xmpp -b bob@localhost
'

test_expect_success 'the daemon stops cleanly' '
	xmppd_stop
'

done_testing
