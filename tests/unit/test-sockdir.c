/*
 * test-sockdir: which socket folders a client trusts (sockdir_trust), the
 * places it looks in (sockdir_places) and the lock file's contents
 * (lock_parse).  Folders owned by another user need root to make.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockdir.h"
#include "tap.h"

static char base[PATH_MAX];

/* Makes base/name with mode (chmod, past the umask); returns its path. */
static const char *
folder(const char *name, mode_t mode)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", base, name);
	if (mkdir(path, 0700) == -1 || chmod(path, mode) == -1)
		diag("cannot make %s", path);
	return path;
}

/* sockdir_trust(dir, own_only): its verdict; why must contain word. */
static void
trust(const char *dir, int own_only, int want, const char *word,
    const char *name)
{
	char why[512] = "";
	uid_t owner = 12345;
	int got = sockdir_trust(dir, own_only, 1, &owner, why, sizeof(why));

	if (!is_int(got, want, "trust: %s", name))
		diag("why: %s", why);
	if (word != NULL && !ok(strstr(why, word) != NULL, "reason for %s "
	    "mentions '%s'", name, word))
		diag("why: %s", why);
}

static void
test_trust(void)
{
	char path[PATH_MAX];
	const char *d;

	trust(folder("mine", 0700), 0, 0, NULL, "our own folder, 0700");
	trust(folder("group", 0750), 1, 0, NULL, "ours, 0750, own_only");
	trust(folder("world", 0777), 0, -1, "others may write in it (mode 0777)",
	    "ours, but 0777");
	trust(folder("gw", 0770), 0, -1, "mode 0770", "ours, group-writable");
	snprintf(path, sizeof(path), "%s/none", base);
	trust(path, 0, 1, NULL, "a folder that does not exist");
	snprintf(path, sizeof(path), "%s/file", base);
	fclose(fopen(path, "w"));
	trust(path, 0, -1, "not a folder", "a plain file");
	snprintf(path, sizeof(path), "%s/link", base);
	if (symlink("mine", path) == 0)
		trust(path, 0, -1, "not a folder", "a symbolic link (nofollow)");
	if (geteuid() != 0) {
		ok(1, "# SKIP folders of other users need root");
		return;
	}
	/* base is ours (root's) and 0700: a parent only root may write in. */
	d = folder("svc", 0750);
	if (chown(d, 65534, 65534) == -1)
		diag("chown %s", d);
	trust(d, 0, 0, NULL, "another user's, under a parent of root's alone");
	trust(d, 1, -1, "belongs to uid 65534, not to you",
	    "another user's, own_only (/tmp/xmppd-UID)");
	d = folder("open", 01777);
	snprintf(path, sizeof(path), "%s/svc", d);
	if (mkdir(path, 0755) == -1 || chown(path, 65534, 65534) == -1)
		diag("cannot make %s", path);
	trust(path, 0, -1, "its parent folder is not root's alone",
	    "another user's, under a parent anyone may write in (/tmp)");
}

static void
test_places(void)
{
	struct sockdir_places pl;
	char want[64];

	unsetenv(SOCKDIR_ENV);
	sockdir_places(NULL, &pl);
	snprintf(want, sizeof(want), "/tmp/xmppd-%lu", (unsigned long)geteuid());
	is_int(pl.n, 2, "two places by default");
	is_str(pl.dir[0], want, "first /tmp/xmppd-UID");
	is_int(pl.own_only[0], 1, "which must be ours");
	is_str(pl.dir[1], SOCKDIR_SYSTEM, "then " SOCKDIR_SYSTEM);
	is_int(pl.own_only[1], 0, "which may be a service user's");
	is_int(pl.given, 0, "neither given");
	setenv(SOCKDIR_ENV, "/srv/sock", 1);
	sockdir_places(NULL, &pl);
	ok(pl.n == 1 && pl.given && strcmp(pl.dir[0], "/srv/sock") == 0,
	    "XMPPD_SOCKET_DIR alone");
	sockdir_places("/opt/s", &pl);
	ok(pl.n == 1 && pl.given && strcmp(pl.dir[0], "/opt/s") == 0,
	    "-S wins over XMPPD_SOCKET_DIR");
	setenv(SOCKDIR_ENV, "", 1);
	sockdir_places(NULL, &pl);
	is_int(pl.n, 2, "an empty XMPPD_SOCKET_DIR is unset");
	unsetenv(SOCKDIR_ENV);
}

/* lock_parse of the literal s: its return, and the spool when 0. */
static void
lock(const char *s, int want, long wantpid, const char *wantspool,
    const char *name)
{
	char spool[64] = "?";
	long pid = -7;
	int rc = lock_parse(s, strlen(s), &pid, spool, sizeof(spool));

	is_int(rc, want, "lock_parse: %s", name);
	if (want >= 0)
		is_int(pid, wantpid, "pid: %s", name);
	if (want == 0)
		is_str(spool, wantspool, "spool: %s", name);
}

static void
test_lock(void)
{
	lock("1234\n/var/lib/xmppd/work\n", 0, 1234, "/var/lib/xmppd/work",
	    "pid and spool");
	lock("1234\n", 1, 1234, NULL, "a pid alone (an older daemon)");
	lock("1234", -1, 0, NULL, "a pid without newline");
	lock("", -1, 0, NULL, "an empty file");
	lock("\n/x\n", -1, 0, NULL, "no pid");
	lock("0\n/x\n", -1, 0, NULL, "pid 0");
	lock("-5\n/x\n", -1, 0, NULL, "a negative pid");
	lock(" 12\n/x\n", -1, 0, NULL, "a space before the pid");
	lock("+12\n/x\n", -1, 0, NULL, "a plus before the pid");
	lock("12x\n/x\n", -1, 0, NULL, "junk after the pid");
	lock("99999999999999999999999\n/x\n", -1, 0, NULL, "a pid too big");
	lock("12\nrelative\n", -1, 0, NULL, "a relative spool");
	lock("12\n/no/end", -1, 0, NULL, "a spool line without newline");
	lock("12\n/a\n/b\n", -1, 0, NULL, "a third line");
	lock("12\n/far/too/long/for/the/buffer/of/sixty/four/bytes/that/the/"
	    "test/gives/here\n", -1, 0, NULL, "a spool too long for the buffer");
}

int
main(void)
{
	snprintf(base, sizeof(base), "%s/test-sockdir.XXXXXX",
	    getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(base) == NULL)
		return 1;
	test_trust();
	test_places();
	test_lock();
	{
		char cmd[PATH_MAX + 16];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
		if (system(cmd) != 0)
			diag("could not remove %s", base);
	}
	return done_testing();
}
