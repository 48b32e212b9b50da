#!/bin/sh
# t0191-test-account: xmppd -t ACCOUNT, the connection test: it logs in
# once as RESOURCE-test and prints where and how it connected, the TLS
# session, the certificate with the line to pin it (which works, pasted
# into the configuration), the SASL mechanism, the server's software and
# its services (an HTTP upload service among them); it exits as a start
# would (0, 77, 69, 75, 78); it leaves a daemon running for the account,
# its socket, lock and spool alone.  Against Prosody and ejabberd, each
# with its version module and an HTTP upload service (not used: only
# discovered).

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

SERVER_DIRECT_TLS=1 PROSODY_MODULES='"version";'
PROSODY_EXTRA='Component "upload.localhost" "http_file_share"
  http_file_share_size_limit = 1048576'
EJABBERD_MODULES="  mod_version:
    show_os: false
  mod_http_upload:
    put_url: \"https://@HOST@:5443/upload\"
    docroot: \"$TEST_DIR/upload\"
    max_size: 1048576"
case $SERVER in
prosody) SOFTWARE='Prosody [0-9.]+ on Linux' ;;
ejabberd) SOFTWARE='ejabberd [0-9.]+[-0-9a-z]*' ;;
esac

cert_pin() {
	openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/^.*=//'
}
key_pin() {
	openssl x509 -in "$1" -noout -pubkey |
		openssl pkey -pubin -outform der |
		openssl dgst -sha256 -c | sed 's/^.*= //' | tr a-f A-F
}

# xmppd_t ACCOUNT: xmppd -t ACCOUNT; under valgrind with XMPP_VALGRIND=1
# (its reports in $TEST_DIR/valgrind.*, checked by the last test).
xmppd_t() {
	if [ "${XMPP_VALGRIND:-0}" = 1 ]; then
		valgrind -q --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite \
			--log-file="$TEST_DIR/valgrind.%p" "$TOP/bin/xmppd" -t "$@"
	else
		xmppd -t "$@"
	fi
}

# has LINE: the output of the last xmppd -t has exactly this line.
has() {
	grep -qxF -- "$1" "$TEST_DIR/t.out" && return 0
	diag "no line '$1' in:"
	sed 's/^/    /' "$TEST_DIR/t.out" >&2
	return 1
}

test_expect_success "set up $SERVER_NAME (its version, an upload service) and accounts" '
	server_setup && server_adduser alice alicepw &&
	server_adduser bob bobpw && server_start
'

test_expect_success 'xmppd -h lists -t, --test' '
	xmppd -h >"$TEST_DIR/help" &&
	grep -Eq "^ +-t, --test +log in once" "$TEST_DIR/help" &&
	grep -q "\[-fdnt\]" "$TEST_DIR/help"
'

test_expect_success 'xmppd -t: where, TLS, certificate, SASL, software, services (0)' '
	xmppd_config alice alice alicepw &&
	xmppd_t alice >"$TEST_DIR/t.out" 2>"$TEST_DIR/t.err" &&
	has "account alice: alice@localhost/xmppd-test" &&
	has "  1. 127.0.0.1 port $SERVER_PORT, STARTTLS: logged in" &&
	has "server: 127.0.0.1 port $SERVER_PORT, STARTTLS" &&
	grep -Eqx "TLS: TLSv1\.[23], cipher [A-Z0-9_]+" "$TEST_DIR/t.out" &&
	has "  subject: CN=localhost" &&
	has "  names: DNS:localhost, DNS:conference.localhost" &&
	has "  issuer: CN=xmppd test CA" &&
	grep -Eqx "  valid: from 20[0-9-]+ [0-9:]+ UTC to 20[0-9-]+ [0-9:]+ UTC" "$TEST_DIR/t.out" &&
	has "  verified by a trusted CA: yes" &&
	has "  SHA-256 of the certificate: $(cert_pin "$SERVER_CERTS/localhost.crt")" &&
	has "  SHA-256 of the public key: $(key_pin "$SERVER_CERTS/localhost.crt")" &&
	has "    fingerprint = $(key_pin "$SERVER_CERTS/localhost.crt")" &&
	grep -Eqx "SASL mechanism: SCRAM-SHA-[0-9]+" "$TEST_DIR/t.out" &&
	has "logged in as alice@localhost/xmppd-test" &&
	grep -Eqx "server software: $SOFTWARE" "$TEST_DIR/t.out" &&
	grep -Eqx "  identity: server/im (Prosody|ejabberd)" "$TEST_DIR/t.out" &&
	has "  feature: urn:xmpp:ping" &&
	has "  feature: http://jabber.org/protocol/disco#info" &&
	has "  conference.localhost:" &&
	grep -Eqx "    identity: conference/text .*Chatrooms" "$TEST_DIR/t.out" &&
	has "  upload.localhost:" &&
	has "    HTTP file upload (XEP-0363), files up to 1048576 bytes" &&
	test ! -s "$TEST_DIR/t.err"
'

test_expect_success 'xmppd -t with direct TLS' '
	xmppd_config alice alice alicepw "directtls = yes" &&
	sed -i "s/^port = .*/port = $SERVER_TLS_PORT/" "$XMPPD_CONFIG" &&
	xmppd_t alice >"$TEST_DIR/t.out" &&
	has "server: 127.0.0.1 port $SERVER_TLS_PORT, direct TLS" &&
	has "logged in as alice@localhost/xmppd-test"
'

