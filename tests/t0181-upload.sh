#!/bin/sh
# t0181-upload: xmpp-send --file against the server's own HTTP upload
# service (XEP-0363): Prosody's mod_http_file_share, ejabberd's
# mod_http_upload.  The buddy gets the text, then each file's URL as the
# body and as out-of-band data (XEP-0066), and fetches the URL over HTTPS
# (the test CA) to get the file byte for byte.  A file over the service's
# limit, an unreadable or empty file, the daily quota (Prosody), a server
# without an upload service, no server at all, a service that does not
# answer, an upload cut halfway (the server killed, or stopped, during
# the PUT) and an upload server with a wrong certificate (Prosody) each
# give their exit status and a clear message, and nothing is sent.

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

LIMIT=1048576
# What each service makes of a file name in its URL: Prosody
# percent-encodes, ejabberd also turns blanks into "_".
if server_is ejabberd; then
	KOELN=Gr%C3%BC%C3%9Fe_aus_K%C3%B6ln.wav BY_HAND=by_hand.txt
	# ejabberd takes 300 MB/s here: a PUT must last to be cut.
	LONG=$((256 * LIMIT))
else
	KOELN=Gr%C3%BC%C3%9Fe%20aus%20K%C3%B6ln.wav BY_HAND=by%20hand.txt
	LONG=$((12 * LIMIT))
fi
nmsg=0
# next_msg: bob's next message line, in $msg (its id in $msg_id, its
# body in $msg_body).
next_msg() {
	nmsg=$((nmsg + 1))
	wait_count "$TEST_DIR/bob.out" '^msg ' $nmsg || return 1
	msg=$(grep '^msg ' "$TEST_DIR/bob.out" | sed -n "${nmsg}p")
	msg_id=$(printf '%s\n' "$msg" | cut -d' ' -f4)
	msg_body=$(printf '%s\n' "$msg" | cut -d' ' -f5-)
}
# got_text BODY: bob's next message is this text from alice, no link.
got_text() {
	next_msg || return 1
	case $msg in
	"msg chat alice@localhost/xmppd xmppd-"*" $1")
		! grep -q "^oob [^ ]* $msg_id " "$TEST_DIR/bob.out" && return 0 ;;
	esac
	diag "bob got: $msg"
	diag "wanted:  $1"
	return 1
}
# got_file FILE [NAME]: bob's next message is a link to FILE: its body
# is an https URL ending in NAME (default: FILE's name), the same URL
# comes as out-of-band data, and fetching it gives FILE byte for byte.
got_file() {
	next_msg || return 1
	case $msg_body in
	https://*/"${2:-$(basename "$1")}") ;;
	*) diag "bob got: $msg (wanted a link to ${2:-$(basename "$1")})"; return 1 ;;
	esac
	wait_line "$TEST_DIR/bob.out" "^oob alice@localhost/xmppd $msg_id " &&
	oob=$(grep "^oob alice@localhost/xmppd $msg_id " "$TEST_DIR/bob.out" |
		cut -d' ' -f4-) &&
	test "$oob" = "$msg_body" &&
	rm -f "$TEST_DIR/fetched" &&
	curl -sS --fail --cacert "$SERVER_CAFILE" -o "$TEST_DIR/fetched" \
		"$msg_body" &&
	cmp "$1" "$TEST_DIR/fetched"
}
# refused STATUS PATTERN COMMAND...: fails with STATUS, says PATTERN.
refused() {
	_want=$1 _pat=$2
	shift 2
	"$@" >"$TEST_DIR/out" 2>"$TEST_DIR/err"
	_rc=$?
	[ "$_rc" = "$_want" ] && grep -q -- "$_pat" "$TEST_DIR/err" &&
		[ ! -s "$TEST_DIR/out" ] && [ "$(wc -l <"$TEST_DIR/err")" = 1 ] &&
		return 0
	diag "exit $_rc (wanted $_want); stderr: $(cat "$TEST_DIR/err")"
	return 1
}
# nothing_sent: what was refused sent nothing: a marker is bob's next.
nmark=0
nothing_sent() {
	nmark=$((nmark + 1))
	xmpp-send alice bob@localhost "marker $nmark" && got_text "marker $nmark"
}
# ask LINE...: the daemon's answers to these request lines, typed by hand.
ask() {
	printf '%s\n' "$@" | socat -t 5 - "UNIX-CONNECT:$XMPPD_SOCKET_DIR/alice.sock"
}
# back_online: the server up again (if not yet) and the daemon logged
# in; bob anew.
back_online() {
	buddy_stop bob
	{ [ -n "$SERVER_PID" ] || server_start; } &&
	wait_for 30 'xmpp-status alice >/dev/null 2>&1' &&
	buddy_start bob bob@localhost/desk bobpw && nmsg=0
}
# send_long: xmpp-send of long.wav in the background ($sender), its exit
# status to $TEST_DIR/rc, its stderr to $TEST_DIR/err.
send_long() {
	{ xmpp-send --file "$TEST_DIR/long.wav" alice bob@localhost "long one" \
		>"$TEST_DIR/out" 2>"$TEST_DIR/err"; echo $? >"$TEST_DIR/rc"; } &
	sender=$!
}
# cut_short: the upload of send_long failed with 75, saying so.
cut_short() {
	wait_for 30 "! pid_alive $sender" && wait $sender &&
	test "$(cat "$TEST_DIR/rc")" = 75 &&
	grep -q "^xmpp-send: $TEST_DIR/long.wav: upload failed: " "$TEST_DIR/err" &&
	test "$(wc -l <"$TEST_DIR/err")" = 1 && return 0
	diag "exit $(cat "$TEST_DIR/rc"): $(cat "$TEST_DIR/err")"
	return 1
}

