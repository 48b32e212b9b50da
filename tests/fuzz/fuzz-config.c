/*
 * fuzz-config: the xmpp.conf parser (src/xmppd/config.c).
 *
 * Each input is written to one file (mode 0600, the same path every run)
 * in a private temporary directory and loaded with config_load() for the
 * account "asterisk"; then config_print() and config_free() run.
 *
 * config.c is compiled for this target with -Dopen=fuzz_config_open
 * (see mk/fuzz.mk), so that "#include" can only open files inside the
 * temporary directory: the input itself (include loops are bounded by the
 * nesting limit and the total size) and two fixed fragments, "inc.conf"
 * (mode 0600) and "public.conf" (mode 0644, holding a secret, which must
 * be refused).  Anything else fails as if the file did not exist, and so
 * do opens beyond a budget per run, which keeps a file including itself
 * many times from taking long.  (The checks of cafile, hook and the like
 * in filecheck.c may look at any path, but only stat, or open without
 * waiting and read: nothing is written.)
 *
 * Properties: a successful load has a username that is a JID with node and
 * resource, a secret source (secret, secretfile or secretcmd) that is not
 * empty, the section name asked for, and values within their documented
 * ranges; every buddy is a bare JID with a node; a cafile, secretfile or
 * hook named is a regular file, a capath a folder.  A failed load
 * explains itself and never repeats the value of a line whose option
 * name starts with "secret" (a typo such as "secret: password" included).
 * The daemon's log goes to /dev/null unless FUZZ_VERBOSE=1.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "config.h"
#include "jid.h"
#include "log.h"
#include "text.h"

#define ACCOUNT		"asterisk"
#define OPEN_BUDGET	64

int	fuzz_config_open(const char *, int, ...);

static char dir[PATH_MAX], conf[PATH_MAX], inc[PATH_MAX], pub[PATH_MAX];
static FILE *devnull;
static int opens;

static void
write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	const char *p = data;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode))
	    == -1 || fchmod(fd, mode) == -1) {
		dprintf(2, "fuzz-config: %s: %s\n", path, strerror(errno));
		abort();
	}
	while (len > 0) {
		if ((n = write(fd, p, len)) <= 0) {
			dprintf(2, "fuzz-config: write %s: %s\n", path,
			    strerror(errno));
			abort();
		}
		p += n;
		len -= (size_t)n;
	}
	close(fd);
}

static void
cleanup(void)
{
	unlink(conf);
	unlink(inc);
	unlink(pub);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char inc_text[] =
	    "; an included fragment\n"
	    "[included]\n"
	    "username = inc@example.org\n"
	    "secretfile = /nonexistent/secret\n"
	    "buddy = friend@example.org\n";
	static const char pub_text[] =
	    "[public]\nusername = pub@example.org\nsecret = hunter2\n";
	const char *tmp = getenv("TMPDIR");
	const char *verbose = getenv("FUZZ_VERBOSE");

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "%s/fuzz-config.XXXXXX",
	    tmp && *tmp == '/' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		dprintf(2, "fuzz-config: mkdtemp %s: %s\n", dir,
		    strerror(errno));
		abort();
	}
	snprintf(conf, sizeof(conf), "%s/xmpp.conf", dir);
	snprintf(inc, sizeof(inc), "%s/inc.conf", dir);
	snprintf(pub, sizeof(pub), "%s/public.conf", dir);
	write_file(inc, inc_text, sizeof(inc_text) - 1, 0600);
	write_file(pub, pub_text, sizeof(pub_text) - 1, 0644);
	atexit(cleanup);
	if ((devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	log_init(ACCOUNT, verbose != NULL && *verbose == '1');
	if (verbose == NULL || *verbose != '1')
		log_quiet(1);
	return 0;
}

/* config.c's open(): only our own files, and only so many per run. */
int
fuzz_config_open(const char *path, int flags, ...)
{
	char real[PATH_MAX];

	if (++opens > OPEN_BUDGET) {
		errno = EMFILE;
		return -1;
	}
	if (realpath(path, real) == NULL)
		return -1;	/* errno set */
	if (strcmp(real, conf) != 0 && strcmp(real, inc) != 0 &&
	    strcmp(real, pub) != 0) {
		errno = ENOENT;
		return -1;
	}
	return open(real, flags & ~O_CREAT);
}

