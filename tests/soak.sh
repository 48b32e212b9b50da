#!/bin/sh
# shellcheck disable=SC2016
# (SC2016: single-quoted strings are conditions for eval, on purpose.)
# soak.sh - one xmppd for a long time against one real server, while the
# server is hurt on a schedule (issue 10): what short tests miss.
#
#     tests/soak.sh [-m MINUTES] [-s prosody|ejabberd] [-o FILE]
#     make soak                    (30 minutes on each server, in turn)
#     make soak SOAK_MINUTES=3 SOAK_JOBS=2   (CI: both servers at once)
#
# Needs root: it runs whole in a private network namespace (unshare
# --net), where nft rules cut the server's port without touching the
# rest of the machine, and ejabberd's tests need root anyway.
#
# The schedule, cycled until the time is up (each fault is followed by a
# recovery window watched from outside):
#   freeze    the server SIGSTOPped past the keepalive and the login
#             deadline, then SIGCONT
#   kill      the server SIGKILLed, down a while, started again
#   stop      the server SIGTERMed (a clean shutdown), started again
#   shaped    the server restarted reading each client at 1000 bytes/s
#             (until its next restart), and a burst of long lines sent
#             through it on top of the senders' messages
#   password  the account's password changed on the server (which is
#             restarted, so that the daemon has to log in), restored,
#             then SIGHUP to the daemon, as an admin would
#   conflict  a second client logs in on the daemon's full JID, again
#             each time the daemon takes it back (res_xmpp still
#             loaded), then goes away
#   cut       the server's port dropped by nft in both directions
#             (packets vanish: no RST, no ICMP), then let through again;
#             the buddy's own connection is spared
# Senders (xmpp-send, --lines, -w, --lines -w) and a waiter (xmpp-recv
# for messages the buddy sends) run all along, except in the second half
# of each fault and in its recovery window: the time offline is taken
# from the fault's end to the buddy seeing the account's presence come
# back, with no client calling the daemon meanwhile (a call would wake it
# and hide a stall).  A buddy (tests/buddy) receives every message; it is
# logged in again after each restart of the server.  The server or the
# buddy ending on its own during a recovery (outside the schedule) is no
# stall of the daemon's: it is started again, said so in the timeline and
# the table, and the time offline counts from the server's new start.
#
# At the end: a table (also written to FILE, default
# build/soak-SERVER.txt), then TAP verdicts; the exit status is the
# number of verdicts failed.  Verdicts: the daemon ran until the end (a
# daemon that is gone stops the run at once); no accepted message lost
# (accepted: exit 0, or 75 from -w with the message "stays queued"); no
# stall (a recovery later than SOAK_STALL seconds, default 120, plus,
# after a conflict, the back-off the daemon announced); links dropped
# by the keepalive only while the server was frozen or cut off, never
# while it was only slow; at most one refused login per login attempt,
# and none but in the password fault; no hot loop (over 10% of a core in
# a quiet window or at an idle point); no growth from the first idle
# point to the last (RSS by more than SOAK_RSS_SLACK KiB, default 1024;
# open fds by any); the daemon ends on SIGTERM with status 0 and an
# empty spool.
#
# Environment: SOAK_MINUTES (30), SOAK_SERVER (prosody), SOAK_REPORT
# (the file), SOAK_STALL (120), SOAK_RSS_SLACK (1024); SOAK_PACE (short
# or long phases; short below 10 minutes), SOAK_FAULTS (which faults, in
# which order: to chase one); TEST_KEEP=1 keeps the working folder (it is
# kept anyway when a verdict fails).

# ---------------------------------------------------------------- options

usage() {
	echo "usage: tests/soak.sh [-m MINUTES] [-s prosody|ejabberd] [-o FILE]"
}
while getopts "m:s:o:h" opt; do
	case $opt in
	m) SOAK_MINUTES=$OPTARG ;;
	s) SOAK_SERVER=$OPTARG ;;
	o) SOAK_REPORT=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 64 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { usage >&2; exit 64; }
SOAK_MINUTES=${SOAK_MINUTES:-30}
SOAK_SERVER=${SOAK_SERVER:-prosody}
case $SOAK_MINUTES in
''|*[!0-9]*|0) echo "soak: minutes must be a whole number above 0, not '$SOAK_MINUTES'" >&2; exit 64 ;;
esac
case $SOAK_SERVER in
prosody|ejabberd) ;;
*) echo "soak: the server is prosody or ejabberd, not '$SOAK_SERVER'" >&2; exit 64 ;;
esac

