#!/bin/sh
# t0146-debian: the Debian package, from a clean copy of the tree to a
# purge, on this machine, as an administrator would go: dpkg-buildpackage
# -us -uc -b, lintian, apt-get install ./...deb, an account in
# /etc/xmppd/xmppd.conf, the daemon started the way xmppd@.service starts
# it (its ExecStart=, user, groups, environment and as much of its sandbox
# as can be applied without systemd as PID 1), the installed clients as
# root, as a member of xmppd-clients (Asterisk's place) and as an
# outsider, a hook in the sandbox, a message queued while the daemon is
# stopped, then apt-get remove and purge, after which nothing is left but
# the system user and groups, which Debian keeps.
#
# Needs root and dpkg-dev, debhelper, lintian and systemd's
# systemd-analyze (scripts/install-deps installs them).  Skipped when
# xmpp-toolkit is installed here, or /etc/xmppd, /var/lib/xmppd,
# /run/xmppd or /var/spool/xmppd (root's own spool) exist: an
# administrator's are not touched.
#
# Not tested here, since only systemd applies them: the seccomp filters
# (SystemCallFilter=, SystemCallArchitectures=, RestrictAddressFamilies=,
# MemoryDenyWriteExecute=, RestrictNamespaces=, RestrictRealtime=,
# RestrictSUIDSGID=, LockPersonality=), ProtectClock=, RemoveIPC=,
# KeyringMode=, StateDirectory='s re-owning, Type=forking's supervision
# and Restart=.  systemd-analyze verify and security read the unit.

. "$(dirname "$0")/lib/system-lock.sh"
. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"

[ "$(id -u)" = 0 ] ||
	skip_all "needs root: installs the package, runs the daemon as the user xmppd"
[ "${XMPP_SANITIZED:-0}" = 1 ] &&
	skip_all "sanitized run: the package builds its own programs, nothing sanitized to test"
for c in dpkg-buildpackage dh lintian apt-get setpriv unshare systemd-analyze; do
	command -v "$c" >/dev/null 2>&1 ||
		skip_all "no $c here (scripts/install-deps installs it)"
done
dpkg-query -W -f '${Status}\n' xmpp-toolkit 2>/dev/null | grep -q ' installed$' &&
	skip_all "xmpp-toolkit is installed on this machine: not touching it"
for d in /etc/xmppd /var/lib/xmppd /run/xmppd /var/spool/xmppd; do
	[ -e "$d" ] && skip_all "$d exists on this machine: not touching it"
done
# This test runs under make check: the package's own make must not take
# the outer make's command line (check-asan's CFLAGS, say).
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

ACCT=pkgtest
PKG=$TEST_DIR/pkg
UNIT=/lib/systemd/system/xmppd@.service
CONF=/etc/xmppd/xmppd.conf
CLEAN=/usr/bin:/bin
VERSION=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$TOP/debian/changelog")
MAINPID=

# as_root COMMAND...: root, with cron's bare environment (not the test's,
# which points the clients at the test's own folders).
as_root() {
	env -i PATH=$CLEAN "$@"
}
# as_member / as_outsider COMMAND...: a user in xmppd-clients (where
# Asterisk goes) or not, with cron's bare environment.
as_member() {
	setpriv --reuid=nobody --regid=nogroup --groups=xmppd-clients \
		env -i PATH=$CLEAN "$@"
}
as_outsider() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		env -i PATH=$CLEAN "$@"
}

# unit KEY: the value of KEY= in the installed unit's [Service] (the last).
unit() {
	sed -n '/^\[Service\]/,/^\[/p' "$UNIT" | sed -n "s/^$1=//p" | tail -n 1
}

