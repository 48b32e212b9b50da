# shellcheck shell=sh disable=SC2016
# (SC2016: the single-quoted strings are conditions for eval, on purpose.)
# test-lib.sh - shared harness for the xmppd integration tests.
#
# Source it first thing from a test script in tests/ (POSIX sh; works in
# dash and bash):
#
#     . "$(dirname "$0")/lib/test-lib.sh"
#
# It gives every test a throwaway directory and environment, TAP output,
# polling helpers (never a fixed sleep) and control of "buddies", scripted
# XMPP clients (tests/buddy) that play the humans.  tests/lib/server.sh
# adds a private XMPP server (Prosody or ejabberd).
#
# Internal names start with _tl_; test scripts should not use that prefix.
#
# Environment knobs:
#   TEST_KEEP=1      keep $TEST_DIR after the test (its path is printed)
#   TEST_VERBOSE=1   show the output of passing tests too
#   TEST_TIMING=1    append each test's duration to its title

# ---------------------------------------------------------------- setup

# TOP: repository root, i.e. the parent of the directory holding the test.
_tl_here=$(cd "$(dirname "$0")" && pwd -P) || exit 1
TOP=$(cd "$_tl_here/.." && pwd -P) || exit 1
if [ ! -f "$TOP/tests/lib/test-lib.sh" ]; then
	echo "Bail out! test-lib.sh: cannot find the repository root from $0"
	exit 255
fi
export TOP

TEST_NAME=$(basename "$0" .sh)
TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/$TEST_NAME.XXXXXX") || {
	echo "Bail out! test-lib.sh: mktemp -d failed"
	exit 255
}
export TEST_NAME TEST_DIR

HOME=$TEST_DIR/home
XDG_CONFIG_HOME=$HOME/.config
XDG_RUNTIME_DIR=$TEST_DIR/run
TMPDIR=$TEST_DIR/tmp
XMPPD_SOCKET_DIR=$TEST_DIR/sock
XMPPD_STATE_DIR=$TEST_DIR/state
LC_ALL=C.UTF-8
PATH=$TOP/bin:$PATH
# xmpp-send --file runs the build's xmpp-put, not an installed one.
XMPP_PUT=$TOP/bin/xmpp-put
export HOME XDG_CONFIG_HOME XDG_RUNTIME_DIR TMPDIR XMPPD_SOCKET_DIR \
	XMPPD_STATE_DIR LC_ALL PATH XMPP_PUT
# Nothing from the caller's environment may steer the tools under test.
unset XMPPD_CONFIG LANG LANGUAGE XDG_DATA_HOME XDG_STATE_HOME XDG_CACHE_HOME
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$TMPDIR" &&
	mkdir -m 700 "$XDG_RUNTIME_DIR" || exit 1

_tl_count=0        # tests run so far
_tl_failed=0       # tests failed so far
_tl_planned=       # N from plan N
_tl_done=          # set by done_testing
_tl_skip_all=      # set by skip_all
_tl_ncleanup=0     # number of registered cleanups

# ---------------------------------------------------------------- cleanup

# at_exit 'command': register a cleanup, run at exit in reverse order.
at_exit() {
	_tl_ncleanup=$((_tl_ncleanup + 1))
	eval "_tl_cleanup_$_tl_ncleanup=\$1"
}

# Runs at exit (EXIT trap): cleanups, TEST_DIR removal, plan check and
# the final exit status (0 when everything passed, like Test::More).
_tl_exit() {
	_tl_status=$?
	trap - EXIT INT TERM HUP
	while [ "$_tl_ncleanup" -gt 0 ]; do
		eval "_tl_c=\$_tl_cleanup_$_tl_ncleanup"
		_tl_ncleanup=$((_tl_ncleanup - 1))
		eval "$_tl_c" >/dev/null 2>&1 </dev/null || :
	done
	if [ "${TEST_KEEP:-0}" = 1 ]; then
		echo "# TEST_KEEP=1: kept $TEST_DIR" >&2
	else
		rm -rf "$TEST_DIR"
	fi
	[ -n "$_tl_skip_all" ] && exit 0
	if [ -n "${_tl_signal:-}" ]; then
		echo "# Killed by SIG$_tl_signal after $_tl_count test(s)." >&2
		exit "$_tl_status"
	fi
	if [ -n "$_tl_done" ]; then
		:
	elif [ -n "$_tl_planned" ]; then
		if [ "$_tl_planned" -ne "$_tl_count" ]; then
			echo "# Looks like you planned $_tl_planned tests but ran $_tl_count." >&2
			exit 255
		fi
	else
		echo "# Tests were run but no plan was declared (plan N or done_testing)." >&2
		exit 255
	fi
	if [ "$_tl_failed" -gt 0 ]; then
		echo "# Looks like you failed $_tl_failed test(s) of $_tl_count." >&2
		[ "$_tl_failed" -gt 254 ] && exit 254
		exit "$_tl_failed"
	fi
	[ "$_tl_status" -ne 0 ] && {
		echo "# Script exited with status $_tl_status." >&2
		exit "$_tl_status"
	}
	exit 0
}
trap _tl_exit EXIT
trap '_tl_signal=INT; exit 130' INT
trap '_tl_signal=TERM; exit 143' TERM
trap '_tl_signal=HUP; exit 129' HUP

