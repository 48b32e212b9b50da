#!/bin/sh
# t0100-golden: "xmppd -n" on realistic xmpp.conf files, Asterisk's own
# among them, prints exactly the effective configuration kept in
# tests/golden/CONF--ACCOUNT.out; Asterisk-only options are warned about
# once, on stderr, and sendtodialplan/context once more, pointing at hook;
# a file xmppd refuses gives the message kept in
# tests/golden/CONF--ACCOUNT.err and status 78.  asterisk-xmpp-sample.conf
# is Asterisk's sample as it ships: read whole, it has no account yet.
#
# To add a case: write tests/golden/NAME.conf, run
#   (cd tests/golden && chmod 600 NAME.conf && ../../bin/xmppd -n -c NAME.conf ACCOUNT)
# read the output line by line against xmppd.conf(5), and only then keep
# it as tests/golden/NAME--ACCOUNT.out (git keeps the mode as 0644: the
# test copies the files and closes them).  Files the configuration names
# are in tests/golden/files and written @GOLDEN@/files/...: xmppd checks
# that they exist, so the test puts its copy's folder in their place.

. "$(dirname "$0")/lib/test-lib.sh"

GOLDEN=$TOP/tests/golden
G=$TEST_DIR/golden
ASTERISK_ONLY='type|collection_nodes|pubsub_autocreate|auth_policy|distribute_events|pubsub_node|refresh_token|oauth_clientid|oauth_secret|sendtodialplan[[:space:]]*=[[:space:]]*(no|false|off|n|f|0)[[:space:]]*(;|$)'
DIALPLAN='sendtodialplan[[:space:]]*=[[:space:]]*(yes|true|on|y|t|1)|context'

# xmppd_n CONF ACCOUNT: runs xmppd -n -c CONF ACCOUNT in the copy of the
# golden folder (so that the file name in the output is CONF); stdout in
# $TEST_DIR/out, stderr in $TEST_DIR/err; returns its status.
xmppd_n() {
	(cd "$G" && exec xmppd -n -c "$1" "$2") >"$TEST_DIR/out" 2>"$TEST_DIR/err"
}

# stderr_ok CONF ACCOUNT: stderr holds only xmppd[ACCOUNT] warnings:
# exactly one about Asterisk-only options if CONF has any, else none, and
# exactly one naming hook if CONF hands messages to the dialplan.
stderr_ok() {
	_want=0
	grep -Eiq "^[[:space:]]*($ASTERISK_ONLY)[[:space:]]*=" "$G/$1" && _want=1
	_got=$(grep -c "is used by Asterisk only" "$TEST_DIR/err")
	if [ "$_got" != "$_want" ]; then
		diag "$_got warning(s) about Asterisk-only options, wanted $_want:"
		sed 's/^/    /' "$TEST_DIR/err" >&2
		return 1
	fi
	_want=0
	grep -Eiq "^[[:space:]]*($DIALPLAN)[[:space:]]*=?" "$G/$1" && _want=1
	_got=$(grep -c "no dialplan to hand messages to; set 'hook'" "$TEST_DIR/err")
	if [ "$_got" != "$_want" ]; then
		diag "$_got warning(s) about the dialplan, wanted $_want:"
		sed 's/^/    /' "$TEST_DIR/err" >&2
		return 1
	fi
	if grep -v "^xmppd\\[$2\\]: " "$TEST_DIR/err" | grep -q .; then
		diag "stderr has more than warnings:"
		sed 's/^/    /' "$TEST_DIR/err" >&2
		return 1
	fi
}