# A private network namespace: nft rules there touch nothing else.
if [ "${SOAK_NETNS:-}" != 1 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "soak: needs root (a private network namespace, nft, ejabberdctl)" >&2
		exit 77
	fi
	for t in unshare ip nft ss; do
		command -v $t >/dev/null 2>&1 || {
			echo "soak: $t is missing (scripts/install-deps installs it)" >&2
			exit 69
		}
	done
	SOAK_NETNS=1 SOAK_MINUTES=$SOAK_MINUTES SOAK_SERVER=$SOAK_SERVER \
		SOAK_REPORT=${SOAK_REPORT:-} exec unshare --net sh "$0"
fi
ip link set lo up || exit 1

XMPP_SERVER=$SOAK_SERVER
export XMPP_SERVER
. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

SOAK_REPORT=${SOAK_REPORT:-$TOP/build/soak-$SERVER.txt}
case $SOAK_REPORT in /*) ;; *) SOAK_REPORT=$PWD/$SOAK_REPORT ;; esac
STALL=${SOAK_STALL:-120}
RSS_SLACK=${SOAK_RSS_SLACK:-1024}
DURATION=$((SOAK_MINUTES * 60))

# Phase lengths (seconds).  A run shorter than 10 minutes goes through the
# whole schedule once in about 3 minutes; a longer one holds each fault
# long enough for every timer of the daemon to play its part.
# WAIT1 and WAIT2 are the deadlines of xmpp-send -w and --lines -w,
# RECV_T xmpp-recv's: a pause of the senders waits for calls in flight.
SOAK_PACE=${SOAK_PACE:-$([ "$SOAK_MINUTES" -lt 10 ] && echo short || echo long)}
if [ "$SOAK_PACE" = short ]; then
	KEEPALIVE=5 TRAFFIC=5 IDLE=8 FREEZE=15 DOWN=4 PW_HOLD=2 THIEF=5
	CUT=15 SHAPED_SECS=10 SAMPLE=2 WAIT1=3 WAIT2=5 RECV_T=5
else
	KEEPALIVE=10 TRAFFIC=30 IDLE=30 FREEZE=60 DOWN=20 PW_HOLD=15 THIEF=45
	CUT=50 SHAPED_SECS=40 SAMPLE=5 WAIT1=10 WAIT2=20 RECV_T=10
fi
# The shaped server reads SHAPED_RATE bytes/s from each client, after a
# first burst (ejabberd's stock shaper: 20000 bytes; Prosody's limits on
# its epoll backend: none): the burst of lines (about 200 bytes each on
# the wire) is that much plus SHAPED_SECS seconds' worth.
SHAPED_RATE=1000
case $SERVER in
ejabberd) BURST=$(((20000 + SHAPED_RATE * SHAPED_SECS) / 200)) ;;
*) BURST=$((SHAPED_RATE * SHAPED_SECS / 200)) ;;
esac
# The order matters little, but a fault of another kind (a refused
# password, a conflict) lets the daemon's back-off start from its floor
# again, as a link that lasted a minute does: network faults in a row
# show how it grows.  The server stays shaped from "shaped" to the next
# restart ("stop").
FAULTS=${SOAK_FAULTS:-freeze kill password shaped stop conflict cut}
for f in $FAULTS; do
	case " freeze kill password shaped stop conflict cut " in
	*" $f "*) ;;
	*) bail_out "soak: no fault called '$f'" ;;
	esac
done
SENDERS="send lines wait lnwait recv"
HZ=$(getconf CLK_TCK)

S=$TEST_DIR/soak
mkdir -p "$S" && : >"$S/deaths" || exit 1

# ---------------------------------------------------------------- time

# now: NOW = centiseconds since boot.
now() {
	_tl_now
	NOW=$_tl_now
}
now
T_START=$NOW

# secs CS: CS centiseconds as seconds with one decimal.
secs() {
	echo "$(($1 / 100)).$(($1 % 100 / 10))"
}

elapsed() {
	now
	secs $((NOW - T_START))
}

# say MESSAGE: progress, as a TAP comment, and in the timeline.
say() {
	_e=$(elapsed)
	printf '# [%6s s] %s\n' "$_e" "$*"
	printf '%s %s\n' "$_e" "$*" >>"$S/timeline"
}

# hold SECS: the schedule holds a state this long (the experiment, not a
# wait for readiness).
hold() {
	[ "$1" -gt 0 ] && sleep "$1"
}

# poll_for SECS STEP 'condition': wait_for with a step of our own: the
# conditions here fork several programs, and some waits are long.
poll_for() {
	_tl_cs "$1"
	now
	_pf_deadline=$((NOW + _tl_cs))
	while ! eval "$3"; do
		now
		[ "$NOW" -ge "$_pf_deadline" ] && { eval "$3"; return; }
		sleep "$2"
	done
}

# ---------------------------------------------------------------- buddy

# The buddy, bob@localhost/desk, reads commands from one FIFO for its whole
# life; each login is a new process (the buddy ends with its link) with
# its own output file, bob.N.out.  bob.current holds the pid and file of
# the latest, for the waiter.
BOB_FIFO=$S/bob.in
BOB_N=0 BOB_PID='' BOB_OUT=/dev/null
mkfifo "$BOB_FIFO" "$S/thief.in" || exit 1

bob_start() {
	bob_stop
	_bs_try=0
	while [ $_bs_try -lt 5 ]; do
		_bs_try=$((_bs_try + 1))
		BOB_N=$((BOB_N + 1))
		BOB_OUT=$S/bob.$BOB_N.out
		: >"$BOB_OUT"
		"$TOP/tests/buddy" --jid bob@localhost/desk --password bobpw \
			--host 127.0.0.1 --port "$SERVER_PORT" \
			--cafile "$SERVER_CAFILE" \
			0<>"$BOB_FIFO" >"$BOB_OUT" 2>"$S/bob.$BOB_N.err" &
		BOB_PID=$!
		echo "$BOB_PID $BOB_OUT" >"$S/bob.current"
		wait_for 30 'grep -Eq "^(ready|error)" "$BOB_OUT" ||
			! buddy_alive $BOB_PID'
		grep -q '^ready' "$BOB_OUT" && return 0
		say "buddy login $BOB_N failed: $(grep '^error' "$BOB_OUT" | head -1)"
		bob_stop
		hold 1
	done
	return 1
}

bob_stop() {
	[ -n "$BOB_PID" ] || return 0
	buddy_alive "$BOB_PID" && kill_wait "$BOB_PID" 2 >/dev/null 2>&1
	BOB_PID=
}

# buddy_alive PID: PID is still one of our buddies.  A buddy that ended
# may have been reaped by any `wait` of this shell, and its PID given to
# another process since (PIDs wrap within a minute or two here while a
# test suite runs): signalled blindly, it would be another process, such
# as the server of another test.
buddy_alive() {
	pid_alive "$1" &&
		tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q "tests/buddy "
}

# bob_lines: how many lines the current buddy has printed.
bob_lines() {
	wc -l <"$BOB_OUT"
}

# alice_last FILE [N]: the last presence of alice@localhost/xmppd in the
# first N lines of FILE (all without N): available, unavailable or none.
alice_last() {
	sed -n "1,${2:-\$}p" "$1" |
		awk '$1 == "presence" && $2 == "alice@localhost/xmppd" { s = $3 }
		END { print s ? s : "none" }'
}

# alice_back FILE N: alice@localhost/xmppd became available after line N.
alice_back() {
	tail -n +"$(($2 + 1))" "$1" |
		grep -q '^presence alice@localhost/xmppd available'
}

# ---------------------------------------------------------------- the daemon

# The daemon's state from /proc only: it is never asked while it recovers.
# proc_sample: SAMPLE_RSS (KiB), SAMPLE_FDS, SAMPLE_CPU (clock ticks).
proc_sample() {
	SAMPLE_RSS=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$XMPPD_PID/status" 2>/dev/null)
	SAMPLE_FDS=$(ls "/proc/$XMPPD_PID/fd" 2>/dev/null | wc -l)
	SAMPLE_CPU=$(cpu_ticks)
}

cpu_ticks() {
	# utime and stime: fields 14 and 15, counted after the ") " that ends
	# the command name
	sed 's/.*) //' "/proc/$XMPPD_PID/stat" 2>/dev/null |
		awk '{ print $12 + $13 }'
}

spool_kib() {
	du -sk "$XMPPD_STATE_DIR" 2>/dev/null | awk '{ print $1 }'
}

# Every SAMPLE seconds: elapsed seconds, RSS, fds, CPU ticks, spool KiB,
# and the machine's load (1-minute average: other work slows everything).
sampler() {
	while [ ! -e "$S/stop-sampler" ] && pid_alive "$XMPPD_PID"; do
		proc_sample
		read -r _sa_load _sa_rest </proc/loadavg
		printf '%s %s %s %s %s %s\n' "$(elapsed)" "$SAMPLE_RSS" "$SAMPLE_FDS" \
			"$SAMPLE_CPU" "$(spool_kib)" "$_sa_load" >>"$S/samples"
		sleep "$SAMPLE"
	done
}

log_lines() {
	wc -l <"$TEST_DIR/xmppd.log"
}

# log_count FROM REGEX: lines of the daemon's log after line FROM that
# match REGEX.
log_count() {
	tail -n +"$(($1 + 1))" "$TEST_DIR/xmppd.log" | grep -Ec -- "$2"
}

# ---------------------------------------------------------------- senders

# Each sender loops until $S/stop exists; between two calls it stops at
# its pause point while $S/pause exists, and says so in $S/paused.NAME
# (with the generation of the pause, so that an old answer is not taken
# for a new one).  Each writes one line per message to sent.NAME:
# "STATUS BODY", STATUS being the exit status of the call for that
# message, Q for one that -w's deadline left queued ("stays queued"),
# U for one that may or may not have been accepted (74).
PAUSE_GEN=0

pause_point() {
	_pp_seen=
	# A pause lifted and asked for again while we slept is a new one.
	while _pp_gen=$(cat "$S/pause" 2>/dev/null) && [ ! -e "$S/stop" ]; do
		if [ "$_pp_gen" != "$_pp_seen" ]; then
			echo "$_pp_gen" >"$S/paused.$1.tmp" &&
				mv "$S/paused.$1.tmp" "$S/paused.$1"
			_pp_seen=$_pp_gen
		fi
		sleep 0.1
	done
}

# nap NAME SECS: a sender's rest between two calls, which a pause cuts
# short: only calls in flight hold a pause up.
nap() {
	_np_n=$(($2 * 5))
	while [ "$_np_n" -gt 0 ] && [ ! -e "$S/stop" ]; do
		[ -e "$S/pause" ] && { pause_point "$1"; return; }
		sleep 0.2
		_np_n=$((_np_n - 1))
	done
}

# one_send NAME GAP [OPTION]: one message per call.
one_send() {
	_os_name=$1 _os_gap=$2
	shift 2
	_os_n=0
	while [ ! -e "$S/stop" ]; do
		pause_point "$_os_name"
		[ -e "$S/stop" ] && break
		_os_n=$((_os_n + 1))
		_os_body="$_os_name-$_os_n"
		xmpp-send "$@" alice bob@localhost "$_os_body" 2>"$S/err.$_os_name"
		_os_rc=$?
		if [ $_os_rc = 75 ] && grep -q "stays queued" "$S/err.$_os_name"; then
			_os_rc=Q
		elif [ $_os_rc = 74 ]; then
			_os_rc=U
		fi
		echo "$_os_rc $_os_body" >>"$S/sent.$_os_name"
		[ $_os_rc = 0 ] || sed "s/^/$_os_body: /" "$S/err.$_os_name" >>"$S/errors.$_os_name"
		nap "$_os_name" "$_os_gap"
	done
}

# lines_send NAME GAP COUNT [OPTION]: COUNT messages per call, --lines.
lines_send() {
	_ls_name=$1 _ls_gap=$2 _ls_count=$3
	shift 3
	_ls_b=0
	while [ ! -e "$S/stop" ]; do
		pause_point "$_ls_name"
		[ -e "$S/stop" ] && break
		_ls_b=$((_ls_b + 1))
		lines_batch "$_ls_name" "$_ls_b" "$_ls_count" 0 "$@"
		nap "$_ls_name" "$_ls_gap"
	done
}

# lines_batch NAME B COUNT PAD [OPTION]: sends lines NAME-B-1..COUNT (with
# PAD bytes of padding each) with xmpp-send --lines, and notes each
# line's fate in sent.NAME from the exit status and what was said about
# which line.
lines_batch() {
	_lb_name=$1 _lb_b=$2 _lb_count=$3 _lb_pad=$4
	shift 4
	awk -v p="$_lb_name-$_lb_b" -v n="$_lb_count" -v pad="$_lb_pad" 'BEGIN {
		s = ""
		for (i = 0; i < pad; i++) s = s substr("abcdefghijklmnopqrstuvwxyz", i % 26 + 1, 1)
		for (i = 1; i <= n; i++) print p "-" i (pad ? " " s : "")
	}' >"$S/in.$_lb_name"
	xmpp-send --lines "$@" alice bob@localhost <"$S/in.$_lb_name" \
		2>"$S/err.$_lb_name"
	_lb_rc=$?
	awk -v rc="$_lb_rc" -v p="$_lb_name-$_lb_b" -v n="$_lb_count" '
	# What xmpp-send --lines says about line numbers (xmpp-send(1)).
	/lines after line [0-9]+: not waited for/ { next }
	match($0, /lines [0-9]+ to [0-9]+ were sent but not answered/) {
		split(substr($0, RSTART + 6), a, " ")
		for (l = a[1] + 0; l <= a[3] + 0; l++) st[l] = "U"
		next
	}
	match($0, /the lines after line [0-9]+ were not sent/) {
		notsent = substr($0, RSTART + 21) + 0
		next
	}
	match($0, /line [0-9]+: /) {
		l = substr($0, RSTART + 5, RLENGTH - 7) + 0
		if ($0 ~ /stays queued/) { st[l] = "Q"; if (after == "") after = l }
		else st[l] = rc
		next
	}
	END {
		for (l = 1; l <= n; l++) {
			if (l in st) s = st[l]
			else if (notsent != "" && l > notsent) s = rc
			else if (after != "" && l > after) s = "Q"
			else s = 0
			print s, p "-" l
		}
	}' "$S/err.$_lb_name" >>"$S/sent.$_lb_name"
	[ $_lb_rc = 0 ] ||
		sed "s/^/$_lb_name-$_lb_b: /" "$S/err.$_lb_name" >>"$S/errors.$_lb_name"
}

# The waiter: the buddy sends a message to the daemon's full JID, and
# xmpp-recv waits for it.  recv.log: "STATUS SENT GOT"; B when no buddy
# was there to send.
waiter() {
	_w_n=0
	while [ ! -e "$S/stop" ]; do
		pause_point recv
		[ -e "$S/stop" ] && break
		_w_n=$((_w_n + 1))
		read -r _w_pid _w_out <"$S/bob.current"
		if buddy_alive "$_w_pid"; then
			xmpp-recv -t "$RECV_T" alice bob@localhost >"$S/got" 2>"$S/err.recv" &
			_w_rpid=$!
			printf 'send alice@localhost/xmppd w-%s\n' "$_w_n" 1<>"$BOB_FIFO"
			wait $_w_rpid
			_w_rc=$?
			echo "$_w_rc w-$_w_n $(head -c 100 "$S/got" | tr '\n' ' ')" >>"$S/recv.log"
		else
			echo "B w-$_w_n" >>"$S/recv.log"
		fi
		nap recv 2
	done
}

senders_start() {
	rm -f "$S/stop"
	one_send send 1 & SENDER_PIDS=$!
	lines_send lines 10 10 & SENDER_PIDS="$SENDER_PIDS $!"
	one_send wait 2 -w "$WAIT1" & SENDER_PIDS="$SENDER_PIDS $!"
	lines_send lnwait 8 5 -w "$WAIT2" & SENDER_PIDS="$SENDER_PIDS $!"
	waiter & SENDER_PIDS="$SENDER_PIDS $!"
}

# senders_pause: ask every sender to stop at its pause point, and wait
# until all are there (a -w call may take its whole deadline).
senders_pause() {
	PAUSE_GEN=$((PAUSE_GEN + 1))
	echo "$PAUSE_GEN" >"$S/pause"
	poll_for 90 0.05 senders_all_paused && return 0
	say "senders did not all pause within 90 s"
	return 1
}

senders_all_paused() {
	for _sp_n in $SENDERS; do
		[ "$(cat "$S/paused.$_sp_n" 2>/dev/null)" = "$PAUSE_GEN" ] || return 1
	done
}

senders_resume() {
	rm -f "$S/pause"
}

senders_stop() {
	: >"$S/stop"
	rm -f "$S/pause"
	for _ss_p in $SENDER_PIDS; do
		wait "$_ss_p"
	done
	SENDER_PIDS=
}

# ---------------------------------------------------------------- delivery

# What the buddies got, "ID BODY" per message, in $S/delivered.
collect_delivered() {
	cat "$S"/bob.*.out 2>/dev/null |
		awk '$1 == "msg" && $3 == "alice@localhost/xmppd" {
			id = $4; $1 = $2 = $3 = $4 = ""; sub(/^ +/, "")
			sub(/ .*/, "")	# the padding of burst lines
			print id, $0 }' >"$S/delivered"
}