test_expect_success 'only xmpp-put links libcurl: sending text loads no HTTP code' '
	ldd "$TOP/bin/xmpp-put" | grep -q "libcurl" &&
	if ldd "$TOP/bin/xmpp-send" | grep "libcurl"; then return 1; fi
'

test_expect_success "set up $SERVER_NAME with an upload service of 1 MiB, bob and the daemon" '
	server_setup && server_upload $LIMIT $((3 * LIMIT)) &&
	server_adduser alice alicepw && server_adduser bob bobpw &&
	server_start &&
	xmppd_config alice alice alicepw "buddy = bob@localhost" &&
	xmppd_start alice &&
	buddy_start bob bob@localhost/desk bobpw
'

test_expect_success 'a file and a text: the text, then the link, inline (OOB), intact' '
	head -c 5000 /dev/urandom >"$TEST_DIR/photo.jpg" &&
	xmpp-send --file "$TEST_DIR/photo.jpg" alice bob@localhost Look at "this," please \
		>"$TEST_DIR/out" && test ! -s "$TEST_DIR/out" &&
	got_text "Look at this, please" &&
	got_file "$TEST_DIR/photo.jpg"
'

test_expect_success 'the daemon found the service once, with its limit' '
	xmppd_log_has "HTTP upload service upload.localhost, files up to $LIMIT bytes" &&
	test "$(grep -c "HTTP upload service" "$TEST_DIR/xmppd.log")" = 1
'

test_expect_success 'two files, no text: two links, in order; names with spaces and UTF-8' '
	mkdir -p "$TEST_DIR/vm" &&
	head -c 3000 /dev/urandom >"$TEST_DIR/vm/Grüße aus Köln.wav" &&
	head -c 4000 /dev/urandom >"$TEST_DIR/vm/b.txt" &&
	xmpp-send -A "$TEST_DIR/vm/Grüße aus Köln.wav" --file "$TEST_DIR/vm/b.txt" \
		alice bob@localhost &&
	got_file "$TEST_DIR/vm/Grüße aus Köln.wav" "$KOELN" &&
	got_file "$TEST_DIR/vm/b.txt"
'

test_expect_success 'a file of exactly the limit is sent; --wait waits for each message' '
	head -c $LIMIT /dev/urandom >"$TEST_DIR/limit.bin" &&
	xmpp-send --wait 10 --file "$TEST_DIR/limit.bin" alice bob@localhost &&
	got_file "$TEST_DIR/limit.bin"
'

