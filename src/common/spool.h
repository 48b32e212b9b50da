/*
 * spool.h: accepted messages on disk, one file each, so that nothing an
 * xmpp-send was told 0 for is lost when the daemon or the machine stops.
 */
#ifndef SPOOL_H
#define SPOOL_H

#include <stddef.h>
#include <time.h>

#define SPOOL_ENV	"XMPPD_STATE_DIR"
#define SPOOL_ID_MAX	64

struct spooled {
	char	 id[SPOOL_ID_MAX];
	char	*to;
	char	*body;
	size_t	 len;
	time_t	 created;
	int	 groupchat;	/* to a room, type "groupchat" */
	int	 receipt;	/* ask for a delivery receipt (XEP-0184) */
};

/*
 * The account's spool folder: $XMPPD_STATE_DIR/ACCOUNT, else
 * /var/spool/xmppd/ACCOUNT for root, else $XDG_STATE_HOME/xmppd/ACCOUNT,
 * else ~/.local/state/xmppd/ACCOUNT.  -1 if it does not fit.
 */
int	spool_dir(const char *account, char *out, size_t len);

/* Creates the folder (and its parents) closed to others; -1 and err. */
int	spool_prepare(const char *dir, char *err, size_t errlen);

/*
 * Writes m as DIR/ID.msg: to a temporary file created with O_EXCL, with an
 * end marker, fsync()ed, renamed into place, and the folder fsync()ed.
 * Only a 0 return means the message will survive a crash or power loss.
 * Without sync the fsync()s are skipped: the message then survives a
 * crash of any process, but not a power loss.
 */
int	spool_write(const char *dir, const struct spooled *m, int sync,
	    char *err, size_t errlen);

/* Reads and checks one file; -1 (with err) for a truncated or alien one. */
int	spool_read(const char *path, struct spooled *m, char *err,
	    size_t errlen);

/* Removes DIR/ID.msg (the server has the message, or it was given up). */
void	spool_remove(const char *dir, const char *id);

void	spooled_free(struct spooled *);

/* Makes a fresh stanza id for a message spooled without a daemon. */
void	spool_new_id(char *out, size_t len);

#endif
