/*
 * fuzz-journal: the journal segment scanner (journal_scan in
 * src/xmppd/journal.c), which reads back what a crash, a full disk or a
 * bad block left in the spool's segment files.
 *
 * Besides not crashing or leaking: the valid records end within the
 * input; every message handed on has an id, a recipient and a body of
 * the stated length; and a segment cut anywhere yields a prefix of the
 * records of the whole one (a torn tail loses records, never changes or
 * invents them).
 */
#include "fuzz.h"
#include "journal.h"

#define KEEP 64

struct seen {
	char	 ids[KEEP][SPOOL_ID_MAX];
	int	 types[KEEP];
	size_t	 n;
};

static void
note(void *arg, int type, const struct spooled *m)
{
	struct seen *s = arg;

	CHECK(type == 'M' || type == 'D', "record of type %d", type);
	CHECK(m->id[0] != '\0' && strlen(m->id) < SPOOL_ID_MAX, "bad id");
	if (type == 'M')
		CHECK(m->to != NULL && m->to[0] != '\0' && m->body != NULL &&
		    memchr(m->to, '\0', strlen(m->to) + 1) != NULL,
		    "a message without recipient or body");
	if (s->n < KEEP) {
		memcpy(s->ids[s->n], m->id, SPOOL_ID_MAX);
		s->types[s->n] = type;
	}
	s->n++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen whole = { 0 }, part;
	size_t end, cut, i;

	end = journal_scan(data, size, note, &whole);
	CHECK(end <= size, "valid records end past the input");
	for (cut = 0; cut < end; cut += 1 + cut / 3) {
		memset(&part, 0, sizeof(part));
		journal_scan(data, cut, note, &part);
		CHECK(part.n <= whole.n, "a cut segment has more records");
		for (i = 0; i < part.n && i < KEEP; i++)
			CHECK(strcmp(part.ids[i], whole.ids[i]) == 0 &&
			    part.types[i] == whole.types[i],
			    "a cut segment has other records");
	}
	return 0;
}
