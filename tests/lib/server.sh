# shellcheck shell=sh disable=SC2034
# (SC2034: the SERVER_* variables are for the test scripts.)
# server.sh - the XMPP server of an integration test, whichever it is.
#
# Source after test-lib.sh:
#
#     . "$(dirname "$0")/lib/test-lib.sh"
#     . "$(dirname "$0")/lib/server.sh"
#
# XMPP_SERVER chooses the server: prosody (the default; prosody.sh) or
# ejabberd (ejabberd.sh).  `make check` runs every test that sources this
# file once with each.  Both are private: started by the test on
# 127.0.0.1 on a free port, with their own CA, stopped by PID.
#
# Functions (each returns non-zero, with a diagnostic, on failure):
#   server_setup           make the CA and certificates, pick the port,
#                          write the config; sets SERVER_PORT, SERVER_CAFILE
#   server_start           start and wait until c2s accepts connections
#   server_stop            SIGTERM, wait (then SIGKILL): a clean stop
#   server_kill            SIGKILL: a crash
#   server_pause           SIGSTOP: a hung server (TCP accepts, no answer)
#   server_resume          SIGCONT
#   server_adduser U P     register U@localhost with password P (running
#                          or not; an existing account gets P)
#   server_passwd U P      change U@localhost's password, also while the
#                          server runs (sessions already open stay open)
#   server_cert KIND       serve good (default), untrusted or wrongname
#                          certificates from the next server_start on
#   server_upload [LIMIT [QUOTA]]
#                          an HTTP upload service (XEP-0363),
#                          upload.localhost, for files of up to LIMIT
#                          bytes (QUOTA per user and day: Prosody only),
#                          from the next server_start on; none without
#                          LIMIT
#   server_upload_partial NAME
#                          the server is receiving the upload of a file
#                          called NAME and has more than 64 KiB of it
#   server_c2s_rate RATE   from the next start, read each client at RATE:
#                          stock (each server's stock setting: ejabberd
#                          3000 bytes/s, Prosody no limit), none (no
#                          limit) or a number of bytes per second
#   server_unshaped REASON for a bulk test, where the stock shaper
#                          (ejabberd) would make it very slow: no limit
#                          from the next start, and a diagnostic that says
#                          so and why (a no-op on Prosody, which has none);
#                          call it outside the tests, where diag is seen
#   server_resource_conflict new|old
#                          from the next start, a second login on a
#                          resource in use replaces the first (new, the
#                          stock setting of both) or is refused (old)
#   server_auth_failures U print how many logins of U@localhost the server
#                          refused so far (ejabberd counts each SASL
#                          mechanism tried, Prosody each refusal)
#   server_log             print the server's log
#   server_is NAME...      true when the server is one of these
#   server_logins_on U PORT  how many logins of U@localhost the server
#                          took on PORT (its log)
#   xmppd_config ACCOUNT USER PASS [LINE...]
#                          write $XMPPD_CONFIG for the daemon under test
# The settings (cert, c2s_rate, resource_conflict, unshaped) may be made
# before server_setup too.
# Tests of a behaviour one server cannot show: test_skip_on and
# test_expect_failure_on below.
#
# Knobs (set before server_setup):
#   SERVER_DIRECT_TLS=1    a second c2s port, SERVER_TLS_PORT, with TLS
#                          from the first byte (XEP-0368 direct TLS)
#   SERVER_PORT_FIXED, SERVER_TLS_PORT_FIXED
#                          these ports instead of free ones (5222, 5223:
#                          only in a private network namespace, netns.sh)
#
# Variables (kept up to date by the functions above):
#   SERVER         prosody or ejabberd
#   SERVER_NAME    how to name it in messages: Prosody or ejabberd
#   SERVER_PORT    its c2s port on 127.0.0.1 (STARTTLS)
#   SERVER_TLS_PORT  its direct TLS port, with SERVER_DIRECT_TLS=1
#   SERVER_CAFILE  the CA that signed its good certificate
#   SERVER_CERTS   the folder of the certificates (certs.sh)
#   SERVER_PID     its PID while it runs, else empty
#   SERVER_LOG     its log file

SERVER=${XMPP_SERVER:-prosody}
case $SERVER in
prosody)
	SERVER_NAME=Prosody
	. "$TOP/tests/lib/prosody.sh"
	;;
ejabberd)
	SERVER_NAME=ejabberd
	[ "$(id -u)" = 0 ] ||
		skip_all "ejabberd tests need root (ejabberdctl su's to the ejabberd user)"
	command -v ejabberdctl >/dev/null 2>&1 ||
		skip_all "ejabberd is not installed (scripts/install-deps installs it)"
	. "$TOP/tests/lib/ejabberd.sh"
	;;
*)
	bail_out "XMPP_SERVER=$SERVER: use prosody or ejabberd"
	;;
esac
SERVER_PORT='' SERVER_CAFILE='' SERVER_CERTS='' SERVER_PID='' SERVER_LOG=''
SERVER_TLS_PORT=''
export SERVER SERVER_NAME

