/*
 * config.c: reads Asterisk's xmpp.conf format.
 *
 * The file is read into a list of entries first, then [general] is applied
 * as defaults and the account's section over it.  Every section is checked,
 * so `xmppd -n` reports a typo anywhere in the file, with file and line.
 * Options that only make sense inside Asterisk are accepted with a warning
 * so that an unmodified /etc/asterisk/xmpp.conf works.
 *
 * The file decides which commands the daemon runs (secretcmd, hook), often
 * as root, and may hold the password: a file others may write is refused,
 * one others may read is refused when it holds a secret, and no message
 * ever repeats a line or a value that may be (part of) a password.  Lines
 * and files are bounded, so "#include /dev/zero" is an error, not a hang.
 *
 * The files the served account names (cafile, capath, secretfile, hook,
 * logfile) are checked here (with filecheck.c), at start, with -n and on
 * SIGHUP alike, so a missing CA file is named as such instead of surfacing
 * as a TLS failure.  config_secret() then fetches the password (secret.c).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filecheck.h"
#include "jid.h"
#include "log.h"
#include "secret.h"
#include "sockdir.h"
#include "text.h"
#include "util.h"

#define INCLUDE_DEPTH_MAX	8

enum otype { O_STR, O_TEXT, O_BOOL, O_PORT, O_PRIO, O_TIMEOUT, O_LIFETIME,
	O_SHOW, O_HOOKMAX, O_BUDDY, O_KEEPALIVE, O_JID, O_TLS, O_ASTERISK,
	O_DIALPLAN, O_DIRECTTLS, O_OLDSSL, O_TRUST, O_PINS };

/*
 * Options whose value names a file checked once the account is known, and
 * options checked together once the section is read (trust, fingerprint).
 */
enum check { CK_NONE, CK_CAFILE, CK_CAPATH, CK_SECRETFILE, CK_SECRETCMD,
	CK_HOOK, CK_LOGFILE, CK_TRUST, CK_PINS, CK_COUNT };

struct optdef {
	const char	*name;
	enum otype	 type;
	size_t		 off;
	enum check	 check;
};

#define F(x) offsetof(struct account, x)
static const struct optdef optdefs[] = {
	{ "username",		O_JID,		F(username),	CK_NONE },
	{ "secret",		O_STR,		F(secret),	CK_NONE },
	{ "secretfile",		O_STR,		F(secretfile),	CK_SECRETFILE },
	{ "secretcmd",		O_STR,		F(secretcmd),	CK_SECRETCMD },
	{ "serverhost",		O_STR,		F(serverhost),	CK_NONE },
	{ "port",		O_PORT,		F(port),	CK_NONE },
	{ "directtls",		O_DIRECTTLS,	F(directtls),	CK_NONE },
	{ "fingerprint",	O_PINS,		0,		CK_PINS },
	{ "trust",		O_TRUST,	F(trust),	CK_TRUST },
	{ "usetls",		O_TLS,		F(usetls),	CK_NONE },
	{ "usesasl",		O_BOOL,		F(usesasl),	CK_NONE },
	{ "priority",		O_PRIO,		F(priority),	CK_NONE },
	{ "status",		O_SHOW,		F(status),	CK_NONE },
	{ "statusmessage",	O_TEXT,		F(statusmessage), CK_NONE },
	{ "buddy",		O_BUDDY,	0,		CK_NONE },
	{ "autoregister",	O_BOOL,		F(autoregister), CK_NONE },
	{ "autoprune",		O_BOOL,		F(autoprune),	CK_NONE },
	{ "timeout",		O_TIMEOUT,	F(timeout),	CK_NONE },
	{ "keepalive",		O_KEEPALIVE,	F(keepalive),	CK_NONE },
	{ "lifetime",		O_LIFETIME,	F(lifetime),	CK_NONE },
	{ "spoolsync",		O_BOOL,		F(spoolsync),	CK_NONE },
	{ "debug",		O_BOOL,		F(debug),	CK_NONE },
	{ "cafile",		O_STR,		F(cafile),	CK_CAFILE },
	{ "capath",		O_STR,		F(capath),	CK_CAPATH },
	{ "socketgroup",	O_STR,		F(socketgroup),	CK_NONE },
	{ "hook",		O_STR,		F(hook),	CK_HOOK },
	{ "hookmax",		O_HOOKMAX,	F(hookmax),	CK_NONE },
	{ "hooktimeout",	O_TIMEOUT,	F(hooktimeout),	CK_NONE },
	{ "logfile",		O_STR,		F(logfile),	CK_LOGFILE },
	/* Asterisk's own options, parsed there and meaningless here. */
	{ "type",		O_ASTERISK,	0,		CK_NONE },
	/* Asterisk's old SSL (TLS from the first byte): directtls = yes. */
	{ "forceoldssl",	O_OLDSSL,	0,		CK_NONE },
	{ "collection_nodes",	O_ASTERISK,	0,		CK_NONE },
	{ "pubsub_autocreate",	O_ASTERISK,	0,		CK_NONE },
	{ "auth_policy",	O_ASTERISK,	0,		CK_NONE },
	{ "distribute_events",	O_ASTERISK,	0,		CK_NONE },
	{ "pubsub_node",	O_ASTERISK,	0,		CK_NONE },
	{ "refresh_token",	O_ASTERISK,	0,		CK_NONE },
	{ "oauth_clientid",	O_ASTERISK,	0,		CK_NONE },
	{ "oauth_secret",	O_ASTERISK,	0,		CK_NONE },
	/* What Asterisk did with incoming messages; hook does it here. */
	{ "sendtodialplan",	O_DIALPLAN,	0,		CK_NONE },
	{ "context",		O_DIALPLAN,	0,		CK_NONE },
};
#undef F