# Bodies that must arrive (accepted, or queued at -w's deadline), sorted.
collect_must() {
	cat "$S"/sent.* 2>/dev/null | awk '$1 == "0" || $1 == "Q" { print $2 }' |
		sort -u >"$S/must"
}

# missing: how many bodies that must arrive have not yet.
missing() {
	collect_must
	collect_delivered
	awk '{ print $2 }' "$S/delivered" | sort -u >"$S/got.sorted"
	comm -23 "$S/must" "$S/got.sorted" | wc -l
}

# drained SECS: wait until every message accepted so far has arrived.
drained() {
	poll_for "$1" 0.5 '[ "$(missing)" -eq 0 ]'
}

# burst_left N: lines of burst N not delivered yet.
burst_left() {
	missing >/dev/null
	comm -23 "$S/must" "$S/got.sorted" | grep -c "^burst-$1-"
}

# ---------------------------------------------------------------- faults

# fault_begin NAME: remember where the logs stood.
fault_begin() {
	F_NAME=$1
	F_LOG0=$(log_lines)
	F_AUTH0=$(server_auth_failures alice)
	F_NOTE=
	F_QUIET_TICKS=0 F_QUIET_CS=0 F_DEATHS=0
	say "$F_NAME: begins"
}

# busy_then_quiet SECS: the senders run through the first half of SECS;
# then they pause (calls in flight end first), and the daemon's CPU time
# is taken over the second half, a window where nobody calls it.
busy_then_quiet() {
	_bq_half=$(($1 / 2))
	hold "$_bq_half"
	senders_pause
	_bq_c0=$(cpu_ticks)
	now
	_bq_t0=$NOW
	hold $(($1 - _bq_half))
	now
	F_QUIET_TICKS=$(($(cpu_ticks) - _bq_c0))
	F_QUIET_CS=$((NOW - _bq_t0))
}

