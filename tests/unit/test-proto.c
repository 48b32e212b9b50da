/* test-proto: buffers and parsing of the client protocol (proto.c). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "tap.h"

/* Replaces b's content with s[0..len). */
static void
fill(struct buf *b, const char *s, size_t len)
{
	b->len = 0;
	buf_append(b, s, len);
}

static void
test_buf(void)
{
	struct buf b = { 0 };
	char big[10000];

	is_int(buf_append(&b, "hello", 5), 0, "buf_append succeeds");
	is_int(b.len, 5, "buf_append counts the bytes");
	is_str(b.data, "hello", "buf_append keeps the data NUL-terminated");
	is_int(buf_append(&b, " world", 6), 0, "buf_append again");
	is_str(b.data, "hello world", "buf_append appends");
	is_int(buf_append(&b, "a\0b", 3), 0, "buf_append takes a NUL byte");
	is_int(b.len, 14, "binary bytes are counted");
	ok(memcmp(b.data + 11, "a\0b", 4) == 0,
	    "binary bytes kept, with a NUL after them");

	b.len = 0;
	is_int(buf_printf(&b, "OK %d %s", 42, "x"), 0, "buf_printf succeeds");
	is_str(b.data, "OK 42 x", "buf_printf formats");
	is_int(b.len, 7, "buf_printf counts without the NUL");
	buf_printf(&b, "\n%s", "more");
	is_str(b.data, "OK 42 x\nmore", "buf_printf appends");

	buf_consume(&b, 3);
	is_int(b.len, 9, "buf_consume updates the length");
	ok(memcmp(b.data, "42 x\nmore", 9) == 0,
	    "buf_consume drops from the front");
	buf_consume(&b, 100);
	is_int(b.len, 0, "buf_consume past the end empties");

	/* A large body grows the buffer; emptying it afterwards is fine. */
	memset(big, 'x', sizeof(big));
	is_int(buf_append(&b, big, sizeof(big)), 0, "a 10000-byte append");
	is_int(b.len, sizeof(big), "all of it is there");
	ok(b.cap > b.len, "capacity leaves room for the NUL");
	buf_consume(&b, sizeof(big));
	is_int(b.len, 0, "consuming a large body empties the buffer");
	is_int(buf_append(&b, "again", 5), 0, "the buffer works after that");
	is_str(b.data, "again", "with the right content");
	buf_free(&b);
	ok(b.data == NULL && b.len == 0 && b.cap == 0, "buf_free resets");
}

static void
test_line(void)
{
	struct buf b = { 0 };
	size_t used;
	ssize_t n;
	char *s;

	fill(&b, "", 0);
	is_int(proto_line(&b, &used), PROTO_MORE, "empty buffer: more");

	fill(&b, "STATUS bob@x.com\nSEND", 21);
	used = 0;
	n = proto_line(&b, &used);
	is_int(n, 16, "complete line: its length");
	is_str(b.data, "STATUS bob@x.com", "the newline became a NUL");
	is_int(used, 17, "*used counts the newline");
	buf_consume(&b, used);
	is_int(proto_line(&b, &used), PROTO_MORE, "partial line: more");
	buf_append(&b, " 5 bob@x.com\n", 13);
	is_int(proto_line(&b, &used), 16, "the line completes later");
	is_str(b.data, "SEND 5 bob@x.com", "completed line content");

	fill(&b, "QUIT\r\nNEXT\n", 11);
	is_int(proto_line(&b, &used), 4, "CRLF: length without CR");
	is_str(b.data, "QUIT", "CRLF stripped");
	is_int(used, 6, "*used counts CR and LF");
	buf_consume(&b, used);
	is_int(proto_line(&b, &used), 4, "the next line follows");
	is_str(b.data, "NEXT", "next line content");

	fill(&b, "\n", 1);
	is_int(proto_line(&b, &used), 0, "an empty line has length 0");
	is_int(used, 1, "and uses one byte");
	fill(&b, "\r\n", 2);
	is_int(proto_line(&b, &used), 0, "a bare CRLF is an empty line");
	is_int(used, 2, "and uses two bytes");
	fill(&b, "a\rb\n", 4);
	is_int(proto_line(&b, &used), 3, "a CR inside a line stays");

	s = malloc(PROTO_LINE_MAX + 10);
	memset(s, 'a', PROTO_LINE_MAX + 10);
	s[PROTO_LINE_MAX - 1] = '\n';
	fill(&b, s, PROTO_LINE_MAX);
	is_int(proto_line(&b, &used), PROTO_LINE_MAX - 1,
	    "a line of PROTO_LINE_MAX-1 chars and a newline is accepted");
	is_int(used, PROTO_LINE_MAX, "and uses PROTO_LINE_MAX bytes");

	fill(&b, s, PROTO_LINE_MAX - 1);
	is_int(proto_line(&b, &used), PROTO_MORE,
	    "PROTO_LINE_MAX-1 bytes without newline: more");
	memset(s, 'a', PROTO_LINE_MAX + 10);
	fill(&b, s, PROTO_LINE_MAX);
	is_int(proto_line(&b, &used), PROTO_TOOLONG,
	    "PROTO_LINE_MAX bytes without newline: too long");
	s[PROTO_LINE_MAX] = '\n';
	fill(&b, s, PROTO_LINE_MAX + 1);
	is_int(proto_line(&b, &used), PROTO_TOOLONG,
	    "a newline just past PROTO_LINE_MAX bytes: too long");
	s[PROTO_LINE_MAX] = 'a';
	s[PROTO_LINE_MAX - 2] = '\r';
	s[PROTO_LINE_MAX - 1] = '\n';
	fill(&b, s, PROTO_LINE_MAX);
	is_int(proto_line(&b, &used), PROTO_LINE_MAX - 2,
	    "CRLF ending at the limit is accepted");
	free(s);
	buf_free(&b);
}