/* Every spelling of status that res_xmpp takes, and what it means here. */
static const struct {
	const char	*name;
	enum show	 show;
	const char	*why;	/* set: not what the word says, warned about */
} show_spellings[] = {
	{ "available",	SHOW_ONLINE,	NULL },
	{ "online",	SHOW_ONLINE,	NULL },
	{ "chat",	SHOW_CHAT,	NULL },
	{ "chatty",	SHOW_CHAT,	NULL },
	{ "away",	SHOW_AWAY,	NULL },
	{ "xa",		SHOW_XA,	NULL },
	{ "xaway",	SHOW_XA,	NULL },
	{ "dnd",	SHOW_DND,	NULL },
	{ "invisible",	SHOW_DND,	"XMPP has no invisible presence, and "
	    "res_xmpp sends dnd for it too" },
	{ "unavailable", SHOW_XA,	"an account that shows itself offline "
	    "gets neither messages nor presence from its server" },
};
#define NSPELLINGS (sizeof(show_spellings) / sizeof(show_spellings[0]))

struct entry {
	int	 section;	/* index into sections, -1 for none */
	char	*key;
	char	*value;
	char	*file;
	int	 line;
};

struct parse {
	struct entry	*entries;
	size_t		 nentries;
	char		**sections;	/* section names */
	int		*section_lines;
	size_t		 nsections;
	size_t		 total;		/* bytes read from all files */
	char		*err;
	size_t		 errlen;
	int		 warned_asterisk;
	int		 warned_dialplan;
	unsigned	 warned_status;	/* one bit per show_spellings[] */
	/* Which entry last set each checked option (of the current section). */
	const struct entry *at[CK_COUNT];
};

/* One file being read: a line at most CONFIG_LINE_MAX bytes long. */
struct reader {
	int		 fd;
	const char	*file;
	int		 lineno;
	int		 eof;
	size_t		 start, end;	/* unread bytes: buf[start..end) */
	char		 buf[CONFIG_LINE_MAX + 2];
};

static const char *show_names[] = { NULL, "available", "chat", "away", "xa",
	"dnd" };

const char *
show_name(enum show s)
{
	return show_names[s];
}

