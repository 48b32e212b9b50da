/* test-spool.c: the on-disk spool: what is written is read back whole,
 * anything cut short or foreign is refused, and the folder is checked. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spool.h"
#include "tap.h"

static char dir[] = "/tmp/test-spool-XXXXXX";

static void
write_read(int sync, int groupchat, int receipt)
{
	struct spooled m = { 0 }, r;
	char err[512], path[600];
	const char body[] = "line one\n  line two\nEND\n";

	snprintf(m.id, sizeof(m.id), "xmppd-test-%d%d%d", sync, groupchat,
	    receipt);
	m.to = "bob@example.org/desk";
	m.body = (char *)body;
	m.len = sizeof(body) - 1;
	m.created = 1700000000;
	m.groupchat = groupchat;
	m.receipt = receipt;
	is_int(spool_write(dir, &m, sync, err, sizeof(err)), 0, "write %s",
	    m.id);
	snprintf(path, sizeof(path), "%s/%s.msg", dir, m.id);
	is_int(spool_read(path, &r, err, sizeof(err)), 0, "read it back");
	is_str(r.id, m.id, "same id");
	is_str(r.to, m.to, "same recipient");
	ok(r.len == m.len && memcmp(r.body, body, r.len) == 0,
	    "the body, byte for byte, even with an END line inside");
	is_int((int)r.created, 1700000000, "same creation time");
	is_int(r.groupchat, groupchat, "type kept");
	is_int(r.receipt, receipt, "receipt request kept");
	spooled_free(&r);
	/* Every cut is refused. */
	for (off_t cut = 1; cut < 40; cut += 7) {
		struct stat st;
		stat(path, &st);
		truncate(path, st.st_size - 1);
		ok(spool_read(path, &r, err, sizeof(err)) == -1 &&
		    strstr(err, "truncated") != NULL,
		    "a file cut short is refused (%lld bytes left)",
		    (long long)st.st_size - 1);
	}
	spool_remove(dir, m.id);
	ok(access(path, F_OK) == -1, "spool_remove removes it");
}

static void
foreign(void)
{
	struct spooled r;
	char err[512], path[600];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/alien.msg", dir);
	fp = fopen(path, "w");
	fputs("XMPPD-SPOOL 1\nid x\nto a@b\nlength 3\n\nabc\nEND\n", fp);
	fclose(fp);
	ok(spool_read(path, &r, err, sizeof(err)) == -1,
	    "a file without a creation time is refused");
	fp = fopen(path, "w");
	fputs("XMPPD-SPOOL 1\nid x\nto a@b\ncreated 1\nlength 4\n\nabc\nEND\n",
	    fp);
	fclose(fp);
	ok(spool_read(path, &r, err, sizeof(err)) == -1,
	    "a length that does not match is refused");
	fp = fopen(path, "w");
	fputs("XMPPD-SPOOL 1\nid x\nto a@b\ncreated 1\nfuture yes\nlength 3\n"
	    "\nabc\nEND\n", fp);
	fclose(fp);
	ok(spool_read(path, &r, err, sizeof(err)) == 0,
	    "unknown header lines are skipped");
	spooled_free(&r);
	fp = fopen(path, "w");
	fputs("hello\n", fp);
	fclose(fp);
	ok(spool_read(path, &r, err, sizeof(err)) == -1,
	    "a file without the magic line is refused");
	unlink(path);
}

static void
folder(void)
{
	char sub[600], err[512];

	snprintf(sub, sizeof(sub), "%s/a/b/c", dir);
	is_int(spool_prepare(sub, err, sizeof(err)), 0,
	    "spool_prepare creates missing parents");
	chmod(sub, 0755);
	ok(spool_prepare(sub, err, sizeof(err)) == -1 &&
	    strstr(err, "closed to others") != NULL,
	    "a folder open to others is refused");
	chmod(sub, 0700);
	is_int(spool_prepare(sub, err, sizeof(err)), 0, "0700 is fine");
	setenv("XMPPD_STATE_DIR", "/x/state", 1);
	spool_dir("PBX", sub, sizeof(sub));
	is_str(sub, "/x/state/pbx", "$XMPPD_STATE_DIR/ACCOUNT, folded");
}

int
main(void)
{
	char cmd[600];

	if (mkdtemp(dir) == NULL)
		return 1;
	write_read(1, 0, 0);
	write_read(0, 1, 0);
	write_read(1, 0, 1);
	foreign();
	folder();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	system(cmd);
	return done_testing();
}