# How the test applies each setting of [Service].  A setting it does not
# know fails the test: a new one must be sorted in here.
RUN_KEYS="Type ExecStart PIDFile ExecReload TimeoutStartSec TimeoutStopSec
Restart RestartSec RestartPreventExitStatus"
APPLIED="User Group SupplementaryGroups UMask Environment ReadWritePaths
StateDirectory StateDirectoryMode NoNewPrivileges CapabilityBoundingSet
AmbientCapabilities ProtectSystem PrivateMounts ProtectHome PrivateTmp
PrivateDevices ProtectKernelTunables ProtectControlGroups ProtectKernelModules
ProtectKernelLogs ProtectHostname ProtectProc ProcSubset"
SYSTEMD_ONLY="RestrictAddressFamilies SystemCallFilter SystemCallErrorNumber
SystemCallArchitectures MemoryDenyWriteExecute RestrictNamespaces
RestrictRealtime RestrictSUIDSGID LockPersonality RemoveIPC KeyringMode
ProtectClock"

# The script run as root in new mount and UTS namespaces: it builds the
# unit's sandbox, then starts ExecStart= as the unit's user.  Written for
# the settings the unit has (checked by the test "every setting...").
sandbox_script() {
	_rw="$(unit ReadWritePaths) /var/lib/$(unit StateDirectory)"
	cat <<EOF
set -eu
# StateDirectory=: made by systemd before the start, for the user.
install -d -m $(unit StateDirectoryMode) -o $(unit User) -g $(unit Group) \
	/var/lib/$(unit StateDirectory)
# PrivateMounts=: nothing done here reaches the host.  (mount -n: /run
# becomes read-only, and mount must not try to write its table there.)
mount -n --make-rprivate /
# ReadWritePaths=, StateDirectory=: own mounts, left writable below.
for p in $_rw; do mount -n --bind "\$p" "\$p"; done
# ProtectSystem=strict: every other mount read-only, /dev, /proc and
# /sys apart (see below).
for m in \$(awk '{ print \$5 }' /proc/self/mountinfo | sort -u); do
	case " $_rw " in *" \$m "*) continue ;; esac
	case \$m in /dev|/dev/*|/proc|/proc/*|/sys|/sys/*) continue ;; esac
	mount -n -o remount,bind,ro "\$m"
done
# ProtectKernelTunables=, ProtectControlGroups=: /sys read-only.
for m in \$(awk '\$5 ~ "^/sys(/|\$)" { print \$5 }' /proc/self/mountinfo | sort -u); do
	mount -n -o remount,bind,ro "\$m"
done
# ProtectProc=invisible, ProcSubset=pid: a /proc of our processes only
# (which also leaves out /proc/sys and /proc/kmsg: ProtectKernelTunables=,
# ProtectKernelLogs=).
mount -n -t proc -o hidepid=invisible,subset=pid proc /proc
# ProtectHome=yes: /home, /root and /run/user empty and closed.
for d in /home /root /run/user; do
	if [ -d "\$d" ]; then mount -n -t tmpfs -o mode=000,size=4k tmpfs "\$d"; fi
done
# ProtectKernelModules=: the modules out of sight.
for d in /lib/modules /usr/lib/modules; do
	if [ -d "\$d" ]; then mount -n -t tmpfs -o mode=000,size=4k tmpfs "\$d"; fi
done
# PrivateTmp=yes.
mount -n -t tmpfs -o mode=1777 tmpfs /tmp
mount -n -t tmpfs -o mode=1777 tmpfs /var/tmp
# PrivateDevices=yes: a /dev of pseudo devices only (ProtectKernelLogs=:
# no /dev/kmsg), and /dev/log kept, as systemd keeps it.
mkdir /tmp/.dev
mount -n -t tmpfs -o mode=755 tmpfs /tmp/.dev
for n in null zero full random urandom tty; do
	touch /tmp/.dev/\$n
	mount -n --bind /dev/\$n /tmp/.dev/\$n
done
mkdir /tmp/.dev/shm /tmp/.dev/pts
mount -n -t tmpfs -o mode=1777 tmpfs /tmp/.dev/shm
ln -s /proc/self/fd /tmp/.dev/fd
ln -s /proc/self/fd/0 /tmp/.dev/stdin
ln -s /proc/self/fd/1 /tmp/.dev/stdout
ln -s /proc/self/fd/2 /tmp/.dev/stderr
if [ -S /dev/log ] || [ -L /dev/log ]; then
	log=\$(readlink -f /dev/log)
	[ -S "\$log" ] && touch /tmp/.dev/log && mount -n --bind "\$log" /tmp/.dev/log
fi
mount -n --move /tmp/.dev /dev
rmdir /tmp/.dev
# ProtectHostname=: the UTS namespace (unshare --uts) is the unit's own.
cd /
# UMask=
umask $(unit UMask)
# User=, Group=, SupplementaryGroups=, NoNewPrivileges=,
# CapabilityBoundingSet= (empty), AmbientCapabilities= (empty); the
# environment systemd gives a service, and the unit's Environment=.
exec setpriv --reuid=$(unit User) --regid=$(unit Group) \
	--groups=$(unit SupplementaryGroups) --no-new-privs \
	--bounding-set=-all --inh-caps=-all --ambient-caps=-all \
	env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	USER=$(unit User) LOGNAME=$(unit User) \
	HOME=$(getent passwd "$(unit User)" | cut -d: -f6) \
	SHELL=$(getent passwd "$(unit User)" | cut -d: -f7) \
	$(sed -n '/^\[Service\]/,/^\[/s/^Environment=//p' "$UNIT" | tr '\n' ' ') \
	$(unit ExecStart | sed "s/%i/$ACCT/g")
EOF
}

# start: ExecStart= in the sandbox; its status, as systemd sees it for
# Type=forking.  MAINPID: from PIDFile=.
start() {
	sandbox_script >"$TEST_DIR/sandbox.sh" &&
	unshare --mount --uts --propagation private sh "$TEST_DIR/sandbox.sh" \
		>"$TEST_DIR/start.out" 2>&1
	_rc=$?
	MAINPID=$(sed -n 1p "$(unit PIDFile | sed "s/%i/$ACCT/")" 2>/dev/null)
	[ $_rc = 0 ] && return 0
	sed 's/^/    start: /' "$TEST_DIR/start.out" >&2
	return $_rc
}
# stop: what systemctl stop does: SIGTERM to MAINPID, TimeoutStopSec.
stop() {
	[ -n "$MAINPID" ] && pid_alive "$MAINPID" &&
		kill_wait "$MAINPID" "$(unit TimeoutStopSec)" TERM
	MAINPID=
	return 0
}

# proc_field PID NAME: a line of /proc/PID/status, its value.
proc_field() {
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"
}

# Leaves the machine as it was, whatever failed: the daemon stopped, the
# package and its files purged (the user and groups stay, as Debian
# keeps them).
cleanup_package() {
	stop
	rm -f /etc/xmppd/test-ca.crt /etc/xmppd/test-hook
	if dpkg-query -W xmpp-toolkit >/dev/null 2>&1; then
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -q xmpp-toolkit \
			>/dev/null 2>&1
	fi
}

test_expect_success 'a clean copy of the tree builds: dpkg-buildpackage -us -uc -b' '
	mkdir -p "$PKG/src" &&
	if git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1; then
		(cd "$TOP" && git ls-files --cached --others --exclude-standard |
			while IFS= read -r f; do
				if [ -e "$f" ] || [ -L "$f" ]; then printf "%s\n" "$f"; fi
			done | tar --no-recursion -cf - -T -) |
			tar -C "$PKG/src" -xf -
	else
		cp -a "$TOP/." "$PKG/src" && make -s -C "$PKG/src" clean
	fi &&
	test -f "$PKG/src/debian/rules" && test -f "$PKG/src/src/xmppd/main.c" &&
	test ! -e "$PKG/src/bin/xmppd" &&
	(cd "$PKG/src" && DEB_BUILD_OPTIONS=parallel=2 \
		dpkg-buildpackage -us -uc -b) >"$TEST_DIR/build.log" 2>&1 ||
	{ tail -n 30 "$TEST_DIR/build.log" >&2; false; }
'

DEB=$(ls "$PKG"/xmpp-toolkit_*.deb 2>/dev/null | grep -v dbgsym | head -n 1)

test_expect_success 'the build has no compiler warning, with Debian flags' '
	test -f "$DEB" &&
	grep -q -- "-D_FORTIFY_SOURCE=2" "$TEST_DIR/build.log" &&
	if grep -n "warning:" "$TEST_DIR/build.log"; then return 1; fi
'

test_expect_success 'lintian: no error, no warning' '
	lintian "$PKG"/xmpp-toolkit_*.changes >"$TEST_DIR/lintian.log" 2>&1
	grep -v "running with root privileges" "$TEST_DIR/lintian.log" >&2
	if grep -E "^[EW]: " "$TEST_DIR/lintian.log"; then return 1; fi
'

test_expect_success 'the package holds each piece where Debian and the docs put it' '
	dpkg-deb -c "$DEB" | awk "{ print \$1, \$2, \$6 }" >"$TEST_DIR/contents" &&
	for f in xmppd xmpp-send xmpp-status xmpp-recv xmpp-join xmpp-leave xmpp-presence; do
		grep -qx -- "-rwxr-xr-x root/root ./usr/bin/$f" "$TEST_DIR/contents" ||
			{ diag "missing: /usr/bin/$f"; return 1; }
	done &&
	for l in "-rw-r----- root/root ./etc/xmppd/xmppd.conf" \
		"-rw-r--r-- root/root ./lib/systemd/system/xmppd@.service" \
		"-rw-r--r-- root/root ./usr/lib/tmpfiles.d/xmppd.conf" \
		"-rwxr-xr-x root/root ./usr/share/asterisk/agi-bin/xmpp-agi" \
		"-rwxr-xr-x root/root ./usr/lib/nagios/plugins/check_xmppd" \
		"-rwxr-xr-x root/root ./usr/lib/xmpp-toolkit/xmpp-put" \
		"-rwxr-xr-x root/root ./usr/lib/xmpp-toolkit/xmpp-voicemail" \
		"-rw-r--r-- root/root ./usr/share/man/man8/xmpp-voicemail.8.gz" \
		"-rw-r--r-- root/root ./usr/share/bash-completion/completions/xmppd" \
		"lrwxrwxrwx root/root ./usr/share/bash-completion/completions/xmpp-send" \
		"-rw-r--r-- root/root ./usr/share/man/man8/xmppd.8.gz" \
		"-rw-r--r-- root/root ./usr/share/man/man8/xmpp-agi.8.gz" \
		"-rw-r--r-- root/root ./usr/share/man/man5/xmppd.conf.5.gz" \
		"-rw-r--r-- root/root ./usr/share/man/man1/xmpp-send.1.gz" \
		"-rw-r--r-- root/root ./usr/share/doc/xmpp-toolkit/SERVICES.md.gz" \
		"-rw-r--r-- root/root ./usr/share/doc/xmpp-toolkit/examples/cron"; do
		grep -qx -- "$l" "$TEST_DIR/contents" || { diag "missing: $l"; return 1; }
	done &&
	if grep -E " \./(usr/)?(sbin|local)/" "$TEST_DIR/contents"; then return 1; fi &&
	test "$(dpkg-deb -I "$DEB" conffiles)" = /etc/xmppd/xmppd.conf &&
	dpkg-deb --fsys-tarfile "$DEB" | tar -xOf - ./etc/xmppd/xmppd.conf >"$TEST_DIR/conf" &&
	grep -qx "socketgroup = xmppd-clients" "$TEST_DIR/conf" &&
	grep -qx ";\\[asterisk-xmpp\\]" "$TEST_DIR/conf" &&
	if grep -E "^[^;[:space:]].*=" "$TEST_DIR/conf" | grep -v "^socketgroup ="; then
		return 1
	fi
'

test_expect_success 'apt-get install ./...deb: the user, groups, modes; one version' '
	dpkg-deb -c "$DEB" | awk "{ print substr(\$6, 2) }" | sed "s|/\$||" |
		grep . >"$TEST_DIR/paths" &&
	while read -r p; do
		if [ -e "$p" ] || [ -L "$p" ]; then echo "$p"; fi
	done <"$TEST_DIR/paths" >"$TEST_DIR/before" &&
	at_exit cleanup_package &&
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "$DEB" >"$TEST_DIR/apt.log" 2>&1 ||
	{ tail -n 20 "$TEST_DIR/apt.log" >&2; return 1; }
	getent passwd xmppd | cut -d: -f3,6,7 >"$TEST_DIR/pw" &&
	uid=$(cut -d: -f1 "$TEST_DIR/pw") && test "$uid" -lt 1000 &&
	test "$(cut -d: -f2,3 "$TEST_DIR/pw")" = /nonexistent:/usr/sbin/nologin &&
	test "$(id -gn xmppd)" = xmppd &&
	id -nG xmppd | grep -qw xmppd-clients &&
	test "$(stat -c "%a %U %G" $CONF)" = "640 root xmppd" &&
	test "$(stat -c "%a %U %G" /run/xmppd)" = "750 xmppd xmppd-clients" &&
	test "$(dpkg-query -W -f "\${Version}" xmpp-toolkit)" = "$VERSION" &&
	for p in xmppd xmpp-send xmpp-status xmpp-recv xmpp-join xmpp-leave xmpp-presence; do
		v=$(env -i PATH=$CLEAN $p --version) &&
		test "${v%% (*}" = "$p $VERSION" || { diag "$p --version: $v"; return 1; }
	done &&
	/usr/lib/nagios/plugins/check_xmppd -h | head -n 1 |
		grep -q "^check_xmppd $VERSION: "
'

test_expect_success 'the installed unit: verified, exposure 2.0 or better' '
	test "$(unit ExecStart)" = "/usr/bin/xmppd %i" &&
	systemd-analyze verify --man=no "$UNIT" >"$TEST_DIR/verify.log" 2>&1 ||
	{ sed "s/^/    /" "$TEST_DIR/verify.log" >&2; return 1; }
	systemd-analyze security --offline=true "$UNIT" >"$TEST_DIR/security.log" 2>&1
	score=$(sed -n "s/.*Overall exposure level for .*: \\([0-9.]*\\) .*/\\1/p" \
		"$TEST_DIR/security.log") &&
	diag "exposure: $score" &&
	awk -v s="$score" "BEGIN { exit !(s != \"\" && s <= 2.0) }" ||
	{ tail -n 3 "$TEST_DIR/security.log" >&2; return 1; }
	grep -q "rates the unit \*\*$score (OK)\*\*" "$TOP/README.md" &&
	grep -q "security --offline=true gives $score\.$" "$UNIT" ||
	{ diag "README.md and the unit must say the score measured: $score"; return 1; }
