# shellcheck shell=sh disable=SC2016
# (SC2016: the single-quoted strings are conditions for eval, on purpose.)
# prosody.sh - a private Prosody server for one integration test.
#
# Tests use it through server.sh (XMPP_SERVER=prosody, the default); the
# demo and the benchmarks call it directly.  Source after test-lib.sh.
#
# Everything lives in $TEST_DIR/prosody ($PROSODY_DIR): a private CA and
# certificates (certs.sh), the config, data, pidfile and log
# ($PROSODY_LOG).  Prosody runs as an ordinary child process (run_as_root
# = true, foreground) and is only ever signalled by its PID.  c2s listens
# on 127.0.0.1 only, on a port chosen by tests/freeport; no s2s, no HTTP.
# A plugin of the tests logs every refused login at level info
# ("test: authentication failure for USER").
#
# Knobs (set before prosody_setup / prosody_start):
#   PROSODY_LOG_LEVEL   min level of prosody.log (default info; debug helps)
#   PROSODY_EXTRA       extra Lua lines for the global section of the config
#   PROSODY_MODULES     extra modules to load, as Lua list items: '"limits";'
#   PROSODY_DIRECT_TLS  1: also listen for direct TLS (XEP-0368, TLS from
#                       the first byte) on PROSODY_TLS_PORT, with the same
#                       certificate as STARTTLS
#   PROSODY_PORT_FIXED, PROSODY_TLS_PORT_FIXED
#                       use these ports instead of free ones (5222, 5223:
#                       only inside a private network namespace)
# and, through functions: prosody_c2s_rate, prosody_resource_conflict,
# prosody_upload.
#
# Differences from the reference config, both for speed only:
#   network_settings = { nagle = false }  Prosody sends its stream features
#       right after the TLS session tickets; with Nagle they waited ~40 ms
#       for the client's delayed ACK, at every login.
#   default_iteration_count = 4096        SCRAM PBKDF2 cost of the accounts
#       (RFC 7677 minimum; Prosody's default 10000 costs ~16 ms per login).

. "$TOP/tests/lib/certs.sh"

PROSODY_DIR=$TEST_DIR/prosody
PROSODY_CFG=$PROSODY_DIR/prosody.cfg.lua
PROSODY_LOG=$PROSODY_DIR/prosody.log
PROSODY_PID=
PROSODY_CERT_KIND=good
PROSODY_C2S_RATE=       # bytes/s read from each client (mod_limits); empty: all
PROSODY_CONFLICT=       # kick_new: a second login on a resource is refused
PROSODY_UPLOAD=         # size limit of upload.localhost; empty: no such service
PROSODY_UPLOAD_QUOTA=
PROSODY_HTTPS_PORT=
PROSODY_HTTPS_CERT=good # certificate of the https port (prosody_upload)
_ps_started=        # set once Prosody has come up at least once
export PROSODY_DIR PROSODY_CFG PROSODY_LOG

# prosody_setup: create $PROSODY_DIR with the CA and certificates of
# certs_make; pick PROSODY_PORT; write the config.  Exports PROSODY_PORT
# and PROSODY_CAFILE (= ca.crt).
prosody_setup() {
	if [ ! -x "$TOP/tests/freeport" ] || [ ! -x "$TOP/tests/buddy" ]; then
		diag "tests/freeport and tests/buddy must be built first"
		return 1
	fi
	mkdir -p "$PROSODY_DIR/data" "$PROSODY_DIR/certs" \
		"$PROSODY_DIR/plugins" || return 1
	cat >"$PROSODY_DIR/plugins/mod_test_quick_exit.lua" <<-'EOF' || return 1
	-- Tests only.  After SIGTERM, Prosody closes its connections and then
	-- sleeps until its next timer (1 s) before it notices that nothing is
	-- left and exits.  A 50 ms timer from "server-stopping" on makes it
	-- exit ~1 s sooner; nothing else changes.
	module:set_global();
	local timer = require "util.timer";
	module:hook("server-stopping", function ()
		timer.add_task(0.05, function () return 0.05; end);
	end);
	EOF
	cat >"$PROSODY_DIR/plugins/mod_test_auth_log.lua" <<-'EOF' || return 1
	-- Tests only.  Prosody does not log refused logins at level info; this
	-- does, so that a test can count how many a client cost the server.
	module:hook("authentication-failure", function (event)
		local session = event.session;
		module:log("info", "test: authentication failure for %s (%s)",
			tostring(session.sasl_handler and session.sasl_handler.username
				or session.username), tostring(event.condition));
	end);
	-- And which of its ports a login came through (direct TLS, SRV).
	module:hook("authentication-success", function (event)
		local session = event.session;
		module:log("info", "test: authenticated %s on port %s",
			tostring(session.username),
			tostring(session.conn and session.conn:serverport()));
	end);
	EOF
	certs_make "$PROSODY_DIR" || return 1
	PROSODY_PORT=${PROSODY_PORT_FIXED:-$("$TOP/tests/freeport")} || return 1
	PROSODY_TLS_PORT=
	if [ "${PROSODY_DIRECT_TLS:-0}" = 1 ]; then
		PROSODY_TLS_PORT=${PROSODY_TLS_PORT_FIXED:-$("$TOP/tests/freeport")} ||
			return 1
		# freeport may give the same port twice in a row.
		while [ -z "${PROSODY_TLS_PORT_FIXED:-}" ] &&
			[ "$PROSODY_TLS_PORT" = "$PROSODY_PORT" ]; do
			PROSODY_TLS_PORT=$("$TOP/tests/freeport") || return 1
		done
	fi
	PROSODY_CAFILE=$PROSODY_DIR/ca.crt
	export PROSODY_PORT PROSODY_TLS_PORT PROSODY_CAFILE
	at_exit _ps_cleanup
	_ps_write_config
}

