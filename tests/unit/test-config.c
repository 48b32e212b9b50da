/* test-config: reading xmpp.conf in Asterisk's format (config.c). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "tap.h"

#define ME	"username = me@example.com\n"

static char dir[PATH_MAX];
static char *files[256];
static int nfiles;
static char err[1024];

static void
remember(const char *path)
{
	if (nfiles < 256)
		files[nfiles++] = strdup(path);
}

static void
write_all(int fd, const char *path, const char *content)
{
	size_t len = strlen(content);

	if (write(fd, content, len) != (ssize_t)len) {
		perror(path);
		exit(1);
	}
}

/* Writes content to a new file (mkstemp) with mode; its name into path. */
static void
mkfile(const char *content, mode_t mode, char *path)
{
	int fd;

	snprintf(path, PATH_MAX, "%s/conf-XXXXXX", dir);
	if ((fd = mkstemp(path)) == -1 || fchmod(fd, mode) == -1) {
		perror(path);
		exit(1);
	}
	write_all(fd, path, content);
	close(fd);
	remember(path);
}

/* Writes content to dir/name with mode; the full name into path. */
static void
named(const char *name, const char *content, mode_t mode, char *path)
{
	int fd;

	snprintf(path, PATH_MAX, "%s/%s", dir, name);
	unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1 ||
	    fchmod(fd, mode) == -1) {
		perror(path);
		exit(1);
	}
	write_all(fd, path, content);
	close(fd);
	remember(path);
}

/* Writes content to a new file and loads account from it. */
static int
load(const char *content, mode_t mode, const char *account, struct account *a,
    char *path)
{
	err[0] = '\0';
	mkfile(content, mode, path);
	return config_load(path, account, a, err, sizeof(err));
}

/*
 * Expects content to be refused when loading [acct], with an error that
 * starts with "FILE:line: " (line > 0) and contains word (if not NULL).
 */
static void
fails(const char *content, mode_t mode, int line, const char *word,
    const char *name)
{
	struct account a;
	char path[PATH_MAX], want[PATH_MAX + 32];
	int rc;

	rc = load(content, mode, "acct", &a, path);
	is_int(rc, -1, "refused: %s", name);
	if (line > 0) {
		snprintf(want, sizeof(want), "%s:%d: ", path, line);
		if (!ok(strncmp(err, want, strlen(want)) == 0,
		    "%s: error starts with FILE:%d:", name, line))
			diag("error: %s", err);
	}
	if (word != NULL && !ok(strstr(err, word) != NULL,
	    "%s: error mentions '%s'", name, word))
		diag("error: %s", err);
	config_free(&a);
}

/* Loads content (mode 0600) as [acct], expecting success. */
static int
loads(const char *content, struct account *a, const char *name)
{
	char path[PATH_MAX];

	if (!ok(load(content, 0600, "acct", a, path) == 0, "loads: %s", name)) {
		diag("error: %s", err);
		return 0;
	}
	return 1;
}

static const char asterisk_conf[] =
    ";\n"						/* 1 */
    "; xmpp.conf -- Asterisk XMPP (res_xmpp) configuration\n"
    ";\n"
    "[general]\n"
    "debug=yes                ; Enable debugging (disabled by default).\n"
    ";autoprune=no            ; Auto remove users from buddy list.\n"
    "autoprune=yes\n"
    "autoregister=no          ; Auto register users from buddy list.\n"
    "collection_nodes=yes     ; Enable support for XEP-0248 for use with\n"
    "                         ; distributed device state.\n"	/* 10 */
    "pubsub_autocreate=yes\n"
    "auth_policy=accept       ; Auto accept users' subscription requests.\n"
    "\n"
    "[asterisk]\n"
    "type=client              ; Client or Component connection\n"
    "serverhost=talk.example.com ; Route to server\n"
    "pubsub_node=pubsub.example.com\n"
    "username=asterisk@example.com/pbx\n"
    "secret=s3cr\\;et pass    ; a ';' in a password is written '\\;'\n"
    "priority=25\n"					/* 20 */
    "port => 5223\n"
    "usetls=yes\n"
    "usesasl=yes\n"
    "buddy=Bob@Example.COM\n"
    "buddy => carol@example.com\n"
    "\tbuddy = dave@example.org.\n"
    "status=away\n"
    "statusmessage=\"I am available\"\n"
    "timeout=30\n"
    "keepalive=no\n"					/* 30 */
    "sendtodialplan=yes\n"
    "context=xmpp-in\n"
    "\n"
    "[Office]\n"
    "type=client\n"
    "username=office@example.org\n"
    "secret=office-pw\n"
    "autoregister=yes\n"
    "status=dnd\n";

static void
test_asterisk(void)
{
	struct account a;
	char path[PATH_MAX];

	if (!ok(load(asterisk_conf, 0600, "asterisk", &a, path) == 0,
	    "a realistic Asterisk xmpp.conf loads")) {
		diag("error: %s", err);
		config_free(&a);
		return;
	}
	is_str(a.name, "asterisk", "section name");
	is_str(a.file, path, "file recorded");
	is_str(a.username, "asterisk@example.com/pbx",
	    "username with a resource is kept");
	is_str(a.secret, "s3cr;et pass", "'\\;' is a literal ';', the comment "
	    "after it is cut");
	is_str(a.serverhost, "talk.example.com", "serverhost, comment cut");
	is_int(a.priority, 25, "priority");
	is_int(a.port, 5223, "'=>' works as separator (port)");
	is_int(a.usetls, 1, "usetls");
	is_int(a.status, SHOW_AWAY, "status=away");
	is_str(a.statusmessage, "\"I am available\"",
	    "quoted statusmessage keeps its quotes");
	is_int(a.nbuddies, 3, "three buddies");
	if (a.nbuddies == 3) {
		is_str(a.buddies[0], "bob@example.com", "buddy folded");
		is_str(a.buddies[1], "carol@example.com", "buddy with '=>'");
		is_str(a.buddies[2], "dave@example.org",
		    "indented buddy, trailing dot dropped");
	}
	is_int(a.timeout, 30, "timeout");
	is_int(a.keepalive, 0, "keepalive=no is 0");
	is_int(a.debug, 1, "debug from [general]");
	is_int(a.autoprune, 1, "autoprune from [general]");
	is_int(a.autoregister, 0, "autoregister from [general]");
	config_free(&a);

	err[0] = '\0';
	ok(config_load(path, "OFFICE", &a, err, sizeof(err)) == 0,
	    "another account, named in other case");
	is_str(a.name, "Office", "the section name as written");
	is_str(a.username, "office@example.org/xmppd",
	    "'/xmppd' appended to a username without resource");
	is_str(a.secret, "office-pw", "its own secret");
	is_int(a.autoregister, 1, "the section overrides [general]");
	is_int(a.autoprune, 1, "[general] applies where not overridden");
	is_int(a.debug, 1, "debug from [general]");
	is_int(a.status, SHOW_DND, "status=dnd");
	is_int(a.port, 5222, "port default");
	ok(a.serverhost == NULL, "no serverhost");
	is_int(a.nbuddies, 0, "the other section's buddies are not ours");
	is_str(a.statusmessage, "Online and Available", "statusmessage default");
	config_free(&a);

	ok(config_load(path, "ASTERISK", &a, err, sizeof(err)) == 0,
	    "account lookup is case-insensitive");
	config_free(&a);
	is_int(config_load(path, "nosuch", &a, err, sizeof(err)), -1,
	    "an account without section is refused");
	ok(strstr(err, "[nosuch]") != NULL, "the error names it (%s)", err);
	config_free(&a);
	is_int(config_load(path, "general", &a, err, sizeof(err)), -1,
	    "[general] is not an account");
	config_free(&a);
}

