/*
 * sockdir.c: the socket folder, found the same way by xmppd and clients.
 *
 * Nothing here depends on variables that cron or Asterisk leave unset: the
 * per-user default is derived from the uid alone, like tmux's.  A folder
 * in /tmp could have been made by someone else first, so its owner and
 * mode are checked before it is trusted.
 */
#include "sockdir.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

const char *
account_check(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0)
		return "empty account name";
	if (n > 64)
		return "account name longer than 64 characters";
	if (name[0] == '.' || name[0] == '-')
		return "account name must not start with '.' or '-'";
	for (i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			return "account name may only hold letters, digits, '-', '_' and '.'";
	}
	return NULL;
}

void
account_fold(char *name)
{
	for (; *name; name++)
		if (*name >= 'A' && *name <= 'Z')
			*name += 'a' - 'A';
}

static void
sockdir_user(char *out, size_t len)
{
	snprintf(out, len, "/tmp/xmppd-%lu", (unsigned long)geteuid());
}

void
sockdir_daemon(const char *opt, char *out, size_t len)
{
	const char *env = getenv(SOCKDIR_ENV);
	struct stat st;

	if (opt != NULL)
		snprintf(out, len, "%s", opt);
	else if (env != NULL && *env != '\0')
		snprintf(out, len, "%s", env);
	else if (lstat(SOCKDIR_SYSTEM, &st) == 0 && S_ISDIR(st.st_mode) &&
	    st.st_uid == geteuid())
		snprintf(out, len, "%s", SOCKDIR_SYSTEM);
	else if (geteuid() == 0)
		snprintf(out, len, "%s", SOCKDIR_SYSTEM);
	else
		sockdir_user(out, len);
}

int
sock_path(const char *dir, const char *account, char *out, size_t len)
{
	struct sockaddr_un sun;
	size_t max = len < sizeof(sun.sun_path) ? len : sizeof(sun.sun_path);
	int n;

	n = snprintf(out, max, "%s/%s.sock", dir, account);
	if (n < 0 || (size_t)n >= max)
		return -1;
	/* Account names are case-insensitive, as in Asterisk. */
	account_fold(out + strlen(dir) + 1);
	return 0;
}

void
sockdir_places(const char *opt, struct sockdir_places *pl)
{
	const char *env = getenv(SOCKDIR_ENV);

	memset(pl, 0, sizeof(*pl));
	if (opt != NULL || (env != NULL && *env != '\0')) {
		snprintf(pl->dir[0], sizeof(pl->dir[0]), "%s",
		    opt != NULL ? opt : env);
		pl->n = pl->given = 1;
		return;
	}
	sockdir_user(pl->dir[0], sizeof(pl->dir[0]));
	pl->own_only[0] = 1;
	snprintf(pl->dir[1], sizeof(pl->dir[1]), "%s", SOCKDIR_SYSTEM);
	pl->n = 2;
}

/* Whether only root can have made dir: its parent is root's alone. */
static int
parent_is_roots(const char *dir)
{
	char parent[PATH_MAX], *slash;
	struct stat st;

	if (snprintf(parent, sizeof(parent), "%s", dir) >= (int)sizeof(parent))
		return 0;
	while ((slash = strrchr(parent, '/')) != NULL && slash[1] == '\0' &&
	    slash != parent)
		*slash = '\0';		/* trailing slashes */
	if ((slash = strrchr(parent, '/')) == NULL)
		snprintf(parent, sizeof(parent), ".");
	else
		slash[slash == parent] = '\0';
	return stat(parent, &st) == 0 && st.st_uid == 0 &&
	    (st.st_mode & 022) == 0;
}

int
sockdir_trust(const char *dir, int own_only, int nofollow, uid_t *owner,
    char *why, size_t whylen)
{
	struct stat st;

	if ((nofollow ? lstat(dir, &st) : stat(dir, &st)) == -1) {
		if (errno == ENOENT)
			return 1;
		snprintf(why, whylen, "%s", strerror(errno));
		return -2;
	}
	*owner = st.st_uid;
	if (!S_ISDIR(st.st_mode))
		snprintf(why, whylen, "it is not a folder");
	else if ((st.st_mode & 022) != 0)
		snprintf(why, whylen, "others may write in it (mode %04o)",
		    (unsigned)(st.st_mode & 07777));
	else if (st.st_uid == geteuid() || st.st_uid == 0)
		return 0;
	else if (own_only)
		snprintf(why, whylen, "it belongs to uid %lu, not to you (uid "
		    "%lu): someone else may have made it to catch what you "
		    "send; remove it", (unsigned long)st.st_uid,
		    (unsigned long)geteuid());
	else if (parent_is_roots(dir))
		return 0;
	else
		snprintf(why, whylen, "it belongs to uid %lu, and its parent "
		    "folder is not root's alone, so anyone may have made it",
		    (unsigned long)st.st_uid);
	return -1;
}

int
lock_parse(const char *data, size_t len, long *pid, char *spool,
    size_t spoollen)
{
	const char *nl, *p, *end = data + len;
	char *e, num[24];
	size_t n;

	if ((nl = memchr(data, '\n', len)) == NULL ||
	    (n = (size_t)(nl - data)) == 0 || n >= sizeof(num))
		return -1;
	memcpy(num, data, n);
	num[n] = '\0';
	errno = 0;
	*pid = strtol(num, &e, 10);
	if (*e != '\0' || *pid <= 0 || errno != 0 || num[0] == '+' ||
	    num[0] == ' ')
		return -1;
	p = nl + 1;
	if (p == end)
		return 1;
	if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL ||
	    nl + 1 != end || *p != '/' || (n = (size_t)(nl - p)) >= spoollen ||
	    memchr(p, '\0', n) != NULL)
		return -1;
	memcpy(spool, p, n);
	spool[n] = '\0';
	return 0;
}

int
sockdir_prepare(const char *dir, int group_set, gid_t gid, char *err,
    size_t errlen)
{
	mode_t want = group_set ? 0750 : 0700;
	struct stat st;

	if (mkdir(dir, want) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create socket folder %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) == -1) {
		snprintf(err, errlen, "socket folder %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "socket folder %s is not a directory", dir);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		snprintf(err, errlen, "socket folder %s belongs to uid %lu, not "
		    "to us (uid %lu); remove it or choose another with -S",
		    dir, (unsigned long)st.st_uid, (unsigned long)geteuid());
		return -1;
	}
	if (group_set && (st.st_gid != gid || (st.st_mode & 07777) != want)) {
		/* The folder is ours: give it the group access we were told. */
		if (chown(dir, (uid_t)-1, gid) == -1 || chmod(dir, want) == -1) {
			snprintf(err, errlen, "socket folder %s: cannot set group "
			    "and mode 0750: %s", dir, strerror(errno));
			return -1;
		}
	} else if (!group_set && (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "socket folder %s is open to others "
		    "(mode %04o); run 'chmod 700 %s' or remove it",
		    dir, (unsigned)(st.st_mode & 07777), dir);
		return -1;
	}
	return 0;
}