test_expect_success 'installed, xmpp-send runs the xmpp-put beside it; none: 69' '
	mkdir -p "$TEST_DIR/inst/bin" "$TEST_DIR/inst/lib/xmpp-toolkit" &&
	cp "$TOP/bin/xmpp-send" "$TEST_DIR/inst/bin/" &&
	cp "$TOP/bin/xmpp-put" "$TEST_DIR/inst/lib/xmpp-toolkit/" &&
	# -F: the first spelling of -A, still documented as working.
	env -u XMPP_PUT "$TEST_DIR/inst/bin/xmpp-send" -F "$TEST_DIR/photo.jpg" \
		alice bob@localhost &&
	got_file "$TEST_DIR/photo.jpg" &&
	refused 69 "cannot run $TEST_DIR/nowhere, the HTTP part of --file" \
		env XMPP_PUT="$TEST_DIR/nowhere" xmpp-send -F "$TEST_DIR/photo.jpg" \
		alice bob@localhost &&
	nothing_sent
'

test_expect_success 'a file over the limit: 65, the limit named, nothing sent' '
	head -c $((LIMIT + 1)) /dev/urandom >"$TEST_DIR/over.bin" &&
	refused 65 "too large for the upload service upload.localhost ($((LIMIT + 1)) bytes, at most $LIMIT)" \
		xmpp-send --file "$TEST_DIR/photo.jpg" --file "$TEST_DIR/over.bin" \
		alice bob@localhost with a text &&
	nothing_sent
'

test_expect_success 'a file that cannot be read: 66, before the daemon is asked' '
	chmod 711 "$TEST_DIR" && cp "$TEST_DIR/photo.jpg" "$TEST_DIR/secret.jpg" &&
	chmod 600 "$TEST_DIR/secret.jpg" &&
	refused 66 "cannot read $TEST_DIR/secret.jpg: Permission denied" \
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
		env XMPPD_SOCKET_DIR=/nonexistent xmpp-send --file "$TEST_DIR/secret.jpg" alice bob@localhost &&
	refused 66 "cannot read $TEST_DIR/nope.jpg: No such file" \
		xmpp-send --file "$TEST_DIR/nope.jpg" alice bob@localhost &&
	refused 66 "$TEST_DIR/vm: not a regular file" \
		xmpp-send --file "$TEST_DIR/vm" alice bob@localhost &&
	nothing_sent
'

test_expect_success 'an empty file: 65; --file with --queue, --lines or --receipt: 64' '
	: >"$TEST_DIR/empty.wav" &&
	refused 65 "empty file" xmpp-send --file "$TEST_DIR/empty.wav" alice bob@localhost &&
	refused 64 "goes with neither" xmpp-send -Q --file "$TEST_DIR/photo.jpg" alice bob@localhost &&
	refused 64 "goes with neither" xmpp-send -l --file "$TEST_DIR/photo.jpg" alice bob@localhost &&
	refused 64 "goes with neither" xmpp-send -r 5 --file "$TEST_DIR/photo.jpg" alice bob@localhost &&
	nothing_sent
'

test_expect_success 'SLOT and OSEND by hand: the records; bad requests refused' '
	ask "SLOT 10000 3 text/plain by hand.txt" >"$TEST_DIR/slot" &&
	grep -q "^put	https://.*/$BY_HAND$" "$TEST_DIR/slot" &&
	grep -q "^get	https://.*/$BY_HAND$" "$TEST_DIR/slot" &&
	if server_is prosody; then
		grep -q "^header	Authorization	Bearer " "$TEST_DIR/slot"
	fi &&
	grep -qx "cafile	$SERVER_CAFILE" "$TEST_DIR/slot" &&
	ask "SLOT 10000 0 text/plain a.txt" "SLOT 10000 3 text a.txt" \
		"SLOT 10000 3 text/plain a/b.txt" "SLOT 10000 3 text/plain" \
		"OSEND 9 bob@localhost" "not a url" >"$TEST_DIR/answers" &&
	sed 1d "$TEST_DIR/answers" >"$TEST_DIR/got" &&
	printf "%s\n" "ERR 65 the file is empty: nothing to upload" \
		"ERR 65 bad content type '"'"'text'"'"' (give TYPE/SUBTYPE)" \
		"ERR 65 bad file name '"'"'a/b.txt'"'"' (at most 255 bytes of text, no '"'"'/'"'"')" \
		"ERR 64 usage: SLOT MILLISECONDS SIZE TYPE NAME" \
		"ERR 65 an out-of-band message must be one URL (http:// or https://, no blanks)" |
		diff -u - "$TEST_DIR/got" &&
	nothing_sent