static void
test_defaults(void)
{
	struct account a;

	if (loads("[acct]\n" ME "secret = pw\n", &a, "a minimal account")) {
		is_str(a.username, "me@example.com/xmppd", "username/xmppd");
		is_str(a.secret, "pw", "secret");
		is_int(a.port, 5222, "default port 5222");
		is_int(a.priority, 1, "default priority 1");
		is_int(a.timeout, 5, "default timeout 5");
		is_int(a.keepalive, 60, "default keepalive 60");
		is_int(a.status, SHOW_ONLINE, "default status available");
		is_str(show_name(a.status), "available", "shown as available");
		is_str(a.statusmessage, "Online and Available",
		    "default statusmessage");
		is_int(a.autoregister, 1, "default autoregister yes");
		is_int(a.autoprune, 0, "default autoprune no");
		is_int(a.usetls, 1, "TLS always");
		is_int(a.debug, 0, "default debug no");
		ok(a.serverhost == NULL && a.secretfile == NULL &&
		    a.secretcmd == NULL && a.cafile == NULL &&
		    a.socketgroup == NULL, "no optional strings");
		is_int(a.nbuddies, 0, "no buddies");
	}
	config_free(&a);

	if (loads("[acct]\n" ME "secret=pw\nstatus = Away\n", &a, "status Away"))
		is_int(a.status, SHOW_AWAY, "status is case-insensitive");
	config_free(&a);
	if (loads("[acct]\n" ME "secret=pw\nstatus=online\n", &a, "online"))
		is_int(a.status, SHOW_ONLINE, "status=online means available");
	config_free(&a);
	if (loads("[acct]\n" ME "secret=pw\nstatus=xa\npriority=-128\n", &a,
	    "xa"))
		ok(a.status == SHOW_XA && a.priority == -128,
		    "status=xa, priority -128");
	config_free(&a);
	if (loads("[acct]\n" ME "secret=pw\nstatus=chat\npriority=127\n", &a,
	    "chat"))
		ok(a.status == SHOW_CHAT && a.priority == 127,
		    "status=chat, priority 127");
	config_free(&a);
	if (loads("[acct]\n" ME "secret=pw\nport=1\n", &a, "port 1"))
		is_int(a.port, 1, "port 1");
	config_free(&a);
	if (loads("[acct]\n" ME "secret=pw\nport =\n", &a, "empty port"))
		is_int(a.port, 5222, "an empty port is the default");
	config_free(&a);
	if (loads("[acct]\n" ME "secret=pw\nport=65535\n", &a, "port 65535"))
		is_int(a.port, 65535, "port 65535");
	config_free(&a);
	if (loads("[acct]\n" ME "secret=pw\nkeepalive=yes\n", &a, "keepalive yes"))
		is_int(a.keepalive, 60, "keepalive=yes is 60");
	config_free(&a);
	if (loads("[acct]\n" ME "secret=pw\nkeepalive=no\n", &a, "keepalive no"))
		is_int(a.keepalive, 0, "keepalive=no is 0");
	config_free(&a);
	if (loads("[acct]\n" ME "secret=pw\nkeepalive=1\n", &a, "keepalive 1"))
		is_int(a.keepalive, 1, "keepalive=1 is one second");
	config_free(&a);
	if (loads("[acct]\n" ME "secret=pw\nsecret=\nsecretcmd=true\n", &a,
	    "empty secret"))
		ok(a.secret == NULL, "an empty secret counts as unset");
	config_free(&a);
	if (loads("[acct]\n" ME "secret=pw\nkeepalive=120\n", &a, "keepalive 120"))
		is_int(a.keepalive, 120, "keepalive=120 is 120");
	config_free(&a);
	if (loads("[general]\nkeepalive=no\n[acct]\n" ME "secret=pw\n"
	    "keepalive=300\n", &a, "keepalive in both"))
		is_int(a.keepalive, 300, "the section's keepalive wins");
	config_free(&a);
	if (loads("[acct]\n" ME "secret=pw\n[other]\n", &a,
	    "an empty other section"))
		is_str(a.secret, "pw", "an empty other section is harmless");
	config_free(&a);
	if (loads("[acct]\n" ME "secret=pw\nbuddy=b@x.com\n[general]\n"
	    "buddy=a@x.com\n", &a, "buddies in [general] and in the section"))
		ok(a.nbuddies == 2 && strcmp(a.buddies[0], "a@x.com") == 0 &&
		    strcmp(a.buddies[1], "b@x.com") == 0,
		    "[general]'s buddies come first, even when written later");
	config_free(&a);
}

