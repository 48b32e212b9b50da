/*
 * fuzz-lock: lock_parse() (src/common/sockdir.c), the reading of a
 * daemon's lock file by xmpp-send --queue: the pid on the first line, the
 * spool folder on the second.
 *
 * Properties: an accepted file has a pid above 0 and, when it names a
 * spool, an absolute path without NUL or newline that fits the buffer;
 * the lock file xmppd writes ("PID\nSPOOL\n") for what was parsed parses
 * back to the same; a file that is only a pid line is "older daemon" (1);
 * and no prefix of an accepted two-line file, cut inside its second line,
 * is accepted as a spool.
 */
#include "fuzz.h"
#include "sockdir.h"

#define SPOOL_LEN 4096

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char spool[SPOOL_LEN], spool2[SPOOL_LEN], again[SPOOL_LEN + 64];
	long pid, pid2;
	size_t n, cut;
	int rc, rc2;

	memset(spool, 0, sizeof(spool));
	rc = lock_parse((const char *)data, size, &pid, spool, sizeof(spool));
	CHECK(rc >= -1 && rc <= 1, "lock_parse returned %d", rc);
	if (rc == -1)
		return 0;
	CHECK(pid > 0, "pid %ld accepted", pid);
	if (rc == 1) {
		n = (size_t)snprintf(again, sizeof(again), "%ld\n", pid);
		CHECK(lock_parse(again, n, &pid2, spool2, sizeof(spool2)) == 1 &&
		    pid2 == pid, "'%ld' does not parse back", pid);
		return 0;
	}
	n = strlen(spool);
	CHECK(spool[0] == '/' && n < sizeof(spool) && !memchr(spool, '\n', n),
	    "spool '%s' accepted", spool);
	n = (size_t)snprintf(again, sizeof(again), "%ld\n%s\n", pid, spool);
	rc2 = lock_parse(again, n, &pid2, spool2, sizeof(spool2));
	CHECK(rc2 == 0 && pid2 == pid && strcmp(spool, spool2) == 0,
	    "what xmppd would write does not parse back");
	/* A file cut inside its spool line never names a spool. */
	for (cut = size - 1; cut > 0 && data[cut - 1] != '\n'; cut--)
		CHECK(lock_parse((const char *)data, cut, &pid2, spool2,
		    sizeof(spool2)) != 0, "cut at %zu still names a spool", cut);
	return 0;
}
