/*
 * upload.h: xmpp-send --file: files sent by HTTP File Upload (XEP-0363),
 * their URLs as out-of-band messages (XEP-0066).  See upload.c.
 */
#ifndef UPLOAD_H
#define UPLOAD_H

#include <popt.h>
#include <stddef.h>

/* --file FILE (repeatable): include with POPT_ARG_INCLUDE_TABLE. */
extern struct poptOption upload_options[];

/* Was a --file given? */
int	upload_wanted(void);

/*
 * Sends the files to jid (a room with group) through account's daemon:
 * the ntexts texts first (the message, in parts with --clean), then each
 * file's URL as a message of its own; with wait > 0 waits as --wait does.
 * Returns the exit status; exits on the first failure, having sent
 * nothing if a file cannot be sent.
 */
int	upload_send(const char *account, const char *jid, int group,
	    char *const *texts, const size_t *lens, size_t ntexts,
	    double wait);

#endif