static void
check_str(const char *name, const char *s)
{
	CHECK(s == NULL || *s != '\0', "%s is set but empty", name);
}

/* A file the configuration names exists, and is of the kind wanted. */
static void
check_file(const char *name, const char *path, mode_t kind)
{
	struct stat st;

	if (path == NULL)
		return;
	CHECK(stat(path, &st) == 0 && (st.st_mode & S_IFMT) == kind,
	    "%s '%s' passed the check but is not a %s", name, path,
	    kind == S_IFDIR ? "folder" : "regular file");
}

/* How often needle occurs in the input. */
static size_t
occurrences(const uint8_t *data, size_t size, const char *needle)
{
	size_t n = 0, len = strlen(needle);
	const uint8_t *p = data, *end = data + size;

	while ((size_t)(end - p) >= len && (p = memmem(p, (size_t)(end - p),
	    needle, len)) != NULL) {
		n++;
		p++;
	}
	return n;
}

/*
 * An error never repeats the value of a line whose option name starts
 * with "secret", written with '=' or with a typo such as ':' (a
 * secretfile's path excepted).  Values that
 * could also be message text, a section name or a path (short, without
 * both a digit and a small letter, with a space, ':', '/' or brackets) or
 * that occur elsewhere in the input are left out.
 */
static void
check_no_secret(const uint8_t *data, size_t size, const char *err)
{
	char line[512], *k, *v, *e;
	const uint8_t *p = data, *end = data + size, *nl;
	size_t len;

	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		len = (size_t)(nl - p) < sizeof(line) - 1 ?
		    (size_t)(nl - p) : sizeof(line) - 1;
		memcpy(line, p, len);
		line[len] = '\0';
		k = line + strspn(line, " \t");
		if (strncasecmp(k, "secret", 6) != 0 ||
		    (v = strpbrk(k, "=:")) == NULL)
			continue;
		/* A secretfile names a path, which messages do show. */
		if (*v == '=' && strncasecmp(k, "secretfile", 10) == 0 &&
		    strspn(k + 10, " \t") == (size_t)(v - k - 10))
			continue;
		v += v[0] == '=' && v[1] == '>' ? 2 : 1;
		v += strspn(v, " \t");
		if ((e = strchr(v, ';')) != NULL)
			*e = '\0';
		len = strlen(v);
		while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t' ||
		    v[len - 1] == '\r'))
			v[--len] = '\0';
		if (len < 8 || strpbrk(v, " \t:/[]") != NULL ||
		    strpbrk(v, "0123456789") == NULL ||
		    strpbrk(v, "abcdefghijklmnopqrstuvwxyz") == NULL ||
		    occurrences(data, size, v) != 1 || strstr(conf, v) != NULL)
			continue;
		CHECK(strstr(err, v) == NULL, "the error shows the value of a "
		    "secret line: %s", err);
	}
}