# fault_end [BOUND]: the fault is over now.  The recovery is watched in
# the current buddy's output after the line it had reached (F_FROM; a
# buddy started afterwards is watched from its first line: server_back).
fault_end() {
	now
	F_T=$NOW
	F_FROM=${F_FROM:-$(bob_lines)}
	F_BOUND=${1:-$STALL}
	say "$F_NAME: over; waiting for alice's presence (stall after $F_BOUND s)"
}

# recover: the wait itself; sets F_OFFLINE (centiseconds) and F_STALL.
recover() {
	F_STALL=0
	if ! recover_wait "$F_BOUND" && [ -n "$DAEMON_GONE" ]; then
		F_STALL=3	# gone: the first verdict, not a stall
	elif [ "$F_STALL" = 0 ] && ! alice_back "$BOB_OUT" "$F_FROM"; then
		F_STALL=1
		say "$F_NAME: STALL: no presence after $F_BOUND s; the daemon's log ends:"
		tail -n 15 "$TEST_DIR/xmppd.log" | sed 's/^/#     /'
		# Still watched, never poked: does it come at all?
		recover_wait 300 || F_STALL=$([ -n "$DAEMON_GONE" ] && echo 3 || echo 2)
	fi
	now
	F_OFFLINE=$((NOW - F_T))
	[ $F_STALL -ge 2 ] && F_OFFLINE=-1
	F_FROM=
}