# Copies the backend's variables into the SERVER_* ones.
_sv_sync() {
	case $SERVER in
	prosody)
		SERVER_PORT=${PROSODY_PORT:-} SERVER_CAFILE=${PROSODY_CAFILE:-}
		SERVER_TLS_PORT=${PROSODY_TLS_PORT:-}
		SERVER_CERTS=$PROSODY_DIR SERVER_PID=$PROSODY_PID
		SERVER_LOG=$PROSODY_LOG
		;;
	ejabberd)
		SERVER_PORT=${EJABBERD_PORT:-} SERVER_CAFILE=${EJABBERD_CAFILE:-}
		SERVER_TLS_PORT=${EJABBERD_TLS_PORT:-}
		SERVER_CERTS=$EJABBERD_DIR SERVER_PID=$EJABBERD_PID
		SERVER_LOG=$EJABBERD_LOG
		;;
	esac
	export SERVER_PORT SERVER_TLS_PORT SERVER_CAFILE
}
_sv_sync

# _sv_call VERB ARG...: the backend's VERB, then the variables again.
_sv_call() {
	_sv_verb=$1
	shift
	"${SERVER}_$_sv_verb" "$@"
	_sv_rc=$?
	_sv_sync
	return $_sv_rc
}

server_setup() {
	case $SERVER in
	prosody)
		PROSODY_DIRECT_TLS=${SERVER_DIRECT_TLS:-0}
		PROSODY_PORT_FIXED=${SERVER_PORT_FIXED:-}
		PROSODY_TLS_PORT_FIXED=${SERVER_TLS_PORT_FIXED:-}
		;;
	ejabberd)
		EJABBERD_DIRECT_TLS=${SERVER_DIRECT_TLS:-0}
		EJABBERD_PORT_FIXED=${SERVER_PORT_FIXED:-}
		EJABBERD_TLS_PORT_FIXED=${SERVER_TLS_PORT_FIXED:-}
		;;
	esac
	_sv_call setup "$@"
}
server_start() { _sv_call start "$@"; }
server_stop() { _sv_call stop "$@"; }
server_kill() { _sv_call kill "$@"; }
server_pause() { _sv_call pause "$@"; }
server_resume() { _sv_call resume "$@"; }
server_adduser() { _sv_call adduser "$@"; }
server_passwd() { _sv_call passwd "$@"; }
server_cert() { _sv_call cert "$@"; }
server_upload() { _sv_call upload "$@"; }
server_upload_partial() { "${SERVER}_upload_partial" "$@"; }
server_c2s_rate() { _sv_call c2s_rate "$@"; }
server_resource_conflict() { _sv_call resource_conflict "$@"; }
server_auth_failures() { "${SERVER}_auth_failures" "$@"; }

server_unshaped() {
	server_is ejabberd || return 0
	diag "no c2s shaper on $SERVER_NAME in this test (its stock one reads 3000 bytes/s): $1"
	server_c2s_rate none
}
server_log() { cat "$SERVER_LOG"; }
server_logins_on() { "${SERVER}_logins_on" "$@"; }

server_is() {
	for _sv_n; do
		[ "$_sv_n" = "$SERVER" ] && return 0
	done
	return 1
}

# test_skip_on SERVER 'reason' 'title' 'commands': on SERVER (a name or
# a space-separated list), report the test as skipped for that reason
# (the commands are not run); elsewhere, test_expect_success.
test_skip_on() {
	# shellcheck disable=SC2086
	if server_is $1; then
		test_skip "$3" "not on $SERVER_NAME: $2"
	else
		test_expect_success "$3" "$4"
	fi
}

# test_expect_failure_on SERVER 'reason' 'title' 'commands': on SERVER,
# a known failure that is not the test's fault (a TAP TODO, which prove
# does not count as a failure): the reason names the defect.  Elsewhere
# test_expect_success.
test_expect_failure_on() {
	# shellcheck disable=SC2086
	if server_is $1; then
		test_expect_failure "$3" "on $SERVER_NAME: $2" "$4"
	else
		test_expect_success "$3" "$4"
	fi
}

# xmppd_config ACCOUNT USER PASS [LINE...]: write $TEST_DIR/xmppd.conf
# (mode 0600, Asterisk xmpp.conf format) with section [ACCOUNT] for
# USER@localhost/xmppd on the test server, then each LINE as is (e.g.
# 'buddy = bob@localhost', 'timeout = 5', or a further '[section]').
# Exports XMPPD_CONFIG.
xmppd_config() {
	_sv_acct=$1 _sv_user=$2 _sv_pass=$3
	shift 3
	_sv_sync
	XMPPD_CONFIG=$TEST_DIR/xmppd.conf
	export XMPPD_CONFIG
	rm -f "$XMPPD_CONFIG"
	(
		umask 077
		{
			printf '; written by tests/lib/server.sh\n'
			printf '[%s]\n' "$_sv_acct"
			printf 'username = %s@localhost/xmppd\n' "$_sv_user"
			printf 'secret = %s\n' "$_sv_pass"
			printf 'serverhost = 127.0.0.1\n'
			printf 'port = %s\n' "$SERVER_PORT"
			printf 'cafile = %s\n' "$SERVER_CAFILE"
			for _sv_line; do
				printf '%s\n' "$_sv_line"
			done
		} >"$XMPPD_CONFIG"
	) && chmod 600 "$XMPPD_CONFIG"
}
