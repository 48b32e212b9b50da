/* test-text: UTF-8 and XML 1.0 character checks (text.c). */
#include <string.h>

#include "tap.h"
#include "text.h"

/* Checks that s[0..len) passes. */
static void
good(const char *s, size_t len, const char *name)
{
	size_t where = 12345;
	const char *why = text_check(s, len, &where);

	if (!ok(why == NULL, "accepted: %s", name))
		diag("reason: %s (at %zu)", why, where);
}

/* Checks that s[0..len) fails at byte want. */
static void
bad(const char *s, size_t len, size_t want, const char *name)
{
	size_t where = 12345;
	const char *why = text_check(s, len, &where);

	ok(why != NULL && *why != '\0', "refused: %s", name);
	if (why != NULL)
		is_int(where, want, "offset for: %s", name);
	else
		ok(0, "offset for: %s (not refused)", name);
}

#define GOOD(lit, name)		good(lit, sizeof(lit) - 1, name)
#define BAD(lit, at, name)	bad(lit, sizeof(lit) - 1, at, name)

int
main(void)
{
	char all[128];
	size_t i, where;

	GOOD("", "the empty string");
	GOOD("Hello, world! ~{}|", "printable ASCII");
	for (i = 0; i < 95; i++)
		all[i] = (char)(0x20 + i);
	good(all, 95, "every printable ASCII character");
	GOOD("\x7f", "DEL (XML allows it)");
	GOOD("a\tb\nc\rd", "TAB, LF and CR");
	GOOD("caf\xc3\xa9", "2-byte sequence (e acute)");
	GOOD("\xc2\x80", "smallest 2-byte sequence U+0080");
	GOOD("\xdf\xbf", "largest 2-byte sequence U+07FF");
	GOOD("\xe2\x82\xac", "3-byte sequence (euro sign)");
	GOOD("\xe0\xa0\x80", "smallest 3-byte sequence U+0800");
	GOOD("\xed\x9f\xbf", "U+D7FF, just below the surrogates");
	GOOD("\xee\x80\x80", "U+E000, just above the surrogates");
	GOOD("\xef\xbf\xbd", "U+FFFD replacement character");
	GOOD("\xf0\x9f\x98\x80", "4-byte sequence (emoji)");
	GOOD("\xf0\x90\x80\x80", "smallest 4-byte sequence U+10000");
	GOOD("\xf4\x8f\xbf\xbf", "U+10FFFF, the last code point");
	GOOD("Gr\xc3\xbc\xc3\x9f" "e \xe6\x97\xa5\xe6\x9c\xac", "mixed text");

	/* Only len bytes are looked at. */
	good("ok\x01", 2, "bytes past len are not checked");
	where = 777;
	ok(text_check("ab\0cd", 2, &where) == NULL && where == 777,
	    "success leaves *where alone");

	BAD("\xc0\x80", 0, "overlong NUL C0 80");
	BAD("ab\xc1\xbf", 2, "overlong C1 BF");
	BAD("\xe0\x80\x80", 0, "overlong 3-byte E0 80 80");
	BAD("\xe0\x9f\xbf", 0, "overlong 3-byte E0 9F BF");
	BAD("\xf0\x8f\xbf\xbf", 0, "overlong 4-byte F0 8F BF BF");
	BAD("x\xed\xa0\x80", 1, "high surrogate ED A0 80");
	BAD("\xed\xbf\xbf", 0, "low surrogate ED BF BF");
	BAD("\xf4\x90\x80\x80", 0, "past U+10FFFF F4 90 80 80");
	BAD("\xf7\xbf\xbf\xbf", 0, "F7 BF BF BF");
	BAD("\xf8\x88\x80\x80\x80", 0, "5-byte form");
	BAD("\xfe", 0, "FE byte");
	BAD("\xff", 0, "FF byte");
	BAD("abc\xc3", 3, "truncated 2-byte sequence at the end");
	BAD("abc\xe2\x82", 3, "truncated 3-byte sequence at the end");
	BAD("\xf0\x9f\x98", 0, "truncated 4-byte sequence");
	BAD("\xe2\x82z", 0, "3-byte sequence cut by ASCII");
	BAD("\xc3(", 0, "2-byte lead followed by ASCII");
	BAD("\x80", 0, "lone continuation byte");
	BAD("ok\xbf", 2, "lone continuation byte after ASCII");
	BAD("\xc3\xa9\xa9", 2, "extra continuation byte");
	bad("\xe2\x82\xac", 2, 0, "a sequence cut by len");

	BAD("\0", 0, "NUL");
	BAD("abc\0def", 3, "NUL inside");
	BAD("\x01", 0, "U+0001");
	BAD("a\x08", 1, "backspace");
	BAD("\x0b", 0, "vertical tab");
	BAD("\x0c", 0, "form feed");
	BAD("x\x1b[0m", 1, "ESC");
	BAD("\x1f", 0, "U+001F");
	BAD("\xef\xbf\xbe", 0, "U+FFFE");
	BAD("a\xef\xbf\xbf", 1, "U+FFFF");
	BAD("\xc3\xa9\xe2\x82\xac\x01", 5, "offset counts bytes, not characters");
	BAD("\xf0\x9f\x98\x80" "ok\xef\xbf\xbe", 6, "offset after a 4-byte char");

	return done_testing();
}
