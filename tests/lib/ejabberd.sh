# shellcheck shell=sh disable=SC2016
# (SC2016: the single-quoted strings are conditions for eval, on purpose.)
# ejabberd.sh - a private ejabberd (Debian's package) for one integration
# test.
#
# Tests use it through server.sh (XMPP_SERVER=ejabberd).  Source after
# test-lib.sh.  Needs root: ejabberdctl, which adds the users, always
# su's to the ejabberd user when run as root and refuses anyone else.
#
# Everything lives in $TEST_DIR/ejabberd ($EJABBERD_DIR): the CA and
# certificates of certs.sh, ejabberd.yml, inetrc, the Mnesia database
# (spool/) and the log ($EJABBERD_LOG).  The server is `erl` run directly
# as an ordinary child process, the way ejabberdctl would start it, with
# no epmd: the node listens for Erlang distribution on a port of its own
# (-erl_epmd_port), which ejabberdctl is pointed at.  Its PID
# ($EJABBERD_PID) is the Erlang VM: SIGTERM stops it cleanly (clients get
# <system-shutdown/>), SIGKILL is a crash, SIGSTOP a hung server.  c2s
# listens on 127.0.0.1 only, on a port chosen by tests/freeport; no s2s,
# no HTTP.
#
# The settings of Debian's stock /etc/ejabberd/ejabberd.yml that a client
# meets are kept (see _ej_write_config): the c2s shaper "normal" (3000
# bytes/s, burst 20000), mod_pres_counter (5 subscriptions a minute),
# mod_fail2ban (20 failed logins an hour ban the IP), mod_stream_mgmt,
# starttls_required, the TLS options, DIGEST-MD5 and X-OAUTH2 disabled,
# 100 offline messages per user, mod_roster, mod_muc on
# conference.localhost, mod_ping, mod_disco, mod_caps, mod_carboncopy and
# mod_offline; plus mod_admin_extra for ejabberdctl change_password.
#
# Knobs (set before ejabberd_setup / ejabberd_start):
#   EJABBERD_LOG_LEVEL   loglevel (default info; debug shows stanzas)
#   EJABBERD_PRES_INTERVAL  mod_pres_counter's interval in seconds (stock
#                        60): a test of the pacing may shorten it, saying
#                        why in its output
#   EJABBERD_LISTEN_EXTRA  more entries of the listen: list, as YAML
#                        lines ("  -" first), e.g. an ejabberd_service
#                        listener for a component on 127.0.0.1
#   EJABBERD_MODULES     extra lines for the modules: section, indented
#                        by two spaces ('  mod_version: {}')
#   EJABBERD_DIRECT_TLS  1: a second c2s listener, with TLS from the first
#                        byte (tls: true; XEP-0368), on EJABBERD_TLS_PORT
#   EJABBERD_PORT_FIXED, EJABBERD_TLS_PORT_FIXED
#                        use these ports instead of free ones (5222, 5223:
#                        only inside a private network namespace)
# and, through functions: ejabberd_cert, ejabberd_c2s_rate,
# ejabberd_resource_conflict, and ejabberd_upload (below) for an HTTP
# upload service.
#
# Time, measured on this 2-core machine: from erl to c2s accepting, 1.0
# to 1.5 s (the first start of a test, which creates the Mnesia tables,
# 1.5 to 2.5 s; about 1 s of CPU); each ejabberdctl is an Erlang VM of
# its own, 0.3 to 0.5 s, so the users added before the start are
# registered with one import_piefxis.  For speed, -shutdown_time 500:
# Erlang/OTP 25 waits a second after SIGTERM once every application has
# stopped (user_sup), for nothing; a stop takes 0.5 s.
#
# What ejabberd does that Prosody does not, which tests meet: Mnesia
# writes its log about 2 s late, so what the server stored just before
# a SIGKILL is lost (accounts are made durable here, offline messages are
# not); an offline message stored while the recipient logs in can miss
# that login and wait for the next one; mod_pres_counter drops the 6th
# subscription stanza a session sends or receives without a minute of
# quiet in between.

