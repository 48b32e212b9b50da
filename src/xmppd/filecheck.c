/*
 * filecheck.c: the checks of the files a configuration names, made with
 * the access of the process that runs them (xmppd -n run by root checks
 * with root's, not the service user's).  Each says what is wrong and
 * what fits to fix it, naming the users and groups involved, and never
 * shows a file's content.  config.c and secret.c use them.
 */
#include "filecheck.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CAFILE_SCAN_MAX		(16 * 1024 * 1024)

/* The name of a user or group for messages, else its number. */
static const char *
user_name(uid_t uid, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(uid);

	if (pw != NULL)
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "%lu", (unsigned long)uid);
	return buf;
}

static const char *
group_name(gid_t gid, char *buf, size_t len)
{
	struct group *gr = getgrgid(gid);

	if (gr != NULL)
		snprintf(buf, len, "%s", gr->gr_name);
	else
		snprintf(buf, len, "%lu", (unsigned long)gid);
	return buf;
}

/* "user NAME" of the process, for "not readable by user NAME". */
static const char *
us(char *buf, size_t len)
{
	char name[64];

	snprintf(buf, len, "user %s", user_name(geteuid(), name,
	    sizeof(name)));
	return buf;
}

/*
 * Whoever may write the configuration chooses the commands the daemon runs
 * (secretcmd, hook), as root perhaps: only its owner, root and the
 * daemon's own group may.  Returns 0, or -1 with the fix in buf.
 */
int
filecheck_writers(const char *file, const struct stat *st, char *buf, size_t len)
{
	char g[64], ours[64];
	unsigned mode = (unsigned)(st->st_mode & 07777);

	if (st->st_mode & S_IWOTH) {
		snprintf(buf, len, "%s is writable by every user (mode %04o), "
		    "who could choose the commands xmppd runs (secretcmd, "
		    "hook); run 'chmod o-w %s'", file, mode, file);
		return -1;
	}
	if ((st->st_mode & S_IWGRP) && st->st_gid != 0 &&
	    st->st_gid != getegid()) {
		snprintf(buf, len, "%s is writable by group %s (mode %04o), "
		    "who could choose the commands xmppd runs (secretcmd, "
		    "hook); run 'chmod g-w %s' (only root's group and xmppd's "
		    "own, %s, may write it)", file,
		    group_name(st->st_gid, g, sizeof(g)), mode, file,
		    group_name(getegid(), ours, sizeof(ours)));
		return -1;
	}
	return 0;
}

/*
 * A file holding a password must be closed to others; group access is
 * fine when the group is our own (a service user's, like asterisk's, for
 * a file root:asterisk 0640).  Returns 0, or -1 with what is wrong and
 * the fixes that fit in buf ("holds a password and ...", to follow the
 * file's name): the advice names the group, the user and group xmppd runs
 * as, and never locks out a group that may need the file unasked.
 */
int
filecheck_private(const char *file, const struct stat *st, int conf,
    char *buf, size_t len)
{
	const char *move = conf ? ", or move the password to secretfile or "
	    "secretcmd" : "";
	char g[64], u[64], ug[64], owner[64], such[96] = "";
	unsigned mode = (unsigned)(st->st_mode & 07777);
	int others = (st->st_mode & 007) != 0;
	int group = (st->st_mode & 070) != 0 && st->st_gid != getegid();

	if (!others && !group)
		return 0;
	if (!group) {
		snprintf(buf, len, "holds a password and is readable by every "
		    "user (mode %04o); run 'chmod o-rwx %s'%s", mode, file,
		    move);
		return -1;
	}
	group_name(st->st_gid, g, sizeof(g));
	user_name(geteuid(), u, sizeof(u));
	group_name(getegid(), ug, sizeof(ug));
	if (st->st_uid != 0 && st->st_uid != geteuid())
		snprintf(such, sizeof(such), " (perhaps its owner, %s)",
		    user_name(st->st_uid, owner, sizeof(owner)));
	if (others)
		snprintf(buf, len, "holds a password and is readable by every "
		    "user and by group %s (mode %04o), but xmppd runs as user "
		    "%s, group %s: run 'chmod o-rwx %s' and run xmppd as a user "
		    "whose group is %s%s, or 'chmod 600 %s'%s", g, mode, u, ug,
		    file, g, such, file, move);
	else
		snprintf(buf, len, "holds a password and is readable by group "
		    "%s (mode %04o), but xmppd runs as user %s, group %s: run "
		    "xmppd as a user whose group is %s%s, or 'chgrp %s %s' if "
		    "group %s need not read it%s", g, mode, u, ug, g, such, ug,
		    file, g, move);
	return -1;
}