# Writes $PROSODY_CFG for the current port and certificate kind (nothing
# before prosody_setup: the knobs may be set first).
_ps_write_config() {
	[ -n "${PROSODY_PORT:-}" ] || return 0
	_ps_d=$PROSODY_DIR
	_ps_c=$(certs_file "$PROSODY_CERT_KIND") || return 1
	_ps_mods='' _ps_extra=''
	if [ -n "$PROSODY_C2S_RATE" ]; then
		# mod_limits (0.12.3) reads "N b/s" as 10 x N bytes/s: its unit
		# table gives b the exponent 1 (and k 3), so whole thousands
		# are written in kb, anything else in tens of bytes.
		if [ $((PROSODY_C2S_RATE % 1000)) = 0 ]; then
			_ps_rate="$((PROSODY_C2S_RATE / 1000))kb/s"
		else
			_ps_rate="$((PROSODY_C2S_RATE / 10))b/s"
		fi
		_ps_mods='"limits";'
		_ps_extra="limits = { c2s = { rate = \"$_ps_rate\"; burst = \"1s\" } }"
	fi
	[ -n "$PROSODY_CONFLICT" ] &&
		_ps_extra="$_ps_extra
conflict_resolve = \"$PROSODY_CONFLICT\""
	# Per-host ssl feeds STARTTLS only: direct TLS has its own setting.
	_ps_direct="c2s_direct_tls_ports = { }"
	[ -n "${PROSODY_TLS_PORT:-}" ] &&
		_ps_direct="c2s_direct_tls_ports = { $PROSODY_TLS_PORT }
c2s_direct_tls_ssl = { key = \"$_ps_d/$_ps_c.key\"; certificate = \"$_ps_d/$_ps_c.crt\" }"
	if [ -n "$PROSODY_HTTPS_PORT" ]; then
		_ps_h=$(certs_file "$PROSODY_HTTPS_CERT" upload) || return 1
		_ps_extra="$_ps_extra
https_interfaces = { \"127.0.0.1\" }
https_certificate = \"$_ps_d/$_ps_h.crt\""
	fi
	cat >"$PROSODY_CFG.new" <<EOF || return 1
-- written by tests/lib/prosody.sh; certificate: $PROSODY_CERT_KIND
pidfile = "$_ps_d/prosody.pid"
data_path = "$_ps_d/data"
certificates = "$_ps_d/certs"
run_as_root = true
daemonize = false
log = { { levels = { min = "${PROSODY_LOG_LEVEL:-info}" }, to = "file", filename = "$PROSODY_LOG" } }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
c2s_interfaces = { "127.0.0.1" }
c2s_ports = { $PROSODY_PORT }
$_ps_direct
legacy_ssl_ports = { }
s2s_ports = { }
http_ports = { }
https_ports = { $PROSODY_HTTPS_PORT }
network_settings = { nagle = false }
default_iteration_count = 4096
plugin_paths = { "$_ps_d/plugins" }
modules_enabled = { "roster"; "saslauth"; "tls"; "disco"; "ping"; "presence"; "carbons"; "posix"; "offline"; "test_quick_exit"; "test_auth_log"; $_ps_mods ${PROSODY_MODULES:-} }
modules_disabled = { "s2s" }
c2s_require_encryption = true
allow_unencrypted_plain_auth = false
authentication = "internal_hashed"
storage = "internal"
allow_registration = false
$_ps_extra
${PROSODY_EXTRA:-}
VirtualHost "localhost"
  ssl = { key = "$_ps_d/$_ps_c.key"; certificate = "$_ps_d/$_ps_c.crt" }
Component "conference.localhost" "muc"
  muc_room_locking = false
EOF
	[ -z "$PROSODY_UPLOAD" ] || cat >>"$PROSODY_CFG.new" <<EOF || return 1
Component "upload.localhost" "http_file_share"
  http_file_share_size_limit = $PROSODY_UPLOAD
  http_file_share_daily_quota = ${PROSODY_UPLOAD_QUOTA:-$((PROSODY_UPLOAD * 10))}
EOF
	mv "$PROSODY_CFG.new" "$PROSODY_CFG"
}

# prosody_upload [LIMIT [QUOTA]]: serve the HTTP upload service
# upload.localhost (Prosody's mod_http_file_share, XEP-0363) for files of
# up to LIMIT bytes, QUOTA bytes per user and day (default 10 x LIMIT),
# on https://upload.localhost:$PROSODY_HTTPS_PORT/file_share/, with the
# certificate kind PROSODY_HTTPS_CERT (certs.sh; good: for localhost and
# upload.localhost; libcurl takes *.localhost for 127.0.0.1), given by
# https_certificate, which works for https (see the reference notes).
# No LIMIT: no upload service.  Rewrites the config; takes effect at the
# next prosody_start.
prosody_upload() {
	PROSODY_UPLOAD=${1:-}
	PROSODY_UPLOAD_QUOTA=${2:-}
	PROSODY_HTTPS_PORT=
	if [ -n "$PROSODY_UPLOAD" ]; then
		PROSODY_HTTPS_PORT=$("$TOP/tests/freeport") || return 1
	fi
	export PROSODY_HTTPS_PORT
	_ps_write_config
}

# prosody_upload_partial [NAME]: Prosody is receiving an upload: its
# file~ in the data folder (named after the slot, not NAME) holds more
# than 64 KiB.
prosody_upload_partial() {
	[ -n "$(find "$PROSODY_DIR/data" -name '*~' -size +64k 2>/dev/null)" ]
}

# prosody_cert KIND: serve the certificate KIND for localhost: good
# (default, signed by the test CA), untrusted (self-signed) or wrongname
# (signed by the CA for wrong.example).  Rewrites the config; takes
# effect at the next prosody_start.
prosody_cert() {
	certs_file "${1:-good}" >/dev/null || return 1
	PROSODY_CERT_KIND=${1:-good}
	_ps_write_config
}

# prosody_adduser USER PASS: register USER@localhost with password PASS.
# Works whether Prosody is running or not.  (With run_as_root = true,
# prosodyctl stays root, so the 0700 test directory is fine.)
prosody_adduser() {
	prosodyctl --config "$PROSODY_CFG" register "$1" localhost "$2" \
		>"$PROSODY_DIR/prosodyctl.log" 2>&1 </dev/null && return 0
	diag "prosodyctl register $1 failed:"
	sed 's/^/    /' "$PROSODY_DIR/prosodyctl.log" >&2
	return 1
}

# prosody_passwd USER PASS: give USER@localhost the password PASS, at
# once, whether Prosody is running or not (registering an existing
# account replaces its password; the running server reads the account
# at each login).
prosody_passwd() {
	prosody_adduser "$@"
}

# prosody_c2s_rate stock|none|BYTES: how fast Prosody reads from each
# client: stock and none are no limit (Prosody's default), BYTES per
# second (mod_limits; a multiple of 10, else rounded down to one; the
# epoll backend has no burst).  Takes effect at the next prosody_start.
prosody_c2s_rate() {
	case $1 in
	stock|none) PROSODY_C2S_RATE= ;;
	*[!0-9]*|''|?) diag "prosody_c2s_rate: stock, none or a number of bytes (10 or more), not '$1'"; return 1 ;;
	*) PROSODY_C2S_RATE=$1 ;;
	esac
	_ps_write_config
}