. "$TOP/tests/lib/certs.sh"

EJABBERD_DIR=$TEST_DIR/ejabberd
EJABBERD_CFG=$EJABBERD_DIR/ejabberd.yml
EJABBERD_LOG=$EJABBERD_DIR/ejabberd.log
EJABBERD_NODE=xmppdtest@localhost
EJABBERD_PID=
EJABBERD_CERT_KIND=good
EJABBERD_C2S_RATE=3000    # the shaper "normal" of every user; none: no shaper
EJABBERD_CONFLICT=acceptnew   # resource_conflict: the new session wins
EJABBERD_UPLOAD=          # max_size of mod_http_upload; empty: no such service
EJABBERD_HTTPS_PORT=
_ej_started=        # set once ejabberd has come up at least once
export EJABBERD_DIR EJABBERD_CFG EJABBERD_LOG

# ejabberd_setup: create $EJABBERD_DIR with the CA and certificates of
# certs_make, pick EJABBERD_PORT (c2s) and a port for Erlang
# distribution, a cookie, write the configs.  Exports EJABBERD_PORT and
# EJABBERD_CAFILE (= ca.crt).
ejabberd_setup() {
	if [ ! -x "$TOP/tests/freeport" ] || [ ! -x "$TOP/tests/buddy" ]; then
		diag "tests/freeport and tests/buddy must be built first"
		return 1
	fi
	mkdir -p "$EJABBERD_DIR/spool" || return 1
	certs_make "$EJABBERD_DIR" || return 1
	EJABBERD_PORT=${EJABBERD_PORT_FIXED:-$("$TOP/tests/freeport")} &&
		_ej_distport=$("$TOP/tests/freeport") || return 1
	# freeport may give the same port twice in a row.
	while [ "$_ej_distport" = "$EJABBERD_PORT" ]; do
		_ej_distport=$("$TOP/tests/freeport") || return 1
	done
	EJABBERD_TLS_PORT=
	if [ "${EJABBERD_DIRECT_TLS:-0}" = 1 ]; then
		EJABBERD_TLS_PORT=${EJABBERD_TLS_PORT_FIXED:-$("$TOP/tests/freeport")} ||
			return 1
		while [ -z "${EJABBERD_TLS_PORT_FIXED:-}" ] &&
			{ [ "$EJABBERD_TLS_PORT" = "$EJABBERD_PORT" ] ||
			[ "$EJABBERD_TLS_PORT" = "$_ej_distport" ]; }; do
			EJABBERD_TLS_PORT=$("$TOP/tests/freeport") || return 1
		done
	fi
	export EJABBERD_TLS_PORT
	_ej_cookie=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n') || return 1
	EJABBERD_CAFILE=$EJABBERD_DIR/ca.crt
	export EJABBERD_PORT EJABBERD_CAFILE
	: >"$EJABBERD_DIR/users.pending" && : >"$EJABBERD_DIR/passwd.pending" ||
		return 1
	cat >"$EJABBERD_DIR/inetrc" <<-'EOF' || return 1
	{lookup,["file","native"]}.
	{host,{127,0,0,1}, ["localhost"]}.
	EOF
	at_exit _ej_cleanup
	_ej_write_config
}