'

test_expect_success 'every setting of the unit is applied here, or known to need systemd' '
	sed -n "/^\\[Service\\]/,/^\\[/s/^\\([A-Za-z]*\\)=.*/\\1/p" "$UNIT" | sort -u |
	while read -r k; do
		case " $(echo $RUN_KEYS $APPLIED $SYSTEMD_ONLY) " in
		*" $k "*) ;;
		*) diag "$k= in the unit: apply it in sandbox_script, or list it in SYSTEMD_ONLY"
		   exit 1 ;;
		esac
	done
'

test_expect_success 'an account, as the administrator adds it; xmppd -n as the user xmppd' '
	server_setup && server_adduser svc svcpw && server_adduser bob bobpw &&
	server_start &&
	install -m 644 "$SERVER_CAFILE" /etc/xmppd/test-ca.crt &&
	cat >/etc/xmppd/test-hook <<-\EOF &&
	#!/bin/sh
	# Answers every chat message, and says what the sandbox lets it do.
	[ "$2" = chat ] || exit 0
	out=/var/lib/xmppd/hook.out
	{
		touch /etc/xmppd/probe 2>/dev/null && echo "etc writable" || echo "etc read-only"
		echo "$$" >/tmp/xmppd-hook-probe && echo "tmp $(cat /tmp/xmppd-hook-probe)"
		ls /home >/dev/null 2>&1 && echo "home open" || echo "home closed"
		echo "groups $(id -Gn)"
	} >"$out" 2>&1
	exec xmpp-send "$XMPP_ACCOUNT" "${1%%/*}" "pong: $(head -c 100)"
	EOF
	chmod 755 /etc/xmppd/test-hook &&
	cat >>$CONF <<-EOF &&

	[$ACCT]
	username = svc@localhost/xmppd
	secret = svcpw
	serverhost = 127.0.0.1
	port = $SERVER_PORT
	cafile = /etc/xmppd/test-ca.crt
	buddy = bob@localhost
	hook = /etc/xmppd/test-hook
	EOF
	test "$(stat -c "%a %U %G" $CONF)" = "640 root xmppd" &&
	runuser -u xmppd -- xmppd -n $ACCT >"$TEST_DIR/n.out" 2>&1 &&
	grep -qx "socketgroup = xmppd-clients" "$TEST_DIR/n.out" ||
	{ cat "$TEST_DIR/n.out" >&2; return 1; }
