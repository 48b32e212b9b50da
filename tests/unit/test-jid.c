/* test-jid: parsing, folding and formatting of JIDs (jid.c). */
#include <stdlib.h>
#include <string.h>

#include "jid.h"
#include "tap.h"

static struct jid j;

/* Parses s, expecting success, and checks bare and resource (NULL: none). */
static void
parses(const char *s, int flags, const char *bare, const char *resource)
{
	const char *why;

	memset(&j, 0x55, sizeof(j));
	why = jid_parse(s, flags, &j);
	if (!ok(why == NULL, "'%s' is accepted", s)) {
		diag("reason: %s", why);
		return;
	}
	is_str(j.bare, bare, "'%s': bare", s);
	is_int(j.has_resource, resource != NULL, "'%s': has_resource", s);
	if (resource != NULL)
		is_str(j.resource, resource, "'%s': resource", s);
	else
		is_str(j.resource, "", "'%s': resource empty", s);
}

/* Expects s to be refused with a reason that contains word (if given). */
static void
refused(const char *s, int flags, const char *word, const char *name)
{
	const char *why = jid_parse(s, flags, &j);

	ok(why != NULL, "refused: %s", name);
	if (word != NULL && why != NULL && !ok(strstr(why, word) != NULL,
	    "reason for '%s' mentions '%s'", name, word))
		diag("reason: %s", why);
}

/* A string of n copies of c. */
static char *
repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void
test_lengths(void)
{
	char *max = repeat('a', JID_PART_MAX), *over = repeat('a',
	    JID_PART_MAX + 1), *s = malloc(4 * JID_PART_MAX + 16);
	char *want = malloc(4 * JID_PART_MAX + 16);

	sprintf(s, "%s@example.com", max);
	sprintf(want, "%s@example.com", max);
	ok(jid_parse(s, JID_NEED_NODE, &j) == NULL, "node of 1023 bytes");
	is_str(j.bare, want, "the whole node is kept");
	sprintf(s, "%s@example.com", over);
	refused(s, JID_NEED_NODE, "node", "node of 1024 bytes");

	sprintf(s, "bob@%s", max);
	ok(jid_parse(s, 0, &j) == NULL, "domain of 1023 bytes");
	is_int(strlen(j.bare), JID_PART_MAX + 4, "the whole domain is kept");
	sprintf(s, "bob@%s", over);
	refused(s, 0, "domain", "domain of 1024 bytes");
	refused(over, 0, "domain", "domain-only JID of 1024 bytes");

	sprintf(s, "bob@example.com/%s", max);
	ok(jid_parse(s, 0, &j) == NULL, "resource of 1023 bytes");
	is_str(j.resource, max, "the whole resource is kept");
	sprintf(s, "bob@example.com/%s", over);
	refused(s, 0, "resource", "resource of 1024 bytes");

	/* All three parts at their longest: the biggest JID there is. */
	sprintf(s, "%s@%s/%s", max, max, max);
	ok(jid_parse(s, JID_NEED_NODE, &j) == NULL, "all parts of 1023 bytes");
	is_int(strlen(s), JID_MAX, "that JID is JID_MAX long");
	{
		char out[JID_MAX + 1];

		jid_format(&j, out, sizeof(out));
		is_str(out, s, "and formats back whole");
	}
	free(max);
	free(over);
	free(s);
	free(want);
}

static void
round_trip(const char *in, const char *want)
{
	char out[JID_MAX + 1];
	struct jid k;

	if (!ok(jid_parse(in, 0, &j) == NULL, "round trip: '%s' parses", in))
		return;
	jid_format(&j, out, sizeof(out));
	is_str(out, want, "jid_format of '%s'", in);
	ok(jid_parse(out, 0, &k) == NULL && strcmp(k.bare, j.bare) == 0 &&
	    strcmp(k.resource, j.resource) == 0 &&
	    k.has_resource == j.has_resource, "'%s' parses back the same", out);
}