# Writes ejabberd.yml, the PEM it serves and ejabberdctl's config for
# the current ports, certificate kind and shaper (nothing before
# ejabberd_setup: the knobs may be set first).
_ej_write_config() {
	[ -n "${EJABBERD_PORT:-}" ] || return 0
	_ej_d=$EJABBERD_DIR
	_ej_c=$(certs_file "$EJABBERD_CERT_KIND") || return 1
	_ej_shaper=normal _ej_rate=$EJABBERD_C2S_RATE
	[ "$EJABBERD_C2S_RATE" = none ] && _ej_shaper=none _ej_rate=3000
	cat "$_ej_d/$_ej_c.key" "$_ej_d/$_ej_c.crt" >"$_ej_d/server.pem" ||
		return 1
	_ej_direct=
	[ -n "${EJABBERD_TLS_PORT:-}" ] && _ej_direct="  -
    port: $EJABBERD_TLS_PORT
    ip: \"127.0.0.1\"
    module: ejabberd_c2s
    max_stanza_size: 262144
    shaper: c2s_shaper
    access: c2s
    tls: true
    protocol_options: 'TLS_OPTIONS'"
	cat >"$_ej_d/ejabberdctl.cfg" <<-EOF || return 1
	ERLANG_NODE=$EJABBERD_NODE
	ERL_DIST_PORT=$_ej_distport
	ERL_OPTIONS="-setcookie $_ej_cookie"
	EOF
	_ej_http= _ej_upload=
	if [ -n "$EJABBERD_UPLOAD" ]; then
		_ej_http="  -
    port: $EJABBERD_HTTPS_PORT
    ip: \"127.0.0.1\"
    module: ejabberd_http
    tls: true
    protocol_options: 'TLS_OPTIONS'
    request_handlers:
      /upload: mod_http_upload"
		_ej_upload="  mod_http_upload:
    put_url: \"https://@HOST@:$EJABBERD_HTTPS_PORT/upload\"
    docroot: \"$_ej_d/upload\"
    max_size: $EJABBERD_UPLOAD"
	fi
	cat >"$EJABBERD_CFG.new" <<EOF || return 1
# written by tests/lib/ejabberd.sh; certificate: $EJABBERD_CERT_KIND
# What a client meets is Debian's stock /etc/ejabberd/ejabberd.yml; the
# listeners are one c2s on 127.0.0.1, and nothing is offered to s2s.
loglevel: ${EJABBERD_LOG_LEVEL:-info}
log_rotate_count: 0
hosts:
  - localhost
certfiles:
  - "$_ej_d/server.pem"
define_macro:
  'TLS_CIPHERS': "HIGH:!aNULL:!eNULL:!3DES:@STRENGTH"
  'TLS_OPTIONS':
    - "no_sslv3"
    - "no_tlsv1"
    - "no_tlsv1_1"
    - "cipher_server_preference"
    - "no_compression"
c2s_ciphers: 'TLS_CIPHERS'
c2s_protocol_options: 'TLS_OPTIONS'
listen:
  -
    port: $EJABBERD_PORT
    ip: "127.0.0.1"
    module: ejabberd_c2s
    max_stanza_size: 262144
    shaper: c2s_shaper
    access: c2s
    starttls_required: true
    protocol_options: 'TLS_OPTIONS'
${EJABBERD_LISTEN_EXTRA:-}
$_ej_direct
$_ej_http
disable_sasl_mechanisms:
  - "digest-md5"
  - "X-OAUTH2"
s2s_access: none
resource_conflict: $EJABBERD_CONFLICT
auth_method: internal
auth_password_format: scram
acl:
  admin:
    user:
      - ""
  local:
    user_regexp: ""
  loopback:
    ip:
      - 127.0.0.0/8
      - ::1/128
access_rules:
  local:
    allow: local
  c2s:
    deny: blocked
    allow: all
  announce:
    allow: admin
  configure:
    allow: admin
  muc_create:
    allow: local
  trusted_network:
    allow: loopback
api_permissions:
  "console commands":
    from:
      - ejabberd_ctl
    who: all
    what: "*"
shaper:
  normal:
    rate: $_ej_rate
    burst_size: 20000
  fast: 200000
shaper_rules:
  max_user_sessions: 10
  max_user_offline_messages:
    5000: admin
    100: all
  c2s_shaper:
    none: admin
    $_ej_shaper: all
  s2s_shaper: fast
modules:
  mod_admin_extra: {}
  mod_caps: {}
  mod_carboncopy: {}
  mod_disco: {}
  mod_fail2ban: {}
$_ej_upload
  mod_muc:
    access:
      - allow
    access_admin:
      - allow: admin
    access_create: muc_create
    access_persistent: muc_create
    access_mam:
      - allow
    default_room_options:
      mam: true
  mod_offline:
    access_max_user_messages: max_user_offline_messages
  mod_ping: {}
  mod_pres_counter:
    count: 5
    interval: ${EJABBERD_PRES_INTERVAL:-60}
  mod_roster:
    versioning: true
  mod_stream_mgmt:
    resend_on_timeout: if_offline
${EJABBERD_MODULES:-}
EOF
	mv "$EJABBERD_CFG.new" "$EJABBERD_CFG"
}

