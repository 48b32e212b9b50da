/* text.c: UTF-8 and XML 1.0 character validation shared by all programs. */
#include "text.h"

#include <stdint.h>

/* Decodes one UTF-8 sequence; returns its length, or 0 if it is invalid. */
static size_t
utf8_decode(const unsigned char *p, size_t avail, uint32_t *cp)
{
	size_t n, i;
	uint32_t c, min;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0) {
		n = 2, c = p[0] & 0x1f, min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 3, c = p[0] & 0x0f, min = 0x800;
	} else if ((p[0] & 0xf8) == 0xf0) {
		n = 4, c = p[0] & 0x07, min = 0x10000;
	} else
		return 0;
	if (avail < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

static int
xml_char_allowed(uint32_t c)
{
	if (c < 0x20)
		return c == 0x09 || c == 0x0a || c == 0x0d;
	return c != 0xfffe && c != 0xffff;
}

const char *
text_check(const char *s, size_t len, size_t *where)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t off = 0, n;
	uint32_t c;

	while (off < len) {
		/* Fast path for the common printable ASCII run. */
		if (p[off] >= 0x20 && p[off] < 0x7f) {
			off++;
			continue;
		}
		n = utf8_decode(p + off, len - off, &c);
		if (n == 0) {
			*where = off;
			return "invalid UTF-8";
		}
		if (!xml_char_allowed(c)) {
			*where = off;
			return c == 0 ? "NUL byte" :
			    "character not allowed in XML (a control character or U+FFFE/U+FFFF)";
		}
		off += n;
	}
	return NULL;
}
