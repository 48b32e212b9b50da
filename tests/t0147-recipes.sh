#!/bin/sh
# t0147-recipes: the crontab recipes of xmppd(8), scripts/SERVICES.md,
# scripts/examples/cron and README.md, after "make install" into the real
# /usr/local, run the way cron runs them: /bin/sh -c, an environment of
# HOME, LOGNAME, SHELL=/bin/sh and PATH=/usr/bin:/bin (which lacks
# /usr/local/bin), plus the crontab's own assignments; as root and as an
# ordinary user.  The watchdog must leave a running or reconnecting
# daemon alone, start a dead one, and never be silent when it cannot
# work.  Also README's first command in a stock Debian login shell, and
# README's dialplan lines as Asterisk would run them (its own user,
# systemd's PATH for services).
# Only the account, the people and the job are replaced, as a reader
# would.  make uninstall at the end.
#
# Needs root; skipped when the toolkit is installed in /usr/local already,
# or /etc/xmppd, /run/xmppd or /var/spool/xmppd exist (root's daemon uses
# them, and they are removed afterwards).

. "$(dirname "$0")/lib/system-lock.sh"
. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root: installs into /usr/local, runs as another user"
for p in /usr/local/bin/xmppd /usr/local/bin/xmpp-send /usr/local/sbin/xmppd \
	/etc/xmppd /run/xmppd /var/spool/xmppd; do
	[ -e "$p" ] && skip_all "$p exists on this machine: not touching it"
done
command -v useradd >/dev/null 2>&1 || skip_all "no useradd"
# "make install" depends on "all": building here would rewrite bin/ under
# the feet of tests running alongside.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
make -s -q -C "$TOP" all 2>/dev/null ||
	skip_all "the programs are not up to date: run make all first"

U=xmpprcp$$
UHOME=$TEST_DIR/home-$U
CRON_PATH=/usr/bin:/bin