# recover_wait SECS: wait up to SECS for the buddy to see alice's
# presence; true when it does.  The server or the buddy ending on their
# own meanwhile (outside the schedule: a crash, a kill by someone else)
# would hide the daemon's return: no fault of the daemon's, so they are
# started again, said so in the timeline, counted in the table, and the
# wait goes on from there (after a server's death, the time offline and
# the stall bound count from its new start).
recover_wait() {
	while :; do
		poll_for "$1" 0.05 'alice_back "$BOB_OUT" "$F_FROM" ||
			! pid_alive "$SERVER_PID" || ! pid_alive "$BOB_PID" ||
			! pid_alive "$XMPPD_PID"'
		alice_back "$BOB_OUT" "$F_FROM" && return 0
		if ! pid_alive "$XMPPD_PID"; then
			# Not a stall: gone.  Its log says whether a signal
			# came from outside ("signal 15").
			DAEMON_GONE=$(tail -n 3 "$TEST_DIR/xmppd.log" | tr '\n' ' ')
			say "$F_NAME: the daemon is gone; its log ends: $DAEMON_GONE"
			return 1
		elif ! pid_alive "$SERVER_PID"; then
			server_died
		elif ! pid_alive "$BOB_PID"; then
			say "$F_NAME: the buddy's link ended: $(tail -n 1 "$S/bob.$BOB_N.err")"
			echo "buddy $F_NAME $(elapsed)" >>"$S/deaths"
			bob_start || bail_out "soak: the buddy cannot log in again"
			F_FROM=0
		else
			return 1
		fi
	done
}

# server_died: the server ended while the daemon was recovering: started
# again (at most 3 times in a fault).
server_died() {
	F_DEATHS=$((${F_DEATHS:-0} + 1))
	echo "server $F_NAME $(elapsed)" >>"$S/deaths"
	say "$F_NAME: $SERVER_NAME (pid $SERVER_PID) ended on its own, outside the schedule; its log ends:"
	server_log 2>/dev/null | tail -n 5 | sed 's/^/#     /'
	[ "$F_DEATHS" -le 3 ] || bail_out "soak: $SERVER_NAME ended on its own 4 times in one fault"
	wait "$SERVER_PID" 2>/dev/null
	server_up
	bob_start || bail_out "soak: the buddy cannot log in again"
	F_FROM=0
	now
	F_T=$NOW
}

# fault_finish: the fault's line in faults.log, then the senders go on.
fault_finish() {
	_ff_auth=$(($(server_auth_failures alice) - F_AUTH0))
	_ff_tries=$(log_count "$F_LOG0" "connecting to ")
	_ff_kadrops=$(log_count "$F_LOG0" "did not answer a keepalive ping")
	printf '%s %s %s %s %s %s %s %s %s %s\n' "$F_NAME" "$F_OFFLINE" "$F_STALL" \
		"$_ff_auth" "$_ff_tries" "$F_QUIET_TICKS" "$F_QUIET_CS" \
		"$F_BOUND" "$_ff_kadrops" "${F_NOTE:--}" >>"$S/faults.log"
	say "$F_NAME: back after $(secs "$F_OFFLINE") s; refused logins $_ff_auth, login attempts $_ff_tries${F_NOTE:+; $F_NOTE}"
	if [ -z "$BOB_PID" ] || ! buddy_alive "$BOB_PID"; then bob_start; fi
	senders_resume
}

# server_up: server_again, and twice more if the server does not come up
# (ejabberd on a loaded machine); without a server the soak ends.
server_up() {
	_su_try=1
	until server_again; do
		[ $_su_try -lt 3 ] ||
			bail_out "soak: $SERVER_NAME did not start ($_su_try tries)"
		say "$SERVER_NAME did not start (try $_su_try); once more"
		_su_try=$((_su_try + 1))
	done
}

# server_again: start the server again, no longer shaped if it was.
SHAPED_NOW=
server_again() {
	if [ -n "$SHAPED_NOW" ]; then
		server_c2s_rate stock || return 1
		SHAPED_NOW=
	fi
	server_start
}

# server_back [BOUND]: start the server after a crash or stop: the end of
# the fault; then a new buddy, watched from its first line.
server_back() {
	server_up
	fault_end "$@"
	bob_start || bail_out "soak: the buddy cannot log in again"
	F_FROM=0
}

fault_freeze() {
	fault_begin freeze
	server_pause
	busy_then_quiet "$FREEZE"
	server_resume
	fault_end
	recover
	F_NOTE="frozen ${FREEZE} s"
	fault_finish
}

fault_kill() {
	fault_begin kill
	server_kill
	busy_then_quiet "$DOWN"
	server_back
	recover
	F_NOTE="down ${DOWN} s"
	fault_finish
}

fault_stop() {
	fault_begin stop
	server_stop
	busy_then_quiet "$DOWN"
	server_back
	recover
	F_NOTE="down ${DOWN} s"
	fault_finish
}

# The server restarted reading each client at SHAPED_RATE bytes/s (it
# stays so until the next restart): a burst of lines of about 100 bytes,
# on top of the senders, is more than it reads in several keepalive
# periods; the link must stay up while our output drains, and every line
# arrive.
SHAPED_N=0
fault_shaped() {
	fault_begin shaped
	senders_pause
	server_stop
	server_c2s_rate "$SHAPED_RATE" || bail_out "soak: cannot shape the server"
	server_up
	SHAPED_NOW=1
	fault_end
	bob_start || bail_out "soak: the buddy cannot log in again"
	F_FROM=0
	recover
	if [ "$F_STALL" != 0 ]; then
		F_NOTE="no return after the restart into shaping"
		fault_finish
		return
	fi
	senders_resume
	_sh_log0=$(log_lines)
	_sh_bob0=$(bob_lines)
	SHAPED_N=$((SHAPED_N + 1))
	now
	_sh_t0=$NOW
	lines_batch burst "$SHAPED_N" "$BURST" 90
	poll_for 300 0.5 '[ "$(burst_left $SHAPED_N)" -eq 0 ]'
	now
	_sh_left=$(burst_left $SHAPED_N)
	_sh_drops=$(log_count "$_sh_log0" "dropping the connection")
	_sh_flaps=$(tail -n +"$((_sh_bob0 + 1))" "$BOB_OUT" |
		grep -c '^presence alice@localhost/xmppd unavailable')
	echo "$_sh_drops $_sh_flaps $_sh_left $(secs $((NOW - _sh_t0)))" >>"$S/shaped.log"
	F_NOTE="then $BURST lines of 100 bytes at $SHAPED_RATE B/s: drained in $(secs $((NOW - _sh_t0))) s, $_sh_left left, links dropped $_sh_drops"
	fault_finish
}

