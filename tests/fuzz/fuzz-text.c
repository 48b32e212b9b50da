/*
 * fuzz-text: differential fuzzing of text_check() (src/common/text.c).
 *
 * The reference below decodes UTF-8 with the table of well-formed byte
 * sequences from the Unicode Standard (chapter 3, table 3-7) instead of
 * decoding bits and range-checking afterwards as text.c does, then applies
 * the XML 1.0 Char production.  Both must agree on every input: accepted or
 * not, the offset of the first bad byte, and the kind of error.
 */
#include "fuzz.h"
#include "text.h"

enum verdict { V_OK, V_UTF8, V_NUL, V_CHAR };

/* Length of the well-formed sequence at p, or 0 (Unicode table 3-7). */
static size_t
ref_seq(const unsigned char *p, size_t avail, uint32_t *cp)
{
	static const struct {
		unsigned char lead_lo, lead_hi, lo2, hi2;
		int len;
	} tab[] = {
		{ 0x00, 0x7f, 0, 0, 1 },
		{ 0xc2, 0xdf, 0x80, 0xbf, 2 },
		{ 0xe0, 0xe0, 0xa0, 0xbf, 3 },
		{ 0xe1, 0xec, 0x80, 0xbf, 3 },
		{ 0xed, 0xed, 0x80, 0x9f, 3 },
		{ 0xee, 0xef, 0x80, 0xbf, 3 },
		{ 0xf0, 0xf0, 0x90, 0xbf, 4 },
		{ 0xf1, 0xf3, 0x80, 0xbf, 4 },
		{ 0xf4, 0xf4, 0x80, 0x8f, 4 },
	};
	static const uint32_t lead_mask[] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	size_t i, k;
	int len;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (p[0] < tab[i].lead_lo || p[0] > tab[i].lead_hi)
			continue;
		len = tab[i].len;
		if (avail < (size_t)len)
			return 0;
		if (len > 1 && (p[1] < tab[i].lo2 || p[1] > tab[i].hi2))
			return 0;
		for (k = 2; k < (size_t)len; k++)
			if (p[k] < 0x80 || p[k] > 0xbf)
				return 0;
		*cp = p[0] & lead_mask[len];
		for (k = 1; k < (size_t)len; k++)
			*cp = *cp * 64 + (p[k] - 0x80u);
		return (size_t)len;
	}
	return 0;
}

/* XML 1.0, production [2] Char. */
static int
ref_xml_char(uint32_t c)
{
	return c == 0x9 || c == 0xa || c == 0xd ||
	    (c >= 0x20 && c <= 0xd7ff) ||
	    (c >= 0xe000 && c <= 0xfffd) ||
	    (c >= 0x10000 && c <= 0x10ffff);
}

static enum verdict
ref_check(const unsigned char *s, size_t len, size_t *where)
{
	size_t off = 0, n;
	uint32_t c;

	while (off < len) {
		if ((n = ref_seq(s + off, len - off, &c)) == 0) {
			*where = off;
			return V_UTF8;
		}
		/* Sanity of the reference itself. */
		CHECK(c <= 0x10ffff && !(c >= 0xd800 && c <= 0xdfff),
		    "reference decoded U+%04X", (unsigned)c);
		if (!ref_xml_char(c)) {
			*where = off;
			return c == 0 ? V_NUL : V_CHAR;
		}
		off += n;
	}
	return V_OK;
}

static enum verdict
classify(const char *why)
{
	if (why == NULL)
		return V_OK;
	if (strcmp(why, "invalid UTF-8") == 0)
		return V_UTF8;
	if (strcmp(why, "NUL byte") == 0)
		return V_NUL;
	CHECK(*why != '\0', "empty reason");
	return V_CHAR;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	size_t where = (size_t)-1, rwhere = (size_t)-1, w2 = (size_t)-1;
	const char *why;
	enum verdict got, want;

	why = text_check(s, size, &where);
	got = classify(why);
	want = ref_check(data, size, &rwhere);

	CHECK(got == want, "text_check says '%s' (at %zu), the reference "
	    "says %d (at %zu)", why ? why : "ok", where, (int)want, rwhere);
	if (got == V_OK)
		return 0;
	CHECK(where == rwhere, "offset %zu, the reference says %zu", where,
	    rwhere);
	CHECK(where < size, "offset %zu past the end (%zu)", where, size);

	/* Everything before the first offending byte is acceptable... */
	CHECK(text_check(s, where, &w2) == NULL,
	    "the prefix before offset %zu is refused at %zu", where, w2);
	/* ...and the verdict does not depend on what follows the bad byte's
	 * sequence: cutting the input right after it gives the same answer
	 * for a bad character (for bad UTF-8 the cut may make it shorter). */
	if (got != V_UTF8) {
		size_t cut = where + 1;
		while (cut < size && (data[cut] & 0xc0) == 0x80 &&
		    cut - where < 4)
			cut++;
		why = text_check(s, cut, &w2);
		CHECK(classify(why) == got && w2 == where,
		    "cutting at %zu changes the verdict", cut);
	}
	return 0;
}