static void
test_split(void)
{
	char line[128], *w[PROTO_WORDS_MAX];

	strcpy(line, "STATUS bob@x.com");
	is_int(proto_split(line, w, 2), 2, "two words");
	is_str(w[0], "STATUS", "first word");
	is_str(w[1], "bob@x.com", "second word");

	strcpy(line, "PING");
	is_int(proto_split(line, w, 3), 1, "one word");
	is_str(w[0], "PING", "the word");

	strcpy(line, "");
	is_int(proto_split(line, w, 3), 0, "an empty line has no words");

	strcpy(line, "SEND 12 bob@x.com/My Phone  (home)");
	is_int(proto_split(line, w, 3), 3, "max words");
	is_str(w[0], "SEND", "command");
	is_str(w[1], "12", "length");
	is_str(w[2], "bob@x.com/My Phone  (home)",
	    "the last word keeps the rest, spaces included");

	strcpy(line, "a b c d");
	is_int(proto_split(line, w, 2), 2, "fewer words than the line has");
	is_str(w[1], "b c d", "the last one keeps the rest");

	strcpy(line, "a b");
	is_int(proto_split(line, w, 5), 2, "fewer words than max");

	strcpy(line, "a  b");
	is_int(proto_split(line, w, 3), -1, "two spaces: empty word");
	strcpy(line, " a");
	is_int(proto_split(line, w, 3), -1, "leading space: empty word");
	strcpy(line, "a ");
	is_int(proto_split(line, w, 3), -1, "trailing space: empty word");
	strcpy(line, " ");
	is_int(proto_split(line, w, 3), -1, "a lone space: empty word");
	strcpy(line, "a b ");
	is_int(proto_split(line, w, 2), 2,
	    "a trailing space inside the last word is kept");
	is_str(w[1], "b ", "with its space");
}

static void
test_number(void)
{
	char buf[64];
	unsigned long v;

	v = 99;
	is_int(proto_number("0", 10, &v), 0, "0 is a number");
	is_int(v, 0, "value 0");
	is_int(proto_number("32768", PROTO_BODY_MAX, &v), 0, "max is allowed");
	is_int(v, 32768, "value max");
	v = 7;
	is_int(proto_number("32769", PROTO_BODY_MAX, &v), -1, "max+1 refused");
	is_int(v, 7, "*out untouched on failure");
	is_int(proto_number("007", 10, &v), 0, "leading zeros are fine");
	is_int(v, 7, "value 007");
	is_int(proto_number("", 10, &v), -1, "empty string refused");
	is_int(proto_number("12a", 100, &v), -1, "trailing garbage refused");
	is_int(proto_number("a12", 100, &v), -1, "leading garbage refused");
	is_int(proto_number("1 2", 100, &v), -1, "inner space refused");
	is_int(proto_number(" 12", 100, &v), -1, "leading space refused");
	is_int(proto_number("12 ", 100, &v), -1, "trailing space refused");
	is_int(proto_number("+5", 100, &v), -1, "leading '+' refused");
	is_int(proto_number("-5", 100, &v), -1, "leading '-' refused");
	is_int(proto_number("-0", 100, &v), -1, "'-0' refused");
	is_int(proto_number("0x10", 100, &v), -1, "hex refused");
	snprintf(buf, sizeof(buf), "%lu", ULONG_MAX);
	is_int(proto_number(buf, ULONG_MAX, &v), 0, "ULONG_MAX itself");
	ok(v == ULONG_MAX, "value ULONG_MAX");
	is_int(proto_number("99999999999999999999999999", ULONG_MAX, &v), -1,
	    "overflow refused");
	is_int(proto_number("18446744073709551616", ULONG_MAX, &v), -1,
	    "2^64 refused");
}

int
main(void)
{
	test_buf();
	test_line();
	test_split();
	test_number();
	return done_testing();
}