fault_password() {
	fault_begin password
	# Restarted, so that the daemon meets the new password at its login.
	server_passwd alice changedpw || bail_out "soak: cannot change alice's password"
	server_stop
	server_up
	bob_start || bail_out "soak: the buddy cannot log in again"
	# The daemon's next attempt may be a whole network back-off away (60
	# s, and a quarter more at random, when the links before did not
	# last a minute).
	now
	_pw_t0=$NOW
	if poll_for 100 0.2 '[ "$(log_count "$F_LOG0" "refused the password")" -gt 0 ]'; then
		now
		_pw_note="password refused $(secs $((NOW - _pw_t0))) s after the restart"
	else
		_pw_note="NO refusal within 100 s of the restart"
		say "password: the daemon did not log a refused password in 100 s"
	fi
	busy_then_quiet $((PW_HOLD * 2))
	server_passwd alice alicepw
	kill -HUP "$XMPPD_PID"
	fault_end
	recover
	F_NOTE="$_pw_note; restored, SIGHUP"
	fault_finish
}

# The thief: alice@localhost/xmppd again, without presence, logged in
# again a second after the daemon takes the resource back.
thief_start() {
	THIEF_N=$((${THIEF_N:-0} + 1))
	THIEF_OUT=$S/thief.$THIEF_N.out
	: >"$THIEF_OUT"
	"$TOP/tests/buddy" --jid alice@localhost/xmppd --password alicepw \
		--host 127.0.0.1 --port "$SERVER_PORT" --cafile "$SERVER_CAFILE" \
		--no-presence 0<>"$S/thief.in" >"$THIEF_OUT" 2>"$S/thief.$THIEF_N.err" &
	THIEF_PID=$!
	wait_for 30 'grep -Eq "^(ready|error)" "$THIEF_OUT" || ! buddy_alive $THIEF_PID'
}

fault_conflict() {
	fault_begin conflict
	_cf_logins=0
	now
	_cf_end=$((NOW + THIEF * 100))
	_cf_half=$((NOW + THIEF * 50))
	thief_start && _cf_logins=1
	while now && [ "$NOW" -lt "$_cf_end" ]; do
		if ! buddy_alive "$THIEF_PID"; then
			hold 1
			thief_start && _cf_logins=$((_cf_logins + 1))
		fi
		if [ "$NOW" -ge "$_cf_half" ] && [ ! -e "$S/pause" ]; then
			senders_pause
		fi
		sleep 0.2
	done
	[ -e "$S/pause" ] || senders_pause
	# It leaves holding the resource: the daemon is out at that moment.
	buddy_alive "$THIEF_PID" || { thief_start && _cf_logins=$((_cf_logins + 1)); }
	wait_for 10 '[ "$(alice_last "$BOB_OUT")" != available ]' ||
		say "conflict: the buddy still sees alice available"
	buddy_alive "$THIEF_PID" && kill_wait "$THIEF_PID" 5 >/dev/null 2>&1
	# The stall bound grows by the back-off the daemon announced last.
	_cf_backoff=$(sed -n 's/.*reconnecting in \([0-9.]*\) \(s\|min\)$/\1 \2/p' \
		"$TEST_DIR/xmppd.log" | tail -n 1 |
		awk '{ print int($2 == "min" ? $1 * 60 : $1) + 1 }')
	fault_end $((STALL + ${_cf_backoff:-0}))
	recover
	F_NOTE="second client logged in $_cf_logins times; last back-off announced ${_cf_backoff:-?} s"
	fault_finish
}

# The server's port cut in both directions, except for the buddy's own
# connection (a cut between the daemon and the server, not the world).
cut_on() {
	_co_port=$(ss -tnpH state established "( dport = :$SERVER_PORT )" |
		awk -v pid="pid=$BOB_PID," 'index($0, pid) { n = split($3, a, ":"); print a[n] }')
	{
		echo "table inet soak {"
		echo " chain cut {"
		echo "  type filter hook input priority 0; policy accept;"
		for _co_p in $_co_port; do
			echo "  tcp sport $_co_p accept"
			echo "  tcp dport $_co_p accept"
		done
		echo "  tcp dport $SERVER_PORT drop"
		echo "  tcp sport $SERVER_PORT drop"
		echo " }"
		echo "}"
	} >"$S/cut.nft"
	nft -f "$S/cut.nft"
}

cut_off() {
	nft delete table inet soak 2>/dev/null
}

fault_cut() {
	fault_begin cut
	cut_on || { say "cut: nft refused the rules"; F_OFFLINE=0 F_STALL=0; F_NOTE="nft failed"; fault_finish; return; }
	busy_then_quiet "$CUT"
	cut_off
	fault_end
	recover
	F_NOTE="cut ${CUT} s"
	fault_finish
}

# idle_point: the senders pause, everything sent so far arrives, then the
# daemon's CPU over IDLE seconds, and its RSS and fds (idle.log).
idle_point() {
	senders_pause
	idle_measure
	senders_resume
}

idle_measure() {
	drained "$DRAIN" ||
		say "idle: $(missing) message(s) still not delivered after $DRAIN s"
	proc_sample
	_ip_rss=$SAMPLE_RSS _ip_fds=$SAMPLE_FDS _ip_c0=$SAMPLE_CPU
	now
	_ip_t0=$NOW
	hold "$IDLE"
	now
	echo "$(elapsed) $_ip_rss $_ip_fds $(($(cpu_ticks) - _ip_c0)) $((NOW - _ip_t0))" >>"$S/idle.log"
	say "idle: RSS $_ip_rss KiB, $_ip_fds fds"
}

# ---------------------------------------------------------------- run

soak_cleanup() {
	: >"$S/stop"
	: >"$S/stop-sampler"
	rm -f "$S/pause"
	cut_off
	[ -n "${THIEF_PID:-}" ] && buddy_alive "$THIEF_PID" && kill "$THIEF_PID" 2>/dev/null
	bob_stop
	for _sc_p in ${SENDER_PIDS:-} ${SAMPLER_PID:-}; do
		kill "$_sc_p" 2>/dev/null
	done
	return 0
}
say "soak against $SERVER_NAME for $SOAK_MINUTES min: $FAULTS (keepalive $KEEPALIVE s)"
server_setup &&
	server_adduser alice alicepw && server_adduser bob bobpw &&
	xmppd_config alice alice alicepw "buddy = bob@localhost" \
		"keepalive = $KEEPALIVE" "timeout = 10" &&
	server_start && bob_start && xmppd_start alice ||
	bail_out "soak: the server, the buddy or the daemon did not start"