# ---------------------------------------------------------------- TAP

# plan N: announce N tests (prints 1..N now).
plan() {
	_tl_planned=$1
	echo "1..$1"
}

# done_testing: the test is over; prints 1..N with N = tests run.
done_testing() {
	_tl_done=1
	echo "1..$_tl_count"
}

# skip_all 'reason': skip the whole script (must come before any test).
skip_all() {
	_tl_skip_all=1
	echo "1..0 # SKIP $1"
	exit 0
}

# bail_out 'reason': stop the whole test run (prove stops too).
bail_out() {
	echo "Bail out! $1"
	exit 255
}

# diag 'message': a TAP diagnostic ("# message") on stderr.  Inside
# test_expect_success it is captured and shown only if the test fails.
diag() {
	printf '%s\n' "$*" | sed 's/^/# /' >&2
}

# Evaluates the current test's commands; inside them "return N" ends the
# test with status N.
_tl_eval() {
	eval "$_tl_cmds"
}

# test_expect_success 'title' 'commands': eval the commands in the current
# shell (variables set there persist; chain the commands with && so that
# the first failure fails the test; "return 1" fails it at once, e.g.
# inside a loop).  ok if the exit status is 0; else "not ok" with the
# commands and their captured stdout/stderr as "# " diagnostics.
test_expect_success() {
	_tl_run "$1" "$2" ""
}

# test_expect_failure 'title' 'reason' 'commands': a test of something
# known to be broken, for the reason given (name the defect): run like
# test_expect_success, reported as a TAP TODO ("not ok N - title # TODO
# reason"), which prove shows but does not count as a failure; if it
# passes, prove reports it as unexpectedly succeeded.
test_expect_failure() {
	_tl_run "$1" "$3" "$2"
}

# test_skip 'title' 'reason': a test that does not apply here, reported
# as skipped ("ok N - title # skip reason").
test_skip() {
	_tl_count=$((_tl_count + 1))
	echo "ok $_tl_count - $1 # skip $2"
}