# ejabberd_upload [LIMIT]: serve ejabberd's mod_http_upload (XEP-0363,
# the service upload.localhost) for files of up to LIMIT bytes, with no
# quota, at https://localhost:$EJABBERD_HTTPS_PORT/upload/ (an
# ejabberd_http listener on 127.0.0.1 with the certificate of c2s), the
# files in $EJABBERD_DIR/upload.  No LIMIT: no upload service.  Takes
# effect at the next ejabberd_start.
ejabberd_upload() {
	EJABBERD_UPLOAD=${1:-}
	EJABBERD_HTTPS_PORT=
	if [ -n "$EJABBERD_UPLOAD" ]; then
		EJABBERD_HTTPS_PORT=$("$TOP/tests/freeport") || return 1
	fi
	export EJABBERD_HTTPS_PORT
	_ej_write_config
}

# ejabberd_upload_partial NAME: ejabberd is receiving the upload of a file
# called NAME (it writes the file under its name as it comes) and has
# more than 64 KiB of it.
ejabberd_upload_partial() {
	[ -n "$(find "$EJABBERD_DIR/upload" -name "$1" -size +64k 2>/dev/null)" ]
}

# With an upload service: its https listener is up too.
_ej_https_ready() {
	[ -n "$EJABBERD_HTTPS_PORT" ] || return 0
	wait_for 5 '_ej_newlog | grep -q "Start accepting TLS connections at 127\\.0\\.0\\.1:$EJABBERD_HTTPS_PORT for ejabberd_http"'
}

# ejabberd_cert KIND: serve the certificate KIND (good, untrusted,
# wrongname: see certs.sh).  Takes effect at the next ejabberd_start.
ejabberd_cert() {
	certs_file "${1:-good}" >/dev/null || return 1
	EJABBERD_CERT_KIND=${1:-good}
	_ej_write_config
}

# ejabberd_c2s_rate stock|none|BYTES: how fast ejabberd reads from each
# client: stock is the shaper "normal" of the stock config (3000 bytes/s,
# burst 20000), none no shaper, BYTES that rate (burst 20000).  Takes
# effect at the next ejabberd_start.
ejabberd_c2s_rate() {
	case $1 in
	stock) EJABBERD_C2S_RATE=3000 ;;
	none) EJABBERD_C2S_RATE=none ;;
	*[!0-9]*|'') diag "ejabberd_c2s_rate: stock, none or a number, not '$1'"; return 1 ;;
	*) EJABBERD_C2S_RATE=$1 ;;
	esac
	_ej_write_config
}

# ejabberd_resource_conflict new|old: when a client logs in on a resource
# in use, the new session replaces the old one (new: resource_conflict
# acceptnew, the default) or is refused (old: closenew).  Takes effect at
# the next ejabberd_start.
ejabberd_resource_conflict() {
	case $1 in
	new) EJABBERD_CONFLICT=acceptnew ;;
	old) EJABBERD_CONFLICT=closenew ;;
	*) diag "ejabberd_resource_conflict: new or old, not '$1'"; return 1 ;;
	esac
	_ej_write_config
}

# ejabberd_auth_failures USER: how many authentications of USER@localhost
# ejabberd has refused so far (its log: one line per refused SASL
# attempt; a client trying several mechanisms costs several).
ejabberd_auth_failures() {
	count_lines "$EJABBERD_LOG" "Failed c2s [^ ]+ authentication for $1@localhost "
}