test_expect_success 'copy the files, closed to others as files holding a password must be' '
	cp -R "$GOLDEN" "$G" &&
	chmod 600 "$G"/*.conf "$G"/include/* "$G"/files/* &&
	for f in "$G"/*.conf "$G"/*.out "$G"/*.err; do
		sed "s|@GOLDEN@|$G|g" "$f" >"$f.new" && chmod 600 "$f.new" &&
		mv "$f.new" "$f" || return 1
	done &&
	mkdir "$TEST_DIR/fakebin" &&
	printf "#!/bin/sh\ntouch \"%s\"\necho pw\n" "$TEST_DIR/secretcmd-ran" \
		>"$TEST_DIR/fakebin/pass" &&
	chmod +x "$TEST_DIR/fakebin/pass" &&
	PATH=$TEST_DIR/fakebin:$PATH
'

for out in "$GOLDEN"/*--*.out; do
	name=${out##*/}
	name=${name%.out}
	conf=${name%%--*}.conf
	acct=${name#*--}
	test_expect_success "xmppd -n -c $conf $acct" '
		xmppd_n "$conf" "$acct" &&
		diff -u "$G/$name.out" "$TEST_DIR/out" &&
		stderr_ok "$conf" "$acct"
	'
done

for err in "$GOLDEN"/*--*.err; do
	name=${err##*/}
	name=${name%.err}
	conf=${name%%--*}.conf
	acct=${name#*--}
	test_expect_success "xmppd -n -c $conf $acct: refused with status 78" '
		{ xmppd_n "$conf" "$acct"; test $? = 78; } &&
		test ! -s "$TEST_DIR/out" &&
		diff -u "$G/$name.err" "$TEST_DIR/err"
	'
done

test_expect_success 'xmppd -n runs no secretcmd, and shows what it would use masked' '
	test ! -e "$TEST_DIR/secretcmd-ran" &&
	grep -q "^secretcmd = \\*\\*\\*\\*\\*\\*\\*\\*$" "$G/multi--alerts.out" &&
	grep -q "^socketgroup = asterisk$" "$G/multi--alerts.out"
'

test_expect_success 'account names compare without regard to case' '
	xmppd_n asterisk-sample.conf ASTERISK &&
	diff -u "$G/asterisk-sample--asterisk.out" "$TEST_DIR/out" &&
	stderr_ok asterisk-sample.conf ASTERISK
'

test_expect_success 'an account that is not in the file: status 78, nothing on stdout' '
	{ xmppd_n multi.conf nosuch; test $? = 78; } &&
	test ! -s "$TEST_DIR/out" &&
	grep -q "no section \\[nosuch\\]" "$TEST_DIR/err"
'

test_expect_success 'a copy readable by others is refused, with the chmod that fixes it' '
	cp "$G/minimal.conf" "$G/open.conf" && chmod 644 "$G/open.conf" &&
	{ xmppd_n open.conf me; test $? = 78; } &&
	test ! -s "$TEST_DIR/out" &&
	grep -q "run .chmod o-rwx open.conf." "$TEST_DIR/err"
'

test_expect_success 'the same file found through XMPPD_CONFIG and ~/.config gives the same' '
	XMPPD_CONFIG=$G/minimal.conf xmppd -n me >"$TEST_DIR/env.out" &&
	mkdir -p "$XDG_CONFIG_HOME/xmppd" &&
	cp "$G/minimal.conf" "$XDG_CONFIG_HOME/xmppd/xmppd.conf" &&
	xmppd -n me >"$TEST_DIR/xdg.out" &&
	head -n 1 "$TEST_DIR/env.out" | grep -qF "from $G/minimal.conf" &&
	head -n 1 "$TEST_DIR/xdg.out" | grep -qF "from $XDG_CONFIG_HOME/xmppd/xmppd.conf" &&
	tail -n +2 "$TEST_DIR/env.out" >"$TEST_DIR/env.tail" &&
	tail -n +2 "$TEST_DIR/xdg.out" >"$TEST_DIR/xdg.tail" &&
	tail -n +2 "$G/minimal--me.out" | diff -u - "$TEST_DIR/env.tail" &&
	diff -u "$TEST_DIR/env.tail" "$TEST_DIR/xdg.tail"
'

done_testing