# prosody_resource_conflict new|old: when a client logs in on a resource
# in use, the new session replaces the old one (new, the default), or
# the new one is refused (old: conflict_resolve = "kick_new").  Takes
# effect at the next prosody_start.
prosody_resource_conflict() {
	case $1 in
	new) PROSODY_CONFLICT= ;;
	old) PROSODY_CONFLICT=kick_new ;;
	*) diag "prosody_resource_conflict: new or old, not '$1'"; return 1 ;;
	esac
	_ps_write_config
}

# prosody_auth_failures USER: how many logins of USER@localhost Prosody
# has refused so far (its log).
prosody_auth_failures() {
	count_lines "$PROSODY_LOG" "test: authentication failure for $1 "
}

# prosody_logins_on USER PORT: how many logins of USER@localhost Prosody
# took on PORT (its log).
prosody_logins_on() {
	count_lines "$PROSODY_LOG" "test: authenticated $1 on port $2\$"
}

# Exit status 0 if something accepts TCP connections on PROSODY_PORT
# (and PROSODY_TLS_PORT, if set).
_ps_listening() {
	socat -u /dev/null "TCP:127.0.0.1:$PROSODY_PORT,connect-timeout=1" \
		>/dev/null 2>&1 || return 1
	[ -z "${PROSODY_TLS_PORT:-}" ] ||
		socat -u /dev/null "TCP:127.0.0.1:$PROSODY_TLS_PORT,connect-timeout=1" \
			>/dev/null 2>&1
}

