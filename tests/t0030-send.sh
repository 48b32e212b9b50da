#!/bin/sh
# t0030-send: xmpp-send delivers bodies exactly and refuses bad input
# before anything is sent.

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

nmsg=0
# got 'ESCAPED BODY': bob receives one more message, with this body as the
# buddy prints it (newline as \n, tab as \t, backslash as \\).
got() {
	nmsg=$((nmsg + 1))
	wait_count "$TEST_DIR/bob.out" '^msg ' $nmsg || return 1
	_got=$(grep '^msg ' "$TEST_DIR/bob.out" | sed -n "${nmsg}p")
	case $_got in
	"msg chat alice@localhost/xmppd xmppd-"*" $1") return 0 ;;
	esac
	diag "bob got: $_got"
	diag "wanted body: $1"
	return 1
}
# refused STATUS PATTERN COMMAND...: the command fails with STATUS and
# says PATTERN on stderr.
refused() {
	_want=$1 _pat=$2
	shift 2
	"$@" >"$TEST_DIR/out" 2>"$TEST_DIR/err"
	_rc=$?
	[ "$_rc" = "$_want" ] && grep -q -- "$_pat" "$TEST_DIR/err" &&
		[ ! -s "$TEST_DIR/out" ] && return 0
	diag "exit $_rc (wanted $_want); stderr: $(cat "$TEST_DIR/err")"
	return 1
}
# a message sent now arrives, so the session survived what came before
alive() {
	_alive="still alive $((nmsg + 1))"
	xmpp-send alice bob@localhost "$_alive" && got "$_alive"
}

server_unshaped "bodies of 32 and 80 KB would take 10 to 30 s each"

test_expect_success 'set up a server, bob and the daemon' '
	server_setup &&
	server_adduser alice alicepw && server_adduser bob bobpw &&
	server_start &&
	xmppd_config alice alice alicepw "buddy = bob@localhost" &&
	xmppd_start alice &&
	buddy_start bob bob@localhost/desk bobpw
'

test_expect_success 'words are joined by single spaces, commas kept' '
	xmpp-send alice bob@localhost "Call from 555-1234, line 2" is "for" you &&
	got "Call from 555-1234, line 2 is for you"
'

test_expect_success 'words may start with "-", after "--" or not' '
	xmpp-send alice bob@localhost -- -5 degrees -- outside &&
	got "-5 degrees -- outside" &&
	xmpp-send alice bob@localhost -n is not an option &&
	got "-n is not an option"
'

test_expect_success 'UTF-8 and XML specials arrive unchanged' '
	xmpp-send alice bob@localhost "<b>&amp; \"q\" '"'"'s'"'"' Grüße 日本 🎉" &&
	got "<b>&amp; \"q\" '"'"'s'"'"' Grüße 日本 🎉"
'

test_expect_success 'no words: the body comes from stdin, lines and spaces kept' '
	printf "  indented\n\ttabbed\n\nlast\n\n" | xmpp-send alice bob@localhost &&
	got "  indented\\n\\ttabbed\\n\\nlast"
'

test_expect_success 'a body of exactly 32768 bytes is sent whole' '
	head -c 32768 /dev/zero | tr "\0" x >"$TEST_DIR/big" &&
	xmpp-send alice bob@localhost <"$TEST_DIR/big" &&
	got "$(cat "$TEST_DIR/big")"
'

test_expect_success 'a body over 32768 bytes is refused with 65' '
	head -c 32769 /dev/zero | tr "\0" x >"$TEST_DIR/big" &&
	refused 65 "too long" xmpp-send alice bob@localhost <"$TEST_DIR/big" &&
	alive
'

test_expect_success 'an empty body is refused with 65' '
	refused 65 "empty message" xmpp-send alice bob@localhost "" &&
	printf "\n\n" >"$TEST_DIR/nl" &&
	refused 65 "empty message" xmpp-send alice bob@localhost <"$TEST_DIR/nl" &&
	refused 65 "empty message" xmpp-send alice bob@localhost </dev/null
'