# Cleanup, whatever failed: daemons, the user, the install, root's folders.
cleanup() {
	for l in /run/xmppd/*.lock /tmp/xmppd-"$(id -u $U 2>/dev/null)"/*.lock; do
		[ -f "$l" ] && kill "$(sed -n 1p "$l")" 2>/dev/null
	done
	for l in /run/xmppd/*.lock /tmp/xmppd-"$(id -u $U 2>/dev/null)"/*.lock; do
		[ -f "$l" ] && wait_for 5 "! pid_alive $(sed -n 1p "$l")"
	done
	uid=$(id -u $U 2>/dev/null) && rm -rf "/tmp/xmppd-$uid"
	userdel $U 2>/dev/null
	rm -rf /etc/xmppd /run/xmppd /var/spool/xmppd
	make -s -C "$TOP" uninstall PREFIX=/usr/local >/dev/null 2>&1
}

# crontab_cmd LINE: the command of a crontab line, as cron runs it: the
# time fields cut off, "\%" made "%"; account, people and job replaced.
crontab_cmd() {
	printf '%s\n' "$1" | sed -E 's/^@[a-z]+[ 	]+//; t done
		s/^([^ 	]+[ 	]+){5}//; :done' |
	sed -e 's/\\%/%/g' -e "s/admin@example\\.org/bob@localhost/g" \
	    -e "s/bob@example\\.org/bob@localhost/g" \
	    -e "s/ asterisk-xmpp / work /g" \
	    -e "s|some-job|$TEST_DIR/jobs/some-job|g"
}

# cron_run WHO VARS COMMAND: runs COMMAND as cron would for WHO (root or
# the test's user), with the crontab's assignments VARS ("NAME=value"
# words); stdout and stderr to $TEST_DIR/cron.out (what cron mails).
cron_run() {
	if [ "$1" = root ]; then
		set -- "" /root root "$2" "$3"
	else
		set -- "setpriv --reuid=$U --regid=$U --init-groups" "$UHOME" "$U" "$2" "$3"
	fi
	# shellcheck disable=SC2086
	$1 env -i HOME="$2" LOGNAME="$3" SHELL=/bin/sh PATH=$CRON_PATH $4 \
		/bin/sh -c "$5" >"$TEST_DIR/cron.out" 2>&1 </dev/null
}

# lock_of WHO: the lock file (pid) of WHO's daemon for account "work".
lock_of() {
	if [ "$1" = root ]; then
		echo /run/xmppd/work.lock
	else
		echo "/tmp/xmppd-$(id -u $U)/work.lock"
	fi
}
daemon_pid() {	# the first line of the lock file; the second names the spool
	sed -n 1p "$(lock_of "$1")" 2>/dev/null
}
# status WHO: the exit status of "xmpp-status work" for WHO, with cron's
# PATH and the installed clients, and what it printed on stdout.
status() {
	cron_run "$1" "PATH=/usr/local/bin:/usr/bin:/bin" "xmpp-status work 2>/dev/null"
	echo "$? $(cat "$TEST_DIR/cron.out")"
}
# write_config FILE TAG: accounts work and asterisk-xmpp on the test
# server, resources named after TAG.
write_config() {
	mkdir -p "${1%/*}" &&
	for a in work asterisk-xmpp; do
		printf "[%s]\nusername = svc@localhost/%s-%s\nsecret = svcpw\n" "$a" "$2" "$a"
		printf "serverhost = 127.0.0.1\nport = %s\ncafile = %s\nbuddy = bob@localhost\n" \
			"$SERVER_PORT" "$TEST_DIR/jobs/ca.crt"
	done >"$1" && chmod 600 "$1"
}

# The recipes, from the documents themselves.
MAN_BLOCK=$(awk '/^\.Bd -literal/ { b = ""; inb = 1; next }
	/^\.Ed/ { if (b ~ /@reboot/) printf "%s", b; inb = 0; next }
	inb { b = b $0 "\n" }' "$TOP/man/xmppd.8" | sed 's/\\e/\\/g')
SVC_BLOCK=$(awk '/^## cron, without a service manager/ { sec = 1 }
	sec && /^```/ { if (inb) exit; inb = 1; next }
	sec && inb { print }' "$TOP/scripts/SERVICES.md")
VARS=$(printf '%s\n' "$MAN_BLOCK" | grep -E '^[A-Z_]+=' | tr '\n' ' ')
REBOOT=$(crontab_cmd "$(printf '%s\n' "$MAN_BLOCK" | grep '^@reboot')")
WATCHDOG=$(crontab_cmd "$(printf '%s\n' "$MAN_BLOCK" | grep '^\*/5 ')")
EX=$TOP/scripts/examples/cron
ex_line() {
	grep -E -- "$1" "$EX" | grep -v '^#'
}

test_expect_success 'xmppd(8), SERVICES.md and examples/cron give the same crontab' '
	test -n "$MAN_BLOCK" && test "$MAN_BLOCK" = "$SVC_BLOCK" &&
	test "$VARS" = "PATH=/usr/local/bin:/usr/bin:/bin " &&
	test "$REBOOT" = "xmppd work" &&
	ex_line "^PATH=" | grep -qx "PATH=/usr/local/bin:/usr/bin:/bin" &&
	test "$(crontab_cmd "$(ex_line "^@reboot")")" = "$REBOOT" &&
	test "$(crontab_cmd "$(ex_line "xmpp-status work")")" = "$WATCHDOG"
'

test_expect_success 'make install PREFIX=/usr/local; a server, bob, a user, the accounts' '
	at_exit cleanup &&
	make -C "$TOP" install PREFIX=/usr/local >"$TEST_DIR/make.log" 2>&1 &&
	test -x /usr/local/bin/xmppd &&
	server_setup && server_adduser svc svcpw && server_adduser bob bobpw &&
	server_start &&
	buddy_start bob bob@localhost/laptop bobpw &&
	chmod 711 "$TEST_DIR" && mkdir -p "$TEST_DIR/jobs" &&
	cp "$SERVER_CAFILE" "$TEST_DIR/jobs/ca.crt" && chmod 644 "$TEST_DIR/jobs/ca.crt" &&
	printf "#!/bin/sh\necho \"nightly job done\"\n" >"$TEST_DIR/jobs/some-job" &&
	chmod 755 "$TEST_DIR/jobs/some-job" &&
	useradd -M -d "$UHOME" -s /bin/sh $U &&
	write_config /etc/xmppd/xmppd.conf root &&
	write_config "$UHOME/.config/xmppd/xmppd.conf" user &&
	chown -R $U:$U "$UHOME"
'

for WHO in root user; do

test_expect_success "$WHO: the @reboot line starts the daemon with cron's environment" '
	cron_run $WHO "$VARS" "$REBOOT" ||
	{ cat "$TEST_DIR/cron.out" >&2; return 1; }
	test "$(status $WHO)" = "0 1" && pid_alive "$(daemon_pid $WHO)"
'

test_expect_success "$WHO: the watchdog leaves a connected daemon alone, silently" '
	pid=$(daemon_pid $WHO) &&
	cron_run $WHO "$VARS" "$WATCHDOG" && test ! -s "$TEST_DIR/cron.out" &&
	test "$(daemon_pid $WHO)" = "$pid"
'

test_expect_success "$WHO: the send recipes of examples/cron and README reach bob" '
	re="^msg chat svc@localhost/$WHO-work [^ ]* nightly job done\$" &&
	n=$(count_lines "$TEST_DIR/bob.out" "$re") &&
	ex=$(crontab_cmd "$(ex_line "^0 3 .*some-job 2>&1 \\| xmpp-send --clean work")") &&
	rd=$(sed -n "s/^\`\\(some-job 2>&1 | xmpp-send [^\`]*\\)\`;\$/\\1/p" "$TOP/README.md") &&
	test -n "$ex" && test -n "$rd" &&
	cron_run $WHO "$VARS" "$ex" && cron_run $WHO "$VARS" "$(crontab_cmd "0 3 * * * $rd")" &&
	wait_count "$TEST_DIR/bob.out" "$re" $((n + 2))
'

test_expect_success "$WHO: the plugin recipes are silent while all is well" '
	wait_for 10 "cron_run $WHO \"\$VARS\" \"xmpp-status work bob@localhost\" &&
		[ \"\$(cat \"\$TEST_DIR/cron.out\")\" = 1 ]" &&
	for l in "check_xmppd -a work)" "check_xmppd -a work -b"; do
		cron_run $WHO "$VARS" "$(crontab_cmd "$(ex_line "$l")")" &&
		test ! -s "$TEST_DIR/cron.out" ||
		{ cat "$TEST_DIR/cron.out" >&2; return 1; }
	done
'

test_expect_success "$WHO: while the daemon reconnects (1), the watchdog leaves it alone" '
	pid=$(daemon_pid $WHO) &&
	server_stop &&
	wait_for 10 "[ \"\$(status $WHO)\" = \"1 \" ]" &&
	cron_run $WHO "$VARS" "$WATCHDOG" && test ! -s "$TEST_DIR/cron.out" &&
	test "$(daemon_pid $WHO)" = "$pid" &&
	cron_run $WHO "$VARS" "$(crontab_cmd "$(ex_line "check_xmppd -a work)")")" &&
	grep -q "^XMPPD CRITICAL - account work not connected" "$TEST_DIR/cron.out" &&
	server_start &&
	wait_for 30 "[ \"\$(status $WHO)\" = \"0 1\" ]" &&
	{ buddy_stop bob; buddy_start bob bob@localhost/laptop bobpw; }
'

test_expect_success "$WHO: the daemon killed, the watchdog starts another" '
	pid=$(daemon_pid $WHO) && kill -KILL "$pid" &&
	wait_for 5 "! pid_alive $pid" &&
	cron_run $WHO "$VARS" "$WATCHDOG" ||
	{ cat "$TEST_DIR/cron.out" >&2; return 1; }
	test "$(status $WHO)" = "0 1" && test "$(daemon_pid $WHO)" != "$pid"
'

test_expect_success "$WHO: without the PATH line the watchdog is not silent" '
	{ cron_run $WHO "" "$WATCHDOG"; test $? = 127; } &&
	grep -q "xmppd: not found" "$TEST_DIR/cron.out"
'

test_expect_success "$WHO: the daemon stops" '
	pid=$(daemon_pid $WHO) && kill "$pid" && wait_for 10 "! pid_alive $pid"
'

done

test_expect_success "README's first command in a stock Debian login shell, root and user" '
	cmd=$(sed -n "/^xmppd asterisk-xmpp && xmpp-send /p" "$TOP/README.md" |
		sed "s/bob@example\\.org/bob@localhost/") &&
	test -n "$cmd" &&
	env -i HOME=/root LOGNAME=root SHELL=/bin/sh \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/sh -c "$cmd" &&
	setpriv --reuid=$U --regid=$U --init-groups env -i HOME="$UHOME" \
		LOGNAME=$U SHELL=/bin/sh \
		PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games \
		/bin/sh -c "$cmd" &&
	wait_line "$TEST_DIR/bob.out" "^msg chat svc@localhost/root-asterisk-xmpp [^ ]* Backup done\$" &&
	wait_line "$TEST_DIR/bob.out" "^msg chat svc@localhost/user-asterisk-xmpp [^ ]* Backup done\$" &&
	for l in /run/xmppd/asterisk-xmpp.lock "/tmp/xmppd-$(id -u $U)/asterisk-xmpp.lock"; do
		pid=$(sed -n 1p "$l") && kill "$pid" && wait_for 10 "! pid_alive $pid" || return 1
	done
'

test_expect_success "README's dialplan lines as Asterisk runs them: its user, systemd's PATH" '
	sed -n "s/^\\(exten => .*\\| same => n\\),System(\\(.*\\))\$/\\2/p; s/^ same => n,Set(STATUS=\\\${SHELL(\\(.*\\))})\$/\\1/p" \
		"$TOP/README.md" |
		sed -e "s/\\\${FILTER([^,]*,\\\${CALLERID(name)})}/Alice Caller/" \
		    -e "s/\\\${WHO}/Alice Caller/" \
		    -e "s/\\\${EXTEN}/1234/" -e "s/bob@example\\.org/bob@localhost/" \
		>"$TEST_DIR/dialplan" &&
	test "$(wc -l <"$TEST_DIR/dialplan")" = 2 &&
	setpriv --reuid=$U --regid=$U --init-groups env -i HOME="$UHOME" \
		PATH=/usr/local/bin:/usr/bin:/bin /bin/sh -c "xmppd asterisk-xmpp" &&
	while read -r cmd; do
		setpriv --reuid=$U --regid=$U --init-groups env -i \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			/bin/sh -c "$cmd" >"$TEST_DIR/out" </dev/null ||
			{ diag "failed: $cmd"; return 1; }
	done <"$TEST_DIR/dialplan" &&
	test "$(cat "$TEST_DIR/out")" = 1 &&
	wait_line "$TEST_DIR/bob.out" "^msg chat svc@localhost/user-asterisk-xmpp [^ ]* Alice Caller is calling 1234\$" &&
	pid=$(sed -n 1p "/tmp/xmppd-$(id -u $U)/asterisk-xmpp.lock") && kill "$pid" &&
	wait_for 10 "! pid_alive $pid"
'

test_expect_success 'make uninstall takes the programs out of /usr/local' '
	make -C "$TOP" uninstall PREFIX=/usr/local >"$TEST_DIR/make.log" 2>&1 &&
	test ! -e /usr/local/bin/xmppd && test ! -e /usr/local/bin/xmpp-send &&
	test ! -e /usr/local/lib/xmpp-toolkit
'

done_testing
