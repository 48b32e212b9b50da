#!/bin/sh
# t0125-cli: the command lines of every program, as issue 11 asked: -h is
# help everywhere and the usage is printed once; one letter means one
# thing (-L lists, -j is JSON, a --format alone lists, -l still lists in
# xmpp-status); availabilities in any case; XMPP_ACCOUNT is the default
# account when the first operand cannot be one.

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

PROGRAMS="xmppd xmpp-send xmpp-status xmpp-recv xmpp-join xmpp-leave xmpp-presence"

# refused STATUS PATTERN COMMAND...: the command fails with STATUS, says
# PATTERN on stderr and prints nothing on stdout.
refused() {
	_want=$1 _pat=$2
	shift 2
	"$@" >"$TEST_DIR/out" 2>"$TEST_DIR/err"
	_rc=$?
	[ "$_rc" = "$_want" ] && grep -q -- "$_pat" "$TEST_DIR/err" &&
		[ ! -s "$TEST_DIR/out" ] && return 0
	diag "$*: exit $_rc (wanted $_want); stderr: $(cat "$TEST_DIR/err")"
	return 1
}
nmsg=0
# got BODY: bob receives one more message, with this body.
got() {
	nmsg=$((nmsg + 1))
	wait_count "$TEST_DIR/bob.out" '^msg ' $nmsg || return 1
	_got=$(grep '^msg ' "$TEST_DIR/bob.out" | sed -n "${nmsg}p")
	[ "${_got##* }" = "$1" ] && return 0
	diag "bob got: $_got (wanted $1)"
	return 1
}

test_expect_success '-h, -? and --help print the help on stdout and exit 0, in every program' '
	for p in $PROGRAMS; do
		for h in -h -? --help; do
			"$p" $h >"$TEST_DIR/out" 2>"$TEST_DIR/err" ||
				{ diag "$p $h: exit $?"; return 1; }
			test ! -s "$TEST_DIR/err" &&
			grep -q "^Usage: $p " "$TEST_DIR/out" &&
			grep -q -- "-h, --help" "$TEST_DIR/out" || {
				diag "$p $h:"; cat "$TEST_DIR/out" "$TEST_DIR/err" >&2
				return 1
			}
		done
	done
'

test_expect_success 'a bad option: 64, the usage once, on stderr' '
	for p in $PROGRAMS; do
		refused 64 "unknown option" "$p" --bogus x || return 1
		# Once: not popt'"'"'s list of every option and then ours.
		test "$(grep -c "^Usage: $p " "$TEST_DIR/err")" = 1 &&
		! grep -q -- "--socket-dir" "$TEST_DIR/err" ||
			{ diag "$p: $(cat "$TEST_DIR/err")"; return 1; }
	done &&
	xmppd --usage >"$TEST_DIR/out" &&
	test "$(cat "$TEST_DIR/out")" = "Usage: xmppd [-fdnt] [-c FILE] [-S DIR] ACCOUNT"
'

test_expect_success 'set up a server, bob and the daemon' '
	server_setup &&
	server_adduser alice alicepw && server_adduser bob bobpw &&
	server_start &&
	xmppd_config alice alice alicepw "buddy = bob@localhost" &&
	xmppd_start alice &&
	buddy_start bob bob@localhost/desk bobpw &&
	wait_for 10 "test \"\$(xmpp-status alice bob@localhost)\" = 1"
'

test_expect_success 'xmpp-status: -L lists, and -l, its first spelling, still does' '
	xmpp-status -L alice >"$TEST_DIR/L" &&
	grep -q "^account alice: online" "$TEST_DIR/L" &&
	xmpp-status -l alice >"$TEST_DIR/l" &&
	test "$(sed "s/up [0-9hms]*,//" "$TEST_DIR/L")" = "$(sed "s/up [0-9hms]*,//" "$TEST_DIR/l")" &&
	xmpp-status --list alice | grep -q "^account alice: online"
'

test_expect_success 'xmpp-status: the table column is ORIGIN, as in TSV and JSON' '
	grep -q "^CONTACT  *STATUS  *SUBSCRIPTION ORIGIN$" "$TEST_DIR/L"
'

