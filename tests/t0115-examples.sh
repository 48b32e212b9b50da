#!/bin/sh
# t0115-examples: the System(), SHELL() and AGI() calls of
# scripts/examples/extensions.conf and extensions.ael, their dialplan
# variables replaced as Asterisk would replace them, run against a real
# daemon and buddy: every command works, SHELL() gets no trailing
# newline, commas in AGI messages survive, and no caller data reaches a
# shell without FILTER().  The caller ID name is filtered the same way in
# the examples, the README and the man pages, and those lines of the
# README and xmpp-send(1) work too; a caller name that starts with "-"
# arrives whole, with the "--" of the examples or without it.  (No
# Asterisk here: the dialplan syntax around the calls is not checked.)

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

EXAMPLES="$TOP/scripts/examples/extensions.conf $TOP/scripts/examples/extensions.ael"
FAKE=$TOP/tests/agi/fake-asterisk
# shellcheck disable=SC2086
"$TOP/tests/agi/dialplan-commands" $EXAMPLES >"$TEST_DIR/calls" ||
	bail_out "cannot read the examples"

# substitute: stdin with the dialplan's variables as a call would have
# them; the example JIDs become bob's.
substitute() {
	sed -e 's/\${XMPP_ACCOUNT}/asterisk-xmpp/g' \
	    -e 's/\${WHO}/Alice Caller/g' \
	    -e 's/\${EXTEN}/1234/g' \
	    -e 's/\${NUM}/5551234/g' \
	    -e 's/\${PEER}/bob@localhost/g' \
	    -e 's/\${NEWEXTEN}/6001/g' \
	    -e 's/\${CALLERID(num)}/5551234/g' \
	    -e 's/\${CALLERID(name)}/Alice, the caller/g' \
	    -e 's/buddy@example\.org/bob@localhost/g' \
	    -e 's/bob@example\.org/bob@localhost/g' \
	    -e 's/bob@jabber\.org/bob@localhost/g'
}

# calls KIND: the calls of that kind, "WHERE<TAB>ARGUMENT" per line.
calls() {
	awk -F '\t' -v k="$1" '$2 == k { print $1 "\t" $3 }' "$TEST_DIR/calls"
}

nmsg=0
# bob_more N: bob has received N more messages than counted so far.
bob_more() {
	nmsg=$((nmsg + $1))
	wait_count "$TEST_DIR/bob.out" '^msg ' $nmsg
}
# bob_answers TEXT: bob sends TEXT, and the daemon has it.
bob_answers() {
	buddy_cmd bob "send asterisk@localhost $1" && buddy_sync bob
}

test_expect_success 'the examples hold System(), SHELL() and AGI() calls' '
	test "$(calls System | wc -l)" -ge 10 &&
	test "$(calls SHELL | wc -l)" -ge 4 &&
	test "$(calls AGI | wc -l)" -ge 10
'

test_expect_success 'no caller data reaches a shell unfiltered' '
	if calls System | grep "CALLERID("; then return 1; fi &&
	if calls SHELL | grep "CALLERID("; then return 1; fi &&
	for f in $EXAMPLES; do
		for v in $(grep -F "$f:" "$TEST_DIR/calls" |
			awk -F "\t" "\$2 != \"AGI\" { print \$3 }" |
			grep -o "\\\${[A-Z_]*}" | sort -u | tr -d "\${}"); do
			case $v in XMPP_ACCOUNT|EXTEN) continue ;; esac
			grep -q "Set($v=\${FILTER(" "$f" ||
				{ diag "$f: $v reaches a shell, and is never set from FILTER()"; return 1; }
		done
	done
'

test_expect_success 'SHELL() calls of xmpp-status and xmpp-recv use -n' '
	calls SHELL | grep -E "	xmpp-(status|recv) " >"$TEST_DIR/shells" &&
	test -s "$TEST_DIR/shells" &&
	if grep -v "	xmpp-[a-z]* -n " "$TEST_DIR/shells"; then return 1; fi
'

test_expect_success 'every AGI() call names xmpp-agi and one of its actions' '
	if calls AGI | grep -Ev "	xmpp-agi,(send,[^,]+,[^,]+,.|status,[^,]+,[^,]*(,[A-Z_]+)?$|recv,[^,]+,[^,]+(,[0-9]*)?(,[A-Z_]+)?$)"; then
		return 1
	fi
'

test_expect_success 'set up a server, bob and the asterisk-xmpp account' '
	server_setup &&
	server_adduser asterisk astpw && server_adduser bob bobpw &&
	server_start &&
	xmppd_config asterisk-xmpp asterisk astpw "buddy = bob@localhost" \
		"timeout = 60" &&
	xmppd_start asterisk-xmpp &&
	buddy_start bob bob@localhost/laptop bobpw &&
	wait_for 10 "[ \"\$(xmpp-status asterisk-xmpp bob@localhost)\" = 1 ]"
'

test_expect_success 'every System() works (status 0), its messages reach bob' '
	calls System | substitute >"$TEST_DIR/system" &&
	if grep "\\\${" "$TEST_DIR/system"; then return 1; fi &&
	sends=0 &&
	while IFS="	" read -r where cmd; do
		sh -c "$cmd" </dev/null ||
			{ diag "$where: System($cmd) failed"; return 1; }
		case $cmd in xmpp-send*) sends=$((sends + 1)) ;; esac
	done <"$TEST_DIR/system" &&
	bob_more "$sends" &&
	grep -q "^msg chat asterisk@localhost/xmppd [^ ]* Alice Caller is calling 1234$" "$TEST_DIR/bob.out" &&
	grep -q "^msg chat asterisk@localhost/xmppd [^ ]* Call from 5551234 - choose an option to process the call$" "$TEST_DIR/bob.out"
