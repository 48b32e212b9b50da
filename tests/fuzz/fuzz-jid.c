/*
 * fuzz-jid: jid_parse() and jid_format() (src/common/jid.c).
 *
 * The input (up to its first NUL) is parsed with and without JID_NEED_NODE
 * and compared with a small reference model of the rules in jid.c:
 *
 *	node@domain/resource, split at the first '/' and the first '@'
 *	before it; every part 1..JID_PART_MAX bytes of text that text_check()
 *	accepts, without C0 or C1 controls, DEL, U+FFFE/U+FFFF or a
 *	default-ignorable code point of the list in issue 14 (D27); node
 *	without space or any of
 *	"&'/:<>@ and the double quote; domain without space, '@' or '/'; one
 *	trailing dot of the domain dropped; node and domain folded to lower
 *	case for A-Z only; the resource kept as it is.
 *
 * Properties: the verdicts agree, success implies text_check() passes on
 * the whole input, bare has no A-Z, parts stay within JID_PART_MAX, and
 * jid_format() gives a string that parses back to the same bare/resource.
 */
#include "fuzz.h"
#include "jid.h"
#include "text.h"

struct ref {
	char	bare[2 * JID_PART_MAX + 2];
	char	resource[JID_PART_MAX + 1];
	int	has_resource;
};

/* The code points refused anywhere in a JID, as the issue lists them. */
static int
ref_refused(uint32_t c)
{
	static const uint32_t ranges[][2] = {
		{ 0x0000, 0x001f }, { 0x007f, 0x009f }, { 0x00ad, 0x00ad },
		{ 0x034f, 0x034f }, { 0x061c, 0x061c }, { 0x115f, 0x1160 },
		{ 0x17b4, 0x17b5 }, { 0x180b, 0x180f }, { 0x200b, 0x200f },
		{ 0x202a, 0x202e }, { 0x2060, 0x206f }, { 0x3164, 0x3164 },
		{ 0xfe00, 0xfe0f }, { 0xfeff, 0xfeff }, { 0xffa0, 0xffa0 },
		{ 0xfff0, 0xfff8 }, { 0xfffe, 0xffff }, { 0x1bca0, 0x1bca3 },
		{ 0x1d173, 0x1d17a }, { 0xe0000, 0xe0fff },
	};
	size_t i;

	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (c >= ranges[i][0] && c <= ranges[i][1])
			return 1;
	return 0;
}

/* Decodes valid UTF-8 (text_check() passed) by its lead byte's length. */
static size_t
ref_decode(const unsigned char *p, uint32_t *c)
{
	size_t n = p[0] < 0x80 ? 1 : p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	size_t k;

	*c = n == 1 ? p[0] : p[0] & (0xff >> (n + 1));
	for (k = 1; k < n; k++)
		*c = (*c << 6) | (p[k] & 0x3f);
	return n;
}

static int
ref_part_ok(const char *p, size_t len, const char *forbid, int space_ok)
{
	size_t i, where;
	uint32_t c;

	if (len == 0 || len > JID_PART_MAX)
		return 0;
	if (text_check(p, len, &where) != NULL)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char b = (unsigned char)p[i];
		if (b == ' ' && !space_ok)
			return 0;
		if (forbid != NULL && memchr(forbid, b, strlen(forbid)))
			return 0;
	}
	for (i = 0; i < len; ) {
		i += ref_decode((const unsigned char *)p + i, &c);
		if (ref_refused(c))
			return 0;
	}
	return 1;
}

static void
ref_lower(char *dst, const char *src, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		dst[i] = (char)(src[i] >= 'A' && src[i] <= 'Z' ?
		    src[i] + ('a' - 'A') : src[i]);
}

/* The reference model; returns 1 if s is a valid JID under flags. */
static int
ref_parse(const char *s, int flags, struct ref *r)
{
	size_t len = strlen(s), pre, i, at = (size_t)-1, nodelen = 0;
	size_t dom, domlen, reslen = 0, k = 0;
	const char *slash = memchr(s, '/', len);

	if (len == 0)
		return 0;
	pre = slash ? (size_t)(slash - s) : len;
	for (i = 0; i < pre; i++)
		if (s[i] == '@') {
			at = i;
			break;
		}
	if (at == (size_t)-1 && (flags & JID_NEED_NODE))
		return 0;
	if (at != (size_t)-1) {
		nodelen = at;
		dom = at + 1;
		if (!ref_part_ok(s, nodelen, "\"&'/:<>@", 0))
			return 0;
	} else
		dom = 0;
	domlen = pre - dom;
	if (!ref_part_ok(s + dom, domlen, "@/", 0))
		return 0;
	if (slash != NULL) {
		reslen = len - pre - 1;
		if (!ref_part_ok(slash + 1, reslen, NULL, 1))
			return 0;
	}
	if (domlen > 1 && s[dom + domlen - 1] == '.')
		domlen--;
	/* No empty labels: ".a", "a..b", "a.." and "." are refused. */
	if (s[dom] == '.' || s[dom + domlen - 1] == '.' ||
	    memmem(s + dom, domlen, "..", 2) != NULL)
		return 0;

	ref_lower(r->bare, s, nodelen);
	k = nodelen;
	if (at != (size_t)-1)
		r->bare[k++] = '@';
	ref_lower(r->bare + k, s + dom, domlen);
	r->bare[k + domlen] = '\0';
	r->has_resource = slash != NULL;
	if (slash != NULL)
		memcpy(r->resource, slash + 1, reslen);
	r->resource[reslen] = '\0';
	return 1;
}