test_expect_success 'control characters are refused with 65 and the session survives' '
	refused 65 "not allowed in XML" xmpp-send alice bob@localhost "$(printf "bell\007")" &&
	refused 65 "not allowed in XML" xmpp-send alice bob@localhost "$(printf "esc\033[0m")" &&
	alive
'

test_expect_success 'NUL bytes, U+FFFE and invalid UTF-8 are refused with 65' '
	printf "a\000b" >"$TEST_DIR/nul" &&
	refused 65 "NUL byte at byte 1" xmpp-send alice bob@localhost <"$TEST_DIR/nul" &&
	refused 65 "not allowed in XML" xmpp-send alice bob@localhost "$(printf "x\357\277\276")" &&
	refused 65 "not allowed in XML" xmpp-send alice bob@localhost "$(printf "x\357\277\277")" &&
	refused 65 "invalid UTF-8 at byte 2" xmpp-send alice bob@localhost "$(printf "ok\377\376")" &&
	refused 65 "invalid UTF-8" xmpp-send alice bob@localhost "$(printf "\300\200")" &&
	alive
'

test_expect_success 'a colour code, a Latin-1 byte, 32769 bytes: refused (65), the error names --clean' '
	printf "\033[1;31mFAILED\033[0m\n" >"$TEST_DIR/colour" &&
	refused 65 "control character.*--clean" xmpp-send alice bob@localhost <"$TEST_DIR/colour" &&
	printf "caf\351\n" >"$TEST_DIR/latin1" &&
	refused 65 "invalid UTF-8 at byte 3 (--clean" xmpp-send alice bob@localhost <"$TEST_DIR/latin1" &&
	head -c 32769 /dev/zero | tr "\0" x >"$TEST_DIR/big" &&
	refused 65 "over 32768 bytes (--clean sends it in parts)" \
		xmpp-send alice bob@localhost <"$TEST_DIR/big"
'

test_expect_success '--clean: terminal codes and controls go, CR LF is LF, bad bytes are U+FFFD' '
	printf "\033[1;31mFAILED\033[0m: disk\r\n\033]0;title\007caf\351 \001done\n" |
		xmpp-send --clean alice bob@localhost &&
	got "FAILED: disk\\ncaf$(printf "\357\277\275") done" &&
	xmpp-send -C alice bob@localhost "$(printf "arg\033[0m \302\205words")" &&
	got "arg words" &&
	printf "plain text stays\n" | xmpp-send -C alice bob@localhost &&
	got "plain text stays"
'

test_expect_success '--clean: nothing left once cleaned is still an empty message (65)' '
	refused 65 "empty message: nothing to send once terminal codes" \
		xmpp-send -C alice bob@localhost "$(printf "\033[0m\001")"
'

test_expect_success '--clean: 80 KB are sent in 3 parts, cut at line ends, saying so, nothing lost' '
	i=0 && while [ $i -lt 1400 ]; do
		printf "line %05d of a long report, padded to be long enough\n" $i
		i=$((i + 1))
	done >"$TEST_DIR/report" &&
	xmpp-send --clean alice bob@localhost <"$TEST_DIR/report" &&
	nmsg=$((nmsg + 3)) && wait_count "$TEST_DIR/bob.out" "^msg " $nmsg &&
	grep "^msg " "$TEST_DIR/bob.out" | tail -n 3 |
		sed "s/^msg chat [^ ]* [^ ]* //" >"$TEST_DIR/parts" &&
	sed -n 1p "$TEST_DIR/parts" | grep -q "^(part 1 of 3)\\\\nline 00000 " &&
	sed -n 2p "$TEST_DIR/parts" | grep -q "^(part 2 of 3)\\\\nline " &&
	sed -n 3p "$TEST_DIR/parts" | grep -q "^(part 3 of 3)\\\\nline .*line 01399 of a long report, padded to be long enough$" &&
	sed "s/^(part [1-3] of 3)\\\\n//" "$TEST_DIR/parts" | sed "s/\\\\n/\n/g" >"$TEST_DIR/joined" &&
	cmp "$TEST_DIR/report" "$TEST_DIR/joined"
'

test_expect_success 'bad JIDs are refused with 65' '
	long=$(head -c 1024 /dev/zero | tr "\0" n) &&
	for jid in bob @localhost bob@ "bob@local host" "b<b@localhost" \
		"$long@localhost" "bob@localhost/" "$(printf "bo\001b@localhost")"; do
		refused 65 "bad JID" xmpp-send alice "$jid" hello || return 1
	done &&
	alive
'

test_expect_success 'the daemon itself refuses bad data, and the connection goes on' '
	printf "SEND 5 bob@localhost\nab\001cdSEND 5 bob\nhelloSEND 2 bob@localhost\nokQUIT\n" |
		socat -t 5 - "UNIX-CONNECT:$XMPPD_SOCKET_DIR/alice.sock" >"$TEST_DIR/conv" &&
	sed -n 1p "$TEST_DIR/conv" | grep -q "^XMPPD 1 alice$" &&
	sed -n 2p "$TEST_DIR/conv" | grep -q "^ERR 65 character not allowed in XML" &&
	sed -n 3p "$TEST_DIR/conv" | grep -q "^ERR 65 bad JID" &&
	sed -n 4p "$TEST_DIR/conv" | grep -q "^OK xmppd-" &&
	sed -n 5p "$TEST_DIR/conv" | grep -q "^OK bye$" &&
	got ok
'

test_expect_success 'garbage on the socket: that connection ends, the daemon serves on' '
	head -c 200000 /dev/urandom |
		socat -t 5 - "UNIX-CONNECT:$XMPPD_SOCKET_DIR/alice.sock" >/dev/null 2>&1;
	printf "HELLO there\nSTATUS bob@localhost\n" |
		socat -t 5 - "UNIX-CONNECT:$XMPPD_SOCKET_DIR/alice.sock" >"$TEST_DIR/conv" &&
	grep -q "^ERR 64 unknown request" "$TEST_DIR/conv" &&
	grep -q "^OK 1$" "$TEST_DIR/conv" &&
	pid_alive "$XMPPD_PID" && alive
'

test_expect_success 'usage errors give 64' '
	refused 64 "Usage" xmpp-send &&
	refused 64 "Usage" xmpp-send alice &&
	refused 64 "bad account name" xmpp-send ../etc bob@localhost hi &&
	refused 64 "unknown option" xmpp-send --bogus alice bob@localhost hi
'

test_expect_success 'an unknown account gives 69 naming it and its socket' '
	refused 69 "account nosuch: no daemon running ($XMPPD_SOCKET_DIR/nosuch.sock" \
		xmpp-send nosuch bob@localhost hi
'

test_expect_success 'the daemon stops cleanly' '
	xmppd_stop
'

done_testing