'

test_expect_success 'ExecStart, sandboxed as the unit says: returns once logged in' '
	buddy_start bob bob@localhost/laptop bobpw &&
	start &&
	pid_alive "$MAINPID" &&
	test "$(as_root xmpp-status $ACCT)" = 1 &&
	wait_for 10 "[ \"\$(as_root xmpp-status $ACCT bob@localhost)\" = 1 ]"
'

test_expect_success 'the daemon runs as xmppd, without privileges, in its own mounts' '
	test "$(proc_field $MAINPID Uid | tr -s "\t " " ")" = "$uid $uid $uid $uid" &&
	gid=$(getent group xmppd | cut -d: -f3) &&
	test "$(proc_field $MAINPID Gid | tr -s "\t " " ")" = "$gid $gid $gid $gid" &&
	test "$(proc_field $MAINPID Groups | tr -d " ")" = "$(getent group xmppd-clients | cut -d: -f3)" &&
	test "$(proc_field $MAINPID NoNewPrivs)" = 1 &&
	for c in CapInh CapPrm CapEff CapBnd CapAmb; do
		test "$(proc_field $MAINPID $c)" = 0000000000000000 ||
			{ diag "$c: $(proc_field $MAINPID $c)"; return 1; }
	done &&
	test "$(readlink /proc/$MAINPID/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" &&
	awk "\$5 == \"/\" { print \$6 }" /proc/$MAINPID/mountinfo | grep -q "^ro" &&
	awk "\$5 == \"/tmp\" { print \$9 }" /proc/$MAINPID/mountinfo | grep -qx tmpfs &&
	test "$(stat -c "%a %U %G" /run/xmppd/$ACCT.sock)" = "660 xmppd xmppd-clients" &&
	test "$(stat -c "%a %U" /var/lib/xmppd/$ACCT)" = "700 xmppd"