static void
check_loaded(const struct account *a)
{
	struct jid j;
	const char *why;
	size_t i, where;

	CHECK(a->name != NULL && strcasecmp(a->name, ACCOUNT) == 0,
	    "section name '%s'", a->name ? a->name : "(null)");
	CHECK(a->file != NULL && strcmp(a->file, conf) == 0, "file name");
	CHECK(a->username != NULL, "no username");
	why = jid_parse(a->username, JID_NEED_NODE, &j);
	CHECK(why == NULL, "username '%s' is not a JID: %s", a->username, why);
	CHECK(j.has_resource, "username '%s' without a resource", a->username);
	CHECK(a->secret != NULL || a->secretfile != NULL ||
	    a->secretcmd != NULL, "no secret source");
	check_str("secret", a->secret);
	check_str("secretfile", a->secretfile);
	check_str("secretcmd", a->secretcmd);
	check_str("serverhost", a->serverhost);
	check_str("cafile", a->cafile);
	check_str("capath", a->capath);
	check_str("socketgroup", a->socketgroup);
	CHECK(a->port >= 1 && a->port <= 65535, "port %u", a->port);
	CHECK(a->usetls == 1, "usetls %d", a->usetls);
	CHECK(a->usesasl == 0 || a->usesasl == 1, "usesasl %d", a->usesasl);
	CHECK(a->autoregister == 0 || a->autoregister == 1, "autoregister");
	CHECK(a->autoprune == 0 || a->autoprune == 1, "autoprune");
	CHECK(a->debug == 0 || a->debug == 1, "debug");
	CHECK(a->priority >= -128 && a->priority <= 127, "priority %d",
	    a->priority);
	CHECK(a->status >= SHOW_ONLINE && a->status <= SHOW_DND, "status %d",
	    (int)a->status);
	CHECK(show_name(a->status) != NULL, "status has no name");
	CHECK(a->timeout >= 1 && a->timeout <= 86400, "timeout %u",
	    a->timeout);
	CHECK(a->keepalive <= 3600, "keepalive %u", a->keepalive);
	CHECK(a->lifetime >= 1 && a->lifetime <= 365u * 86400, "lifetime %u",
	    a->lifetime);
	CHECK(a->spoolsync == 0 || a->spoolsync == 1, "spoolsync");
	CHECK(a->hookmax >= 1 && a->hookmax <= 64, "hookmax %u", a->hookmax);
	CHECK(a->hooktimeout >= 1 && a->hooktimeout <= 86400, "hooktimeout %u",
	    a->hooktimeout);
	CHECK(a->hook == NULL || a->hook[0] == '/', "hook '%s' is relative",
	    a->hook);
	check_str("hook", a->hook);
	CHECK(a->nbuddies == 0 || a->buddies != NULL, "buddies");
	for (i = 0; i < a->nbuddies; i++) {
		why = jid_parse(a->buddies[i], JID_NEED_NODE, &j);
		CHECK(why == NULL, "buddy '%s' is not a JID with a node: %s",
		    a->buddies[i], why);
		CHECK(!j.has_resource, "buddy '%s' has a resource",
		    a->buddies[i]);
	}
	check_file("cafile", a->cafile, S_IFREG);
	check_file("capath", a->capath, S_IFDIR);
	check_file("hook", a->hook, S_IFREG);
	if (a->secret == NULL)
		check_file("secretfile", a->secretfile, S_IFREG);
	/*
	 * Known weakness: statusmessage goes into a <status/> element but is
	 * not checked with text_check() (invalid UTF-8 or controls break the
	 * XML stream), unlike the text of a PRESENCE request.
	 */
	KNOWN(a->statusmessage != NULL &&
	    text_check(a->statusmessage, strlen(a->statusmessage), &where)
	    != NULL, "statusmessage is not XML text (byte %zu)", where);
	config_print(a, devnull);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char err[1024];
	struct account a;
	FILE *saved = stderr;
	int rc;

	write_file(conf, data, size, 0600);
	opens = 0;
	memset(err, 0, sizeof(err));
	memset(&a, 0x5a, sizeof(a));

	/* log_warn() writes to stderr: point it at /dev/null meanwhile. */
	if (!log_debugging())
		stderr = devnull;
	rc = config_load(conf, ACCOUNT, &a, err, sizeof(err));
	if (rc == 0)
		check_loaded(&a);
	stderr = saved;

	if (log_debugging())
		dprintf(2, "fuzz-config: %s\n", rc == 0 ? "loaded" : err);
	CHECK(rc == 0 || rc == -1, "config_load returned %d", rc);
	if (rc == -1) {
		CHECK(err[0] != '\0', "config_load failed without a reason");
		check_no_secret(data, size, err);
	}
	config_free(&a);
	return 0;
}
