# shellcheck shell=sh disable=SC2016
# (SC2016: the single-quoted strings are conditions for eval, on purpose.)
# prosody.sh - a private Prosody server for one integration test.
#
# Source after test-lib.sh:
#
#     . "$(dirname "$0")/lib/test-lib.sh"
#     . "$(dirname "$0")/lib/prosody.sh"
#
# Everything lives in $TEST_DIR/prosody ($PROSODY_DIR): a private CA and
# certificates, the config, data, pidfile and log (prosody.log).  Prosody
# runs as an ordinary child process (run_as_root = true, foreground) and
# is only ever signalled by its PID.  c2s listens on 127.0.0.1 only, on a
# port chosen by tests/freeport; no s2s, no HTTP.
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
#
# Differences from the reference config, both for speed only:
#   network_settings = { nagle = false }  Prosody sends its stream features
#       right after the TLS session tickets; with Nagle they waited ~40 ms
#       for the client's delayed ACK, at every login.
#   default_iteration_count = 4096        SCRAM PBKDF2 cost of the accounts
#       (RFC 7677 minimum; Prosody's default 10000 costs ~16 ms per login).

PROSODY_DIR=$TEST_DIR/prosody
PROSODY_CFG=$PROSODY_DIR/prosody.cfg.lua
PROSODY_PID=
PROSODY_CERT_KIND=good
_ps_started=        # set once Prosody has come up at least once
export PROSODY_DIR PROSODY_CFG

# _ps_cert NAME EXTSECTION SUBJECT [signed]: make NAME.key and NAME.crt
# (P-256, 2 days); signed by ca.crt when the 4th argument is given,
# self-signed otherwise.
_ps_cert() {
	if [ -n "${4:-}" ]; then
		set -- "$1" "$2" "$3" -CA "$PROSODY_DIR/ca.crt" -CAkey "$PROSODY_DIR/ca.key"
	else
		set -- "$1" "$2" "$3"
	fi
	_ps_name=$1 _ps_ext=$2 _ps_subj=$3
	shift 3
	openssl req -x509 -config "$PROSODY_DIR/openssl.cnf" \
		-extensions "$_ps_ext" "$@" \
		-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj "$_ps_subj" -keyout "$PROSODY_DIR/$_ps_name.key" \
		-out "$PROSODY_DIR/$_ps_name.crt" 2>"$PROSODY_DIR/openssl.err" || {
		diag "openssl failed making $_ps_name.crt:"
		sed 's/^/    /' "$PROSODY_DIR/openssl.err" >&2
		return 1
	}
}

# prosody_setup: create $PROSODY_DIR with a private CA (ca.key, ca.crt),
# localhost.key/.crt signed by it (SAN localhost, conference.localhost),
# untrusted.key/.crt (self-signed, localhost) and wrongname.key/.crt
# (signed by the CA, for wrong.example); pick PROSODY_PORT; write the
# config.  Exports PROSODY_PORT and PROSODY_CAFILE (= ca.crt).
prosody_setup() {
	if [ ! -x "$TOP/tests/freeport" ] || [ ! -x "$TOP/tests/buddy" ]; then
		diag "tests/freeport and tests/buddy must be built first"
		return 1
	fi
	mkdir -p "$PROSODY_DIR/data" "$PROSODY_DIR/certs" || return 1
	cat >"$PROSODY_DIR/openssl.cnf" <<-'EOF' || return 1
	[req]
	distinguished_name = dn
	[dn]
	[ca]
	basicConstraints = critical,CA:TRUE
	keyUsage = critical,keyCertSign,cRLSign
	subjectKeyIdentifier = hash
	[localhost]
	basicConstraints = critical,CA:FALSE
	keyUsage = critical,digitalSignature,keyEncipherment
	extendedKeyUsage = serverAuth
	subjectKeyIdentifier = hash
	authorityKeyIdentifier = keyid
	subjectAltName = DNS:localhost,DNS:conference.localhost
	[untrusted]
	basicConstraints = critical,CA:FALSE
	keyUsage = critical,digitalSignature,keyEncipherment
	extendedKeyUsage = serverAuth
	subjectKeyIdentifier = hash
	subjectAltName = DNS:localhost,DNS:conference.localhost
	[wrongname]
	basicConstraints = critical,CA:FALSE
	keyUsage = critical,digitalSignature,keyEncipherment
	extendedKeyUsage = serverAuth
	subjectKeyIdentifier = hash
	authorityKeyIdentifier = keyid
	subjectAltName = DNS:wrong.example
	EOF
	mkdir -p "$PROSODY_DIR/plugins" || return 1
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
	_ps_cert ca ca "/CN=xmppd test CA" &&
		_ps_cert localhost localhost /CN=localhost signed &&
		_ps_cert untrusted untrusted /CN=localhost &&
		_ps_cert wrongname wrongname /CN=wrong.example signed ||
		return 1
	PROSODY_PORT=${PROSODY_PORT_FIXED:-$("$TOP/tests/freeport")} || return 1
	PROSODY_TLS_PORT=
	if [ "${PROSODY_DIRECT_TLS:-0}" = 1 ]; then
		PROSODY_TLS_PORT=${PROSODY_TLS_PORT_FIXED:-$("$TOP/tests/freeport")} ||
			return 1
	fi
	PROSODY_CAFILE=$PROSODY_DIR/ca.crt
	export PROSODY_PORT PROSODY_TLS_PORT PROSODY_CAFILE
	at_exit _ps_cleanup
	_ps_write_config
}