# _tl_run 'title' 'commands' 'todo reason': runs one test (see
# test_expect_success); a TODO when the reason is not empty.
_tl_run() {
	_tl_count=$((_tl_count + 1))
	_tl_title=$1
	_tl_cmds=$2
	_tl_todo=${3:+ # TODO $3}
	# A file per test: a stray background process still writing into an
	# earlier one cannot garble this one.
	_tl_out=$TEST_DIR/.output.$_tl_count
	_tl_now
	_tl_t0=$_tl_now
	_tl_eval >"$_tl_out" 2>&1 </dev/null
	_tl_rc=$?
	if [ "${TEST_TIMING:-0}" = 1 ]; then
		_tl_now
		_tl_t0=$((_tl_now - _tl_t0))
		_tl_title="$_tl_title [$((_tl_t0 / 100)).$((_tl_t0 / 10 % 10))$((_tl_t0 % 10)) s]"
	fi
	if [ "$_tl_rc" -eq 0 ]; then
		echo "ok $_tl_count - $_tl_title$_tl_todo"
		[ "${TEST_VERBOSE:-0}" = 1 ] && [ -s "$_tl_out" ] &&
			sed 's/^/# /' "$_tl_out"
	else
		[ -n "$_tl_todo" ] || _tl_failed=$((_tl_failed + 1))
		echo "not ok $_tl_count - $_tl_title$_tl_todo"
		{
			echo "#   Failed ${_tl_todo:+(TODO) }test $_tl_count - $_tl_title (exit status $_tl_rc)"
			echo "#   commands:"
			printf '%s\n' "$_tl_cmds" | sed 's/^/#     /'
			if [ -s "$_tl_out" ]; then
				echo "#   output:"
				sed 's/^/#     /' "$_tl_out"
			fi
		} >&2
	fi
	return 0
}

# test_skip 'title' 'reason': a test that cannot run here, counted as
# skipped (TAP "ok N # skip"), with the reason.
test_skip() {
	_tl_count=$((_tl_count + 1))
	echo "ok $_tl_count - $1 # skip $2"
}

# ---------------------------------------------------------------- polling

# _tl_now: centiseconds since boot, without forking (Linux /proc/uptime).
_tl_now() {
	read -r _tl_up _tl_rest </proc/uptime
	_tl_now=$(( ${_tl_up%.*} * 100 + 1${_tl_up#*.} - 100 ))
}

# _tl_cs SECS: sets _tl_cs to SECS (e.g. 10, 0.5, 2.25) in centiseconds.
_tl_cs() {
	case $1 in
	*.*)
		_tl_i=${1%%.*} _tl_f=${1#*.}00
		_tl_f=${_tl_f%"${_tl_f#??}"}
		;;
	*) _tl_i=$1 _tl_f=00 ;;
	esac
	_tl_cs=$(( ${_tl_i:-0} * 100 + 1$_tl_f - 100 ))
}

# wait_for TIMEOUT_SECS 'shell condition': evaluate the condition every
# 0.02 s until it is true (return 0) or the deadline passes (return 1).
# The condition is evaluated at least once, and once more at the deadline.
wait_for() {
	_tl_cs "$1"
	_tl_now
	_tl_deadline=$((_tl_now + _tl_cs))
	while :; do
		eval "$2" && return 0
		_tl_now
		[ "$_tl_now" -ge "$_tl_deadline" ] && break
		sleep 0.02
	done
	eval "$2" && return 0
	return 1
}

# count_lines FILE REGEX: print how many lines of FILE match REGEX
# (grep -E); 0 when none or when FILE does not exist.
count_lines() {
	if [ -e "$1" ]; then
		grep -Ec -- "$2" "$1" || :
	else
		echo 0
	fi
}

# wait_count FILE REGEX N [TIMEOUT]: wait until at least N lines of FILE
# match REGEX (default timeout 10 s).  Return 1 on timeout, with a
# diagnostic showing the end of FILE.
wait_count() {
	_tl_wc_file=$1 _tl_wc_re=$2 _tl_wc_n=$3
	wait_for "${4:-10}" \
		'[ "$(count_lines "$_tl_wc_file" "$_tl_wc_re")" -ge "$_tl_wc_n" ]' &&
		return 0
	diag "timeout: wanted $_tl_wc_n line(s) matching /$_tl_wc_re/ in $_tl_wc_file; have $(count_lines "$_tl_wc_file" "$_tl_wc_re"); its last lines:"
	tail -n 20 "$_tl_wc_file" 2>/dev/null | sed 's/^/    /' >&2
	return 1
}

# next_message NAME FROM BODY: the next message buddy NAME printed (they
# are counted from the script's first; one buddy per script) is a chat
# message from FROM with this body, as the buddy prints it (newline as \n,
# backslash as \\).
_tl_nmsg=0
next_message() {
	_tl_nmsg=$((_tl_nmsg + 1))
	wait_count "$TEST_DIR/$1.out" '^msg ' $_tl_nmsg || return 1
	_tl_m=$(grep '^msg ' "$TEST_DIR/$1.out" | sed -n "${_tl_nmsg}p")
	[ "${_tl_m#msg chat "$2" * }" = "$3" ] && return 0
	diag "$1 got: $_tl_m"
	diag "wanted:  $3"
	return 1
}

# wait_line FILE REGEX [TIMEOUT]: wait until a line matching REGEX
# (grep -E) is in FILE (default timeout 10 s).  Earlier lines count too;
# to wait for the next occurrence use wait_count with count_lines + 1.
wait_line() {
	wait_count "$1" "$2" 1 "${3:-10}"
}

# ---------------------------------------------------------------- processes

# _tl_state PID: the process's state (R, S, T, t, Z...) in $_tl_st;
# false if there is no such process.
_tl_state() {
	read -r _tl_stat 2>/dev/null <"/proc/$1/stat" || return 1
	_tl_st=${_tl_stat##*) }
	_tl_st=${_tl_st%% *}
}

# pid_alive PID: true if the process exists and is not a zombie.
pid_alive() {
	_tl_state "$1" || return 1
	case $_tl_st in
	Z|X) return 1 ;;
	esac
	return 0
}

# pid_stopped PID: true if the process is stopped (SIGSTOP).  A signal
# is delivered when the process next runs, which on a busy machine is
# not at once: poll this after kill -STOP.
pid_stopped() {
	_tl_state "$1" || return 1
	case $_tl_st in
	T|t) return 0 ;;
	esac
	return 1
}

# _tl_stuck PID: where a process that does not end is, for whoever reads
# the failure: its state and tracer, each thread's kernel stack, its
# children (a sanitizer's tracer is one), and gdb's backtrace or why gdb
# could not attach.
_tl_stuck() {
	grep -E "^(State|TracerPid|SigPnd|ShdPnd|SigBlk|SigIgn|SigCgt):" "/proc/$1/status" 2>/dev/null
	for _tl_t in /proc/"$1"/task/*; do
		echo "thread ${_tl_t##*/}: $(cut -d" " -f3 "$_tl_t/stat" 2>/dev/null) in $(cat "$_tl_t/wchan" 2>/dev/null)"
		head -n 8 "$_tl_t/stack" 2>/dev/null
	done
	ps -o pid=,stat=,wchan:24=,args= --ppid "$1" 2>/dev/null | while read -r _tl_c _tl_rest; do
		echo "child $_tl_c $_tl_rest"
		head -n 8 "/proc/$_tl_c/stack" 2>/dev/null
	done
	command -v gdb >/dev/null 2>&1 &&
		timeout 30 gdb -p "$1" -batch -ex "thread apply all bt" 2>&1 |
		grep -E "^#|ptrace|attach|denied" | head -n 30
}

# kill_wait PID [TIMEOUT] [SIGNAL]: send SIGNAL (default TERM) to PID, wait
# up to TIMEOUT s (default 5) for it to end, then SIGKILL it; reap it if
# it is our child.  Returns the process's exit status when it is known.
# A process a test stopped (SIGSTOP) gets SIGCONT after the signal, and
# only such a process: a SIGCONT discards a pending SIGSTOP, and the
# SIGSTOP that LeakSanitizer's tracer sends (PTRACE_ATTACH) when a
# sanitized daemon exits is one.  The tracer then waits for ever for a
# stop that never comes, and the daemon spins waiting for the tracer
# (seen in check-asan: state R, TracerPid its own child in wait4).
kill_wait() {
	_tl_kw_pid=$1
	_tl_state "$_tl_kw_pid" && [ "$_tl_st" = T ] && _tl_kw_cont=1 ||
		_tl_kw_cont=
	kill -"${3:-TERM}" "$_tl_kw_pid" 2>/dev/null
	[ -z "$_tl_kw_cont" ] || kill -CONT "$_tl_kw_pid" 2>/dev/null
	if ! wait_for "${2:-5}" '! pid_alive "$_tl_kw_pid"'; then
		diag "pid $_tl_kw_pid did not end after SIG${3:-TERM}: SIGKILL"
		_tl_stuck "$_tl_kw_pid" | sed 's/^/#     /' >&2
		kill -KILL "$_tl_kw_pid" 2>/dev/null
		wait_for 5 '! pid_alive "$_tl_kw_pid"'
	fi
	wait "$_tl_kw_pid" 2>/dev/null
}

# ---------------------------------------------------------------- buddies

# _tl_buddy_pid NAME: set _tl_bpid to the buddy's PID (empty if none).
_tl_buddy_pid() {
	case $1 in
	''|*[!A-Za-z0-9_]*)
		diag "bad buddy name '$1' (use letters, digits, _)"
		_tl_bpid=
		return 1
		;;
	esac
	eval "_tl_bpid=\${_tl_buddy_$1:-}"
}

