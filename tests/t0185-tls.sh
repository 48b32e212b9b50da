#!/bin/sh
# t0185-tls: direct TLS (XEP-0368: TLS from the first byte) chosen by
# directtls = yes or Asterisk's forceoldssl = yes; the login line that
# says how each login was made; pinned fingerprints (fingerprint =,
# trust =) on STARTTLS and direct TLS alike: the certificate's or the
# public key's, a wrong one refused before anything is sent, a
# self-signed certificate trusted by its pin alone.  Against a private
# Prosody or ejabberd with a STARTTLS and a direct TLS port; what the
# server received is read from its log (debug level).

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

SERVER_DIRECT_TLS=1 PROSODY_LOG_LEVEL=debug EJABBERD_LOG_LEVEL=debug
TLS='TLSv1\.[23] [A-Z0-9_]+, SCRAM-SHA-[0-9]+\)$'
BAD=00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F

# cert_pin FILE: the SHA-256 of the certificate (DER), as openssl says it.
cert_pin() {
	openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/^.*=//'
}

# key_pin FILE: the SHA-256 of its public key (SubjectPublicKeyInfo DER).
key_pin() {
	openssl x509 -in "$1" -noout -pubkey |
		openssl pkey -pubin -outform der |
		openssl dgst -sha256 -c | sed 's/^.*= //' | tr a-f A-F
}

# direct LINE...: the account alice on the direct TLS port, with LINEs.
direct() {
	xmppd_config alice alice alicepw "directtls = yes" "$@" &&
		sed -i "s/^port = .*/port = $SERVER_TLS_PORT/" "$XMPPD_CONFIG"
}

# seen: lines of the server's log that show a client got as far as
# sending its stream after TLS (the server then offers SASL mechanisms:
# before TLS neither offers any), or authenticating.
seen() {
	if server_is prosody; then
		count_lines "$SERVER_LOG" \
			"SASL mechanisms supported by handler|<auth |test: authenticat|Authenticated as"
	else
		count_lines "$SERVER_LOG" "<mechanisms|<auth |authentication for "
	fi
}

# logins_on PORT: logins of alice the server took on PORT.
logins_on() {
	server_logins_on alice "$1"
}

# logins_reach PORT N: the server's log (written as it goes) comes to N.
logins_reach() {
	_lr_port=$1 _lr_n=$2
	wait_for 10 '[ "$(logins_on "$_lr_port")" -ge "$_lr_n" ]' && return 0
	diag "$(logins_on "$_lr_port") logins on port $_lr_port, wanted $_lr_n"
	return 1
}

# auths: the server's log lines of a successful authentication.
auths() {
	if server_is prosody; then
		count_lines "$SERVER_LOG" "Authenticated as"
	else
		count_lines "$SERVER_LOG" "authentication for "
	fi
}

# login_once: the daemon logs in (its log afresh in xmppd.log) and stops;
# returns once the server's log, which may lag, shows that login, so that
# its lines are not taken for the next test's.
login_once() {
	_lo_n=$(auths) &&
	: >"$TEST_DIR/xmppd.log" && xmppd_start alice && xmppd_stop &&
	wait_for 10 "[ \$(auths) -gt $_lo_n ]"
}

# refused_69 PATTERN: xmppd refuses to start with 69 and PATTERN (grep
# -F) on stderr, and the server saw nothing after TLS.
refused_69() {
	_before=$(seen)
	xmppd -f alice >/dev/null 2>"$TEST_DIR/err"
	_rc=$?
	if [ $_rc != 69 ] || ! grep -qF -- "$1" "$TEST_DIR/err"; then
		diag "status $_rc, wanted 69 and: $1"
		sed 's/^/    /' "$TEST_DIR/err" >&2
		return 1
	fi
	[ "$(seen)" = "$_before" ] && return 0
	diag "$SERVER_NAME saw the stream or a login after TLS:"
	tail -n 30 "$SERVER_LOG" | sed 's/^/    /' >&2
	return 1
}