static void
test_errors(void)
{
	fails("[acct]\nsecret=pw\n", 0600, 1, "username", "missing username");
	fails("[acct]\n" ME, 0600, 1, "secret", "missing secret");
	fails("[acct]\n" ME "secret=pw\nport=0\n", 0600, 4, "port", "port 0");
	fails("[acct]\n" ME "secret=pw\nport=70000\n", 0600, 4, "port",
	    "port 70000");
	fails("[acct]\n" ME "secret=pw\nport=65536\n", 0600, 4, "port",
	    "port 65536");
	fails("[acct]\n" ME "secret=pw\nport = abc\n", 0600, 4, "port",
	    "port abc");
	fails("[acct]\n" ME "secret=pw\nport = 52x\n", 0600, 4, "port",
	    "port 52x");
	fails("[acct]\n" ME "secret=pw\nusernmae = me@example.com\n", 0600, 4,
	    "usernmae", "unknown option in the account");
	fails("[acct]\n" ME "secret=pw\n\n[other]\n"
	    "username = other@example.com\nusernmae = x@example.com\n"
	    "secret = x\n", 0600, 7, "usernmae",
	    "unknown option in another section");
	fails("[other]\nusernmae = x@example.com\n[acct]\n" ME "secret=pw\n",
	    0600, 2, "usernmae", "unknown option in an earlier section");
	fails("[general]\nautopruen=yes\n[acct]\n" ME "secret=pw\n", 0600, 2,
	    "autopruen", "unknown option in [general]");
	fails("[acct]\n" ME "secret=pw\n[other]\nport=abc\n", 0600, 5, "port",
	    "bad value in another section");
	fails("[acct]\n" ME "secret=pw\n[ACCT]\n", 0600, 4, "duplicate",
	    "duplicate section, other case");
	fails("[general]\n[acct]\n" ME "secret=pw\n[General]\n", 0600, 5,
	    "duplicate", "duplicate [general]");
	fails(ME "[acct]\nsecret=pw\n", 0600, 1, "username",
	    "option before any section");
	fails("[acct]\n" ME "secret=pw\nautoprune\n", 0600, 4, NULL,
	    "a line without '='");
	fails("[acct]\n" ME "secret=pw\n= yes\n", 0600, 4, NULL,
	    "'=' without option name");
	fails("[acct]\n" ME "secret=pw\nusetls = no\n", 0600, 4, "usetls",
	    "usetls = no");
	fails("[acct]\n" ME "secret=pw\nusetls = maybe\n", 0600, 4, "usetls",
	    "usetls = maybe");
	fails("[acct]\n" ME "secret=pw\nstatus = busy\n", 0600, 4, "status",
	    "bad status");
	fails("[acct]\n" ME "secret=pw\npriority = high\n", 0600, 4,
	    "priority", "priority high");
	fails("[acct]\n" ME "secret=pw\npriority = 128\n", 0600, 4,
	    "priority", "priority 128");
	fails("[acct]\n" ME "secret=pw\npriority = -129\n", 0600, 4,
	    "priority", "priority -129");
	fails("[acct]\nusername = example.com\nsecret=pw\n", 0600, 2,
	    "username", "username without node");
	fails("[acct]\nusername = me@exa mple.com\nsecret=pw\n", 0600, 2,
	    "username", "username with a space");
	fails("[acct]\n" ME "secret=pw\nbuddy = bob@x.com/phone\n", 0600, 4,
	    "buddy", "buddy with a resource");
	fails("[acct]\n" ME "secret=pw\nbuddy = bo b@x.com\n", 0600, 4,
	    "buddy", "invalid buddy");
	fails("[acct]\n" ME "secret=pw\ntimeout = 0\n", 0600, 4, "timeout",
	    "timeout 0");
	fails("[acct]\n" ME "secret=pw\nautoprune = maybe\n", 0600, 4,
	    "autoprune", "bad boolean");
	fails("[acct]\n" ME "secret=pw\nkeepalive = forever\n", 0600, 4,
	    "keepalive", "bad keepalive");
	fails("[acct]\n" ME "secret=pw\nkeepalive = 3601\n", 0600, 4,
	    "keepalive", "keepalive 3601");
	fails("[acct\n" ME "secret=pw\n", 0600, 1, "]", "missing ']'");
	fails("[]\n[acct]\n" ME "secret=pw\n", 0600, 1, NULL,
	    "empty section name");

	/* A file holding a password must be private. */
	fails("[acct]\n" ME "secret = pw\n", 0644, 0, "chmod o-rwx",
	    "secret in a file readable by all (0644)");
	fails("[general]\nsecret = pw\n[acct]\n" ME, 0604, 0, "chmod o-rwx",
	    "secret in [general] in a file readable by others (0604)");
	fails("[other]\nusername=o@x.com\nsecret = pw\n[acct]\n" ME
	    "secretcmd=true\n", 0644, 0, "chmod o-rwx",
	    "another section's secret in a public file");
}

static void
test_modes(void)
{
	struct account a;
	char path[PATH_MAX];

	ok(load("[acct]\n" ME "secret = pw\n", 0600, "acct", &a, path) == 0,
	    "a secret in a 0600 file is accepted");
	config_free(&a);
	ok(load("[acct]\n" ME "secret = pw\n", 0400, "acct", &a, path) == 0,
	    "a secret in a 0400 file is accepted");
	config_free(&a);
	ok(load("[acct]\n" ME "secret = pw\n", 0640, "acct", &a, path) == 0,
	    "0640 is accepted when the group is our own");
	config_free(&a);
	ok(load("[acct]\n" ME "secretcmd = true\n[other]\nusername = "
	    "o@x.com\nsecretfile = /nonexistent\n", 0644, "acct", &a,
	    path) == 0, "a 0644 file without secret is accepted");
	config_free(&a);
	ok(load("[acct]\n" ME "secretcmd = true\n", 0644, "acct", &a,
	    path) == 0, "a 0644 file with secretcmd is accepted");
	config_free(&a);
}

static void
test_secret_sources(void)
{
	struct account a;
	char conf[PATH_MAX + 64], sf[PATH_MAX];

	named("secret-file", "from-file\nsecond line\n", 0600, sf);
	snprintf(conf, sizeof(conf), "[acct]\n" ME "secretfile = %s\n", sf);
	if (loads(conf, &a, "secretfile")) {
		ok(a.secret == NULL, "the secret is not read at load time");
		is_str(a.secretfile, sf, "secretfile recorded");
		is_int(config_secret(&a, err, sizeof(err)), 0,
		    "config_secret reads the secretfile");
		is_str(a.secret, "from-file", "its first line is the secret");
		is_int(config_secret(&a, err, sizeof(err)), 0,
		    "config_secret again is harmless");
		is_str(a.secret, "from-file", "the same secret");
	}
	config_free(&a);

	named("secret-crlf", "crlf-pw\r\n", 0600, sf);
	snprintf(conf, sizeof(conf), "[acct]\n" ME "secretfile = %s\n", sf);
	if (loads(conf, &a, "secretfile with CRLF")) {
		config_secret(&a, err, sizeof(err));
		is_str(a.secret, "crlf-pw", "CRLF is not part of the secret");
	}
	config_free(&a);

	named("secret-public", "public-pw\n", 0644, sf);
	snprintf(conf, sizeof(conf), "[acct]\n" ME "secretfile = %s\n", sf);
	fails(conf, 0600, 3, "chmod o-rwx",
	    "a secretfile readable by all, when the file is read");
	if (loads("[acct]\n" ME "secretfile = /dev/null\nsecret = x\n", &a,
	    "a secretfile not used, as secret is given"))
		is_str(a.secret, "x", "the secret");
	config_free(&a);
	named("secret-later", "later-pw\n", 0600, sf);
	snprintf(conf, sizeof(conf), "[acct]\n" ME "secretfile = %s\n", sf);
	if (loads(conf, &a, "a secretfile that goes public later")) {
		chmod(sf, 0644);
		is_int(config_secret(&a, err, sizeof(err)), -1,
		    "a secretfile readable by others is refused when read");
		ok(strstr(err, "chmod o-rwx") != NULL && strstr(err, ":3: ")
		    != NULL, "advice, with file and line: %s", err);
		ok(a.secret == NULL, "no secret then");
	}
	config_free(&a);

	named("secret-empty", "", 0600, sf);
	snprintf(conf, sizeof(conf), "[acct]\n" ME "secretfile = %s\n", sf);
	if (loads(conf, &a, "an empty secretfile")) {
		is_int(config_secret(&a, err, sizeof(err)), -1,
		    "an empty secretfile is refused");
		ok(strstr(err, "empty") != NULL, "error: %s", err);
	}
	config_free(&a);

	snprintf(conf, sizeof(conf), "[acct]\n" ME "secretfile = %s/missing\n",
	    dir);
	fails(conf, 0600, 3, "missing: no such file",
	    "a missing secretfile, when the configuration is read");
	named("secret-gone", "gone-pw\n", 0600, sf);
	snprintf(conf, sizeof(conf), "[acct]\n" ME "secretfile = %s\n", sf);
	if (loads(conf, &a, "a secretfile removed after loading")) {
		unlink(sf);
		is_int(config_secret(&a, err, sizeof(err)), -1,
		    "a secretfile missing when it is read is an error");
		ok(strstr(err, "secret-gone: no such file") != NULL,
		    "naming the file: %s", err);
	}
	config_free(&a);

	if (loads("[acct]\n" ME "secretcmd = printf 'cmd-pw\\nignored\\n'\n",
	    &a, "secretcmd")) {
		is_int(config_secret(&a, err, sizeof(err)), 0,
		    "config_secret runs secretcmd");
		is_str(a.secret, "cmd-pw", "its first output line is the secret");
	}
	config_free(&a);

	if (loads("[acct]\n" ME "secretcmd = exit 3\n", &a, "failing cmd")) {
		is_int(config_secret(&a, err, sizeof(err)), -1,
		    "a failing secretcmd is an error");
		ok(strstr(err, "status 3") != NULL, "with its status: %s", err);
		ok(a.secret == NULL, "and no secret");
	}
	config_free(&a);

	if (loads("[acct]\n" ME "secretcmd = echo partial \\; exit 1\n", &a,
	    "cmd printing then failing")) {
		is_int(config_secret(&a, err, sizeof(err)), -1,
		    "output from a failing secretcmd is not used");
		ok(a.secret == NULL, "no secret");
	}
	config_free(&a);

	if (loads("[acct]\n" ME "secretcmd = true\n", &a, "silent cmd")) {
		is_int(config_secret(&a, err, sizeof(err)), -1,
		    "a secretcmd printing nothing is an error");
		ok(strstr(err, "no password") != NULL, "error: %s", err);
	}
	config_free(&a);
}

