/* test-text: UTF-8 and XML 1.0 character checks, cleaning and cutting (text.c). */
#include <stdlib.h>
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

/* Checks that text_clean(in) is want, and that it passes and is stable. */
static void
cleans(const char *in, size_t len, const char *want, size_t wantlen,
    const char *name)
{
	char *out = malloc(3 * len + 1), *again = malloc(3 * len + 1);
	size_t n, m, where;

	n = text_clean(in, len, out);
	if (!ok(n == wantlen && memcmp(out, want, n) == 0, "clean: %s", name))
		diag("got %zu bytes: '%.*s'", n, (int)n, out);
	ok(text_check(out, n, &where) == NULL, "clean passes: %s", name);
	m = text_clean(out, n, again);
	ok(m == n && memcmp(again, out, n) == 0, "clean is stable: %s", name);
	free(out);
	free(again);
}

#define CLEANS(in, want, name) \
	cleans(in, sizeof(in) - 1, want, sizeof(want) - 1, name)

/* Checks text_cut(s, max): the first part's length and the skip. */
static void
cuts(const char *s, size_t max, size_t want, size_t wantskip,
    const char *name)
{
	size_t skip = 99, n = text_cut(s, strlen(s), max, &skip);

	if (!ok(n == want && skip == wantskip, "cut: %s", name))
		diag("got %zu (skip %zu), wanted %zu (skip %zu)", n, skip,
		    want, wantskip);
}

static void
test_clean(void)
{
	CLEANS("plain text\twith a tab\nand lines", "plain text\twith a tab\nand lines",
	    "clean text is left alone");
	CLEANS("Gr\xc3\xbc\xc3\x9f" "e \xf0\x9f\x8e\x89", "Gr\xc3\xbc\xc3\x9f" "e \xf0\x9f\x8e\x89",
	    "UTF-8 is left alone");
	CLEANS("\x1b[1;31mERROR\x1b[0m: disk", "ERROR: disk", "SGR colours (CSI)");
	CLEANS("\x1b[?25l\x1b[2K\x1b[1Gdone", "done", "private CSI, erase, move");
	CLEANS("\x1b]0;title\x07text", "text", "OSC ended by BEL");
	CLEANS("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ here", "link here",
	    "OSC 8 hyperlink ended by ST");
	CLEANS("a\x1bPq#0;1\x1b\\b", "ab", "DCS string");
	CLEANS("a\x1b_apc\x1b\\b\x1b^pm\x1b\\c\x1bXsos\x1b\\d", "abcd",
	    "APC, PM and SOS strings");
	CLEANS("a\x1b]unterminated\nnext line", "a\nnext line",
	    "an OSC without end stops at the line end");
	CLEANS("\x1b(Bab\x1b" "7c\x1b" "8d\x1b=e\x1bMf", "abcdef",
	    "short ESC sequences (charset, save, restore, keypad, RI)");
	CLEANS("\xc2\x9b" "31mred\xc2\x9b" "0m", "red", "C1 CSI as a character");
	CLEANS("x\xc2\x9d" "0;t\xc2\x9cy", "xy", "C1 OSC ended by C1 ST");
	CLEANS("a\x1b", "a", "ESC at the end");
	CLEANS("a\x1b[12", "a", "CSI cut short at the end");
	CLEANS("a\x1b[1\x01" "b", "ab", "CSI broken by a control: the rest stays");
	CLEANS("line\r\nnext\r\n", "line\nnext\n", "CR LF becomes LF");
	CLEANS("50%\r60%\r", "50%\n60%\n", "a CR alone becomes LF");
	CLEANS("bell\x07 bs\x08 nul\0 vt\x0b ff\x0c del\x7f end",
	    "bell bs nul vt ff del end", "C0 controls and DEL go");
	CLEANS("nel\xc2\x85 pad\xc2\x80 end", "nel pad end", "C1 controls go");
	CLEANS("caf\xe9 ok", "caf\xef\xbf\xbd ok", "a Latin-1 byte becomes U+FFFD");
	CLEANS("\xff\xfe", "\xef\xbf\xbd\xef\xbf\xbd", "each bad byte one U+FFFD");
	CLEANS("\xc0\x80", "\xef\xbf\xbd\xef\xbf\xbd", "an overlong form");
	CLEANS("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
	    "a surrogate");
	CLEANS("x\xef\xbf\xbey", "x\xef\xbf\xbdy", "U+FFFE becomes U+FFFD");
	CLEANS("\xe2\x82", "\xef\xbf\xbd\xef\xbf\xbd", "a sequence cut at the end");
	CLEANS("", "", "nothing");
}

static void
test_cut(void)
{
	char big[200];

	cuts("short", 10, 5, 0, "what fits is one part");
	cuts("0123456789", 10, 10, 0, "exactly max fits");
	cuts("aaaa bbbb\ncccc dddd eeee", 12, 9, 1,
	    "at the line end in the second half, the newline skipped");
	cuts("a\nbbbbbbbbbbbbbbbbbb", 12, 12, 0,
	    "not at a line end in the first half");
	cuts("abcdefghij\nklm", 10, 10, 1, "a newline right at max");
	cuts("abcdefghi\xc3\xa9xyz", 10, 9, 0,
	    "not inside a character: before it");
	cuts("abcdefgh\xf0\x9f\x8e\x89xyz", 10, 8, 0,
	    "not inside a 4-byte character");
	cuts("abcdefghij\xc3\xa9", 10, 10, 0,
	    "a character starting at max goes to the next part");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cuts(big, 64, 64, 0, "a long line without newline");
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

	test_clean();
	test_cut();

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