test_expect_success "set up $SERVER_NAME with a STARTTLS and a direct TLS port" '
	server_setup && server_adduser alice alicepw && server_start &&
	test -n "$SERVER_TLS_PORT" &&
	CERT=$(cert_pin "$SERVER_CERTS/localhost.crt") &&
	KEY=$(key_pin "$SERVER_CERTS/localhost.crt") &&
	test ${#CERT} = 95 && test ${#KEY} = 95 && test "$CERT" != "$KEY"
'

test_expect_success 'STARTTLS: the login line names host, port, STARTTLS, TLS version, cipher, SASL' '
	xmppd_config alice alice alicepw && before=$(logins_on "$SERVER_PORT") &&
	login_once &&
	xmppd_log_has "logged in as alice@localhost/xmppd via 127\.0\.0\.1 port $SERVER_PORT \(STARTTLS, $TLS" &&
	xmppd_log_has "online as alice@localhost/xmppd$" &&
	logins_reach "$SERVER_PORT" $((before + 1))
'

test_expect_success 'directtls = yes: TLS from the first byte, on the direct TLS port' '
	direct && before=$(logins_on "$SERVER_TLS_PORT") && login_once &&
	xmppd_log_has "connecting to 127\.0\.0\.1 port $SERVER_TLS_PORT \(direct TLS\)$" &&
	xmppd_log_has "logged in as alice@localhost/xmppd via 127\.0\.0\.1 port $SERVER_TLS_PORT \(direct TLS, $TLS" &&
	logins_reach "$SERVER_TLS_PORT" $((before + 1))
'

test_expect_success 'forceoldssl = yes in an Asterisk xmpp.conf is direct TLS; no is STARTTLS' '
	cat >"$TEST_DIR/xmpp.conf" <<-EOF &&
	[general]
	debug=no
	autoprune=no
	autoregister=yes

	[asterisk]
	type=client
	serverhost=127.0.0.1
	port=$SERVER_TLS_PORT
	username=alice@localhost/asterisk
	secret=alicepw
	priority=1
	usetls=yes
	usesasl=yes
	forceoldssl=yes
	status=available
	statusmessage="I am available"
	timeout=5
	cafile=$SERVER_CAFILE
	EOF
	chmod 600 "$TEST_DIR/xmpp.conf" && XMPPD_CONFIG=$TEST_DIR/xmpp.conf &&
	xmppd -n asterisk >"$TEST_DIR/n.out" 2>"$TEST_DIR/n.err" &&
	grep -qx "directtls = yes" "$TEST_DIR/n.out" &&
	grep -q "option .type. is used by Asterisk only" "$TEST_DIR/n.err" &&
	! grep -q forceoldssl "$TEST_DIR/n.err" &&
	: >"$TEST_DIR/xmppd.log" && xmppd_start asterisk && xmppd_stop &&
	xmppd_log_has "logged in as alice@localhost/asterisk via 127\.0\.0\.1 port $SERVER_TLS_PORT \(direct TLS, " &&
	sed -i -e "s/^forceoldssl=yes/forceoldssl=no/" \
		-e "s/^port=.*/port=$SERVER_PORT/" "$TEST_DIR/xmpp.conf" &&
	xmppd -n asterisk 2>/dev/null | grep -qx "directtls = ; not set: STARTTLS" &&
	: >"$TEST_DIR/xmppd.log" && xmppd_start asterisk && xmppd_stop &&
	xmppd_log_has "logged in as alice@localhost/asterisk via 127\.0\.0\.1 port $SERVER_PORT \(STARTTLS, "
'

test_expect_success 'directtls = yes on a STARTTLS port: refused with a hint (69), nothing sent' '
	xmppd_config alice alice alicepw "directtls = yes" &&
	refused_69 "direct TLS with 127.0.0.1 port $SERVER_PORT failed before any certificate came (is it a STARTTLS port? then set directtls = no, or give the port of direct TLS); no password was sent"
'

test_expect_success 'directtls = no on a direct TLS port: the hint to set directtls = yes (75)' '
	direct "directtls = no" &&
	{ xmppd -f alice 2>"$TEST_DIR/err"; rc=$?; } &&
	{ test $rc = 75 &&
	  grep -q "(if that port speaks TLS from the first byte, set directtls = yes)$" "$TEST_DIR/err" ||
	  { diag "status $rc: $(cat "$TEST_DIR/err")"; false; }; }
'

test_expect_success 'a pin of the certificate (trust = both by default): STARTTLS and direct TLS' '
	xmppd_config alice alice alicepw "fingerprint = $CERT" &&
	xmppd -n alice | grep -qx "trust = both" && login_once &&
	xmppd_log_has "logged in as .* \(STARTTLS, " &&
	direct "fingerprint = $CERT" && login_once &&
	xmppd_log_has "logged in as .* \(direct TLS, "
'

test_expect_success 'a pin of the public key, written without colons in lower case' '
	lower=$(printf %s "$KEY" | tr -d : | tr A-F a-f) &&
	xmppd_config alice alice alicepw "fingerprint = $lower" && login_once &&
	xmppd_log_has "logged in as .* \(STARTTLS, " &&
	direct "fingerprint = $lower" && login_once &&
	xmppd_log_has "logged in as .* \(direct TLS, "
'

test_expect_success 'a wrong pin: refused (69) with both fingerprints, before anything is sent' '
	want="127.0.0.1: the server'\''s certificate does not match the pinned fingerprint: expected $BAD, the server presented certificate $CERT (public key $KEY); no password was sent" &&
	xmppd_config alice alice alicepw "fingerprint = $BAD" &&
	refused_69 "$want" &&
	direct "fingerprint = $BAD" &&
	refused_69 "$want"
'

test_expect_success 'a key rollover: several pins, one of them the server'\''s' '
	xmppd_config alice alice alicepw "fingerprint = $BAD, $KEY" &&
	login_once && xmppd_log_has "logged in as " &&
	direct "fingerprint = $BAD $CERT" && login_once &&
	xmppd_log_has "logged in as .* \(direct TLS, "
'

test_expect_success 'SIGHUP with a pin that no longer matches: the new link is refused' '
	xmppd_config alice alice alicepw "fingerprint = $KEY" &&
	: >"$TEST_DIR/xmppd.log" && xmppd_start alice &&
	xmppd_config alice alice alicepw "fingerprint = $BAD" &&
	kill -HUP "$XMPPD_PID" &&
	wait_line "$TEST_DIR/xmppd.log" "does not match the pinned fingerprint: expected $BAD, " &&
	xmppd_stop
'

test_expect_success 'a self-signed certificate: refused by the CAs (69), with or without a pin' '
	server_stop && server_cert untrusted && server_start &&
	SELF=$(key_pin "$SERVER_CERTS/untrusted.crt") &&
	xmppd_config alice alice alicepw &&
	refused_69 "the server'\''s certificate could not be verified for localhost" &&
	xmppd_config alice alice alicepw "fingerprint = $SELF" "trust = both" &&
	refused_69 "the server'\''s certificate could not be verified for localhost" &&
	direct "fingerprint = $SELF" &&
	refused_69 "the server'\''s certificate could not be verified for localhost"
'

test_expect_success 'trust = fingerprint: the self-signed certificate with its pin alone' '
	xmppd_config alice alice alicepw "fingerprint = $SELF" "trust = fingerprint" &&
	login_once && xmppd_log_has "logged in as .* \(STARTTLS, " &&
	direct "fingerprint = $SELF" "trust = fingerprint" &&
	login_once && xmppd_log_has "logged in as .* \(direct TLS, "
'

test_expect_success 'trust = fingerprint with a wrong pin: refused (69), nothing sent' '
	xmppd_config alice alice alicepw "fingerprint = $BAD" "trust = fingerprint" &&
	refused_69 "does not match the pinned fingerprint: expected $BAD, the server presented certificate $(cert_pin "$SERVER_CERTS/untrusted.crt") (public key $SELF)" &&
	direct "fingerprint = $BAD" "trust = fingerprint" &&
	refused_69 "does not match the pinned fingerprint: expected $BAD, "
'

test_expect_success 'direct TLS checks the name against the JID'\''s domain (69)' '
	server_stop && server_cert wrongname && server_start &&
	direct &&
	refused_69 "the server'\''s certificate could not be verified for localhost"
'

test_expect_success 'trust = fingerprint leaves the name to the pin too' '
	WRONG=$(cert_pin "$SERVER_CERTS/wrongname.crt") &&
	xmppd_config alice alice alicepw "fingerprint = $WRONG" "trust = fingerprint" &&
	login_once && xmppd_log_has "logged in as " &&
	direct "fingerprint = $WRONG" "trust = fingerprint" &&
	login_once && xmppd_log_has "logged in as .* \(direct TLS, "
'

test_expect_success 'the daemon defines SSL_connect for libstrophe to call (dynamic symbol)' '
	nm -D "$TOP/bin/xmppd" | grep -q " T SSL_connect$"
'

done_testing