# _ej_ctl ARG...: ejabberdctl against the private node; its output in
# $EJABBERD_DIR/ctl.NAME.out where NAME is $_ej_ctlname.  (Run as root,
# it su's to the ejabberd user, who cannot read the test directory:
# Erlang's complaint that it cannot read inetrc is expected there.)
_ej_ctl() {
	ejabberdctl --config-dir "$EJABBERD_DIR" --config "$EJABBERD_CFG" \
		--ctl-config "$EJABBERD_DIR/ejabberdctl.cfg" \
		--spool "$EJABBERD_DIR/spool" --logs "$EJABBERD_DIR" "$@" \
		>"$EJABBERD_DIR/ctl.$_ej_ctlname.out" 2>&1 </dev/null
}

# _ej_ctl_ok NAME WHAT: the ejabberdctl run NAME succeeded; else diag
# with its output, return 1.
_ej_ctl_ok() {
	[ "$_ej_ctlrc" = 0 ] && return 0
	diag "ejabberdctl $2 failed (exit $_ej_ctlrc):"
	grep -v -e "inetrc" -e "eacces" -e "ERROR REPORT" -e "path_eval" \
		-e "erl_prim_loader" -e "^\$" "$EJABBERD_DIR/ctl.$1.out" |
		sed 's/^/    /' >&2
	return 1
}

# ejabberd_adduser USER PASS: register USER@localhost with password PASS
# (an existing account gets the new password).  At once when ejabberd
# runs; otherwise at the next ejabberd_start, which registers all the
# users it was given meanwhile with one ejabberdctl import_piefxis
# (XEP-0227): each ejabberdctl is an Erlang VM, ~0.3 s.
ejabberd_adduser() {
	if [ -z "$EJABBERD_PID" ]; then
		printf '%s %s\n' "$1" "$2" >>"$EJABBERD_DIR/users.pending"
		return
	fi
	_ej_ctlname=$1
	_ej_ctl register "$1" localhost "$2"
	_ej_ctlrc=$?
	[ "$_ej_ctlrc" != 0 ] &&
		grep -q "already registered" "$EJABBERD_DIR/ctl.$1.out" &&
		{ _ej_ctl change_password "$1" localhost "$2"; _ej_ctlrc=$?; }
	_ej_ctl_ok "$1" "register $1" && _ej_durable
}

# ejabberd_passwd USER PASS: give the existing account USER@localhost the
# password PASS; at once when ejabberd runs (sessions already open stay
# open), else right after the next start.
ejabberd_passwd() {
	if [ -z "$EJABBERD_PID" ]; then
		printf '%s %s\n' "$1" "$2" >>"$EJABBERD_DIR/passwd.pending"
		return
	fi
	_ej_ctlname=$1
	_ej_ctl change_password "$1" localhost "$2"
	_ej_ctlrc=$?
	_ej_ctl_ok "$1" "change_password $1" && _ej_durable
}

# _ej_durable: make what the server wrote so far survive a SIGKILL.
# Mnesia writes its transaction log about 2 s late (delayed_write): an
# account added just before a server_kill would be lost.  ejabberdctl
# dump, which reads every table out to a file, has Mnesia write its log
# first.
_ej_durable() {
	_ej_ctlname=dump
	_ej_ctl dump "$EJABBERD_DIR/dump.txt"
	_ej_ctlrc=$?
	_ej_ctl_ok dump "dump (to make the accounts durable)"
}

# _ej_xml TEXT: TEXT escaped for an XML attribute value.
_ej_xml() {
	printf '%s' "$1" | sed "s/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g;
		s/'/\&apos;/g; s/\"/\&quot;/g"
}