/* The domain part of a bare JID. */
static const char *
bare_domain(const char *bare)
{
	const char *at = strchr(bare, '@');

	return at ? at + 1 : bare;
}

static void
one(const char *s, int flags)
{
	static struct jid j, j2;
	static struct ref r;
	static char out[JID_MAX + 1];
	const char *why, *why2, *dom, *at;
	size_t where, outlen, domlen;
	int want;

	memset(&j, 0xa5, sizeof(j));
	why = jid_parse(s, flags, &j);
	want = ref_parse(s, flags, &r);
	CHECK((why == NULL) == want, "flags %d: jid_parse says '%s', the "
	    "reference %s", flags, why ? why : "ok",
	    want ? "accepts" : "refuses");
	if (why != NULL) {
		CHECK(*why != '\0', "empty reason");
		return;
	}

	CHECK(text_check(s, strlen(s), &where) == NULL,
	    "accepted input fails text_check at %zu", where);
	CHECK(memchr(j.bare, '\0', sizeof(j.bare)) != NULL, "bare unterminated");
	CHECK(j.has_resource == 0 || j.has_resource == 1, "has_resource %d",
	    j.has_resource);
	if (j.has_resource)
		CHECK(memchr(j.resource, '\0', sizeof(j.resource)) != NULL,
		    "resource unterminated");
	CHECK(strcmp(j.bare, r.bare) == 0, "bare '%s', expected '%s'",
	    j.bare, r.bare);
	CHECK(j.has_resource == r.has_resource, "has_resource differs");
	if (j.has_resource)
		CHECK(strcmp(j.resource, r.resource) == 0, "resource differs");
	for (const char *p = j.bare; *p; p++)
		CHECK(!(*p >= 'A' && *p <= 'Z'), "upper case in bare '%s'",
		    j.bare);
	dom = bare_domain(j.bare);
	at = strchr(j.bare, '@');
	CHECK((flags & JID_NEED_NODE) == 0 || at != NULL, "no node");
	CHECK(at == NULL || (size_t)(at - j.bare) <= JID_PART_MAX,
	    "node too long");
	domlen = strlen(dom);
	CHECK(domlen >= 1 && domlen <= JID_PART_MAX, "domain length %zu",
	    domlen);
	CHECK(strlen(j.resource) <= JID_PART_MAX, "resource too long");
	CHECK(!j.has_resource || j.resource[0] != '\0', "empty resource");

	/* Round trip through jid_format(). */
	jid_format(&j, out, sizeof(out));
	outlen = strlen(j.bare) + (j.has_resource ? 1 + strlen(j.resource) : 0);
	CHECK(strlen(out) == outlen && outlen <= JID_MAX,
	    "jid_format wrote %zu bytes, expected %zu", strlen(out), outlen);
	why2 = jid_parse(out, flags, &j2);
	CHECK(why2 == NULL, "'%s' does not parse again: %s", out, why2);
	CHECK(strcmp(j2.bare, j.bare) == 0, "bare '%s' became '%s'",
	    j.bare, j2.bare);
	CHECK(j2.has_resource == j.has_resource &&
	    (!j.has_resource || strcmp(j2.resource, j.resource) == 0),
	    "resource of '%s' changed", out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strndup(data, size);
	static struct jid a, b;
	const char *wa, *wb;

	one(s, 0);
	one(s, JID_NEED_NODE);

	/* JID_NEED_NODE only adds the requirement of a node. */
	wa = jid_parse(s, 0, &a);
	wb = jid_parse(s, JID_NEED_NODE, &b);
	if (wb == NULL)
		CHECK(wa == NULL && strcmp(a.bare, b.bare) == 0,
		    "JID_NEED_NODE accepts what plain parsing refuses");
	if (wa == NULL && wb != NULL)
		CHECK(strchr(a.bare, '@') == NULL,
		    "JID_NEED_NODE refuses a JID with a node: %s", wb);
	free(s);
	return 0;
}
