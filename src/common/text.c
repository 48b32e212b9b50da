/*
 * text.c: UTF-8 and XML 1.0 character validation shared by all programs,
 * and the cleaning and cutting of text that xmpp-send --clean does.
 */
#include "text.h"

#define ESC	0x1b
#define BEL	0x07

size_t
text_utf8_decode(const unsigned char *p, size_t avail, uint32_t *cp)
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
		n = text_utf8_decode(p + off, len - off, &c);
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

/*
 * The end of a control string (OSC, DCS, SOS, PM, APC) whose body starts
 * at i: after BEL, ESC \ or U+009C, or at a line end (kept), so that a
 * string that never ends takes at most the rest of its line.
 */
static size_t
skip_string(const unsigned char *p, size_t len, size_t i)
{
	for (; i < len; i++) {
		if (p[i] == BEL)
			return i + 1;
		if (p[i] == '\n')
			return i;
		if (p[i] == ESC && i + 1 < len && p[i + 1] == '\\')
			return i + 2;
		if (p[i] == 0xc2 && i + 1 < len && p[i + 1] == 0x9c)
			return i + 2;
	}
	return len;
}

/*
 * The end of a CSI sequence whose parameters start at i (ECMA-48:
 * parameter bytes 0x30-0x3F, intermediate bytes 0x20-0x2F, a final byte
 * 0x40-0x7E).  A byte that fits none ends it there and stays text.
 */
static size_t
skip_csi(const unsigned char *p, size_t len, size_t i)
{
	while (i < len && p[i] >= 0x30 && p[i] <= 0x3f)
		i++;
	while (i < len && p[i] >= 0x20 && p[i] <= 0x2f)
		i++;
	if (i < len && p[i] >= 0x40 && p[i] <= 0x7e)
		i++;
	return i;
}

/* The end of the escape sequence that starts with the ESC at i. */
static size_t
skip_escape(const unsigned char *p, size_t len, size_t i)
{
	size_t j = i + 1;

	if (j >= len)
		return j;
	switch (p[j]) {
	case '[':
		return skip_csi(p, len, j + 1);
	case ']': case 'P': case 'X': case '^': case '_':
		return skip_string(p, len, j + 1);
	}
	/* nF, Fp, Fe, Fs: intermediates, then a final byte 0x30-0x7E. */
	while (j < len && p[j] >= 0x20 && p[j] <= 0x2f)
		j++;
	if (j < len && p[j] >= 0x30 && p[j] <= 0x7e)
		j++;
	return j;
}

static size_t
put_replacement(char *out, size_t o)
{
	out[o++] = (char)0xef;
	out[o++] = (char)0xbf;
	out[o++] = (char)0xbd;
	return o;
}

size_t
text_clean(const char *in, size_t len, char *out)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, o = 0, n;
	uint32_t c;

	while (i < len) {
		if (p[i] == ESC) {
			i = skip_escape(p, len, i);
			continue;
		}
		if ((n = text_utf8_decode(p + i, len - i, &c)) == 0) {
			o = put_replacement(out, o);
			i++;
			continue;
		}
		i += n;
		if (c == 0x9b)			/* CSI as one character */
			i = skip_csi(p, len, i);
		else if (c == 0x90 || c == 0x98 || c == 0x9d || c == 0x9e ||
		    c == 0x9f)			/* DCS SOS OSC PM APC */
			i = skip_string(p, len, i);
		else if (c == '\r') {
			if (i == len || p[i] != '\n')
				out[o++] = '\n';
		} else if (c == '\t' || c == '\n')
			out[o++] = (char)c;
		else if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
			;			/* other controls go */
		else if (c == 0xfffe || c == 0xffff)
			o = put_replacement(out, o);
		else
			while (n > 0)
				out[o++] = (char)p[i - n--];
	}
	return o;
}

size_t
text_cut(const char *s, size_t len, size_t max, size_t *skip)
{
	size_t i;

	*skip = 0;
	if (len <= max)
		return len;
	/* A line end in the second half: cut there, the newline goes. */
	for (i = max; i >= max / 2 && i > 0; i--)
		if (s[i] == '\n') {
			*skip = 1;
			return i;
		}
	/* Else before the character that does not fit whole. */
	for (i = max; i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80; i--)
		;
	return i;
}