# buddy_start NAME JID PASS [buddy options...]: start tests/buddy as NAME
# logged in as JID against the test server ($SERVER_PORT, $SERVER_CAFILE
# of server.sh; $PROSODY_PORT, $PROSODY_CAFILE for scripts that use
# prosody.sh alone), stdin from the FIFO $TEST_DIR/NAME.in, stdout to
# $TEST_DIR/NAME.out, stderr to $TEST_DIR/NAME.err.  Waits for "ready"
# (30 s: a login is quick, but the first one after ejabberd starts loads
# its code, which on a busy machine takes long); returns 1 if the buddy
# printed an error or exited instead.
# The buddy holds its own FIFO open read-write, so it never sees EOF and
# writers never block.  Its PID is in $BUDDY_PID_NAME.
buddy_start() {
	_tl_bname=$1 _tl_bjid=$2 _tl_bpass=$3
	shift 3
	_tl_buddy_pid "$_tl_bname" || return 1
	if [ -n "$_tl_bpid" ]; then
		diag "buddy $_tl_bname is already running (pid $_tl_bpid)"
		return 1
	fi
	_tl_bfifo=$TEST_DIR/$_tl_bname.in
	_tl_bout=$TEST_DIR/$_tl_bname.out
	rm -f "$_tl_bfifo" && mkfifo "$_tl_bfifo" || return 1
	: >"$_tl_bout"
	"$TOP/tests/buddy" --jid "$_tl_bjid" --password "$_tl_bpass" \
		--host 127.0.0.1 --port "${SERVER_PORT:-${PROSODY_PORT:?no SERVER_PORT}}" \
		--cafile "${SERVER_CAFILE:-${PROSODY_CAFILE:?no SERVER_CAFILE}}" "$@" \
		0<>"$_tl_bfifo" >"$_tl_bout" 2>"$TEST_DIR/$_tl_bname.err" &
	_tl_bpid=$!
	eval "_tl_buddy_$_tl_bname=\$_tl_bpid BUDDY_PID_$_tl_bname=\$_tl_bpid"
	at_exit "_tl_buddy_kill $_tl_bname"
	if ! wait_for 30 'grep -Eq "^(ready|error)" "$_tl_bout" || ! pid_alive "$_tl_bpid"'; then
		diag "buddy $_tl_bname ($_tl_bjid): no ready after 30 s"
		return 1
	fi
	grep -q '^ready' "$_tl_bout" && return 0
	diag "buddy $_tl_bname ($_tl_bjid) did not log in:"
	sed 's/^/    /' "$_tl_bout" "$TEST_DIR/$_tl_bname.err" >&2
	return 1
}