int
main(void)
{
	const char *forbid = "\"&'/:<>@";
	char s[64];
	size_t i;

	parses("bob@example.com", JID_NEED_NODE, "bob@example.com", NULL);
	parses("bob@example.com/phone", JID_NEED_NODE, "bob@example.com",
	    "phone");
	parses("example.com", 0, "example.com", NULL);
	parses("example.com/res", 0, "example.com", "res");
	refused("example.com", JID_NEED_NODE, "@", "no node with JID_NEED_NODE");
	refused("example.com/bob@x", JID_NEED_NODE, NULL,
	    "'@' only in the resource with JID_NEED_NODE");

	/* Node and domain are folded, the resource is not. */
	parses("BoB@ExAmple.COM/ReSource", 0, "bob@example.com", "ReSource");
	parses("ALICE@WONDER.LAND", JID_NEED_NODE, "alice@wonder.land", NULL);
	parses("EXAMPLE.ORG/X", 0, "example.org", "X");
	parses("Bj\xc3\x96rn@example.com", 0, "bj\xc3\x96rn@example.com", NULL);

	/* A trailing dot names the same domain. */
	parses("bob@example.com.", 0, "bob@example.com", NULL);
	parses("bob@Example.COM./Res.", 0, "bob@example.com", "Res.");
	parses("example.com.", 0, "example.com", NULL);

	/* Resources may hold '/', '@' and spaces. */
	parses("bob@example.com/a/b", 0, "bob@example.com", "a/b");
	parses("bob@example.com/x@y", 0, "bob@example.com", "x@y");
	parses("bob@example.com/My Phone (home)", 0, "bob@example.com",
	    "My Phone (home)");
	parses("bob@example.com/ lead and trail ", 0, "bob@example.com",
	    " lead and trail ");
	parses("example.com/foo@bar", 0, "example.com", "foo@bar");
	parses("bob@example.com/\xe6\x97\xa5\xe6\x9c\xac", 0, "bob@example.com",
	    "\xe6\x97\xa5\xe6\x9c\xac");

	/* Empty parts. */
	refused("", 0, "empty", "empty JID");
	refused(NULL, 0, "empty", "NULL JID");
	refused("@example.com", 0, "node", "empty node");
	refused("bob@", 0, "domain", "empty domain");
	refused("bob@/res", 0, "domain", "empty domain before a resource");
	refused("/res", 0, "domain", "empty domain, no node");
	refused("bob@example.com/", 0, "resource", "empty resource");
	refused("example.com/", 0, "resource", "empty resource, no node");

	test_lengths();

	/* Characters RFC 7622 forbids in a node. */
	for (i = 0; forbid[i] != '\0'; i++) {
		snprintf(s, sizeof(s), "bo%cb@example.com", forbid[i]);
		if (forbid[i] != '/')
			refused(s, 0, NULL, s);
		ok(jid_parse(s, JID_NEED_NODE, &j) != NULL,
		    "refused with JID_NEED_NODE: %s", s);
	}
	/* Without JID_NEED_NODE, a '/' before the '@' starts the resource. */
	parses("bo/b@example.com", 0, "bo", "b@example.com");
	refused("bob@exa@mple.com", 0, NULL, "second '@' in the domain");

	/* Spaces and control characters. */
	refused("bo b@example.com", 0, NULL, "space in node");
	refused("bob@exa mple.com", 0, NULL, "space in domain");
	refused(" bob@example.com", 0, NULL, "leading space");
	refused("bob@example.com ", 0, NULL, "trailing space in domain");
	refused("bo\tb@example.com", 0, NULL, "TAB in node");
	refused("bob@exam\tple.com", 0, NULL, "TAB in domain");
	refused("bob@example.com\n", 0, NULL, "newline after the domain");
	refused("bo\x01" "b@example.com", 0, NULL, "control character in node");
	refused("bob@example.com/a\nb", 0, NULL, "newline in resource");
	refused("bob@example.com/a\rb", 0, NULL, "CR in resource");
	refused("bob@example.com/a\x01", 0, NULL, "U+0001 in resource");
	refused("bob@example.com/tab\there", 0, NULL, "TAB in resource");
	refused("bob@example.com/a\x7f", 0, NULL, "DEL in resource");
	refused("b\x7f" "ob@example.com", 0, NULL, "DEL in node");

	/* Invalid UTF-8 anywhere. */
	refused("b\xc3@example.com", 0, "UTF-8", "truncated UTF-8 in node");
	refused("bob@ex\xff.com", 0, "UTF-8", "0xFF in domain");
	refused("bob@example.com/\xc0\x80", 0, "UTF-8", "overlong in resource");
	refused("bob@example.com/\xed\xa0\x80", 0, "UTF-8",
	    "surrogate in resource");
	refused("bob@example.com/\xef\xbf\xbf", 0, NULL, "U+FFFF in resource");

	/*
	 * C1 controls and invisible (default-ignorable) code points, named
	 * with the byte where they start (issue 14, D27).
	 */
	refused("bob\xe2\x80\x8b@localhost", 0,
	    "U+200B (an invisible character) not allowed in JID node, at byte 3",
	    "zero-width space in node");
	refused("bob@local\xc2\x85host", 0,
	    "U+0085 (a control character) not allowed in JID domain, at byte 9",
	    "C1 control (NEL) in domain");
	refused("bob@localhost/x\xc2\x80", 0, "U+0080", "U+0080 in resource");
	refused("bob@localhost/x\xc2\x9f", 0, "U+009F", "U+009F in resource");
	refused("bo\x01" "b@example.com", 0,
	    "U+0001 (a control character) not allowed in JID node, at byte 2",
	    "C0 control named with its position");
	refused("b\xc3@example.com", 0, "invalid UTF-8 in JID node, at byte 1",
	    "invalid UTF-8 named with its position");
	{
		static const struct { const char *utf8, *name; } inv[] = {
			{ "\xc2\xad", "U+00AD" }, { "\xcd\x8f", "U+034F" },
			{ "\xd8\x9c", "U+061C" }, { "\xe1\x85\x9f", "U+115F" },
			{ "\xe1\x85\xa0", "U+1160" },
			{ "\xe1\x9e\xb4", "U+17B4" },
			{ "\xe1\x9e\xb5", "U+17B5" },
			{ "\xe1\xa0\x8b", "U+180B" },
			{ "\xe1\xa0\x8f", "U+180F" },
			{ "\xe2\x80\x8b", "U+200B" },
			{ "\xe2\x80\x8f", "U+200F" },
			{ "\xe2\x80\xaa", "U+202A" },
			{ "\xe2\x80\xae", "U+202E" },
			{ "\xe2\x81\xa0", "U+2060" },
			{ "\xe2\x81\xaf", "U+206F" },
			{ "\xe3\x85\xa4", "U+3164" },
			{ "\xef\xb8\x80", "U+FE00" },
			{ "\xef\xb8\x8f", "U+FE0F" },
			{ "\xef\xbb\xbf", "U+FEFF" },
			{ "\xef\xbe\xa0", "U+FFA0" },
			{ "\xef\xbf\xb0", "U+FFF0" },
			{ "\xef\xbf\xb8", "U+FFF8" },
			{ "\xf0\x9b\xb2\xa0", "U+1BCA0" },
			{ "\xf0\x9b\xb2\xa3", "U+1BCA3" },
			{ "\xf0\x9d\x85\xb3", "U+1D173" },
			{ "\xf0\x9d\x85\xba", "U+1D17A" },
			{ "\xf3\xa0\x80\x80", "U+E0000" },
			{ "\xf3\xa0\xbf\xbf", "U+E0FFF" },
		};
		char buf[64];
		size_t k;

		for (k = 0; k < sizeof(inv) / sizeof(inv[0]); k++) {
			snprintf(buf, sizeof(buf), "a%sb@example.com",
			    inv[k].utf8);
			refused(buf, 0, inv[k].name, inv[k].name);
			snprintf(buf, sizeof(buf), "a@example.com/r%s",
			    inv[k].utf8);
			refused(buf, 0, inv[k].name, inv[k].name);
		}
	}
	/* Their neighbours are ordinary characters. */
	parses("a\xc2\xa0" "b@example.com", 0, "a\xc2\xa0" "b@example.com",
	    NULL);
	parses("bob@example.com/\xe2\x80\x90", 0, "bob@example.com",
	    "\xe2\x80\x90");
	parses("bob@example.com/\xe2\x9d\xa4", 0, "bob@example.com",
	    "\xe2\x9d\xa4");
	parses("\xe2\x80\x8a@example.com", 0, "\xe2\x80\x8a@example.com",
	    NULL);
	parses("x@example.com/\xf3\xa1\x80\x80", 0, "x@example.com",
	    "\xf3\xa1\x80\x80");

	round_trip("Bob@Example.com/Desk Top", "bob@example.com/Desk Top");
	round_trip("bob@example.com", "bob@example.com");
	round_trip("example.com", "example.com");
	round_trip("example.com/a/b@c d", "example.com/a/b@c d");
	round_trip("bob@EXAMPLE.com./x", "bob@example.com/x");
	{
		char small[8];

		jid_parse("bob@example.com/res", 0, &j);
		jid_format(&j, small, sizeof(small));
		is_str(small, "bob@exa", "jid_format truncates to outlen");
	}
	return done_testing();
}