'

test_expect_success 'every SHELL() prints just the answer, without a newline' '
	calls SHELL | substitute >"$TEST_DIR/shell" &&
	while IFS="	" read -r where cmd; do
		case $cmd in
		xmpp-recv*) bob_answers 6001 || return 1; want=6001 ;;
		xmpp-status*) want=1 ;;
		*) diag "$where: unexpected SHELL($cmd)"; return 1 ;;
		esac
		sh -c "$cmd" </dev/null >"$TEST_DIR/out" ||
			{ diag "$where: SHELL($cmd) failed"; return 1; }
		test "$(od -An -c "$TEST_DIR/out" | tr -d " ")" = "$(printf %s "$want" | od -An -c | tr -d " ")" ||
			{ diag "$where: SHELL($cmd) printed: $(od -c "$TEST_DIR/out")"; return 1; }
	done <"$TEST_DIR/shell"
'

test_expect_success 'every AGI() works: XMPP_RESULT=OK, commas kept' '
	calls AGI | substitute >"$TEST_DIR/agi" &&
	sends=0 &&
	while IFS="	" read -r where args; do
		set -f; IFS=,
		# shellcheck disable=SC2086
		set -- $args
		unset IFS; set +f
		shift	# xmpp-agi
		case $1 in
		send) sends=$((sends + 1)) ;;
		recv) bob_answers 6001 || return 1 ;;
		esac
		rm -f "$TEST_DIR/agi.log"
		"$FAKE" --log "$TEST_DIR/agi.log" --script "$TOP/scripts/xmpp-agi" -- "$@" </dev/null ||
			{ diag "$where: AGI($args) exited $?"; return 1; }
		grep -qx "VAR XMPP_RESULT=OK" "$TEST_DIR/agi.log" ||
			{ diag "$where: AGI($args):"; sed "s/^/    /" "$TEST_DIR/agi.log" >&2; return 1; }
		case $1 in
		recv) grep -Eqx "VAR [A-Z_]+=6001" "$TEST_DIR/agi.log" || return 1 ;;
		status) grep -qx "VAR XMPP_STATUS=1" "$TEST_DIR/agi.log" || return 1 ;;
		esac
	done <"$TEST_DIR/agi" &&
	bob_more "$sends" &&
	grep -q "^msg chat asterisk@localhost/xmppd [^ ]* Alice, the caller is calling 1234$" "$TEST_DIR/bob.out"
'

test_expect_success 'one FILTER() for the caller ID name: examples, README, man pages' '
	grep -ho "FILTER([^,]*,\${CALLERID(name)})" $EXAMPLES "$TOP/README.md" \
		"$TOP"/man/*.[158] "$TOP/scripts/examples/README.md" |
		sort | uniq -c >"$TEST_DIR/filters" &&
	test "$(wc -l <"$TEST_DIR/filters")" = 1 &&
	grep -q " FILTER(A-Za-z0-9 ,\${CALLERID(name)})$" "$TEST_DIR/filters" &&
	test "$(awk "{ print \$1 }" "$TEST_DIR/filters")" -ge 4
'

test_expect_success 'the caller ID lines of the README and xmpp-send(1) work as the examples do' '
	grep -h -A1 "Set(WHO=\${FILTER" "$TOP/README.md" "$TOP/man/xmpp-send.1" \
		>"$TEST_DIR/docs.conf" &&
	"$TOP/tests/agi/dialplan-commands" "$TEST_DIR/docs.conf" |
		awk -F "\t" "\$2 == \"System\" { print \$3 }" >"$TEST_DIR/docs" &&
	test "$(wc -l <"$TEST_DIR/docs")" = 2 &&
	sed "s/\\\${WHO}/Alice Caller/" "$TEST_DIR/docs" | substitute >"$TEST_DIR/docs.sh" &&
	while IFS= read -r cmd; do
		sh -c "$cmd" </dev/null || { diag "failed: $cmd"; return 1; }
	done <"$TEST_DIR/docs.sh" &&
	bob_more 2 &&
	test "$(grep -c "^msg chat asterisk@localhost/xmppd [^ ]* Alice Caller is calling 1234$" "$TEST_DIR/bob.out")" -ge 3
'

test_expect_success 'a caller name that starts with "-" arrives whole, with or without "--"' '
	cmd=$(calls System | grep "WHO" | head -n 1 | cut -f 2 | substitute |
		sed "s/Alice Caller/-n -5 Caller/") &&
	case $cmd in *" -- "*) ;; *) diag "no -- in: $cmd"; return 1 ;; esac &&
	sh -c "$cmd" </dev/null &&
	sh -c "$(printf "%s\n" "$cmd" | sed "s/ -- / /")" </dev/null &&
	bob_more 2 &&
	test "$(grep -c "^msg chat asterisk@localhost/xmppd [^ ]* -n -5 Caller is calling 1234$" "$TEST_DIR/bob.out")" = 2
'

test_expect_success 'the daemon stops cleanly' '
	xmppd_stop
'

done_testing