'

test_skip_on ejabberd "mod_http_upload has no daily quota" \
	'the daily quota reached: 75, the service says why' '
	xmpp-send --file "$TEST_DIR/limit.bin" alice bob@localhost &&
	got_file "$TEST_DIR/limit.bin" &&
	refused 75 "upload.localhost refused: resource-constraint (Daily quota reached)" \
		xmpp-send --file "$TEST_DIR/limit.bin" alice bob@localhost &&
	nothing_sent
'

test_expect_success 'a service that does not answer: 75 at the deadline; its late answer is dropped' '
	server_pause &&
	ask "SLOT 300 3 text/plain late.txt" >"$TEST_DIR/late" &&
	server_resume &&
	sed 1d "$TEST_DIR/late" >"$TEST_DIR/got" &&
	echo "ERR 75 no slot from the upload service in time; try again later" |
		diff -u - "$TEST_DIR/got" &&
	nothing_sent
'

test_expect_success 'a new link, a server without an upload service: 69, said once' '
	server_stop && server_upload && back_online &&
	refused 69 "the server localhost offers no HTTP upload service" \
		xmpp-send --file "$TEST_DIR/photo.jpg" alice bob@localhost "a text" &&
	refused 69 "offers no HTTP upload service" \
		xmpp-send --file "$TEST_DIR/photo.jpg" alice bob@localhost &&
	test "$(grep -c "offers no HTTP upload service" "$TEST_DIR/xmppd.log")" = 1 &&
	nothing_sent
'

# The daemon backs off more after each link that lasted less than a
# minute: where a test needs no link from before, a fresh daemon.
test_expect_success 'an upload cut halfway (the server killed): 75, nothing sent' '
	xmppd_stop && server_stop && server_upload $((2 * LONG)) &&
	server_start && xmppd_start alice && back_online &&
	head -c $LONG /dev/zero >"$TEST_DIR/long.wav" &&
	send_long && wait_for 30 "server_upload_partial long.wav" &&
	server_kill && cut_short
'

test_expect_success 'no server: 75, not connected' '
	refused 75 "account alice: $TEST_DIR/photo.jpg: not connected to the server; try again later" \
		xmpp-send --file "$TEST_DIR/photo.jpg" alice bob@localhost
'

test_expect_success '... and once it is back, bob never got a link from either' '
	back_online && nothing_sent
'

test_expect_success 'an upload cut halfway (the server stopped): 75, nothing sent' '
	find "$SERVER_CERTS" \( -name "*~" -o -name long.wav \) -type f -delete &&
	send_long && wait_for 30 "server_upload_partial long.wav" &&
	server_stop && cut_short &&
	back_online && nothing_sent
'

test_skip_on ejabberd "its https listener serves the certificate of c2s" \
	'an upload server whose certificate is for another name: 69, nothing sent' '
	xmppd_stop && server_stop &&
	PROSODY_HTTPS_CERT=wrongname && server_upload $LIMIT $((1024 * LIMIT)) &&
	server_start && xmppd_start alice && back_online &&
	refused 69 "$TEST_DIR/photo.jpg: upload failed: SSL: no alternative certificate subject name matches target host name .upload.localhost." \
		xmpp-send --file "$TEST_DIR/photo.jpg" alice bob@localhost "a text" &&
	nothing_sent
'

test_skip_on ejabberd "its https listener serves the certificate of c2s" \
	'an upload server whose certificate the account does not trust: 69' '
	xmppd_stop && server_stop &&
	PROSODY_HTTPS_CERT=untrusted && server_upload $LIMIT $((1024 * LIMIT)) &&
	server_start && xmppd_start alice && back_online &&
	refused 69 "$TEST_DIR/photo.jpg: upload failed: SSL certificate problem: self-signed certificate" \
		xmpp-send --file "$TEST_DIR/photo.jpg" alice bob@localhost "a text" &&
	nothing_sent
'

test_expect_success 'the daemon stops cleanly' '
	xmppd_stop
'

done_testing
