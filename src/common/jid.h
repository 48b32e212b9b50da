/* jid.h: parsing, validation and comparison of XMPP addresses. */
#ifndef JID_H
#define JID_H

#include <stddef.h>

#define JID_PART_MAX 1023		/* RFC 7622: each part at most 1023 bytes */
#define JID_MAX (3 * JID_PART_MAX + 2)	/* node@domain/resource */

/*
 * A parsed JID.  `bare` is the comparison key: node and domain folded to
 * ASCII lower case, joined by '@'.  The resource is kept exactly.
 */
struct jid {
	char	bare[2 * JID_PART_MAX + 2];
	char	resource[JID_PART_MAX + 1];
	int	has_resource;
};

/* Flags for jid_parse(). */
#define JID_NEED_NODE	0x1	/* refuse a JID without "node@" */

/*
 * Parses s into *j.  Returns NULL on success, or a short English reason
 * ("empty JID", "no '@' in JID", ...) on failure.
 */
const char *jid_parse(const char *s, int flags, struct jid *j);

/* Writes "bare[/resource]" of j into out (at least JID_MAX + 1 bytes). */
void jid_format(const struct jid *j, char *out, size_t outlen);

#endif
