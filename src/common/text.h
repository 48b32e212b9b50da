/* text.h: checks that a byte string can travel inside an XML 1.0 stanza. */
#ifndef TEXT_H
#define TEXT_H

#include <stddef.h>

/*
 * Returns NULL when s[0..len) is valid UTF-8 made only of characters that
 * XML 1.0 allows (TAB, LF, CR, U+0020..U+D7FF, U+E000..U+FFFD,
 * U+10000..U+10FFFF).  Otherwise returns a short English reason and stores
 * the offset of the first offending byte in *where.
 */
const char *text_check(const char *s, size_t len, size_t *where);

#endif