'

test_expect_success 'root, with cron'\''s PATH, uses the installed clients' '
	test "$(as_root xmpp-status $ACCT)" = 1 &&
	as_root xmpp-send $ACCT bob@localhost "from root" &&
	next_message bob svc@localhost/xmppd "from root"
'

test_expect_success 'a member of xmppd-clients (as Asterisk) sends, reads a status, checks' '
	as_member xmpp-send $ACCT bob@localhost "from a member of xmppd-clients" &&
	next_message bob svc@localhost/xmppd "from a member of xmppd-clients" &&
	test "$(as_member xmpp-status $ACCT bob@localhost)" = 1 &&
	as_member /usr/lib/nagios/plugins/check_xmppd -a $ACCT -b bob@localhost |
		grep -q "^XMPPD OK - bob@localhost is online" &&
	as_root "$TOP/tests/agi/fake-asterisk" --log "$TEST_DIR/agi.log" \
		--script /usr/share/asterisk/agi-bin/xmpp-agi -- status $ACCT bob@localhost \
		</dev/null >/dev/null 2>&1 &&
	grep -qx "VAR XMPP_STATUS=1" "$TEST_DIR/agi.log"
'

test_expect_success 'anyone else is refused (77)' '
	{ as_outsider xmpp-status $ACCT 2>"$TEST_DIR/err"; test $? = 77; } &&
	grep -q "permission" "$TEST_DIR/err"
