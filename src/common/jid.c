/*
 * jid.c: XMPP address handling (RFC 7622, simplified).
 *
 * We do not implement the full PRECIS profiles: node and domain are folded
 * to lower case for ASCII letters only, and the characters RFC 7622 forbids
 * outright in a localpart are refused.  Everything must be valid UTF-8 that
 * XML allows, so nothing we accept can break the XML stream.
 */
#include "jid.h"

#include <stdio.h>
#include <string.h>

#include "text.h"

static const char *
part_check(const char *p, size_t len, const char *name, const char *forbid,
    int space_ok)
{
	static char reason[64];
	size_t i, where;

	if (len == 0) {
		snprintf(reason, sizeof(reason), "empty %s in JID", name);
		return reason;
	}
	if (len > JID_PART_MAX) {
		snprintf(reason, sizeof(reason), "%s of JID longer than %d bytes",
		    name, JID_PART_MAX);
		return reason;
	}
	if (text_check(p, len, &where) != NULL) {
		snprintf(reason, sizeof(reason),
		    "invalid UTF-8 or control character in JID %s", name);
		return reason;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c < 0x20 || c == 0x7f || (c == ' ' && !space_ok) ||
		    (forbid && strchr(forbid, c))) {
			snprintf(reason, sizeof(reason),
			    "character '%c' not allowed in JID %s",
			    c > 0x20 && c != 0x7f ? c : '?', name);
			return reason;
		}
	}
	return NULL;
}

static void
copy_lower(char *dst, const char *src, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = src[i];
		dst[i] = (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
	}
	dst[len] = '\0';
}

const char *
jid_parse(const char *s, int flags, struct jid *j)
{
	const char *at, *slash, *dom, *why;
	size_t nodelen = 0, domlen, n;

	if (s == NULL || *s == '\0')
		return "empty JID";
	slash = strchr(s, '/');
	at = memchr(s, '@', slash ? (size_t)(slash - s) : strlen(s));
	if (at == NULL && (flags & JID_NEED_NODE))
		return "no '@' in JID (expected user@domain)";
	if (at != NULL) {
		nodelen = (size_t)(at - s);
		if ((why = part_check(s, nodelen, "node", "\"&'/:<>@", 0)) != NULL)
			return why;
		dom = at + 1;
	} else
		dom = s;
	domlen = slash ? (size_t)(slash - dom) : strlen(dom);
	if ((why = part_check(dom, domlen, "domain", "@/", 0)) != NULL)
		return why;
	/* A trailing dot names the same domain (RFC 7622 3.2). */
	if (domlen > 1 && dom[domlen - 1] == '.')
		domlen--;
	if (dom[0] == '.' || dom[domlen - 1] == '.' ||
	    memmem(dom, domlen, "..", 2) != NULL)
		return "empty label in JID domain";

	j->has_resource = slash != NULL;
	j->resource[0] = '\0';
	if (slash != NULL) {
		n = strlen(slash + 1);
		/* Resources may hold spaces and '/', but no controls. */
		if ((why = part_check(slash + 1, n, "resource", NULL, 1)) != NULL)
			return why;
		memcpy(j->resource, slash + 1, n + 1);
	}
	copy_lower(j->bare, s, nodelen);
	if (at != NULL)
		j->bare[nodelen++] = '@';
	copy_lower(j->bare + nodelen, dom, domlen);
	return NULL;
}

void
jid_format(const struct jid *j, char *out, size_t outlen)
{
	if (j->has_resource)
		snprintf(out, outlen, "%s/%s", j->bare, j->resource);
	else
		snprintf(out, outlen, "%s", j->bare);
}
