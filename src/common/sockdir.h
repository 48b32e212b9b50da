/* sockdir.h: where the per-account sockets live, for daemon and clients. */
#ifndef SOCKDIR_H
#define SOCKDIR_H

#include <stddef.h>
#include <sys/types.h>

#define SOCKDIR_SYSTEM	"/run/xmppd"	/* for daemons run as a service */
#define SOCKDIR_ENV	"XMPPD_SOCKET_DIR"

/* Returns NULL if name is a usable account name, else the reason. */
const char *account_check(const char *name);

/* Folds an account name in a path to lower case (names are case-blind). */
void	account_fold(char *name);

/*
 * The user's home: $HOME, else the password database's, since cron and
 * Asterisk may leave HOME unset.  "/nonexistent" if neither knows.  In
 * home.c, built twice: the daemon asks the system's user database (NSS);
 * the clients, linked statically for a quicker start, read /etc/passwd
 * (see home.c).
 */
const char *home_dir(void);

/*
 * The daemon's folder: -S, then $XMPPD_SOCKET_DIR, then SOCKDIR_SYSTEM if
 * it exists and belongs to us, then /tmp/xmppd-UID.
 */
void	sockdir_daemon(const char *opt, char *out, size_t len);

/*
 * The folders where a client looks for sockets (and lock files), in
 * order: -S DIR or else $XMPPD_SOCKET_DIR alone (given = 1), else
 * /tmp/xmppd-UID, which must be ours (own_only), and SOCKDIR_SYSTEM.
 */
#define SOCKDIR_PLACES	2
struct sockdir_places {
	int	 n;
	int	 given;
	int	 own_only[SOCKDIR_PLACES];
	char	 dir[SOCKDIR_PLACES][256];
};
void	sockdir_places(const char *opt, struct sockdir_places *);

/*
 * Whether a client may trust the folder dir with what it sends: it is a
 * directory without group or other write permission that belongs to us
 * or root, or (unless own_only) to another user while its parent belongs
 * to root and is not writable by group or others, so that only root can
 * have made it (/run/xmppd of a service user).  Symbolic links are
 * followed unless nofollow.  Returns 0 and the owner in *owner, 1 if dir
 * does not exist, -1 with the reason in why, or -2 (errno set) if it
 * cannot be looked at.
 */
int	sockdir_trust(const char *dir, int own_only, int nofollow,
	    uid_t *owner, char *why, size_t whylen);

/*
 * Parses the contents of a daemon's lock file, DIR/ACCOUNT.lock: the
 * daemon's pid on the first line (what PIDFile= reads) and its spool
 * folder, an absolute path, on the second.  Returns 0 with both, 1 when
 * there is a pid but no spool line (a daemon of an older version), -1 if
 * the contents are not a lock file's.
 */
int	lock_parse(const char *data, size_t len, long *pid, char *spool,
	    size_t spoollen);

/* Builds DIR/ACCOUNT.sock (account folded to lower case); -1 if too long. */
int	sock_path(const char *dir, const char *account, char *out, size_t len);

/*
 * Creates dir if missing (0700, or 0750 with group gid when group_set) and
 * checks that it is ours and closed to others.  Returns 0, or -1 with an
 * explanation and advice in err.
 */
int	sockdir_prepare(const char *dir, int group_set, gid_t gid, char *err,
	    size_t errlen);

#endif
