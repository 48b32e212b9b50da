/*
 * text.h: checks that a byte string can travel inside an XML 1.0 stanza,
 * and the cleaning and cutting that xmpp-send --clean does to any text.
 */
#ifndef TEXT_H
#define TEXT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Returns NULL when s[0..len) is valid UTF-8 made only of characters that
 * XML 1.0 allows (TAB, LF, CR, U+0020..U+D7FF, U+E000..U+FFFD,
 * U+10000..U+10FFFF).  Otherwise returns a short English reason and stores
 * the offset of the first offending byte in *where.
 */
const char *text_check(const char *s, size_t len, size_t *where);

/*
 * Decodes the UTF-8 sequence at p (avail bytes there, at least 1) into
 * *cp; returns its length, or 0 if it is not well-formed UTF-8 (overlong
 * forms and surrogates included).
 */
size_t	text_utf8_decode(const unsigned char *p, size_t avail, uint32_t *cp);

/*
 * Makes any bytes sendable: writes to out (room for 3 * len bytes) the
 * text of in[0..len) without terminal escape sequences (ESC or C1 CSI,
 * OSC, DCS, SOS, PM, APC and the short ESC sequences) and without control
 * characters other than TAB and LF; CR LF becomes LF and a CR alone LF;
 * each byte that is not part of valid UTF-8, and U+FFFE and U+FFFF, become
 * U+FFFD.  Returns the length written.  The result passes text_check(),
 * and cleaning it again changes nothing.
 */
size_t	text_clean(const char *in, size_t len, char *out);

/*
 * Where to cut valid UTF-8 text s[0..len) so that the first part holds at
 * most max bytes (max at least 4): len if it fits; else after the last
 * line in the part's second half (*skip is then 1, for the newline the
 * cut replaces); else at the last character boundary (*skip 0).  The
 * returned length is never 0 for len > 0.
 */
size_t	text_cut(const char *s, size_t len, size_t max, size_t *skip);

#endif