static void
test_include(void)
{
	struct account a;
	char main_conf[PATH_MAX], other[PATH_MAX], bad[PATH_MAX];
	char want[PATH_MAX + 32];

	/* Relative to the including file, not to the current directory. */
	named("inc-other.conf", "secret = inc-pw ; included\npriority = 7\n",
	    0600, other);
	named("inc-main.conf", "[acct]\n" ME "#include \"inc-other.conf\"\n"
	    "port = 5224\n", 0644, main_conf);
	err[0] = '\0';
	if (ok(config_load(main_conf, "acct", &a, err, sizeof(err)) == 0,
	    "#include \"file\" relative to the including file")) {
		is_str(a.secret, "inc-pw", "the included secret");
		is_int(a.priority, 7, "the included priority");
		is_int(a.port, 5224, "options after the #include still apply");
	} else
		diag("error: %s", err);
	config_free(&a);

	named("inc-angle.conf", "[acct]\n" ME "#include <inc-other.conf>\n",
	    0644, main_conf);
	ok(config_load(main_conf, "acct", &a, err, sizeof(err)) == 0 &&
	    a.priority == 7, "#include <file>");
	config_free(&a);

	named("inc-public.conf", "secret = pw\n", 0644, other);
	named("inc-main2.conf", "[acct]\n" ME "#include \"inc-public.conf\"\n",
	    0600, main_conf);
	is_int(config_load(main_conf, "acct", &a, err, sizeof(err)), -1,
	    "a secret in a public included file is refused");
	ok(strstr(err, "chmod o-rwx") != NULL && strstr(err, other) != NULL,
	    "naming the included file: %s", err);
	config_free(&a);

	named("inc-bad.conf", "\nbogus = 1\n", 0600, bad);
	named("inc-main3.conf", "[acct]\n" ME "secret=pw\n"
	    "#include \"inc-bad.conf\"\n", 0600, main_conf);
	is_int(config_load(main_conf, "acct", &a, err, sizeof(err)), -1,
	    "an unknown option in an included file is refused");
	snprintf(want, sizeof(want), "%s:2: ", bad);
	ok(strncmp(err, want, strlen(want)) == 0 && strstr(err, "bogus"),
	    "reported at the included file's line: %s", err);
	config_free(&a);

	named("inc-main4.conf", "[acct]\n" ME "secret=pw\n"
	    "#include \"inc-nonexistent.conf\"\n", 0600, main_conf);
	is_int(config_load(main_conf, "acct", &a, err, sizeof(err)), -1,
	    "a missing included file is an error");
	ok(strstr(err, "inc-nonexistent.conf") != NULL, "naming it: %s", err);
	config_free(&a);

	named("inc-loop.conf", "[acct]\n" ME "secret=pw\n"
	    "#include \"inc-loop.conf\"\n", 0600, main_conf);
	is_int(config_load(main_conf, "acct", &a, err, sizeof(err)), -1,
	    "an #include loop is an error, not a hang");
	config_free(&a);
}

static void
test_print(void)
{
	struct account a, b;
	char path[PATH_MAX], *out = NULL;
	size_t len = 0;
	FILE *fp;

	if (load(asterisk_conf, 0600, "asterisk", &a, path) != 0) {
		ok(0, "load for config_print: %s", err);
		config_free(&a);
		return;
	}
	fp = open_memstream(&out, &len);
	config_print(&a, fp);
	fclose(fp);
	ok(strstr(out, "s3cr") == NULL && strstr(out, "et pass") == NULL,
	    "config_print does not show the secret");
	ok(strstr(out, "secret = ********\n") != NULL, "it shows ******** instead");
	ok(strstr(out, "username = asterisk@example.com/pbx\n") != NULL,
	    "it shows the username");
	ok(strstr(out, "buddy = carol@example.com\n") != NULL,
	    "it shows the buddies");

	/* What config_print writes reads back the same. */
	mkfile(out, 0600, path);
	if (ok(config_load(path, "asterisk", &b, err, sizeof(err)) == 0,
	    "config_print's output loads")) {
		is_str(b.username, a.username, "same username");
		is_str(b.serverhost, a.serverhost, "same serverhost");
		ok(b.port == a.port && b.priority == a.priority &&
		    b.status == a.status && b.timeout == a.timeout &&
		    b.keepalive == a.keepalive && b.debug == a.debug &&
		    b.autoprune == a.autoprune &&
		    b.autoregister == a.autoregister,
		    "same numbers and flags");
		is_str(b.statusmessage, a.statusmessage, "same statusmessage");
		is_int(b.nbuddies, a.nbuddies, "same buddies");
	} else
		diag("error: %s", err);
	config_free(&b);
	config_free(&a);
	free(out);

	if (loads("[acct]\nusername = me@example.com/desk\nsecret = x\n", &a,
	    "no serverhost, for config_print")) {
		out = NULL;
		fp = open_memstream(&out, &len);
		config_print(&a, fp);
		fclose(fp);
		ok(strstr(out, "; serverhost not set: the DNS SRV records "
		    "_xmpps-client._tcp and _xmpp-client._tcp of example.com, "
		    "else example.com itself\n") != NULL,
		    "no serverhost: the SRV records of the domain, without "
		    "resource");
		ok(strstr(out, "\ndirecttls = ; not set: as the SRV records "
		    "say\n") != NULL, "directtls not set: as DNS says");
		ok(strstr(out, "\ntrust = ca\n") != NULL, "trust = ca");
		free(out);
	}
	config_free(&a);
	if (!loads("[acct]\n" ME "secretcmd = printf 'cmd-pw\\n'\n", &a,
	    "secretcmd for config_print"))
		goto out;
	config_secret(&a, err, sizeof(err));
	out = NULL;
	fp = open_memstream(&out, &len);
	config_print(&a, fp);
	fclose(fp);
	ok(strstr(out, "cmd-pw") == NULL,
	    "config_print hides a secret fetched by secretcmd");
	ok(strstr(out, "secretcmd = ********\n") != NULL,
	    "and masks secretcmd");
	free(out);
out:
	config_free(&a);
}