'

test_expect_success 'the hook runs in the sandbox, and answers through the socket' '
	buddy_cmd bob "send svc@localhost ping" &&
	next_message bob svc@localhost/xmppd "pong: ping" &&
	grep -qx "etc read-only" /var/lib/xmppd/hook.out &&
	grep -qx "home closed" /var/lib/xmppd/hook.out &&
	grep -q "^tmp [0-9]" /var/lib/xmppd/hook.out &&
	test ! -e /tmp/xmppd-hook-probe &&
	grep -qw xmppd-clients /var/lib/xmppd/hook.out ||
	{ cat /var/lib/xmppd/hook.out >&2; return 1; }
'

test_expect_success 'stopped, a message queued by xmpp-send --queue as xmppd goes at the next start' '
	stop &&
	test ! -e /run/xmppd/$ACCT.sock &&
	runuser -u xmppd -- env -i PATH=$CLEAN XMPPD_STATE_DIR=/var/lib/xmppd \
		xmpp-send --queue $ACCT bob@localhost "queued while stopped" &&
	start &&
	next_message bob svc@localhost/xmppd "queued while stopped"
'

# Issue 11, point 2: after a reboot /run/xmppd is empty, the lock file
# that names the service's spool gone; root's --queue wrote into
# /var/spool/xmppd, which the service never reads.
test_expect_success 'after a reboot (no lock file), root'\''s --queue finds the service'\''s spool' '
	stop &&
	rm -f /run/xmppd/*.lock && test ! -e /var/spool/xmppd &&
	at_exit "rm -rf /var/spool/xmppd" &&
	as_root xmpp-send --queue $ACCT bob@localhost "queued after a reboot" \
		2>"$TEST_DIR/err" &&
	grep -q "queued in /var/lib/xmppd/$ACCT, the spool of the unit xmppd@$ACCT.service" "$TEST_DIR/err" &&
	test ! -e /var/spool/xmppd/$ACCT &&
	test -z "$(find /var/lib/xmppd/$ACCT ! -user xmppd)" &&
	start &&
	next_message bob svc@localhost/xmppd "queued after a reboot"
'

test_expect_success 'apt-get remove: programs gone, configuration and spool kept' '
	stop && rm -f /etc/xmppd/test-ca.crt /etc/xmppd/test-hook &&
	DEBIAN_FRONTEND=noninteractive apt-get remove -y -q xmpp-toolkit \
		>"$TEST_DIR/apt.log" 2>&1 &&
	test ! -e /usr/bin/xmppd && test ! -e $UNIT &&
	test -f $CONF && test -d /var/lib/xmppd/$ACCT
'

test_expect_success 'apt-get purge: nothing left but the user and the groups' '
	DEBIAN_FRONTEND=noninteractive apt-get purge -y -q xmpp-toolkit \
		>"$TEST_DIR/apt.log" 2>&1 &&
	if dpkg-query -W xmpp-toolkit >/dev/null 2>&1; then return 1; fi &&
	while read -r p; do
		if [ -e "$p" ] || [ -L "$p" ]; then echo "$p"; fi
	done <"$TEST_DIR/paths" >"$TEST_DIR/after" &&
	diff -u "$TEST_DIR/before" "$TEST_DIR/after" &&
	test ! -e /etc/xmppd && test ! -e /var/lib/xmppd && test ! -e /run/xmppd &&
	test -z "$(dpkg-statoverride --list /etc/xmppd/xmppd.conf)" &&
	getent passwd xmppd >/dev/null && getent group xmppd >/dev/null &&
	getent group xmppd-clients >/dev/null
'

done_testing