# Registers the users of users.pending (one import_piefxis), then sets
# the passwords of passwd.pending.
_ej_register_pending() {
	if [ -s "$EJABBERD_DIR/users.pending" ]; then
		{
			echo "<?xml version='1.0' encoding='UTF-8'?>"
			echo "<server-data xmlns='urn:xmpp:pie:0'><host jid='localhost'>"
			while read -r _ej_u _ej_p; do
				echo "<user name='$(_ej_xml "$_ej_u")' password='$(_ej_xml "$_ej_p")'/>"
			done <"$EJABBERD_DIR/users.pending"
			echo "</host></server-data>"
		} >"$EJABBERD_DIR/users.xml" || return 1
		: >"$EJABBERD_DIR/users.pending"
		_ej_ctlname=import
		_ej_ctl import_piefxis "$EJABBERD_DIR/users.xml"
		_ej_ctlrc=$?
		_ej_ctl_ok import "import_piefxis (adding the users)" &&
			_ej_durable || return 1
	fi
	[ -s "$EJABBERD_DIR/passwd.pending" ] || return 0
	while read -r _ej_u _ej_p; do
		ejabberd_passwd "$_ej_u" "$_ej_p" || return 1
	done <"$EJABBERD_DIR/passwd.pending"
	: >"$EJABBERD_DIR/passwd.pending"
}

# ejabberd_logins_on USER PORT: how many logins of USER@localhost
# ejabberd took on PORT (its log: the connection accepted on PORT and the
# authentication, by the same process).
ejabberd_logins_on() {
	awk -v user="$1@localhost" -v port="127.0.0.1:$2" '
		/ Accepted connection / && $NF == port &&
		    match($0, /\(<[0-9.]+>\)/) {
			on[substr($0, RSTART + 1, RLENGTH - 2)] = 1
		}
		/ Accepted c2s .* authentication for / &&
		    match($0, /<[0-9.]+>\) Accepted c2s/) {
			p = substr($0, RSTART, index(substr($0, RSTART), ")") - 1)
			for (i = 1; i < NF; i++)
				if ($i == "for" && $(i + 1) == user && (p in on))
					n++
		}
		END { print n + 0 }' "$EJABBERD_LOG"
}

# Exit status 0 if something accepts TCP connections on EJABBERD_PORT
# (and EJABBERD_TLS_PORT, if set).
_ej_listening() {
	socat -u /dev/null "TCP:127.0.0.1:$EJABBERD_PORT,connect-timeout=1" \
		>/dev/null 2>&1 || return 1
	[ -z "${EJABBERD_TLS_PORT:-}" ] ||
		socat -u /dev/null "TCP:127.0.0.1:$EJABBERD_TLS_PORT,connect-timeout=1" \
			>/dev/null 2>&1
}

# Prints what ejabberd logged (its log and its stdout) since the last
# ejabberd_start.
_ej_newlog() {
	tail -c +$((_ej_logsize + 1)) "$EJABBERD_LOG" 2>/dev/null
	tail -c +$((_ej_outsize + 1)) "$EJABBERD_DIR/ejabberd.stdout" 2>/dev/null
}

# Runs the server in the foreground (the caller puts it in the
# background); exec keeps the PID.
_ej_exec() {
	cd "$EJABBERD_DIR/spool" &&
	exec env EJABBERD_CONFIG_PATH="$EJABBERD_CFG" \
		EJABBERD_LOG_PATH="$EJABBERD_LOG" \
		EJABBERD_PID_PATH="$EJABBERD_DIR/ejabberd.pid" \
		ERL_LIBS=/usr/lib/x86_64-linux-gnu \
		ERL_INETRC="$EJABBERD_DIR/inetrc" \
		ERL_CRASH_DUMP="$EJABBERD_DIR/erl_crash.dump" \
		HOME="$EJABBERD_DIR" \
		erl -sname "$EJABBERD_NODE" +K true -setcookie "$_ej_cookie" \
		-env ERL_CRASH_DUMP_BYTES 0 -shutdown_time 500 \
		-kernel inet_dist_use_interface '{127,0,0,1}' \
		-erl_epmd_port "$_ej_distport" -start_epmd false \
		-mnesia dir "\"$EJABBERD_DIR/spool\"" -s ejabberd -noinput \
		</dev/null >>"$EJABBERD_DIR/ejabberd.stdout" 2>&1
}

