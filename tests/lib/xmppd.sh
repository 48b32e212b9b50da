# xmppd.sh - start and stop the daemon under test.
#
# Source after test-lib.sh and server.sh.  The daemon runs in the
# foreground (-f) as a background job so that its log lands in
# $TEST_DIR/xmppd.log; readiness is polled with xmpp-status, never slept
# for.  (t0060-daemon tests the detaching start separately.)
#
# XMPP_VALGRIND=1 runs the daemon under valgrind; its reports go to
# $TEST_DIR/valgrind.*, and xmppd_stop fails the test if there are errors.

XMPPD_PID=

# xmppd_start ACCOUNT [xmppd options]: start xmppd for ACCOUNT and wait
# until it answers as connected (30 s).  Returns 1 if it exits instead.
xmppd_start() {
	_xd_acct=$1
	shift
	if [ "${XMPP_VALGRIND:-0}" = 1 ]; then
		valgrind -q --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite \
			--log-file="$TEST_DIR/valgrind.%p" \
			"$TOP/bin/xmppd" -f "$@" "$_xd_acct" \
			>>"$TEST_DIR/xmppd.log" 2>&1 &
	else
		"$TOP/bin/xmppd" -f "$@" "$_xd_acct" >>"$TEST_DIR/xmppd.log" 2>&1 &
	fi
	XMPPD_PID=$!
	at_exit "xmppd_cleanup $XMPPD_PID"
	wait_for 30 'xmpp-status "$_xd_acct" >/dev/null 2>&1 ||
		! pid_alive "$XMPPD_PID"' &&
		pid_alive "$XMPPD_PID" && return 0
	diag "xmppd $_xd_acct did not come up; its log:"
	sed 's/^/    /' "$TEST_DIR/xmppd.log" >&2
	return 1
}

# xmppd_start_failio ACCOUNT [xmppd options]: xmppd_start with a disk that
# fails its syncs (EIO) while $TEST_DIR/failio exists, and that counts
# them, one line each, in $TEST_DIR/syncs (tests/failio.so).
xmppd_start_failio() {
	export LD_PRELOAD="$TOP/tests/failio.so" FAILIO_FLAG="$TEST_DIR/failio" \
		FAILIO_COUNT="$TEST_DIR/syncs" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
	xmppd_start "$@"
	_xd_rc=$?
	unset LD_PRELOAD FAILIO_FLAG FAILIO_COUNT
	return $_xd_rc
}

# xmppd_stop: SIGTERM the daemon and wait; returns its exit status (and 1
# if valgrind found errors).
# server_up ACCOUNT: start the server again and wait until the daemon of
# ACCOUNT is back online.
server_up() {
	server_start && wait_for 30 "xmpp-status $1 >/dev/null 2>&1"
}

xmppd_stop() {
	[ -n "$XMPPD_PID" ] || return 1
	# A sanitized daemon checks for leaks at exit (LeakSanitizer,
	# valgrind), seconds on a loaded machine: 30 s there, 10 s
	# otherwise.  One that has not ended then is a failure.  (The
	# sanitized daemons once seen not ending at all were hung by the
	# test library's own SIGCONT: see kill_wait.)
	if [ "${XMPP_SANITIZED:-0}" = 1 ]; then
		kill_wait "$XMPPD_PID" 30 TERM
	else
		kill_wait "$XMPPD_PID" 10 TERM
	fi
	_xd_rc=$?
	XMPPD_PID=
	xmppd_valgrind_clean || return 1
	return $_xd_rc
}

xmppd_cleanup() {
	pid_alive "$1" && kill_wait "$1" 5 TERM
	return 0
}

# xmppd_valgrind_clean: true unless a valgrind report holds errors.
xmppd_valgrind_clean() {
	[ "${XMPP_VALGRIND:-0}" = 1 ] || return 0
	for _xd_f in "$TEST_DIR"/valgrind.*; do
		[ -s "$_xd_f" ] || continue
		diag "valgrind: $_xd_f"
		sed 's/^/    /' "$_xd_f" >&2
		return 1
	done
	return 0
}

# xmppd_log_has REGEX: the daemon logged a line matching REGEX.
xmppd_log_has() {
	grep -Eq -- "$1" "$TEST_DIR/xmppd.log"
}
