/*
 * fuzz-spool: the spool file parser (spool_parse in src/common/spool.c),
 * which reads back whatever a crash, a full disk or a hand edit left in
 * the spool folder.
 *
 * Besides not crashing or leaking: an accepted file holds 1 to
 * SPOOL_BATCH_MAX messages, each with an id that fits a file name's
 * length, a recipient, and a body of the stated length; written back with
 * spool_format() it parses again to the same messages (so what the daemon
 * writes, it reads); and every cut of an accepted file short of its end is
 * refused, as a file that lost its tail must be.
 */
#include "fuzz.h"
#include "proto.h"
#include "spool.h"

static char *
copy(const uint8_t *data, size_t size)
{
	char *p = malloc(size + 1);

	CHECK(p != NULL, "malloc");
	if (size > 0)
		memcpy(p, data, size);
	return p;
}

static void
same(const struct spooled *a, const struct spooled *b, size_t i)
{
	CHECK(strcmp(a->id, b->id) == 0, "record %zu: id '%s' came back '%s'",
	    i, a->id, b->id);
	CHECK(strcmp(a->to, b->to) == 0, "record %zu: to changed", i);
	CHECK(a->len == b->len && memcmp(a->body, b->body, a->len) == 0,
	    "record %zu: body changed", i);
	CHECK(a->created == b->created && a->groupchat == b->groupchat &&
	    a->receipt == b->receipt && a->oob == b->oob, "record %zu: a header changed", i);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spooled *ms, *again, *part;
	struct buf b = { 0 };
	size_t n, n2, np, i, cut;
	char *text;

	text = copy(data, size);
	if (spool_parse(text, size, &ms, &n) == -1) {
		CHECK(ms == NULL && n == 0, "a refusal leaves messages behind");
		free(text);
		return 0;
	}
	free(text);
	CHECK(n >= 1 && n <= SPOOL_BATCH_MAX, "%zu messages in one file", n);
	for (i = 0; i < n; i++) {
		CHECK(ms[i].id[0] != '\0' && strlen(ms[i].id) < SPOOL_ID_MAX,
		    "record %zu: bad id", i);
		CHECK(ms[i].to != NULL && ms[i].to[0] != '\0' &&
		    strchr(ms[i].to, '\n') == NULL, "record %zu: bad to", i);
		CHECK(ms[i].body != NULL && ms[i].body[ms[i].len] == '\0',
		    "record %zu: body not terminated", i);
	}

	/* What is written is read back the same. */
	CHECK(spool_format(&b, ms, n) == 0, "spool_format failed");
	text = copy((const uint8_t *)b.data, b.len);
	CHECK(spool_parse(text, b.len, &again, &n2) == 0,
	    "spool_format's output is refused");
	free(text);
	CHECK(n2 == n, "%zu messages came back as %zu", n, n2);
	for (i = 0; i < n; i++)
		same(&ms[i], &again[i], i);
	spooled_free_all(again, n2);

	/* A file that lost its tail never passes for a whole one. */
	for (cut = 0; cut < b.len; cut += 1 + b.len / 64) {
		text = copy((const uint8_t *)b.data, cut);
		CHECK(spool_parse(text, cut, &part, &np) == -1,
		    "the first %zu of %zu bytes are accepted", cut, b.len);
		free(text);
	}
	buf_free(&b);
	spooled_free_all(ms, n);
	return 0;
}
