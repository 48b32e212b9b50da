# shellcheck shell=sh
# system-lock.sh - one at a time for the tests that change the machine
# itself (/run/xmppd, /etc/xmppd, /var/lib/xmppd, /usr/local, the package
# database, system users), which prove -j2 would otherwise run together.
#
# Source it first, before test-lib.sh:
#
#     . "$(dirname "$0")/lib/system-lock.sh"
#
# It runs the test script again under flock(1) on
# /run/lock/xmpp-toolkit-tests (waiting up to 20 minutes for another such
# test to finish); -o keeps the lock out of the daemons and servers the
# test starts, so that it is released when the test script ends.  Only
# for root: the others skip these tests anyway.

if [ -z "${XMPP_SYSTEM_LOCKED:-}" ] && [ "$(id -u)" = 0 ] &&
	command -v flock >/dev/null 2>&1; then
	XMPP_SYSTEM_LOCKED=1
	export XMPP_SYSTEM_LOCKED
	_sl_dir=/run/lock
	[ -d "$_sl_dir" ] || _sl_dir=/tmp
	exec flock -o -w 1200 "$_sl_dir/xmpp-toolkit-tests" "$0" "$@"
fi
