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
 * Asterisk may leave HOME unset.  "/nonexistent" if neither knows.
 */
const char *home_dir(void);

/*
 * The daemon's folder: -S, then $XMPPD_SOCKET_DIR, then SOCKDIR_SYSTEM if
 * it exists and belongs to us, then /tmp/xmppd-UID.
 */
void	sockdir_daemon(const char *opt, char *out, size_t len);

/*
 * Finds the socket of account for a client: -S or $XMPPD_SOCKET_DIR when
 * set, else /tmp/xmppd-UID/ACCOUNT.sock if it exists, else the one under
 * SOCKDIR_SYSTEM.  Returns -1 if the path does not fit a socket address.
 */
int	sockdir_client(const char *opt, const char *account, char *out,
	    size_t len);

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