test_expect_success 'a running daemon for the account is not disturbed' '
	xmppd_config alice alice alicepw "buddy = bob@localhost" &&
	buddy_start bob bob@localhost/desk bobpw &&
	: >"$TEST_DIR/xmppd.log" && xmppd_start alice &&
	buddy_cmd bob "subscribe alice@localhost" &&
	wait_line "$TEST_DIR/bob.out" "^presence alice@localhost/xmppd available" &&
	test "$(xmpp-status alice bob@localhost)" = 1 &&
	xmppd_t alice >"$TEST_DIR/t.out" 2>"$TEST_DIR/t.err" &&
	has "logged in as alice@localhost/xmppd-test" &&
	buddy_cmd bob "send alice@localhost after the test" &&
	test "$(xmpp-recv -t 10 alice bob@localhost)" = "after the test" &&
	test "$(xmpp-status alice)" = 1 &&
	buddy_sync bob &&
	! grep -q "xmppd-test" "$TEST_DIR/bob.out" &&
	! grep -q "^presence alice@localhost/xmppd unavailable" "$TEST_DIR/bob.out" &&
	test "$(count_lines "$TEST_DIR/xmppd.log" "online as")" = 1 &&
	! grep -Eq "conflict|lost the connection|reconnecting" "$TEST_DIR/xmppd.log" &&
	xmppd_stop && buddy_stop bob
'

test_expect_success 'it touches no socket, lock, spool or logfile' '
	rm -rf "$XMPPD_SOCKET_DIR" "$XMPPD_STATE_DIR" &&
	xmppd_config alice alice alicepw "logfile = $TEST_DIR/service.log" &&
	xmppd_t alice >"$TEST_DIR/t.out" &&
	has "logged in as alice@localhost/xmppd-test" &&
	test ! -e "$XMPPD_SOCKET_DIR" && test ! -e "$XMPPD_STATE_DIR" &&
	test ! -e "$TEST_DIR/service.log"
'

test_expect_success 'statuses as a start: wrong password 77, unreachable 75, bad configuration 78' '
	xmppd_config alice alice wrongpw &&
	{ xmppd_t alice >"$TEST_DIR/t.out" 2>"$TEST_DIR/t.err"; rc=$?; } &&
	test $rc = 77 &&
	grep -q "^xmppd: authentication failed for alice@localhost/xmppd-test: wrong password or unknown user$" "$TEST_DIR/t.err" &&
	port=$("$TOP/tests/freeport") &&
	xmppd_config alice alice alicepw && sed -i "s/^port = .*/port = $port/" "$XMPPD_CONFIG" &&
	{ xmppd_t alice >"$TEST_DIR/t.out" 2>"$TEST_DIR/t.err"; rc=$?; } &&
	test $rc = 75 &&
	has "  1. 127.0.0.1 port $port, STARTTLS: cannot reach 127.0.0.1 port $port: Connection refused" &&
	grep -q "^xmppd: cannot reach 127.0.0.1 port $port: Connection refused$" "$TEST_DIR/t.err" &&
	xmppd_config alice alice alicepw "trust = fingerprint" &&
	{ xmppd_t alice >"$TEST_DIR/t.out" 2>"$TEST_DIR/t.err"; rc=$?; } &&
	test $rc = 78 && grep -q "trust = fingerprint needs the server" "$TEST_DIR/t.err" &&
	{ xmppd -n -t alice 2>"$TEST_DIR/t.err"; rc=$?; } &&
	test $rc = 64 && grep -q "give -n or -t, not both" "$TEST_DIR/t.err"
'

test_expect_success 'a self-signed certificate: 69, and the line it prints, pasted in, logs in' '
	server_stop && server_cert untrusted && server_start &&
	xmppd_config alice alice alicepw &&
	{ xmppd_t alice >"$TEST_DIR/t.out" 2>"$TEST_DIR/t.err"; rc=$?; } &&
	test $rc = 69 &&
	grep -q "^xmppd: the server.s certificate could not be verified for localhost" "$TEST_DIR/t.err" &&
	has "  issuer: CN=localhost" &&
	has "  verified by a trusted CA: no (self-signed certificate)" &&
	line=$(sed -n "s/^    \(fingerprint = .*\)$/\1/p" "$TEST_DIR/t.out") &&
	test "$line" = "fingerprint = $(key_pin "$SERVER_CERTS/untrusted.crt")" &&
	xmppd_config alice alice alicepw "$line" "trust = fingerprint" &&
	xmppd_t alice >"$TEST_DIR/t.out" &&
	has "  pinned fingerprint: matches" &&
	has "logged in as alice@localhost/xmppd-test" &&
	: >"$TEST_DIR/xmppd.log" && xmppd_start alice && xmppd_stop &&
	xmppd_log_has "logged in as alice@localhost/xmppd via "
'

test_expect_success 'a pin that does not match: 69, said loudly' '
	xmppd_config alice alice alicepw "fingerprint = $(key_pin "$SERVER_CERTS/localhost.crt")" \
		"trust = fingerprint" &&
	{ xmppd_t alice >"$TEST_DIR/t.out" 2>"$TEST_DIR/t.err"; rc=$?; } &&
	test $rc = 69 &&
	has "  pinned fingerprint: DOES NOT MATCH (if the server'\''s certificate did not change on purpose, someone may be in between)" &&
	grep -q "does not match the pinned fingerprint" "$TEST_DIR/t.err"
'

test_expect_success 'valgrind found nothing (XMPP_VALGRIND=1)' '
	xmppd_valgrind_clean
'

done_testing
