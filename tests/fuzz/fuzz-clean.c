/*
 * fuzz-clean: text_clean() and text_cut() (src/common/text.c), what
 * xmpp-send --clean does to any bytes a job prints.
 *
 * Properties: the cleaned text is at most three times as long, passes
 * text_check(), holds no ESC, no control character but TAB and LF, no C1
 * control and no DEL, and cleaning it again changes nothing; text that is
 * clean already (valid UTF-8 of such characters) comes out unchanged.
 * Then the cleaned text is cut into parts of at most max bytes (max from
 * the first input byte): no part is empty or too long, each passes
 * text_check(), a skipped byte is always a newline, and the parts and the
 * skipped newlines give the text back.
 */
#include "fuzz.h"
#include "text.h"

/* Valid UTF-8 decoding by the lead byte (the input passed text_check). */
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

/* A character that text_clean() must never let through. */
static int
ref_unclean(uint32_t c)
{
	return (c < 0x20 && c != '\t' && c != '\n') ||
	    (c >= 0x7f && c <= 0x9f) || c == 0xfffe || c == 0xffff;
}

/* Whether s[0..len) is valid UTF-8 without any unclean character. */
static int
ref_is_clean(const unsigned char *s, size_t len)
{
	size_t i = 0, where;
	uint32_t c;

	if (text_check((const char *)s, len, &where) != NULL)
		return 0;
	while (i < len) {
		i += ref_decode(s + i, &c);
		if (ref_unclean(c))
			return 0;
	}
	return 1;
}

static void
check_cut(const char *s, size_t len, size_t max)
{
	size_t off = 0, cut, skip, where;

	while (off < len) {
		cut = text_cut(s + off, len - off, max, &skip);
		CHECK(cut > 0 && cut <= max, "part of %zu bytes (max %zu)",
		    cut, max);
		CHECK(skip <= 1, "skip %zu", skip);
		CHECK(text_check(s + off, cut, &where) == NULL,
		    "part at %zu cut inside a character (at %zu)", off, where);
		if (skip)
			CHECK(off + cut < len && s[off + cut] == '\n',
			    "skipped byte at %zu is not a newline", off + cut);
		CHECK(cut + skip <= len - off, "cut past the end");
		off += cut + skip;
	}
	CHECK(off == len, "the parts cover %zu of %zu bytes", off, len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out = malloc(3 * size + 1), *again = malloc(3 * size + 1);
	size_t n, m, i, where;
	uint32_t c;

	n = text_clean((const char *)data, size, out);
	CHECK(n <= 3 * size, "%zu bytes out of %zu", n, size);
	CHECK(text_check(out, n, &where) == NULL, "cleaned text refused at "
	    "%zu", where);
	for (i = 0; i < n; ) {
		i += ref_decode((const unsigned char *)out + i, &c);
		CHECK(!ref_unclean(c), "U+%04X left in", (unsigned)c);
	}
	CHECK(memchr(out, 0x1b, n) == NULL, "ESC left in");
	m = text_clean(out, n, again);
	CHECK(m == n && memcmp(out, again, n) == 0, "cleaning twice changes "
	    "it (%zu -> %zu bytes)", n, m);
	if (ref_is_clean(data, size))
		CHECK(n == size && memcmp(out, data, size) == 0,
		    "clean text changed");
	check_cut(out, n, 4 + (size > 0 ? data[0] : 0));
	free(out);
	free(again);
	return 0;
}
