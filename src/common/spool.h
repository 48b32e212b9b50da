/*
 * spool.h: accepted messages on disk, so that nothing an xmpp-send was
 * told 0 for is lost when the daemon or the machine stops.
 */
#ifndef SPOOL_H
#define SPOOL_H

#include <stddef.h>
#include <time.h>

#define SPOOL_ENV	"XMPPD_STATE_DIR"
#define SPOOL_ID_MAX	64
#define SPOOL_BATCH_MAX	256		/* messages in one file */
#define SPOOL_FILE_MAX	(16 << 20)	/* bytes in one file */

struct spooled {
	char	 id[SPOOL_ID_MAX];
	char	*to;
	char	*body;
	size_t	 len;
	time_t	 created;
	int	 groupchat;	/* to a room, type "groupchat" */
	int	 receipt;	/* ask for a delivery receipt (XEP-0184) */
	int	 oob;		/* the body is a URL, also sent as XEP-0066 */
};

/*
 * The account's spool folder: $XMPPD_STATE_DIR/ACCOUNT (a relative
 * $XMPPD_STATE_DIR taken from the current folder), else
 * /var/spool/xmppd/ACCOUNT for root, else $XDG_STATE_HOME/xmppd/ACCOUNT,
 * else ~/.local/state/xmppd/ACCOUNT.  -1 if it does not fit.
 */
int	spool_dir(const char *account, char *out, size_t len);

/*
 * Where the packaged service (xmppd@.service, StateDirectory=) keeps an
 * account's spool: $XMPPD_STATE_DIR as its unit sets it.
 */
#define SPOOL_SERVICE_DIR	"/var/lib/xmppd"

/* Creates the folder (and its parents) closed to others; -1 and err. */
int	spool_prepare(const char *dir, char *err, size_t errlen);

/*
 * Writes the n (1 to SPOOL_BATCH_MAX) messages ms as one file DIR/ID.msg,
 * ID being the first message's: to a temporary file created with O_EXCL,
 * each with an end marker, fsync()ed, renamed into place, and the folder
 * fsync()ed.  Only a 0 return means the messages will survive a crash or
 * power loss.  Without sync the fsync()s are skipped: the messages then
 * survive a crash of any process, but not a power loss.
 */
int	spool_write_many(const char *dir, const struct spooled *ms, size_t n,
	    int sync, char *err, size_t errlen);
int	spool_write(const char *dir, const struct spooled *m, int sync,
	    char *err, size_t errlen);

/*
 * Reads and checks one file: *msgs gets its *count messages (free them with
 * spooled_free_all); -1 (with err) for a truncated or alien file.
 */
int	spool_read(const char *path, struct spooled **msgs, size_t *count,
	    char *err, size_t errlen);

/* The same for a file's contents in memory (changed in place); -1 if bad. */
int	spool_parse(char *data, size_t size, struct spooled **msgs,
	    size_t *count);

/* Appends the n messages ms as a file's contents; -1 if out of memory. */
struct buf;
int	spool_format(struct buf *, const struct spooled *ms, size_t n);

/* Removes DIR/ID.msg (its messages are confirmed, or given up). */
void	spool_remove(const char *dir, const char *id);

void	spooled_free(struct spooled *);
void	spooled_free_all(struct spooled *, size_t);

/* Makes a fresh stanza id for a message spooled without a daemon. */
void	spool_new_id(char *out, size_t len);

#endif
