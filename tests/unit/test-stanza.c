/* test-stanza: messages written as XML text for a batch (stanza.c). */
#include <stdlib.h>
#include <string.h>
#include <strophe.h>

#include "proto.h"
#include "stanza.h"
#include "tap.h"

/* The <body>...</body> libstrophe writes for body. */
static char *
strophe_body(xmpp_ctx_t *ctx, const char *body)
{
	xmpp_stanza_t *st = xmpp_message_new(ctx, "chat", "a@b", "i");
	char *text, *from, *to, *out;
	size_t len;

	xmpp_message_set_body(st, body);
	xmpp_stanza_to_text(st, &text, &len);
	from = strstr(text, "<body>");
	to = strstr(text, "</body>");
	out = strndup(from, (size_t)(to - from) + 7);
	xmpp_free(ctx, text);
	xmpp_stanza_release(st);
	return out;
}

static void
test_body_as_libstrophe(void)
{
	static const char *bodies[] = { "plain", "a&b<c>d\"e'f", "]]>",
		"tab\there\r\nnewline", "é ü 😀", "&amp; already", "" };
	xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
	struct buf b = { 0 };
	size_t i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		char *want = strophe_body(ctx, bodies[i]), *from, *to;

		b.len = 0;
		stanza_message_text(&b, "chat", "a@b", "i", bodies[i], 0, 0);
		from = strstr(b.data, "<body>");
		to = strstr(b.data, "</body>");
		ok(from != NULL && to != NULL && strlen(want) ==
		    (size_t)(to - from) + 7 && memcmp(from, want,
		    strlen(want)) == 0, "body %zu escaped as libstrophe does", i);
		free(want);
	}
	buf_free(&b);
	xmpp_ctx_free(ctx);
}

static void
test_whole(void)
{
	struct buf b = { 0 };

	stanza_message_text(&b, "chat", "bob@x/\"r&<>", "id-1&", "hi", 0, 0);
	is_str(b.data, "<message type=\"chat\" to=\"bob@x/&quot;r&amp;&lt;&gt;\" "
	    "id=\"id-1&amp;\"><body>hi</body></message>",
	    "attributes escaped, the body in place");
	b.len = 0;
	stanza_message_text(&b, "groupchat", "room@muc", "7", "x", 1, 0);
	is_str(b.data, "<message type=\"groupchat\" to=\"room@muc\" id=\"7\">"
	    "<body>x</body><request xmlns=\"urn:xmpp:receipts\"/></message>",
	    "a receipt request after the body");
	b.len = 0;
	stanza_message_text(&b, "chat", "a@b", "8", "https://h/f?a=1&b=2", 0,
	    1);
	is_str(b.data, "<message type=\"chat\" to=\"a@b\" id=\"8\"><body>"
	    "https://h/f?a=1&amp;b=2</body><x xmlns=\"jabber:x:oob\"><url>"
	    "https://h/f?a=1&amp;b=2</url></x></message>",
	    "a URL as XEP-0066 too");
	b.len = 0;
	stanza_message_text(&b, "chat", "a@b", "1", "one", 0, 0);
	stanza_message_text(&b, "chat", "a@b", "2", "two", 0, 0);
	is_str(b.data, "<message type=\"chat\" to=\"a@b\" id=\"1\"><body>one"
	    "</body></message><message type=\"chat\" to=\"a@b\" id=\"2\">"
	    "<body>two</body></message>", "messages follow each other");
	buf_free(&b);
}

int
main(void)
{
	test_body_as_libstrophe();
	test_whole();
	return done_testing();
}