# ejabberd_start: start ejabberd in the background (EJABBERD_PID), wait
# until its log says it accepts c2s connections on EJABBERD_PORT and the
# port does (60 s: ~1 s here, but a machine that runs other work can
# make it 20), then register the users added meanwhile.  On
# failure: diag with the log tail, return 1.  If the very first start
# cannot bind its ports (taken since freeport chose them), new ones are
# chosen and it tries again (up to 3 times).
ejabberd_start() {
	if [ -n "$EJABBERD_PID" ] && pid_alive "$EJABBERD_PID"; then
		diag "ejabberd is already running (pid $EJABBERD_PID)"
		return 1
	fi
	_ej_try=1
	_ej_ready="Start accepting TCP connections at 127\\.0\\.0\\.1:$EJABBERD_PORT for ejabberd_c2s"
	_ej_inuse="eaddrinuse|already in use"
	while :; do
		touch "$EJABBERD_LOG" "$EJABBERD_DIR/ejabberd.stdout"
		_ej_logsize=$(wc -c <"$EJABBERD_LOG")
		_ej_outsize=$(wc -c <"$EJABBERD_DIR/ejabberd.stdout")
		_ej_exec &
		EJABBERD_PID=$!
		wait_for 60 '_ej_newlog | grep -Eq "$_ej_ready|$_ej_inuse" ||
			! pid_alive "$EJABBERD_PID"'
		if _ej_newlog | grep -Eq "$_ej_ready" && pid_alive "$EJABBERD_PID" &&
			wait_for 5 _ej_listening && _ej_https_ready; then
			_ej_started=1
			_ej_register_pending
			return
		fi
		if [ -z "$_ej_started" ] && [ "$_ej_try" -lt 3 ] &&
			_ej_newlog | grep -Eq "$_ej_inuse"; then
			kill_wait "$EJABBERD_PID" 5 KILL
			EJABBERD_PID=
			_ej_try=$((_ej_try + 1))
			EJABBERD_PORT=$("$TOP/tests/freeport") &&
				_ej_distport=$("$TOP/tests/freeport") || return 1
			_ej_ready="Start accepting TCP connections at 127\\.0\\.0\\.1:$EJABBERD_PORT for ejabberd_c2s"
			_ej_write_config
			continue
		fi
		diag "ejabberd did not come up on port $EJABBERD_PORT; log tail:"
		_ej_newlog | tail -n 30 | sed 's/^/    /' >&2
		kill_wait "$EJABBERD_PID" 2 KILL
		EJABBERD_PID=
		return 1
	done
}

# ejabberd_stop: SIGTERM ejabberd (by PID) and wait for it to exit (10 s,
# then SIGKILL).  Clients get <system-shutdown/>; offline messages and
# accounts are kept.
ejabberd_stop() {
	[ -n "$EJABBERD_PID" ] || { diag "ejabberd is not running"; return 1; }
	kill_wait "$EJABBERD_PID" 10 TERM
	EJABBERD_PID=
	return 0
}

# ejabberd_kill: SIGKILL ejabberd (by PID) and reap it: a crash.
ejabberd_kill() {
	[ -n "$EJABBERD_PID" ] || { diag "ejabberd is not running"; return 1; }
	kill_wait "$EJABBERD_PID" 5 KILL
	EJABBERD_PID=
	return 0
}

# ejabberd_pause / ejabberd_resume: SIGSTOP / SIGCONT the Erlang VM (a
# hung server: the kernel still accepts TCP, nothing answers); each
# returns once the process is stopped, or running again.
ejabberd_pause() {
	[ -n "$EJABBERD_PID" ] && kill -STOP "$EJABBERD_PID" &&
		wait_for 10 'pid_stopped "$EJABBERD_PID"'
}
ejabberd_resume() {
	[ -n "$EJABBERD_PID" ] && kill -CONT "$EJABBERD_PID" &&
		wait_for 10 '! pid_stopped "$EJABBERD_PID"'
}

# Cleanup (registered by ejabberd_setup).
_ej_cleanup() {
	[ -n "$EJABBERD_PID" ] || return 0
	kill_wait "$EJABBERD_PID" 5 TERM
	EJABBERD_PID=
}