# prosody_start: start Prosody in the background (PROSODY_PID), wait until
# its log says c2s is active on PROSODY_PORT and the port accepts TCP
# connections (10 s).  On failure: diag with the log tail, return 1.  If
# the very first start cannot bind its port (taken since freeport chose
# it), a new port is chosen and it tries again (up to 3 times).
prosody_start() {
	if [ -n "$PROSODY_PID" ] && pid_alive "$PROSODY_PID"; then
		diag "prosody is already running (pid $PROSODY_PID)"
		return 1
	fi
	_ps_try=1
	while :; do
		touch "$PROSODY_LOG"
		_ps_logsize=$(wc -c <"$PROSODY_LOG")
		prosody -F --config "$PROSODY_CFG" </dev/null \
			>>"$PROSODY_DIR/prosody.stdout" 2>&1 &
		PROSODY_PID=$!
		_ps_active="Activated service 'c2s' on \\[127\\.0\\.0\\.1\\]:$PROSODY_PORT\$"
		wait_for 10 '_ps_newlog | grep -Eq "$_ps_active|Failed to open server port" ||
			! pid_alive "$PROSODY_PID"'
		if _ps_newlog | grep -Eq "$_ps_active" && pid_alive "$PROSODY_PID" &&
			wait_for 5 _ps_listening && _ps_https_ready; then
			_ps_started=1
			return 0
		fi
		if [ -z "$_ps_started" ] && [ "$_ps_try" -lt 3 ] &&
			_ps_newlog | grep -q "Failed to open server port"; then
			kill_wait "$PROSODY_PID" 5
			PROSODY_PID=
			_ps_try=$((_ps_try + 1))
			PROSODY_PORT=$("$TOP/tests/freeport") || return 1
			_ps_write_config
			continue
		fi
		diag "prosody did not come up on port $PROSODY_PORT; log tail:"
		{ tail -n 20 "$PROSODY_LOG"; tail -n 20 "$PROSODY_DIR/prosody.stdout"; } |
			sed 's/^/    /' >&2
		kill_wait "$PROSODY_PID" 2
		PROSODY_PID=
		return 1
	done
}

# With an upload service: its https port is active too (5 s).
_ps_https_ready() {
	[ -n "$PROSODY_HTTPS_PORT" ] || return 0
	wait_for 5 '_ps_newlog | grep -q "Activated service .https. on \\[127\\.0\\.0\\.1\\]:$PROSODY_HTTPS_PORT\$"'
}

# Prints what Prosody logged since the last prosody_start.
_ps_newlog() {
	tail -c +$((_ps_logsize + 1)) "$PROSODY_LOG" 2>/dev/null
}

# prosody_stop: SIGTERM Prosody (by PID) and wait for it to exit (10 s,
# then SIGKILL).  Offline messages are saved.
prosody_stop() {
	[ -n "$PROSODY_PID" ] || { diag "prosody is not running"; return 1; }
	kill_wait "$PROSODY_PID" 10 TERM
	PROSODY_PID=
	return 0
}

# prosody_kill: SIGKILL Prosody (by PID) and reap it: a crash.
prosody_kill() {
	[ -n "$PROSODY_PID" ] || { diag "prosody is not running"; return 1; }
	kill_wait "$PROSODY_PID" 5 KILL
	PROSODY_PID=
	return 0
}

# prosody_pause / prosody_resume: SIGSTOP / SIGCONT Prosody (a hung
# server: TCP still accepts, nothing answers); each returns once the
# process is stopped, or running again.
prosody_pause() {
	[ -n "$PROSODY_PID" ] && kill -STOP "$PROSODY_PID" &&
		wait_for 10 'pid_stopped "$PROSODY_PID"'
}
prosody_resume() {
	[ -n "$PROSODY_PID" ] && kill -CONT "$PROSODY_PID" &&
		wait_for 10 '! pid_stopped "$PROSODY_PID"'
}

# Cleanup (registered by prosody_setup).
_ps_cleanup() {
	[ -n "$PROSODY_PID" ] || return 0
	kill_wait "$PROSODY_PID" 5 TERM
	PROSODY_PID=
}
