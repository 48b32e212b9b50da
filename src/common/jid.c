/*
 * jid.c: XMPP address handling (RFC 7622, simplified).
 *
 * We do not implement the full PRECIS profiles: node and domain are folded
 * to lower case for ASCII letters only, and the characters RFC 7622 forbids
 * outright in a localpart are refused.  Everything must be valid UTF-8 that
 * XML allows, so nothing we accept can break the XML stream.  Control
 * characters (C0 and C1) and the invisible, default-ignorable code points
 * that PRECIS (RFC 8264) disallows are refused too, in every part: with
 * them "bob\u200b@example.org" would look like bob and be someone else.
 */
#include "jid.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

/* Default-ignorable code points (Unicode's DerivedCoreProperties) we refuse. */
static const struct { uint32_t lo, hi; } invisible[] = {
	{ 0x00ad, 0x00ad }, { 0x034f, 0x034f }, { 0x061c, 0x061c },
	{ 0x115f, 0x1160 }, { 0x17b4, 0x17b5 }, { 0x180b, 0x180f },
	{ 0x200b, 0x200f }, { 0x202a, 0x202e }, { 0x2060, 0x206f },
	{ 0x3164, 0x3164 }, { 0xfe00, 0xfe0f }, { 0xfeff, 0xfeff },
	{ 0xffa0, 0xffa0 }, { 0xfff0, 0xfff8 }, { 0x1bca0, 0x1bca3 },
	{ 0x1d173, 0x1d17a }, { 0xe0000, 0xe0fff },
};

/* Why code point c may not be in a JID, or NULL. */
static const char *
code_point_problem(uint32_t c)
{
	size_t i;

	if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
		return "a control character";
	if (c == 0xfffe || c == 0xffff)
		return "not a character";
	for (i = 0; i < sizeof(invisible) / sizeof(invisible[0]); i++)
		if (c >= invisible[i].lo && c <= invisible[i].hi)
			return "an invisible character";
	return NULL;
}

/*
 * Refuses controls and invisible characters in p[0..len), valid UTF-8
 * starting at byte offset base of the JID, naming the code point and the
 * byte where it starts.
 */
static const char *
part_code_points(const char *p, size_t len, size_t base, const char *name,
    char *reason, size_t rlen)
{
	const char *what;
	size_t i = 0, n;
	uint32_t c;

	while (i < len) {
		n = text_utf8_decode((const unsigned char *)p + i, len - i, &c);
		if (n == 0)
			n = 1;	/* text_check() refused it already */
		else if ((what = code_point_problem(c)) != NULL) {
			snprintf(reason, rlen, "U+%04X (%s) not allowed in JID "
			    "%s, at byte %zu", (unsigned)c, what, name,
			    base + i);
			return reason;
		}
		i += n;
	}
	return NULL;
}

static const char *
part_check(const char *p, size_t len, size_t base, const char *name,
    const char *forbid, int space_ok)
{
	static char reason[128];
	const char *why;
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
	/* Controls are named below, with the rest of the code points. */
	if ((why = text_check(p, len, &where)) != NULL &&
	    strcmp(why, "invalid UTF-8") == 0) {
		snprintf(reason, sizeof(reason), "invalid UTF-8 in JID %s, at "
		    "byte %zu", name, base + where);
		return reason;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];
		if ((c == ' ' && !space_ok) || (forbid && strchr(forbid, c))) {
			snprintf(reason, sizeof(reason),
			    "character '%c' not allowed in JID %s", c, name);
			return reason;
		}
	}
	return part_code_points(p, len, base, name, reason, sizeof(reason));
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
		if ((why = part_check(s, nodelen, 0, "node", "\"&'/:<>@", 0)) != NULL)
			return why;
		dom = at + 1;
	} else
		dom = s;
	domlen = slash ? (size_t)(slash - dom) : strlen(dom);
	if ((why = part_check(dom, domlen, (size_t)(dom - s), "domain", "@/",
	    0)) != NULL)
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
		if ((why = part_check(slash + 1, n, (size_t)(slash + 1 - s),
		    "resource", NULL, 1)) != NULL)
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