/* Why open() or stat() of path failed, in words. */
static void
access_why(int e, const char *verb, char *why, size_t len)
{
	char u[96];

	if (e == ENOENT)
		snprintf(why, len, "no such file or folder");
	else if (e == ENOTDIR)
		snprintf(why, len, "a part of the path is not a folder");
	else if (e == EACCES)
		snprintf(why, len, "not %s by %s", verb, us(u, sizeof(u)));
	else
		snprintf(why, len, "%s", strerror(e));
}

/* Whether fd holds a PEM certificate, as OpenSSL reads a CA file. */
static int
has_pem(int fd)
{
	static const char *marks[] = { "-----BEGIN CERTIFICATE-----",
	    "-----BEGIN TRUSTED CERTIFICATE-----" };
	char buf[8192 + 64];
	size_t keep = 0, have, total = 0, i;
	ssize_t n;

	while (total < CAFILE_SCAN_MAX &&
	    (n = read(fd, buf + keep, sizeof(buf) - keep)) > 0) {
		have = keep + (size_t)n;
		for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
			if (memmem(buf, have, marks[i], strlen(marks[i])))
				return 1;
		total += (size_t)n;
		keep = have < 40 ? have : 40;
		memmove(buf, buf + have - keep, keep);
	}
	return 0;
}

int
filecheck_cafile(const char *path, char *why, size_t len)
{
	struct stat st;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY))
	    == -1) {
		access_why(errno, "readable", why, len);
		return -1;
	}
	if (fstat(fd, &st) == -1)
		snprintf(why, len, "%s", strerror(errno));
	else if (S_ISDIR(st.st_mode))
		snprintf(why, len, "a folder, not a file (a folder of "
		    "certificates is given with capath)");
	else if (!S_ISREG(st.st_mode))
		snprintf(why, len, "not a regular file");
	else if (!has_pem(fd))
		snprintf(why, len, "holds no certificate in PEM format "
		    "(-----BEGIN CERTIFICATE-----)");
	else
		rc = 0;
	close(fd);
	return rc;
}

int
filecheck_capath(const char *path, char *why, size_t len)
{
	struct stat st;
	char u[96];

	if (stat(path, &st) == -1) {
		access_why(errno, "searchable", why, len);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, len, "not a folder (a file of certificates is "
		    "given with cafile)");
		return -1;
	}
	if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) == -1) {
		snprintf(why, len, "not searchable by %s", us(u, sizeof(u)));
		return -1;
	}
	return 0;
}

int
filecheck_hook(const char *path, char *why, size_t len)
{
	struct stat st;
	char u[96];

	if (path[0] != '/') {
		snprintf(why, len, "give the absolute path of a program");
		return -1;
	}
	if (stat(path, &st) == -1) {
		access_why(errno, "searchable", why, len);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, len, "not a regular file");
		return -1;
	}
	if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) == -1) {
		snprintf(why, len, "not executable by %s", us(u, sizeof(u)));
		return -1;
	}
	return 0;
}

int
filecheck_logfile(const char *path, char *why, size_t len)
{
	struct stat st;
	char dir[PATH_MAX], u[96];
	const char *slash = strrchr(path, '/');

	if (path[0] != '/') {
		snprintf(why, len, "give an absolute path");
		return -1;
	}
	if (stat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
			snprintf(why, len, "not a regular file");
		else if (faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) == -1)
			snprintf(why, len, "not writable by %s",
			    us(u, sizeof(u)));
		else
			return 0;
		return -1;
	}
	if (errno != ENOENT) {
		access_why(errno, "searchable", why, len);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 :
	    (int)(slash - path), path);
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode))
		snprintf(why, len, "its folder %s does not exist", dir);
	else if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) == -1)
		snprintf(why, len, "cannot be created: its folder %s is not "
		    "writable by %s", dir, us(u, sizeof(u)));
	else
		return 0;
	return -1;
}

/* Opens a secretfile without waiting: it must be a private regular file. */
int
filecheck_secretfile_open(const char *path, char *why, size_t len)
{
	struct stat st;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY))
	    == -1) {
		access_why(errno, "readable", why, len);
		return -1;
	}
	if (fstat(fd, &st) == -1)
		snprintf(why, len, "%s", strerror(errno));
	else if (!S_ISREG(st.st_mode))
		snprintf(why, len, "not a regular file");
	else if (filecheck_private(path, &st, 0, why, len) == 0)
		return fd;
	close(fd);
	return -1;
}

int
filecheck_secretfile(const char *path, char *why, size_t len)
{
	int fd;

	if ((fd = filecheck_secretfile_open(path, why, len)) == -1)
		return -1;
	close(fd);
	return 0;
}