/* res_xmpp's spellings of status, and empty values (issue 11). */
static void
test_asterisk_values(void)
{
	static const struct {
		const char	*value;
		enum show	 show;
	} st[] = {
		{ "available", SHOW_ONLINE }, { "online", SHOW_ONLINE },
		{ "chat", SHOW_CHAT }, { "chatty", SHOW_CHAT },
		{ "away", SHOW_AWAY }, { "xa", SHOW_XA }, { "xaway", SHOW_XA },
		{ "XAway", SHOW_XA }, { "dnd", SHOW_DND },
		{ "invisible", SHOW_DND }, { "unavailable", SHOW_XA },
	};
	struct account a;
	char conf[256];
	size_t i;

	for (i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
		snprintf(conf, sizeof(conf), "[acct]\n" ME "secret=pw\n"
		    "status=%s\n", st[i].value);
		if (loads(conf, &a, st[i].value))
			is_int(a.status, st[i].show, "status=%s is %s",
			    st[i].value, show_name(st[i].show));
		config_free(&a);
	}
	if (loads("[general]\nkeepalive=\nautoregister=no\n[acct]\n" ME
	    "secret=pw\nport=\nkeepalive=30\nkeepalive=\nautoregister=\n"
	    "priority=\nbuddy=\nusetls=\nstatus=\n", &a,
	    "empty values, as in Asterisk's sample ('keepalive=')")) {
		is_int(a.port, 5222, "port= is the default port");
		is_int(a.keepalive, 60, "keepalive= is the default, 60");
		is_int(a.autoregister, 1, "autoregister= is the default, "
		    "not [general]'s");
		is_int(a.priority, 1, "priority= is 1");
		is_int(a.status, SHOW_ONLINE, "status= is available");
		is_int(a.usetls, 1, "usetls= is yes");
		is_int(a.nbuddies, 0, "buddy= adds nobody");
	}
	config_free(&a);
	fails("[acct]\n" ME "secret=pw\nbuddy = bob\n", 0600, 4,
	    "buddy: no '@'", "a buddy without a node");
	fails("[acct]\n" ME "secret=pw\n[other]\nusername = o@x.com\n"
	    "secret=pw\nbuddy = example.org\n", 0600, 7, "buddy",
	    "a buddy without a node in another section");
	fails("[acct]\n" ME "secret=pw\nsendtodialplan = maybe\nstatus = "
	    "bored\n", 0600, 5, "xaway", "an unknown status lists every "
	    "spelling");
}

