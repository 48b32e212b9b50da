/*
 * proto.h: the text protocol between xmppd and its clients.
 *
 * The daemon greets with "XMPPD <version> <account>".  A request is one
 * line of words separated by single spaces, a JID always last (so that a
 * resource may hold spaces); a request that carries a body (SEND) gives
 * its length in bytes and the body follows the line exactly.
 * Every request gets one reply line:
 *
 *	OK [words]		success
 *	OK <length>		success, followed by <length> bytes and "\n"
 *	ERR <status> <text>	failure; <status> is the client's exit status
 *
 * See xmppd(8) for the commands.
 */
#ifndef PROTO_H
#define PROTO_H

#include <stddef.h>
#include <sys/types.h>

#define PROTO_VERSION	1
#define PROTO_LINE_MAX	4096	/* longest line, newline included */
#define PROTO_BODY_MAX	32768	/* longest message body, in bytes */
#define PROTO_WORDS_MAX	8

/* A growable byte buffer used for both directions of a connection. */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

int	 buf_append(struct buf *, const void *, size_t);
int	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 buf_consume(struct buf *, size_t);
void	 buf_free(struct buf *);

/*
 * Looks for a complete line at the start of b.  On success, stores a NUL
 * in place of the line ending, sets *used to the bytes to consume and
 * returns the line's length.  Returns PROTO_MORE while more bytes are
 * needed and PROTO_TOOLONG if no newline came within PROTO_LINE_MAX bytes.
 * A "\r\n" ending is accepted for people typing.
 */
#define PROTO_MORE	(-2)
#define PROTO_TOOLONG	(-1)
ssize_t	 proto_line(struct buf *b, size_t *used);

/*
 * Splits line in place on single spaces into at most max words, the last
 * one keeping the rest of the line.  Returns the word count, or -1 if a
 * word is empty (two spaces in a row, or a space at either end).
 */
int	 proto_split(char *line, char **words, int max);

/* Parses a decimal number in [0, max]; returns 0 on success, -1 if not. */
int	 proto_number(const char *s, unsigned long max, unsigned long *out);

#endif