test_expect_success 'xmpp-status: -j is --format=json, and a format alone lists' '
	xmpp-status -j alice >"$TEST_DIR/j" &&
	grep -q "^{\"type\":\"account\",\"name\":\"alice\"" "$TEST_DIR/j" &&
	grep -qx "{\"type\":\"contact\",\"jid\":\"bob@localhost\",\"origin\":\"both\",\"subscription\":\"both\",\"status\":1}" "$TEST_DIR/j" &&
	xmpp-status --format=json alice >"$TEST_DIR/f" &&
	test "$(grep -c "^{" "$TEST_DIR/f")" = "$(grep -c "^{" "$TEST_DIR/j")" &&
	xmpp-status --format=tsv alice | grep -q "^account	alice	online" &&
	refused 64 "take no JID" xmpp-status -j alice bob@localhost &&
	refused 64 "take no JID" xmpp-status --format=tsv alice bob@localhost
'

test_expect_success 'xmpp-presence: the availability in any case (DND, Away)' '
	xmpp-presence alice DND On a call &&
	test "$(xmpp-status alice)" = 5 &&
	xmpp-presence alice Away &&
	test "$(xmpp-status alice)" = 3 &&
	xmpp-presence alice available &&
	test "$(xmpp-status alice)" = 1 &&
	refused 64 "unknown presence" xmpp-presence alice online
'

test_expect_success 'XMPP_ACCOUNT: the account when the first operand is a JID' '
	XMPP_ACCOUNT=alice xmpp-send bob@localhost "from the default account" &&
	got "account" &&
	test "$(XMPP_ACCOUNT=alice xmpp-status bob@localhost)" = 1 &&
	test "$(XMPP_ACCOUNT=alice xmpp-status)" = 1 &&
	XMPP_ACCOUNT=alice xmpp-status -L | grep -q "^account alice: online" &&
	buddy_cmd bob "send alice@localhost the answer" && buddy_sync bob &&
	test "$(XMPP_ACCOUNT=alice xmpp-recv -t 5 bob@localhost)" = "the answer"
'

test_expect_success 'XMPP_ACCOUNT: a named account still wins' '
	refused 69 "account nosuch: no daemon" env XMPP_ACCOUNT=alice \
		xmpp-send nosuch bob@localhost hi &&
	refused 69 "account nosuch: no daemon" env XMPP_ACCOUNT=alice \
		xmpp-status nosuch
'

test_expect_success 'XMPP_ACCOUNT: xmpp-presence takes it when an availability comes first' '
	XMPP_ACCOUNT=alice xmpp-presence dnd Busy &&
	test "$(xmpp-status alice)" = 5 &&
	XMPP_ACCOUNT=nosuch xmpp-presence alice available &&
	test "$(xmpp-status alice)" = 1
'

test_expect_success 'no XMPP_ACCOUNT and no ACCOUNT, or a bad one: 64, saying so' '
	refused 64 "no ACCOUNT before .bob@localhost.: give it first, or set XMPP_ACCOUNT" \
		env -u XMPP_ACCOUNT xmpp-send bob@localhost hi &&
	refused 64 "no ACCOUNT before .dnd." env -u XMPP_ACCOUNT xmpp-presence dnd &&
	refused 64 "Usage: xmpp-status" env -u XMPP_ACCOUNT xmpp-status &&
	refused 64 "bad account name .\\.\\./x. in XMPP_ACCOUNT" \
		env XMPP_ACCOUNT=../x xmpp-send bob@localhost hi
'

test_expect_success 'xmpp-send: -A is --file, and -F, its first spelling, still is' '
	xmpp-send --help >"$TEST_DIR/help" &&
	grep -q -- "-A, --file=FILE" "$TEST_DIR/help" &&
	if grep -q -- "-F" "$TEST_DIR/help"; then return 1; fi &&
	for o in -A -F --file; do
		refused 66 "cannot read $TEST_DIR/no.wav" \
			xmpp-send $o "$TEST_DIR/no.wav" alice bob@localhost || return 1
	done &&
	xmpp-recv --help | grep -q -- "-F, --follow"
'

test_expect_success 'xmppd -n is still "check the configuration"' '
	xmppd -n alice >"$TEST_DIR/out" &&
	grep -q "alice" "$TEST_DIR/out"
'

test_expect_success 'the daemon stops cleanly' '
	xmppd_stop
'

done_testing