/* Bounds: one line, the whole configuration, #include (issue 14 D24). */
static void
test_limits(void)
{
	struct account a;
	char *big, path[PATH_MAX], conf[PATH_MAX + 128], fifo[PATH_MAX];
	size_t n = CONFIG_SIZE_MAX + 100, head, i;
	int p[2];
	pid_t pid;

	big = malloc(n + 1);
	head = strlen("[acct]\n" ME "secret = pw\n");
	memcpy(big, "[acct]\n" ME "secret = pw\n", head);
	memset(big + head, ';', CONFIG_LINE_MAX);	/* a long comment */
	strcpy(big + head + CONFIG_LINE_MAX, "\n");
	ok(load(big, 0600, "acct", &a, path) == 0, "a line of 4096 bytes "
	    "(and its newline) is read: %s", err);
	config_free(&a);
	strcpy(big + head + CONFIG_LINE_MAX, "a\npriority = 3\n");
	fails(big, 0600, 4, "line longer than 4096 bytes", "a line of 4097 "
	    "bytes");
	strcpy(big + head + CONFIG_LINE_MAX, "a");
	fails(big, 0600, 4, "line longer than 4096 bytes", "a last line of "
	    "4097 bytes, without newline");
	memset(big + head, ';', n - head);
	for (i = head + 63; i < n; i += 64)
		big[i] = '\n';
	big[n] = '\0';
	fails(big, 0600, 0, "longer than 1048576 bytes", "a file over 1 MiB");
	free(big);
	fails("[acct]\n" ME "secret = pw\n#include /dev/zero\n", 0600, 4,
	    "not a regular file", "#include /dev/zero");
	snprintf(fifo, sizeof(fifo), "%s/a-fifo", dir);
	if (mkfifo(fifo, 0600) == 0) {
		snprintf(conf, sizeof(conf), "[acct]\n" ME "secret = pw\n"
		    "#include %s\n", fifo);
		fails(conf, 0600, 4, "not a regular file",
		    "#include of a FIFO nobody writes: no wait");
		unlink(fifo);
	} else
		ok(0, "mkfifo %s: %s", fifo, strerror(errno));

	/* A configuration that never ends, as "-c /dev/zero" would be. */
	if (pipe(p) == -1 || (pid = fork()) == -1) {
		ok(0, "pipe or fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		close(p[0]);
		memset(conf, 'a', sizeof(conf));
		while (write(p[1], conf, sizeof(conf)) > 0)
			;
		_exit(0);
	}
	close(p[1]);
	snprintf(path, sizeof(path), "/dev/fd/%d", p[0]);
	is_int(config_load(path, "acct", &a, err, sizeof(err)), -1,
	    "an endless line from a pipe: an error, not a hang");
	ok(strstr(err, ":1: line longer than 4096 bytes") != NULL, "%s", err);
	config_free(&a);
	close(p[0]);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* A NUL byte is refused (load() cannot write one: it uses strlen). */
static void
test_nul(void)
{
	struct account a;
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/nul.conf", dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    write(fd, "[acct]\nsecret = p\0w\n", 20) != 20) {
		ok(0, "write %s", path);
		return;
	}
	close(fd);
	remember(path);
	is_int(config_load(path, "acct", &a, err, sizeof(err)), -1,
	    "a NUL byte in a line is refused");
	ok(strstr(err, "nul.conf:2: a NUL byte") != NULL, "%s", err);
	config_free(&a);
}

/* Who may write the configuration (issue 14 D18). */
static void
test_writers(void)
{
	struct account a;
	char path[PATH_MAX], conf[PATH_MAX + 128];
	struct group *gr;

	fails("[acct]\n" ME "secretcmd = true\n", 0666, 0, "chmod o-w",
	    "a file every user may write (0666)");
	fails("[acct]\n" ME "secretcmd = true\n", 0602, 0, "writable by "
	    "every user", "a file others may write (0602)");
	ok(load("[acct]\n" ME "secretcmd = true\n", 0664, "acct", &a, path)
	    == 0, "a file our own group may write (0664): %s", err);
	config_free(&a);
	named("inc-open.conf", "priority = 3\n", 0646, path);
	snprintf(conf, sizeof(conf), "[acct]\n" ME "secretcmd = true\n"
	    "#include %s\n", path);
	fails(conf, 0600, 0, "inc-open.conf is writable by every user",
	    "an included file every user may write");
	if (geteuid() != 0 || (gr = getgrnam("daemon")) == NULL ||
	    gr->gr_gid == getegid()) {
		ok(1, "# SKIP as root only, with a group 'daemon'");
		return;
	}
	named("group-writable.conf", "[acct]\n" ME "secretcmd = true\n",
	    0620, path);
	if (chown(path, (uid_t)-1, gr->gr_gid) == -1) {
		ok(0, "chown %s: %s", path, strerror(errno));
		return;
	}
	is_int(config_load(path, "acct", &a, err, sizeof(err)), -1,
	    "a file another group may write (0620, group daemon)");
	ok(strstr(err, "writable by group daemon") != NULL &&
	    strstr(err, "chmod g-w") != NULL, "naming it: %s", err);
	config_free(&a);
}

/* A password readable by a group not ours: the advice (issue 11 item 4). */
static void
test_group_advice(void)
{
	struct account a;
	char path[PATH_MAX], me[64];
	struct passwd *pw;
	struct group *gr;

	if (geteuid() != 0 || (gr = getgrnam("daemon")) == NULL ||
	    (pw = getpwnam("daemon")) == NULL || gr->gr_gid == getegid()) {
		ok(1, "# SKIP as root only, with a user and group 'daemon'");
		return;
	}
	snprintf(me, sizeof(me), "%s", getpwuid(geteuid())->pw_name);
	named("grp.conf", "[acct]\n" ME "secret = pw\n", 0640, path);
	if (chown(path, (uid_t)-1, gr->gr_gid) == -1) {
		ok(0, "chown %s: %s", path, strerror(errno));
		return;
	}
	is_int(config_load(path, "acct", &a, err, sizeof(err)), -1,
	    "a password readable by group daemon, xmppd running as %s", me);
	ok(strstr(err, "readable by group daemon (mode 0640)") != NULL,
	    "it is the group, not others: %s", err);
	ok(strstr(err, "xmppd runs as user root, group root") != NULL,
	    "it names the user and group xmppd runs as");
	ok(strstr(err, "run xmppd as a user whose group is daemon") != NULL &&
	    strstr(err, "'chgrp root ") != NULL, "it offers both fixes");
	ok(strstr(err, "chmod 600") == NULL && strstr(err, "chmod o-rwx") ==
	    NULL, "and no chmod that would lock the group out");
	config_free(&a);
	if (chown(path, pw->pw_uid, gr->gr_gid) == -1) {
		ok(0, "chown %s: %s", path, strerror(errno));
		return;
	}
	is_int(config_load(path, "acct", &a, err, sizeof(err)), -1,
	    "the same, owned by user daemon");
	ok(strstr(err, "perhaps its owner, daemon") != NULL, "%s", err);
	config_free(&a);
	chmod(path, 0644);
	is_int(config_load(path, "acct", &a, err, sizeof(err)), -1,
	    "the same, readable by every user");
	ok(strstr(err, "every user and by group daemon") != NULL &&
	    strstr(err, "chmod o-rwx") != NULL, "%s", err);
	config_free(&a);
}

/* No message repeats a line or a command that may hold a password. */
static void
test_no_echo(void)
{
	static const char *typos[] = {
		"secret: hunter2xyz\n", "secret hunter2xyz\n",
		"secret hunter2xyz = x\n", "secretz: hunter2xyz = x\n",
		"hunter2xyz\n",
	};
	struct account a;
	char conf[256], path[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(typos) / sizeof(typos[0]); i++) {
		snprintf(conf, sizeof(conf), "[acct]\n" ME "%s", typos[i]);
		is_int(load(conf, 0600, "acct", &a, path), -1, "refused: %.*s",
		    (int)strcspn(typos[i], "\n"), typos[i]);
		ok(strstr(err, ":3: ") != NULL &&
		    strstr(err, "hunter2") == NULL, "the error names the line, "
		    "not what it holds: %s", err);
		config_free(&a);
	}
	fails("[acct]\n" ME "secret: hunter2xyz\n", 0600, 3, "'secret' "
	    "without '='", "a typo near a known option name says which");
	fails("secret hunter2xyz = 1\n[acct]\n" ME, 0600, 1, "outside",
	    "outside any section, the name is not shown either");
	ok(strstr(err, "hunter2") == NULL, "%s", err);
	if (loads("[acct]\n" ME "secretcmd = openssl enc -d -pass "
	    "pass:hunter2xyz >/dev/null 2>&1 \\; exit 3\n", &a, "a secretcmd "
	    "with a passphrase in it")) {
		is_int(config_secret(&a, err, sizeof(err)), -1, "it fails");
		ok(strstr(err, "hunter2") == NULL && strstr(err, "openssl") ==
		    NULL, "the error does not show the command: %s", err);
		ok(strstr(err, ":3: secretcmd failed: exit status 3") != NULL,
		    "it names the line and the exit status");
	}
	config_free(&a);
}

/* The files the account names, checked when it is read (issue 11 item 3). */
static void
test_paths(void)
{
	static const char pem[] = "-----BEGIN CERTIFICATE-----\nMIIB\n"
	    "-----END CERTIFICATE-----\n";
	struct account a;
	char ca[PATH_MAX], notpem[PATH_MAX], hook[PATH_MAX], text[PATH_MAX];
	char conf[4 * PATH_MAX];

	named("ca.pem", pem, 0644, ca);
	named("notpem.der", "\x30\x82\x01\x0a", 0644, notpem);
	named("hook.sh", "#!/bin/sh\n", 0755, hook);
	named("hook.txt", "#!/bin/sh\n", 0644, text);
	snprintf(conf, sizeof(conf), "[acct]\n" ME "secret=pw\ncafile = %s\n"
	    "capath = %s\nhook = %s\nlogfile = %s/xmppd.log\n", ca, dir, hook,
	    dir);
	if (loads(conf, &a, "cafile, capath, hook and logfile that are fine"))
		ok(a.cafile && a.capath && a.hook && a.logfile, "all four set");
	config_free(&a);
	snprintf(conf, sizeof(conf), "[acct]\n" ME "secret=pw\n"
	    "cafile = %s/nosuch.pem\n", dir);
	fails(conf, 0600, 4, "cafile", "a missing cafile");
	ok(strstr(err, "nosuch.pem: no such file") != NULL, "%s", err);
	snprintf(conf, sizeof(conf), "[acct]\n" ME "secret=pw\ncafile = %s\n",
	    dir);
	fails(conf, 0600, 4, "a folder, not a file", "cafile is a folder");
	snprintf(conf, sizeof(conf), "[acct]\n" ME "secret=pw\ncafile = %s\n",
	    notpem);
	fails(conf, 0600, 4, "PEM", "cafile holds no PEM certificate");
	snprintf(conf, sizeof(conf), "[acct]\n" ME "secret=pw\ncapath = %s\n",
	    ca);
	fails(conf, 0600, 4, "capath", "capath is a file");
	ok(strstr(err, "not a folder") != NULL, "%s", err);
	snprintf(conf, sizeof(conf), "[acct]\n" ME "secret=pw\n"
	    "capath = %s/nosuch\n", dir);
	fails(conf, 0600, 4, "no such file", "a missing capath");
	fails("[acct]\n" ME "secret=pw\nhook = bin/hook\n", 0600, 4,
	    "absolute", "a relative hook");
	snprintf(conf, sizeof(conf), "[acct]\n" ME "secret=pw\nhook = %s\n",
	    text);
	fails(conf, 0600, 4, "not executable by user", "a hook without x bit");
	snprintf(conf, sizeof(conf), "[acct]\n" ME "secret=pw\nhook = %s\n",
	    dir);
	fails(conf, 0600, 4, "not a regular file", "a hook that is a folder");
	snprintf(conf, sizeof(conf), "[acct]\n" ME "secret=pw\nhook = %s/no\n",
	    dir);
	fails(conf, 0600, 4, "no such file", "a missing hook");
	fails("[acct]\n" ME "secret=pw\nlogfile = xmppd.log\n", 0600, 4,
	    "absolute", "a relative logfile");
	snprintf(conf, sizeof(conf), "[acct]\n" ME "secret=pw\n"
	    "logfile = %s/nosuch/xmppd.log\n", dir);
	fails(conf, 0600, 4, "does not exist", "a logfile in no folder");
	snprintf(conf, sizeof(conf), "[acct]\n" ME "secret=pw\n[other]\n"
	    "username = o@x.com\nsecret=pw\ncafile = %s/nosuch.pem\n", dir);
	if (loads(conf, &a, "another account's missing cafile is its own "
	    "business (it may run as another user)"))
		ok(a.cafile == NULL, "ours has none");
	config_free(&a);
	snprintf(conf, sizeof(conf), "[general]\ncafile = %s/nosuch.pem\n"
	    "[acct]\n" ME "secret=pw\n", dir);
	fails(conf, 0600, 2, "cafile", "a missing cafile from [general] is "
	    "reported at its line");
	if (geteuid() != 0) {
		chmod(ca, 0);
		snprintf(conf, sizeof(conf), "[acct]\n" ME "secret=pw\n"
		    "cafile = %s\n", ca);
		fails(conf, 0600, 4, "not readable by user", "an unreadable "
		    "cafile");
		chmod(ca, 0644);
	} else
		ok(1, "# SKIP an unreadable cafile: root reads everything");
}

static int stop_pipe[2] = { -1, -1 };
static char stop_when[PATH_MAX];

/* A stop() for config_secret_stop(): true once stop_when exists. */
static int
stop_once_started(void)
{
	ssize_t n;

	if (access(stop_when, F_OK) == 0)
		return 1;
	n = write(stop_pipe[1], "", 1);	/* look again at once */
	(void)n;
	return 0;
}

/* Gone, or a zombie nobody reaped yet (its parent was killed too). */
static int
dead(pid_t pid)
{
	char path[64], state = '?', buf[512], *p;
	int fd, tries;
	ssize_t n;

	for (tries = 0; tries < 200; tries++) {
		snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
		if ((fd = open(path, O_RDONLY)) == -1)
			return 1;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		if ((p = strrchr(buf, ')')) != NULL && p[1] == ' ')
			state = p[2];
		if (state == 'Z' || state == 'X')
			return 1;
		usleep(10000);	/* SIGKILL was sent: it is on its way */
	}
	return 0;
}

static long
read_pid(const char *path)
{
	FILE *fp = fopen(path, "r");
	long pid = 0;

	if (fp != NULL) {
		if (fscanf(fp, "%ld", &pid) != 1)
			pid = 0;
		fclose(fp);
	}
	return pid;
}

/* secretcmd's limits: its first line, and a stop from the daemon (D9). */
static void
test_secretcmd_limits(void)
{
	struct account a;
	char conf[3 * PATH_MAX], sf[PATH_MAX], *big;
	long pid;

	if (loads("[acct]\n" ME "secretcmd = head -c 10000000 /dev/zero | "
	    "tr '\\\\0' a\n", &a, "a secretcmd printing 10 MB on one line")) {
		is_int(config_secret(&a, err, sizeof(err)), -1, "refused");
		ok(strstr(err, "first line longer than 4096 bytes") != NULL,
		    "%s", err);
	}
	config_free(&a);
	if (loads("[acct]\n" ME "secretcmd = printf '%4096s\\n' x\n", &a,
	    "a first line of exactly 4096 bytes"))
		ok(config_secret(&a, err, sizeof(err)) == 0 &&
		    strlen(a.secret) == 4096, "is a password (%s)", err);
	config_free(&a);
	if (loads("[acct]\n" ME "secretcmd = no-such-command-here\n", &a,
	    "a secretcmd the shell cannot find")) {
		is_int(config_secret(&a, err, sizeof(err)), -1, "refused");
		ok(strstr(err, "exit status 127 (the shell found no such "
		    "command)") != NULL, "%s", err);
	}
	config_free(&a);
	if (loads("[acct]\n" ME "secretcmd = kill -9 $$\n", &a,
	    "a secretcmd killed by a signal")) {
		is_int(config_secret(&a, err, sizeof(err)), -1, "refused");
		ok(strstr(err, "killed by signal 9") != NULL, "%s", err);
	}
	config_free(&a);

	big = malloc(5000);
	memset(big, 'p', 4999);
	big[4999] = '\0';
	named("secret-big", big, 0600, sf);
	free(big);
	snprintf(conf, sizeof(conf), "[acct]\n" ME "secretfile = %s\n", sf);
	if (loads(conf, &a, "a secretfile of one 5000-byte line")) {
		is_int(config_secret(&a, err, sizeof(err)), -1, "refused");
		ok(strstr(err, "longer than 4096 bytes") != NULL, "%s", err);
	}
	config_free(&a);

	/* SIGTERM during the wait: main.c's stop() says so. */
	if (pipe2(stop_pipe, O_NONBLOCK | O_CLOEXEC) == -1) {
		ok(0, "pipe: %s", strerror(errno));
		return;
	}
	snprintf(stop_when, sizeof(stop_when), "%s/secretcmd.pid", dir);
	remember(stop_when);
	snprintf(conf, sizeof(conf), "[acct]\n" ME "secretcmd = sleep 100 & "
	    "echo $! >%s.new && mv %s.new %s; wait\n", stop_when, stop_when,
	    stop_when);
	config_secret_stop(stop_pipe[0], stop_once_started);
	if (loads(conf, &a, "a secretcmd that hangs, in the background")) {
		is_int(config_secret(&a, err, sizeof(err)), -1, "stopped");
		ok(strstr(err, "xmppd is stopping") != NULL, "%s", err);
		pid = read_pid(stop_when);
		ok(pid > 0 && dead((pid_t)pid), "its background sleep %ld was "
		    "killed with its process group", pid);
	}
	config_free(&a);
	config_secret_stop(-1, NULL);
	close(stop_pipe[0]);
	close(stop_pipe[1]);
}

/* An error message must fit the caller's buffer, however long the path. */
#define PIN_A	"2b:7e:15:16:28:ae:d2:a6:ab:f7:15:88:09:cf:4f:3c:" \
		"2b:7e:15:16:28:ae:d2:a6:ab:f7:15:88:09:cf:4f:3c"
#define PIN_B	"000102030405060708090a0b0c0d0e0f" \
		"101112131415161718191A1B1C1D1E1F"

/* directtls, forceoldssl, fingerprint, trust. */
static void
test_reach(void)
{
	struct account a, b;
	char path[PATH_MAX], *out = NULL;
	size_t len;
	FILE *fp;

	if (loads("[acct]\n" ME "secret=pw\n", &a, "defaults of reach")) {
		is_int(a.directtls, -1, "directtls is not set by default");
		is_int(a.trust, TRUST_CA, "trust = ca without a fingerprint");
		is_int(a.npins, 0, "no fingerprint");
		is_int(a.port, 5222, "port 5222");
	}
	config_free(&a);
	if (loads("[acct]\n" ME "secret=pw\ndirecttls = yes\n", &a,
	    "directtls = yes"))
		ok(a.directtls == 1 && a.port == 5223,
		    "direct TLS, on port 5223 by default");
	config_free(&a);
	if (loads("[acct]\n" ME "secret=pw\nport=443\ndirecttls = yes\n",
	    &a, "directtls = yes, port 443"))
		is_int(a.port, 443, "a port given stays");
	config_free(&a);
	if (loads("[acct]\n" ME "secret=pw\ndirecttls = no\n", &a,
	    "directtls = no"))
		ok(a.directtls == 0 && a.port == 5222, "STARTTLS on 5222");
	config_free(&a);
	if (loads("[acct]\n" ME "secret=pw\nforceoldssl = yes\n", &a,
	    "forceoldssl = yes"))
		ok(a.directtls == 1 && a.port == 5223,
		    "Asterisk's forceoldssl = yes is directtls = yes");
	config_free(&a);
	if (loads("[acct]\n" ME "secret=pw\nforceoldssl = no\n", &a,
	    "forceoldssl = no"))
		is_int(a.directtls, -1, "forceoldssl = no changes nothing");
	config_free(&a);
	fails("[acct]\n" ME "secret=pw\ndirecttls = maybe\n", 0600, 4,
	    "directtls: expected yes or no", "directtls = maybe");
	fails("[acct]\n" ME "secret=pw\nforceoldssl = 2\n", 0600, 4,
	    "forceoldssl: expected yes or no", "forceoldssl = 2");

	if (loads("[acct]\n" ME "secret=pw\nfingerprint = " PIN_A ", "
	    PIN_B "\n", &a, "two fingerprints")) {
		ok(a.npins == 2 && a.pins[0][0] == 0x2b && a.pins[0][31] ==
		    0x3c && a.pins[1][0] == 0 && a.pins[1][31] == 0x1f,
		    "both read, with colons or without, any case");
		is_int(a.trust, TRUST_BOTH, "trust = both with a fingerprint");
	}
	config_free(&a);
	if (loads("[acct]\n" ME "secret=pw\nfingerprint = " PIN_B
	    "\ntrust = fingerprint\n", &a, "trust = fingerprint"))
		is_int(a.trust, TRUST_FINGERPRINT, "trust = fingerprint");
	config_free(&a);
	fails("[acct]\n" ME "secret=pw\nfingerprint = 2b:7e:15\n", 0600, 4,
	    "fingerprint: expected the SHA-256 of the server's certificate or "
	    "of its public key, 64 hex digits (colons allowed), not '2b:7e:15'",
	    "a short fingerprint");
	fails("[acct]\n" ME "secret=pw\nfingerprint = " PIN_B "00\n", 0600,
	    4, "64 hex digits", "a long fingerprint");
	fails("[acct]\n" ME "secret=pw\nfingerprint = sha256:" PIN_B "\n",
	    0600, 4, "64 hex digits", "a fingerprint with a word before");
	fails("[acct]\n" ME "secret=pw\ntrust = fingerprint\n", 0600, 4,
	    "trust = fingerprint needs the server's fingerprint",
	    "trust = fingerprint without one");
	fails("[acct]\n" ME "secret=pw\nfingerprint = " PIN_B "\n"
	    "trust = ca\n", 0600, 5, "trust = ca would ignore the fingerprint",
	    "trust = ca with a fingerprint");
	fails("[acct]\n" ME "secret=pw\ntrust = none\n", 0600, 4,
	    "trust: expected ca, fingerprint or both, not 'none'",
	    "trust = none");
	fails("[general]\ntrust = both\n[acct]\n" ME "secret=pw\n", 0600, 2,
	    "needs the server's fingerprint", "trust in [general] is checked");
	if (loads("[general]\nfingerprint = " PIN_A "\n[acct]\n" ME
	    "secret=pw\nfingerprint =\n", &a, "an empty fingerprint"))
		ok(a.npins == 0 && a.trust == TRUST_CA,
		    "an empty fingerprint unsets [general]'s");
	config_free(&a);

	/* xmppd -n's output reads back the same. */
	if (!loads("[acct]\n" ME "secret=pw\nserverhost = xmpp.example.com\n"
	    "directtls = yes\nfingerprint = " PIN_A " " PIN_B "\n"
	    "trust = fingerprint\n", &a, "reach options for config_print"))
		return;
	fp = open_memstream(&out, &len);
	config_print(&a, fp);
	fclose(fp);
	ok(strstr(out, "\nport = 5223\ndirecttls = yes\n") != NULL,
	    "config_print: port 5223, directtls = yes");
	ok(strstr(out, "\ntrust = fingerprint\nfingerprint = 2B:7E:15:16:28:"
	    "AE:D2:A6:AB:F7:15:88:09:CF:4F:3C:2B:7E:15:16:28:AE:D2:A6:AB:F7:15:"
	    "88:09:CF:4F:3C, 00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:"
	    "10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F\n") != NULL,
	    "config_print: trust and the fingerprints, in pairs");
	mkfile(out, 0600, path);
	if (ok(config_load(path, "acct", &b, err, sizeof(err)) == 0,
	    "it loads")) {
		ok(b.directtls == 1 && b.port == 5223 &&
		    b.trust == TRUST_FINGERPRINT && b.npins == 2 &&
		    memcmp(a.pins, b.pins, 2 * PIN_LEN) == 0,
		    "same directtls, port, trust and fingerprints");
	} else
		diag("error: %s", err);
	config_free(&b);
	config_free(&a);
	free(out);
}

static void
test_long_path(void)
{
	struct {
		char err[32];
		char canary[8192];
	} e;
	struct account a;
	char name[200], path[PATH_MAX];
	size_t i;
	int intact = 1;

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	named(name, "[acct]\nno equals sign\n", 0600, path);
	memset(&e, 'Z', sizeof(e));
	is_int(config_load(path, "acct", &a, e.err, sizeof(e.err)), -1,
	    "an error in a file with a long name");
	ok(memchr(e.err, '\0', sizeof(e.err)) != NULL,
	    "the message is cut to the buffer");
	for (i = 0; i < sizeof(e.canary); i++)
		if (e.canary[i] != 'Z')
			intact = 0;
	ok(intact, "nothing is written past the error buffer");
	config_free(&a);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	int i;

	log_init("test-config", 0);
	snprintf(dir, sizeof(dir), "%s/test-config-XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror(dir);
		return 1;
	}
	test_asterisk();
	test_defaults();
	test_errors();
	test_modes();
	test_secret_sources();
	test_include();
	test_print();
	test_reach();
	test_long_path();
	test_asterisk_values();
	test_limits();
	test_nul();
	test_writers();
	test_group_advice();
	test_no_echo();
	test_paths();
	test_secretcmd_limits();
	for (i = 0; i < nfiles; i++) {
		if (unlink(files[i]) == -1 && errno != ENOENT)
			diag("unlink %s: %s", files[i], strerror(errno));
		free(files[i]);
	}
	if (rmdir(dir) == -1)
		diag("rmdir %s: %s", dir, strerror(errno));
	return done_testing();
}