at_exit soak_cleanup
printf 'subscribe alice@localhost\n' 1<>"$BOB_FIFO"
wait_for 30 'alice_back "$BOB_OUT" 0' ||
	bail_out "soak: the buddy never saw alice's presence"
sampler & SAMPLER_PID=$!
senders_start
say "traffic"
hold "$TRAFFIC"

DAEMON_GONE=
# How long the last messages may take to arrive, at an idle point and at
# the end (a shaped server delivers a burst slowly).
DRAIN=180
NFAULTS=0
while :; do
	idle_point
	for f in $FAULTS; do
		now
		[ $((NOW - T_START)) -ge $((DURATION * 100)) ] && break 2
		say "traffic"
		hold "$TRAFFIC"
		NFAULTS=$((NFAULTS + 1))
		"fault_$f"
		if [ "$F_STALL" -ge 2 ]; then
			# Nothing more will arrive: the losses are listed at once.
			if [ -n "$DAEMON_GONE" ]; then
				say "the daemon is gone: the schedule stops"
			else
				say "the daemon never came back: the schedule stops"
			fi
			DRAIN=5
			break 2
		fi
	done
done

say "time is up: the senders stop, the last messages arrive"
senders_stop
drained "$DRAIN" || say "$(missing) message(s) still missing after $DRAIN s"
[ -n "$DAEMON_GONE" ] || idle_measure
: >"$S/stop-sampler"
wait "$SAMPLER_PID"
now
T_END=$NOW
proc_sample
SPOOL_LEFT=$(xmppd --spool alice 2>/dev/null | wc -l)
xmppd_stop
XMPPD_RC=$?
bob_stop
server_stop

# ---------------------------------------------------------------- report

collect_must
collect_delivered
awk '{ print $2 }' "$S/delivered" | sort -u >"$S/got.sorted"
comm -23 "$S/must" "$S/got.sorted" >"$S/lost"

report() {
	tree=$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo '?')
	echo "soak: $SERVER_NAME $(server_version), $(secs $((T_END - T_START))) s ($SOAK_MINUTES min asked), $NFAULTS faults, keepalive $KEEPALIVE s, tree $tree, ended $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	cat "$S"/sent.* | awk -v delivered="$S/delivered" '
	BEGIN {
		while ((getline l < delivered) > 0) {
			split(l, a, " ")
			n[a[2]]++
			if (!((a[2], a[1]) in seen)) { seen[a[2], a[1]] = 1; ids[a[2]]++ }
		}
	}
	{
		total++
		st[$1]++
		if ($1 == "0" || $1 == "Q") {
			must++
			if ($2 in n) { got++; if (n[$2] > 1) { dup++; extra += n[$2] - 1 }
				if (ids[$2] > 1) otherid++ }
			else lost++
		} else if ($2 in n) unasked++
	}
	END {
		printf "%-52s %8s\n", "messages", "count"
		printf "%-52s %8d\n", "handed to xmpp-send", total
		printf "%-52s %8d\n", "accepted (exit 0)", st["0"]
		printf "%-52s %8d\n", "queued, -w deadline passed (75, \"stays queued\")", st["Q"]
		printf "%-52s %8d\n", "delivered to the buddy, of these", got
		printf "%-52s %8d\n", "  lost (accepted, never delivered)", lost
		printf "%-52s %8d\n", "  delivered more than once", dup
		printf "%-52s %8d\n", "    extra copies", extra
		printf "%-52s %8d\n", "    under another stanza id", otherid
		o = ""
		for (s in st) if (s != "0" && s != "Q") o = o sprintf(" %s: %d", s == "U" ? "74 (may have been accepted)" : s, st[s])
		printf "%-52s %s\n", "other exit statuses", o == "" ? " none" : o
		printf "%-52s %8d\n", "delivered though not accepted (74, 75...)", unasked
	}'
	for k in send lines wait lnwait burst; do
		[ -f "$S/sent.$k" ] || continue
		awk -v k="$k" '{ st[$1]++; n++ }
		END { o = ""; for (s in st) o = o " " s "=" st[s]
			printf "  %-8s %6d:%s\n", k, n, o }' "$S/sent.$k"
	done
	echo "  (send: xmpp-send, every second; lines: --lines x10, every 10 s; wait: -w $WAIT1, every 2 s;"
	echo "   lnwait: --lines x5 -w $WAIT2, every 8 s; burst: --lines while shaped;"
	echo "   statuses: 0 accepted, Q queued at -w's deadline, U sent but unanswered (74), other: the exit status)"
	if [ -s "$S/lost" ]; then
		echo "  LOST: $(head -n 40 "$S/lost" | tr '\n' ' ')"
	fi
	awk '{ st[$1]++; n++ } END { o = "";
		for (s in st) o = o " " (s == "B" ? "buddy offline" : s == 0 ? "got it" : s == 1 ? "timed out" : "exit " s) " " st[s]
		printf "inbound: %d waits for a message from the buddy (xmpp-recv -t 10):%s\n", n, o }' "$S/recv.log" 2>/dev/null
	echo
	echo "recovery, from the fault's end to the buddy seeing alice's presence; no sender or waiter runs meanwhile"
	printf '%-9s %3s %9s %9s %6s %13s %6s %10s  %s\n' fault n "longest" mean stalls "refused/tries" drops "quiet CPU" "notes (the last of each)"
	for f in $FAULTS; do
		awk -v f="$f" -v hz="$HZ" '$1 == f {
			n++
			if ($2 < 0) never++
			else { if ($2 > max) max = $2; sum += $2 }
			if ($3 == 1 || $3 == 2) stalls++
			auth += $4; tries += $5; drops += $9
			if ($7 > 0) { c = $6 * 100 / hz * 100 / $7; if (c > cpu) cpu = c }
			note = ""; for (i = 10; i <= NF; i++) note = note " " $i
		}
		END {
			if (!n) exit
			printf "%-9s %3d %7.1f s %7.1f s %6d %6d/%-6d %6d %8.1f %%  %s\n", f, n,
				max / 100, sum / (n - never ? n - never : 1) / 100, stalls + 0,
				auth, tries, drops, cpu, note
		}' "$S/faults.log"
	done
	echo "  (refused/tries: logins the server refused / login attempts of the daemon; drops: links the keepalive dropped;"
	echo "   quiet CPU: the daemon's CPU time in the fault's second half, in % of one core, the highest of its runs)"
	awk '{ n[$1]++; w[$1] = w[$1] " " $2 "@" $3 "s" }
	END { printf "outside the schedule, while the daemon recovered: the server ended on its own %d time(s)%s;",
		n["server"], n["server"] ? " (" substr(w["server"], 2) ", started again, the time offline counted from there)" : ""
		printf " the buddy'"'"'s link ended %d time(s)%s\n", n["buddy"], n["buddy"] ? " (" substr(w["buddy"], 2) ")" : "" }' \
		"$S/deaths"
	echo
	awk -v hz="$HZ" 'NR == 1 { r0 = $2; f0 = $3; s0 = $5 }
	{ if ($2 > rm) rm = $2; if ($3 > fm) fm = $3; if ($5 > sm) sm = $5; r1 = $2; f1 = $3; s1 = $5; n++ }
	END {
		printf "%-34s %8s %8s %8s  (%d samples)\n", "the daemon over time", "first", "max", "last", n
		printf "%-34s %8d %8d %8d\n", "RSS, KiB", r0, rm, r1
		printf "%-34s %8d %8d %8d\n", "open fds", f0, fm, f1
		printf "%-34s %8d %8d %8d\n", "spool folder, KiB", s0, sm, s1
	}' "$S/samples"
	awk '{ if (n == 0 || $6 < lo) lo = $6; if ($6 > hi) hi = $6; sum += $6; n++ }
	END { if (n) printf "the machine'"'"'s load (1-minute average, %d cores): min %.2f, mean %.2f, max %.2f\n",
		cores, lo, sum / n, hi }' cores="$(nproc)" "$S/samples"
	awk -v hz="$HZ" 'NR == 1 { r0 = $2; f0 = $3 } { r1 = $2; f1 = $3; t += $4; cs += $5; n++ }
	END {
		printf "%-34s %8d %8s %8d  (%d idle points)\n", "RSS at idle points, KiB", r0, "", r1, n
		printf "%-34s %8d %8s %8d\n", "open fds at idle points", f0, "", f1
		printf "CPU while idle: %.0f ms over %.0f s (%.2f %% of a core)\n", t * 1000 / hz, cs / 100,
			cs ? t * 100 / hz * 100 / cs : 0
	}' "$S/idle.log"
	awk -v hz="$HZ" '$1 == "kill" || $1 == "stop" { t += $6; cs += $7 }
	END { printf "CPU while the server is down (kill, stop): %.0f ms over %.0f s (%.2f %% of a core)\n",
		t * 1000 / hz, cs / 100, cs ? t * 100 / hz * 100 / cs : 0 }' "$S/faults.log"
	echo "daemon: exit status $XMPPD_RC at SIGTERM; $SPOOL_LEFT message(s) left in its spool;" \
		"log: $(grep -c "^xmppd.*: message .* dropped: " "$TEST_DIR/xmppd.log") message(s) given up ('dropped: ...')," \
		"$(grep -c "bounced" "$TEST_DIR/xmppd.log") 'bounced', $(grep -c "online as" "$TEST_DIR/xmppd.log") logins," \
		"$(grep -c "stale offline message" "$TEST_DIR/xmppd.log") stale offline message(s) from the buddy not kept"
}