# Writes $PROSODY_CFG for the current port and certificate kind.
_ps_write_config() {
	_ps_d=$PROSODY_DIR
	_ps_c=$PROSODY_CERT_KIND
	[ "$_ps_c" = good ] && _ps_c=localhost
	# Per-host ssl feeds STARTTLS only: direct TLS has its own setting.
	_ps_direct="c2s_direct_tls_ports = { }"
	[ -n "${PROSODY_TLS_PORT:-}" ] &&
		_ps_direct="c2s_direct_tls_ports = { $PROSODY_TLS_PORT }
c2s_direct_tls_ssl = { key = \"$_ps_d/$_ps_c.key\"; certificate = \"$_ps_d/$_ps_c.crt\" }"
	cat >"$PROSODY_CFG.new" <<EOF || return 1
-- written by tests/lib/prosody.sh; certificate: $PROSODY_CERT_KIND
pidfile = "$_ps_d/prosody.pid"
data_path = "$_ps_d/data"
certificates = "$_ps_d/certs"
run_as_root = true
daemonize = false
log = { { levels = { min = "${PROSODY_LOG_LEVEL:-info}" }, to = "file", filename = "$_ps_d/prosody.log" } }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
c2s_interfaces = { "127.0.0.1" }
c2s_ports = { $PROSODY_PORT }
$_ps_direct
legacy_ssl_ports = { }
s2s_ports = { }
http_ports = { }
https_ports = { }
network_settings = { nagle = false }
default_iteration_count = 4096
plugin_paths = { "$_ps_d/plugins" }
modules_enabled = { "roster"; "saslauth"; "tls"; "disco"; "ping"; "presence"; "carbons"; "posix"; "offline"; "test_quick_exit"; "test_auth_log"; ${PROSODY_MODULES:-} }
modules_disabled = { "s2s" }
c2s_require_encryption = true
allow_unencrypted_plain_auth = false
authentication = "internal_hashed"
storage = "internal"
allow_registration = false
${PROSODY_EXTRA:-}
VirtualHost "localhost"
  ssl = { key = "$_ps_d/$_ps_c.key"; certificate = "$_ps_d/$_ps_c.crt" }
Component "conference.localhost" "muc"
  muc_room_locking = false
EOF
	mv "$PROSODY_CFG.new" "$PROSODY_CFG"
}

# prosody_cert KIND: serve the certificate KIND for localhost: good
# (default, signed by the test CA), untrusted (self-signed) or wrongname
# (signed by the CA for wrong.example).  Rewrites the config; takes
# effect at the next prosody_start.
prosody_cert() {
	case ${1:-good} in
	good|untrusted|wrongname) PROSODY_CERT_KIND=${1:-good} ;;
	*) diag "prosody_cert: unknown kind '$1'"; return 1 ;;
	esac
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
		touch "$PROSODY_DIR/prosody.log"
		_ps_logsize=$(wc -c <"$PROSODY_DIR/prosody.log")
		prosody -F --config "$PROSODY_CFG" </dev/null \
			>>"$PROSODY_DIR/prosody.stdout" 2>&1 &
		PROSODY_PID=$!
		_ps_active="Activated service 'c2s' on \\[127\\.0\\.0\\.1\\]:$PROSODY_PORT\$"
		wait_for 10 '_ps_newlog | grep -Eq "$_ps_active|Failed to open server port" ||
			! pid_alive "$PROSODY_PID"'
		if _ps_newlog | grep -Eq "$_ps_active" && pid_alive "$PROSODY_PID" &&
			wait_for 5 _ps_listening; then
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
		{ tail -n 20 "$PROSODY_DIR/prosody.log"; tail -n 20 "$PROSODY_DIR/prosody.stdout"; } |
			sed 's/^/    /' >&2
		kill_wait "$PROSODY_PID" 2
		PROSODY_PID=
		return 1
	done
}

# Prints what Prosody logged since the last prosody_start.
_ps_newlog() {
	tail -c +$((_ps_logsize + 1)) "$PROSODY_DIR/prosody.log" 2>/dev/null
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
# server: TCP still accepts, nothing answers).
prosody_pause() {
	[ -n "$PROSODY_PID" ] && kill -STOP "$PROSODY_PID"
}
prosody_resume() {
	[ -n "$PROSODY_PID" ] && kill -CONT "$PROSODY_PID"
}

# Cleanup (registered by prosody_setup).
_ps_cleanup() {
	[ -n "$PROSODY_PID" ] || return 0
	kill_wait "$PROSODY_PID" 5 TERM
	PROSODY_PID=
}

# xmppd_config ACCOUNT USER PASS [LINE...]: write $TEST_DIR/xmppd.conf
# (mode 0600, Asterisk xmpp.conf format) with section [ACCOUNT] for
# USER@localhost/xmppd on the test Prosody, then each LINE as is (e.g.
# 'buddy = bob@localhost', 'timeout = 5', or a further '[section]').
# Exports XMPPD_CONFIG.
xmppd_config() {
	_ps_acct=$1 _ps_user=$2 _ps_pass=$3
	shift 3
	XMPPD_CONFIG=$TEST_DIR/xmppd.conf
	export XMPPD_CONFIG
	rm -f "$XMPPD_CONFIG"
	(
		umask 077
		{
			printf '; written by tests/lib/prosody.sh\n'
			printf '[%s]\n' "$_ps_acct"
			printf 'username = %s@localhost/xmppd\n' "$_ps_user"
			printf 'secret = %s\n' "$_ps_pass"
			printf 'serverhost = 127.0.0.1\n'
			printf 'port = %s\n' "$PROSODY_PORT"
			printf 'cafile = %s\n' "$PROSODY_CAFILE"
			for _ps_line; do
				printf '%s\n' "$_ps_line"
			done
		} >"$XMPPD_CONFIG"
	) && chmod 600 "$XMPPD_CONFIG"
}