int
config_find(const char *opt, char *out, size_t len)
{
	const char *env;

	if (opt != NULL) {
		snprintf(out, len, "%s", opt);
		return 0;
	}
	if ((env = getenv("XMPPD_CONFIG")) != NULL && *env != '\0') {
		snprintf(out, len, "%s", env);
		return 0;
	}
	if ((env = getenv("XDG_CONFIG_HOME")) != NULL && *env == '/')
		snprintf(out, len, "%s/xmppd/xmppd.conf", env);
	else
		snprintf(out, len, "%s/.config/xmppd/xmppd.conf", home_dir());
	if (access(out, F_OK) == 0)
		return 0;
	snprintf(out, len, "/etc/xmppd/xmppd.conf");
	return access(out, F_OK) == 0 ? 0 : -1;
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Cuts a ';' comment off, turning "\;" into a literal ';' as Asterisk does. */
static void
strip_comment(char *s)
{
	char *r, *w;

	for (r = w = s; *r; r++) {
		if (r[0] == '\\' && r[1] == ';') {
			*w++ = ';';
			r++;
		} else if (*r == ';')
			break;
		else
			*w++ = *r;
	}
	*w = '\0';
}

static int
perr(struct parse *p, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
perr(struct parse *p, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(p->err, p->errlen, "%s:%d: ", file, line);
	if (n < 0 || (size_t)n >= p->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}


/*
 * Sets *line to the next line of r (newline cut, NUL-terminated) and
 * returns 1; 0 at the end of the file; -1 with the error in p.  A line
 * longer than CONFIG_LINE_MAX, a NUL byte, or more than CONFIG_SIZE_MAX
 * bytes over all files is an error, so memory stays bounded.
 */
static int
reader_line(struct parse *p, struct reader *r, char **line)
{
	char *nl;
	ssize_t n;

	for (;;) {
		nl = memchr(r->buf + r->start, '\n', r->end - r->start);
		if (nl == NULL && r->eof && r->end > r->start)
			nl = r->buf + r->end;	/* a last line without '\n' */
		if (nl != NULL) {
			r->lineno++;
			if ((size_t)(nl - (r->buf + r->start)) > CONFIG_LINE_MAX)
				break;
			*nl = '\0';
			*line = r->buf + r->start;
			r->start = (size_t)(nl - r->buf) + 1;
			if (r->start > r->end)
				r->start = r->end;
			if (strlen(*line) != (size_t)(nl - *line))
				return perr(p, r->file, r->lineno, "a NUL byte: "
				    "this is not a text file");
			return 1;
		}
		if (r->eof)
			return 0;
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
		if (r->end > CONFIG_LINE_MAX) {
			r->lineno++;
			break;
		}
		n = read(r->fd, r->buf + r->end, sizeof(r->buf) - 1 - r->end);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return perr(p, r->file, r->lineno + 1, "%s",
			    strerror(errno));
		if (n == 0)
			r->eof = 1;
		r->end += (size_t)n;
		if ((p->total += (size_t)n) > CONFIG_SIZE_MAX)
			return perr(p, r->file, r->lineno + 1, "the "
			    "configuration, with the files it includes, is "
			    "longer than %d bytes", CONFIG_SIZE_MAX);
	}
	return perr(p, r->file, r->lineno, "line longer than %d bytes",
	    CONFIG_LINE_MAX);
}

/* A plain option name: letters, digits, '_' or '-', and not too long. */
static int
plain_name(const char *s, size_t n)
{
	return n > 0 && n <= 32 && strspn(s,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
	    >= n;
}

static const struct optdef *
optdef_find(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(optdefs) / sizeof(optdefs[0]); i++)
		if (strlen(optdefs[i].name) == n &&
		    strncasecmp(optdefs[i].name, name, n) == 0)
			return &optdefs[i];
	return NULL;
}

/*
 * A line without '=', such as "secret: pw": the line itself may hold the
 * password, so only a known option name at its start is repeated.
 */
static int
no_equals(struct parse *p, const char *file, int lineno, const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
	const struct optdef *d = optdef_find(s, n);

	if (d != NULL)
		return perr(p, file, lineno, "'%s' without '=': write '%s = "
		    "VALUE' (the line is not shown: it may hold a password)",
		    d->name, d->name);
	return perr(p, file, lineno, "expected 'option = value' (the line is "
	    "not shown: it may hold a password)");
}

static int parse_file(struct parse *, const char *, int, const char *, int);

static int
parse_include(struct parse *p, const char *file, int lineno, char *s,
    int depth)
{
	char inc[PATH_MAX];
	const char *slash;
	int n;

	s = trim(s);
	if (*s == '"' || *s == '<') {
		s++;
		s[strcspn(s, "\">")] = '\0';
	}
	if (*s == '\0')
		return perr(p, file, lineno, "#include without a file name");
	if (*s == '/' || (slash = strrchr(file, '/')) == NULL)
		n = snprintf(inc, sizeof(inc), "%s", s);
	else
		n = snprintf(inc, sizeof(inc), "%.*s/%s", (int)(slash - file),
		    file, s);
	if (n < 0 || (size_t)n >= sizeof(inc))
		return perr(p, file, lineno, "#include: file name too long");
	if (depth >= INCLUDE_DEPTH_MAX)
		return perr(p, file, lineno, "#include nested too deeply (more "
		    "than %d)", INCLUDE_DEPTH_MAX);
	return parse_file(p, inc, depth + 1, file, lineno);
}

static int
parse_section(struct parse *p, const char *file, int lineno, char *s)
{
	char *end;
	size_t i;

	if ((end = strchr(s, ']')) == NULL)
		return perr(p, file, lineno, "missing ']' in section header");
	if (*trim(end + 1) != '\0')
		return perr(p, file, lineno, "templates ('[name](...)') "
		    "are not supported");
	*end = '\0';
	s = trim(s + 1);
	if (*s == '\0')
		return perr(p, file, lineno, "empty section name");
	for (i = 0; i < p->nsections; i++)
		if (strcasecmp(p->sections[i], s) == 0)
			return perr(p, file, lineno, "duplicate section "
			    "[%s] (first at line %d)", s, p->section_lines[i]);
	p->sections = xreallocarray(p->sections, p->nsections + 1,
	    sizeof(*p->sections));
	p->section_lines = xreallocarray(p->section_lines,
	    p->nsections + 1, sizeof(*p->section_lines));
	p->sections[p->nsections] = xstrdup(s);
	p->section_lines[p->nsections++] = lineno;
	return 0;
}

static int
parse_line(struct parse *p, const char *file, int lineno, char *line,
    int depth)
{
	char *s, *eq, *key, *value;
	struct entry *e;

	s = line + strspn(line, " \t");
	if (strncmp(s, "#include", 8) == 0)
		return parse_include(p, file, lineno, s + 8, depth);
	strip_comment(line);
	s = trim(line);
	if (*s == '\0')
		return 0;
	if (*s == '[')
		return parse_section(p, file, lineno, s);
	if ((eq = strchr(s, '=')) == NULL)
		return no_equals(p, file, lineno, s);
	*eq = '\0';
	key = trim(s);
	value = eq[1] == '>' ? eq + 2 : eq + 1;
	value = trim(value);
	if (*key == '\0')
		return perr(p, file, lineno, "missing option name before '='");
	if (p->nsections == 0)
		return plain_name(key, strlen(key)) ?
		    perr(p, file, lineno, "option '%s' outside of any "
		    "[section]", key) :
		    perr(p, file, lineno, "option outside of any [section]");
	p->entries = xreallocarray(p->entries, p->nentries + 1,
	    sizeof(*p->entries));
	e = &p->entries[p->nentries++];
	e->section = (int)p->nsections - 1;
	e->key = xstrdup(key);
	e->value = xstrdup(value);
	e->file = xstrdup(file);
	e->line = lineno;
	return 0;
}

/*
 * Opens a configuration file (from:fromline is the #include naming it, or
 * NULL) and checks who may write it and its size.  An included file must
 * be a regular file: it is opened without waiting, so a FIFO cannot stall
 * a SIGHUP either.  Returns the descriptor, or -1 with the error in p.
 */
static int
open_conf(struct parse *p, const char *file, const char *from, int fromline,
    struct stat *st)
{
	char why[PATH_MAX + 512];
	int fd, flags = O_RDONLY | O_CLOEXEC | O_NOCTTY;

	if (from != NULL)
		flags |= O_NONBLOCK;
	if ((fd = open(file, flags)) == -1) {
		snprintf(why, sizeof(why), "%s", strerror(errno));
		goto fail;
	}
	if (fstat(fd, st) == -1)
		snprintf(why, sizeof(why), "%s", strerror(errno));
	else if (from != NULL && !S_ISREG(st->st_mode))
		snprintf(why, sizeof(why), "not a regular file");
	else if (S_ISREG(st->st_mode) &&
	    st->st_size > (off_t)(CONFIG_SIZE_MAX - p->total))
		snprintf(why, sizeof(why), "longer than %d bytes, with what "
		    "was read before", CONFIG_SIZE_MAX);
	else if (filecheck_writers(file, st, p->err, p->errlen) == -1) {
		close(fd);
		return -1;
	} else if (from == NULL || fcntl(fd, F_SETFL, 0) == 0)
		return fd;
	else
		snprintf(why, sizeof(why), "%s", strerror(errno));
	close(fd);
fail:
	if (from != NULL)
		return perr(p, from, fromline, "#include %s: %s", file, why);
	snprintf(p->err, p->errlen, "cannot read %s: %s", file, why);
	return -1;
}

static int
parse_file(struct parse *p, const char *file, int depth, const char *from,
    int fromline)
{
	struct reader *r;
	struct stat st;
	char *line = NULL, why[PATH_MAX + 512];
	size_t first = p->nentries, i;
	int rc;

	r = xcalloc(1, sizeof(*r));
	r->file = file;
	if ((r->fd = open_conf(p, file, from, fromline, &st)) == -1) {
		free(r);
		return -1;
	}
	while ((rc = reader_line(p, r, &line)) == 1)
		if (parse_line(p, file, r->lineno, line, depth) == -1) {
			rc = -1;
			break;
		}
	for (i = first; rc == 0 && i < p->nentries; i++)
		if (strcmp(p->entries[i].file, file) == 0 &&
		    strcasecmp(p->entries[i].key, "secret") == 0 &&
		    *p->entries[i].value != '\0' &&
		    (rc = filecheck_private(file, &st, 1, why, sizeof(why))) == -1)
			snprintf(p->err, p->errlen, "%s %s", file, why);
	close(r->fd);
	free(r);
	return rc;
}

static int
parse_bool(const char *v, int *out)
{
	static const char *yes[] = { "yes", "true", "y", "t", "1", "on" };
	static const char *no[] = { "no", "false", "n", "f", "0", "off" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return *out = 1, 0;
		if (strcasecmp(v, no[i]) == 0)
			return *out = 0, 0;
	}
	return -1;
}

static int
parse_long(const char *v, long min, long max, long *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

static void
defaults(struct account *a)
{
	memset(a, 0, sizeof(*a));
	a->port = 5222;
	a->directtls = -1;
	a->usetls = 1;
	a->usesasl = 1;
	a->priority = 1;
	a->status = SHOW_ONLINE;
	a->statusmessage = xstrdup("Online and Available");
	a->autoregister = 1;
	a->timeout = 5;
	a->keepalive = 60;
	a->lifetime = 86400;
	a->spoolsync = 1;
	a->hookmax = 4;
	a->hooktimeout = 30;
}

/*
 * An empty value leaves an option at its default, as an empty string
 * option is "not set": Asterisk's sample has a bare "keepalive=" line.
 */
static void
reset_default(struct account *a, const struct optdef *d)
{
	struct account def;

	_Static_assert(sizeof(enum show) == sizeof(int), "enum show is an int");
	defaults(&def);
	memcpy((char *)a + d->off, (char *)&def + d->off, sizeof(int));
	free(def.statusmessage);
}

static int
apply_show(struct parse *p, struct account *a, const struct entry *e)
{
	size_t i;

	for (i = 0; i < NSPELLINGS; i++)
		if (strcasecmp(e->value, show_spellings[i].name) == 0)
			break;
	if (i == NSPELLINGS)
		return perr(p, e->file, e->line, "status: expected available, "
		    "chat, away, xa or dnd (or res_xmpp's online, chatty, "
		    "xaway, invisible or unavailable), not '%s'", e->value);
	a->status = show_spellings[i].show;
	if (show_spellings[i].why != NULL && !(p->warned_status & (1u << i))) {
		p->warned_status |= 1u << i;
		log_warn("%s:%d: status = %s is taken as %s: %s", e->file,
		    e->line, show_spellings[i].name, show_name(a->status),
		    show_spellings[i].why);
	}
	return 0;
}

static int
apply_buddy(struct parse *p, struct account *a, const struct entry *e)
{
	struct jid j;
	const char *why;

	if ((why = jid_parse(e->value, JID_NEED_NODE, &j)) != NULL)
		return perr(p, e->file, e->line, "buddy: %s", why);
	if (j.has_resource)
		return perr(p, e->file, e->line, "buddy: give a bare "
		    "JID, without '/resource'");
	a->buddies = xreallocarray(a->buddies, a->nbuddies + 1,
	    sizeof(*a->buddies));
	a->buddies[a->nbuddies++] = xstrdup(j.bare);
	return 0;
}

/* Options of Asterisk's: warned about, once per file read. */
static void
apply_asterisk(struct parse *p, const struct optdef *d, const struct entry *e)
{
	int b;

	if (d->type == O_DIALPLAN && !(strcasecmp(d->name, "sendtodialplan")
	    == 0 && parse_bool(e->value, &b) == 0 && !b)) {
		if (!p->warned_dialplan++)
			log_warn("%s:%d: option '%s': xmppd has no dialplan to "
			    "hand messages to; set 'hook' to a program that "
			    "gets each incoming message instead (xmppd.conf(5), "
			    "MOVING OFF RES_XMPP)", e->file, e->line, d->name);
		return;
	}
	if (!p->warned_asterisk++)
		log_warn("%s:%d: option '%s' is used by Asterisk only; "
		    "xmppd ignores it (and others like it)", e->file,
		    e->line, d->name);
}

void
config_pin_format(const unsigned char *pin, char *out, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < PIN_LEN && o + 3 <= len; i++)
		o += (size_t)snprintf(out + o, len - o, "%s%02X", i ? ":" : "",
		    pin[i]);
	if (len > 0 && o >= len)
		out[len - 1] = '\0';
}

/*
 * One fingerprint of the list: 64 hex digits, in pairs with colons or
 * not, as "openssl x509 -fingerprint -sha256" and msmtp print them.
 */
static int
parse_pin(const char *tok, size_t n, unsigned char *pin)
{
	size_t i, digits = 0;
	int hi = -1, v;

	for (i = 0; i < n; i++) {
		if (tok[i] == ':')
			continue;
		if (!isxdigit((unsigned char)tok[i]) || digits >= 2 * PIN_LEN)
			return -1;
		v = isdigit((unsigned char)tok[i]) ? tok[i] - '0' :
		    tolower((unsigned char)tok[i]) - 'a' + 10;
		if (hi < 0)
			hi = v;
		else {
			pin[digits / 2] = (unsigned char)(hi << 4 | v);
			hi = -1;
		}
		digits++;
	}
	return digits == 2 * PIN_LEN ? 0 : -1;
}

/* fingerprint = a list, separated by commas or spaces; it replaces. */
static int
apply_pins(struct parse *p, struct account *a, const struct entry *e)
{
	const char *s = e->value, *sep = ", \t";
	size_t n;

	a->npins = 0;
	for (s += strspn(s, sep); *s != '\0'; s += strspn(s, sep)) {
		n = strcspn(s, sep);
		if (a->npins == PINS_MAX)
			return perr(p, e->file, e->line, "fingerprint: more "
			    "than %d fingerprints", PINS_MAX);
		if (parse_pin(s, n, a->pins[a->npins]) == -1)
			return perr(p, e->file, e->line, "fingerprint: expected "
			    "the SHA-256 of the server's certificate or of its "
			    "public key, 64 hex digits (colons allowed), not "
			    "'%.*s'", (int)(n > 120 ? 120 : n), s);
		a->npins++;
		s += n;
	}
	return 0;
}

/* directtls, forceoldssl (Asterisk's name for it), trust, fingerprint. */
static int
apply_tls(struct parse *p, struct account *a, const struct optdef *d,
    const struct entry *e)
{
	int b;

	if (d->type == O_PINS)
		return apply_pins(p, a, e);
	if (d->type == O_TRUST) {
		if (strcasecmp(e->value, "ca") == 0)
			a->trust = TRUST_CA;
		else if (strcasecmp(e->value, "fingerprint") == 0)
			a->trust = TRUST_FINGERPRINT;
		else if (strcasecmp(e->value, "both") == 0)
			a->trust = TRUST_BOTH;
		else
			return perr(p, e->file, e->line, "trust: expected ca, "
			    "fingerprint or both, not '%s'", e->value);
		return 0;
	}
	if (parse_bool(e->value, &b) == -1)
		return perr(p, e->file, e->line, "%s: expected yes or no, not "
		    "'%s'", d->name, e->value);
	/* forceoldssl = no is Asterisk's default: it changes nothing. */
	if (d->type == O_DIRECTTLS || b)
		a->directtls = b;
	return 0;
}

/*
 * What the options of a section mean together: trust and fingerprint
 * must agree, and direct TLS has its own default port.
 */
static int
finish_section(struct parse *p, struct account *a)
{
	const struct entry *t = p->at[CK_TRUST], *f = p->at[CK_PINS];

	if (a->trust == 0)
		a->trust = a->npins > 0 ? TRUST_BOTH : TRUST_CA;
	else if (a->trust != TRUST_CA && a->npins == 0 && t != NULL)
		return perr(p, t->file, t->line, "trust = %s needs the "
		    "server's fingerprint: add 'fingerprint = ...' (xmppd -t "
		    "prints it)", t->value);
	else if (a->trust == TRUST_CA && a->npins > 0 && t != NULL)
		return perr(p, t->file, t->line, "trust = ca would ignore the "
		    "fingerprint of %s:%d: say trust = both, or remove the "
		    "fingerprint", f != NULL ? f->file : "?",
		    f != NULL ? f->line : 0);
	if (a->directtls == 1 && !a->port_set)
		a->port = 5223;
	return 0;
}

static int
apply_number(struct parse *p, struct account *a, const struct optdef *d,
    const struct entry *e)
{
	void *slot = (char *)a + d->off;
	long n;
	int b;

	switch (d->type) {
	case O_PORT:
		if (parse_long(e->value, 1, 65535, &n) == -1)
			return perr(p, e->file, e->line, "port: expected a "
			    "number from 1 to 65535, not '%s'", e->value);
		a->port_set = 1;
		break;
	case O_PRIO:
		if (parse_long(e->value, -128, 127, &n) == -1)
			return perr(p, e->file, e->line, "priority: expected a "
			    "number from -128 to 127, not '%s'", e->value);
		*(int *)slot = (int)n;
		return 0;
	case O_TIMEOUT:
		if (parse_long(e->value, 1, 86400, &n) == -1)
			return perr(p, e->file, e->line, "%s: expected "
			    "seconds from 1 to 86400, not '%s'", d->name,
			    e->value);
		break;
	case O_HOOKMAX:
		if (parse_long(e->value, 1, 64, &n) == -1)
			return perr(p, e->file, e->line, "hookmax: expected a "
			    "number from 1 to 64, not '%s'", e->value);
		break;
	case O_LIFETIME:
		if (parse_long(e->value, 1, 365L * 86400, &n) == -1)
			return perr(p, e->file, e->line, "lifetime: expected "
			    "seconds from 1 to 31536000, not '%s'", e->value);
		break;
	default:	/* O_KEEPALIVE: a number is seconds ("1" is not "yes") */
		if (parse_long(e->value, 1, 3600, &n) == 0)
			;
		else if (parse_bool(e->value, &b) == 0)
			n = b ? 60 : 0;
		else
			return perr(p, e->file, e->line, "keepalive: expected "
			    "yes, no or seconds from 1 to 3600, not '%s'",
			    e->value);
		break;
	}
	*(unsigned *)slot = (unsigned)n;
	return 0;
}

static int
apply(struct parse *p, struct account *a, const struct entry *e)
{
	const struct optdef *d;
	void *slot;
	struct jid j;
	const char *why;
	size_t where;
	int b;

	if ((d = optdef_find(e->key, strlen(e->key))) == NULL)
		return plain_name(e->key, strlen(e->key)) ?
		    perr(p, e->file, e->line, "unknown option '%s'", e->key) :
		    perr(p, e->file, e->line, "unknown option (its name is not "
		    "shown: it holds spaces or punctuation, and may be part of "
		    "a password)");
	slot = (char *)a + d->off;
	if (d->check != CK_NONE)
		p->at[d->check] = e;
	if (*e->value == '\0' && d->type != O_STR && d->type != O_TEXT &&
	    d->type != O_JID && d->type != O_ASTERISK &&
	    d->type != O_DIALPLAN) {
		if (d->off != 0)
			reset_default(a, d);
		if (d->type == O_PORT)
			a->port_set = 0;
		if (d->type == O_PINS)
			a->npins = 0;
		return 0;	/* an empty buddy adds nobody */
	}
	switch (d->type) {
	case O_TEXT:
		/* It goes into a stanza: it must be text XML can carry. */
		if (text_check(e->value, strlen(e->value), &where) != NULL)
			return perr(p, e->file, e->line, "%s: invalid UTF-8 or "
			    "control character at byte %zu", d->name, where);
		/* FALLTHROUGH */
	case O_STR:
		/* An empty value means "not set", as in Asterisk. */
		free(*(char **)slot);
		*(char **)slot = *e->value ? xstrdup(e->value) : NULL;
		break;
	case O_JID:
		if (*e->value == '\0') {
			free(*(char **)slot);
			*(char **)slot = NULL;
			break;
		}
		if ((why = jid_parse(e->value, JID_NEED_NODE, &j)) != NULL)
			return perr(p, e->file, e->line, "%s: %s", d->name, why);
		free(*(char **)slot);
		*(char **)slot = xstrdup(e->value);
		break;
	case O_BOOL:
	case O_TLS:
		if (parse_bool(e->value, &b) == -1)
			return perr(p, e->file, e->line, "%s: expected yes or "
			    "no, not '%s'", d->name, e->value);
		if (d->type == O_TLS && !b)
			return perr(p, e->file, e->line, "usetls = no is not "
			    "supported: xmppd always requires TLS");
		if (d->off == offsetof(struct account, usesasl) && !b)
			log_warn("%s:%d: usesasl = no ignored: xmppd always "
			    "uses SASL", e->file, e->line);
		*(int *)slot = b;
		break;
	case O_DIRECTTLS:
	case O_OLDSSL:
	case O_TRUST:
	case O_PINS:
		return apply_tls(p, a, d, e);
	case O_SHOW:
		return apply_show(p, a, e);
	case O_BUDDY:
		return apply_buddy(p, a, e);
	case O_ASTERISK:
	case O_DIALPLAN:
		apply_asterisk(p, d, e);
		break;
	default:
		return apply_number(p, a, d, e);
	}
	return 0;
}

/* Applies [general] and then the section's own entries to *a. */
static int
apply_section(struct parse *p, int general, int section, struct account *a)
{
	size_t i;

	memset(p->at, 0, sizeof(p->at));
	for (i = 0; i < p->nentries; i++)
		if (p->entries[i].section == general &&
		    apply(p, a, &p->entries[i]) == -1)
			return -1;
	for (i = 0; i < p->nentries; i++)
		if (p->entries[i].section == section && section != general &&
		    apply(p, a, &p->entries[i]) == -1)
			return -1;
	return finish_section(p, a);
}

static void
parse_free(struct parse *p)
{
	size_t i;

	for (i = 0; i < p->nentries; i++) {
		free(p->entries[i].key);
		free(p->entries[i].value);
		free(p->entries[i].file);
	}
	for (i = 0; i < p->nsections; i++)
		free(p->sections[i]);
	free(p->entries);
	free(p->sections);
	free(p->section_lines);
}

/*
 * The files the account names, checked as the calling process (xmppd -n
 * run by root checks with root's access, not the service user's).
 */
static int
check_paths(struct parse *p, const struct account *a)
{
	const struct {
		enum check	 ck;
		const char	*value;
		int		(*fn)(const char *, char *, size_t);
	} list[] = {
		{ CK_CAFILE,	 a->cafile,	filecheck_cafile },
		{ CK_CAPATH,	 a->capath,	filecheck_capath },
		{ CK_SECRETFILE, a->secret ? NULL : a->secretfile,
		    filecheck_secretfile },
		{ CK_HOOK,	 a->hook,	filecheck_hook },
		{ CK_LOGFILE,	 a->logfile,	filecheck_logfile },
	};
	const struct entry *e;
	char why[PATH_MAX + 1024];
	size_t i;

	for (i = 0; i < sizeof(list) / sizeof(list[0]); i++) {
		if (list[i].value == NULL ||
		    list[i].fn(list[i].value, why, sizeof(why)) == 0)
			continue;
		if ((e = p->at[list[i].ck]) == NULL)	/* cannot happen */
			return perr(p, a->file, 0, "%s", why);
		return perr(p, e->file, e->line, "%s %s: %s", e->key,
		    list[i].value, why);
	}
	return 0;
}

/* Where the password comes from, "file:line", for later messages. */
static char *
secret_where(const struct parse *p, const struct account *a)
{
	const struct entry *e = NULL;
	char buf[PATH_MAX + 32];

	if (a->secret == NULL && a->secretfile != NULL)
		e = p->at[CK_SECRETFILE];
	else if (a->secret == NULL && a->secretcmd != NULL)
		e = p->at[CK_SECRETCMD];
	if (e == NULL)
		return NULL;
	snprintf(buf, sizeof(buf), "%s:%d", e->file, e->line);
	return xstrdup(buf);
}

int
config_load(const char *path, const char *account, struct account *a,
    char *err, size_t errlen)
{
	struct parse p = { .err = err, .errlen = errlen };
	struct account scratch;
	int general = -1, ours = -1, rc = -1;
	size_t i;

	defaults(a);
	if (parse_file(&p, path, 0, NULL, 0) == -1)
		goto out;
	for (i = 0; i < p.nsections; i++) {
		if (strcasecmp(p.sections[i], "general") == 0)
			general = (int)i;
		else if (strcasecmp(p.sections[i], account) == 0)
			ours = (int)i;
	}
	if (ours == -1) {
		snprintf(err, errlen, "%s: no section [%s]", path, account);
		goto out;
	}
	/* Check every section, so a typo anywhere is reported. */
	for (i = 0; i < p.nsections; i++) {
		if ((int)i == ours || (int)i == general)
			continue;
		defaults(&scratch);
		rc = apply_section(&p, general, (int)i, &scratch);
		config_free(&scratch);
		if (rc == -1)
			goto out;
	}
	rc = -1;
	if (apply_section(&p, general, ours, a) == -1)
		goto out;
	a->name = xstrdup(p.sections[ours]);
	a->file = xstrdup(path);
	if (a->username == NULL) {
		snprintf(err, errlen, "%s:%d: [%s] has no username", path,
		    p.section_lines[ours], p.sections[ours]);
		goto out;
	}
	if (a->secret == NULL && a->secretfile == NULL && a->secretcmd == NULL) {
		snprintf(err, errlen, "%s:%d: [%s] has no secret (nor "
		    "secretfile or secretcmd)", path, p.section_lines[ours],
		    p.sections[ours]);
		goto out;
	}
	if (check_paths(&p, a) == -1)
		goto out;
	a->secret_at = secret_where(&p, a);
	if (strchr(a->username, '/') == NULL) {
		char *u = xmalloc(strlen(a->username) + sizeof("/xmppd"));
		sprintf(u, "%s/xmppd", a->username);
		free(a->username);
		a->username = u;
	}
	rc = 0;
out:
	parse_free(&p);
	if (rc == -1)
		config_free(a);	/* nothing half-filled is left to the caller */
	return rc;
}

int
config_secret(struct account *a, char *err, size_t errlen)
{
	if (a->secret != NULL)
		return 0;
	if (a->secretfile != NULL)
		return secret_from_file(a, err, errlen);
	return secret_from_cmd(a, err, errlen);
}

void
config_secret_stop(int fd, int (*stop)(void))
{
	secret_stop_on(fd, stop);
}

/* serverhost, port, directtls, and where that leads. */
static void
print_server(const struct account *a, FILE *fp)
{
	const char *d = strchr(a->username, '@') + 1;
	int dl = (int)strcspn(d, "/");
	unsigned def = a->directtls == 1 ? 5223 : 5222;

	if (a->serverhost != NULL)
		fprintf(fp, "serverhost = %s\n", a->serverhost);
	else if (a->port != def)
		fprintf(fp, "; serverhost not set: %.*s itself\n", dl, d);
	else
		fprintf(fp, "; serverhost not set: the DNS SRV records %s of "
		    "%.*s, else %.*s itself\n", a->directtls == 1 ?
		    "_xmpps-client._tcp" : a->directtls == 0 ?
		    "_xmpp-client._tcp" : "_xmpps-client._tcp and "
		    "_xmpp-client._tcp", dl, d, dl, d);
	fprintf(fp, "port = %u\n", a->port);
	if (a->directtls == -1)
		fprintf(fp, "directtls = %s\n", a->serverhost != NULL ||
		    a->port != def ? "; not set: STARTTLS" :
		    "; not set: as the SRV records say");
	else
		fprintf(fp, "directtls = %s\n", a->directtls ? "yes" : "no");
}

static void
print_trust(const struct account *a, FILE *fp)
{
	static const char *names[] = { "", "ca", "fingerprint", "both" };
	char pin[PIN_TEXT_LEN];
	size_t i;

	fprintf(fp, "trust = %s\n", names[a->trust]);
	if (a->npins == 0)
		return;
	fprintf(fp, "fingerprint = ");
	for (i = 0; i < a->npins; i++) {
		config_pin_format(a->pins[i], pin, sizeof(pin));
		fprintf(fp, "%s%s", i ? ", " : "", pin);
	}
	fprintf(fp, "\n");
}

void
config_print(const struct account *a, FILE *fp)
{
	size_t i;

	fprintf(fp, "; effective configuration of [%s] from %s\n", a->name,
	    a->file);
	fprintf(fp, "[%s]\n", a->name);
	fprintf(fp, "username = %s\n", a->username);
	if (a->secret != NULL)
		fprintf(fp, "secret = ********\n");
	if (a->secretfile != NULL)
		fprintf(fp, "secretfile = %s\n", a->secretfile);
	if (a->secretcmd != NULL)
		fprintf(fp, "secretcmd = ********\n");
	print_server(a, fp);
	fprintf(fp, "usetls = yes\nusesasl = yes\n");
	print_trust(a, fp);
	fprintf(fp, "priority = %d\n", a->priority);
	fprintf(fp, "status = %s\n", show_name(a->status));
	fprintf(fp, "statusmessage = %s\n", a->statusmessage ?
	    a->statusmessage : "");
	for (i = 0; i < a->nbuddies; i++)
		fprintf(fp, "buddy = %s\n", a->buddies[i]);
	fprintf(fp, "autoregister = %s\n", a->autoregister ? "yes" : "no");
	fprintf(fp, "autoprune = %s\n", a->autoprune ? "yes" : "no");
	fprintf(fp, "timeout = %u\n", a->timeout);
	if (a->keepalive)
		fprintf(fp, "keepalive = %u\n", a->keepalive);
	else
		fprintf(fp, "keepalive = no\n");
	fprintf(fp, "lifetime = %u\n", a->lifetime);
	fprintf(fp, "spoolsync = %s\n", a->spoolsync ? "yes" : "no");
	fprintf(fp, "debug = %s\n", a->debug ? "yes" : "no");
	if (a->cafile != NULL)
		fprintf(fp, "cafile = %s\n", a->cafile);
	if (a->capath != NULL)
		fprintf(fp, "capath = %s\n", a->capath);
	if (a->socketgroup != NULL)
		fprintf(fp, "socketgroup = %s\n", a->socketgroup);
	if (a->hook != NULL)
		fprintf(fp, "hook = %s\nhookmax = %u\nhooktimeout = %u\n",
		    a->hook, a->hookmax, a->hooktimeout);
	if (a->logfile != NULL)
		fprintf(fp, "logfile = %s\n", a->logfile);
}

void
config_free(struct account *a)
{
	size_t i;

	free(a->name);
	free(a->file);
	free(a->username);
	if (a->secret != NULL)
		explicit_bzero(a->secret, strlen(a->secret));
	free(a->secret);
	free(a->secretfile);
	free(a->secretcmd);
	free(a->secret_at);
	free(a->serverhost);
	free(a->statusmessage);
	for (i = 0; i < a->nbuddies; i++)
		free(a->buddies[i]);
	free(a->buddies);
	free(a->cafile);
	free(a->capath);
	free(a->socketgroup);
	free(a->hook);
	free(a->logfile);
	memset(a, 0, sizeof(*a));
}