server_version() {
	case $SERVER in
	prosody) dpkg-query -W -f '${Version}' prosody 2>/dev/null ;;
	ejabberd) dpkg-query -W -f '${Version}' ejabberd 2>/dev/null ;;
	esac
}

mkdir -p "$(dirname "$SOAK_REPORT")"
report >"$SOAK_REPORT"
sed 's/^/# /' "$SOAK_REPORT"

# ---------------------------------------------------------------- verdicts

test_expect_success 'the daemon ran until the end' '
	test -z "$DAEMON_GONE" || { diag "it ended during the run; its log ended: $DAEMON_GONE"; false; }
'

test_expect_success 'no accepted message lost' '
	test ! -s "$S/lost" || { diag "lost: $(head -n 20 "$S/lost" | tr "\n" " ")"; false; }
'

test_expect_success "no stall (each recovery within its bound)" '
	! awk "\$3 == 1 || \$3 == 2 { print; bad = 1 } END { exit !bad }" "$S/faults.log"
'

test_expect_success 'the keepalive dropped links only while the server was frozen or cut off' '
	all=$(grep -c "did not answer a keepalive ping" "$TEST_DIR/xmppd.log" || :) &&
	expected=$(awk "\$1 == \"freeze\" || \$1 == \"cut\" { n += \$9 } END { print n + 0 }" "$S/faults.log") &&
	{ test "$all" = "$expected" || { diag "$all keepalive drops, $expected while frozen or cut"; false; }; } &&
	{ test ! -s "$S/shaped.log" || ! awk "\$1 > 0 { print; bad = 1 } END { exit !bad }" "$S/shaped.log"; }
'

test_expect_success 'at most one refused login per login attempt' '
	! awk "\$4 > \$5 || \$4 > 0 && \$1 != \"password\" { print; bad = 1 } END { exit !bad }" "$S/faults.log"
'

test_expect_success 'no hot loop: under 10% of a core in every quiet window and while idle' '
	! awk -v hz="$HZ" "\$7 > 0 && \$6 * 100 / hz * 100 / \$7 > 10 { print; bad = 1 } END { exit !bad }" "$S/faults.log" &&
	! awk -v hz="$HZ" "\$5 > 0 && \$4 * 100 / hz * 100 / \$5 > 10 { print; bad = 1 } END { exit !bad }" "$S/idle.log"
'

test_expect_success "no growth: RSS within $RSS_SLACK KiB and the same fds from the first idle point to the last" '
	awk -v slack="$RSS_SLACK" "NR == 1 { r0 = \$2; f0 = \$3 } { r1 = \$2; f1 = \$3 }
		END { if (r1 - r0 > slack || f1 != f0) { print \"RSS\", r0, r1, \"fds\", f0, f1; exit 1 } }" "$S/idle.log"
'

test_expect_success 'the daemon ended cleanly with an empty spool' '
	test "$XMPPD_RC" = 0 && test "$SPOOL_LEFT" = 0
'

if [ "$_tl_failed" -gt 0 ]; then
	TEST_KEEP=1
fi
echo "# the table: $SOAK_REPORT"
done_testing