# Cleanup of one buddy (registered by buddy_start).
_tl_buddy_kill() {
	_tl_buddy_pid "$1" || return 0
	[ -n "$_tl_bpid" ] || return 0
	eval "_tl_buddy_$1="
	kill_wait "$_tl_bpid" 2
}

# buddy_cmd NAME 'command line': send one command line to the buddy.
# Returns 1 if the buddy is not running.
buddy_cmd() {
	_tl_buddy_pid "$1" || return 1
	if [ -z "$_tl_bpid" ] || ! pid_alive "$_tl_bpid"; then
		diag "buddy $1 is not running; cannot send: $2"
		return 1
	fi
	# <> never blocks on a FIFO, even if the reader just went away
	printf '%s\n' "$2" 1<>"$TEST_DIR/$1.in"
}

# buddy_sync NAME [TIMEOUT]: send "ping" and wait for its "pong", so that
# the server has processed everything this buddy sent before.
buddy_sync() {
	_tl_bs_n=$(count_lines "$TEST_DIR/$1.out" '^pong$')
	buddy_cmd "$1" ping &&
		wait_count "$TEST_DIR/$1.out" '^pong$' $((_tl_bs_n + 1)) "${2:-10}"
}

# buddy_stop NAME: send "quit" and wait (5 s, then SIGKILL) for the buddy
# to exit; returns its exit status (0 after a clean quit).
buddy_stop() {
	_tl_buddy_pid "$1" || return 1
	if [ -z "$_tl_bpid" ]; then
		diag "buddy $1 is not running"
		return 1
	fi
	eval "_tl_buddy_$1="
	printf 'quit\n' 1<>"$TEST_DIR/$1.in"
	_tl_bs_pid=$_tl_bpid
	if ! wait_for 5 '! pid_alive "$_tl_bs_pid"'; then
		diag "buddy $1 did not quit in 5 s: killing it"
		kill_wait "$_tl_bs_pid" 2 KILL
		return 1
	fi
	wait "$_tl_bs_pid"
}
