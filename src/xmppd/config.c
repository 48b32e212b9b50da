/*
 * config.c: reads Asterisk's xmpp.conf format.
 *
 * The file is read into a list of entries first, then [general] is applied
 * as defaults and the account's section over it.  Every section is checked,
 * so `xmppd -n` reports a typo anywhere in the file, with file and line.
 * Options that only make sense inside Asterisk are accepted with a warning
 * so that an unmodified /etc/asterisk/xmpp.conf works.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jid.h"
#include "log.h"
#include "sockdir.h"
#include "text.h"
#include "util.h"

#define INCLUDE_DEPTH_MAX 8

enum otype { O_STR, O_TEXT, O_BOOL, O_PORT, O_PRIO, O_TIMEOUT, O_LIFETIME, O_SHOW,
	O_HOOKMAX,
	O_BUDDY,
	O_KEEPALIVE, O_JID, O_TLS, O_ASTERISK };

struct optdef {
	const char	*name;
	enum otype	 type;
	size_t		 off;
};

#define F(x) offsetof(struct account, x)
static const struct optdef optdefs[] = {
	{ "username",		O_JID,		F(username) },
	{ "secret",		O_STR,		F(secret) },
	{ "secretfile",		O_STR,		F(secretfile) },
	{ "secretcmd",		O_STR,		F(secretcmd) },
	{ "serverhost",		O_STR,		F(serverhost) },
	{ "port",		O_PORT,		F(port) },
	{ "usetls",		O_TLS,		F(usetls) },
	{ "usesasl",		O_BOOL,		F(usesasl) },
	{ "priority",		O_PRIO,		F(priority) },
	{ "status",		O_SHOW,		F(status) },
	{ "statusmessage",	O_TEXT,		F(statusmessage) },
	{ "buddy",		O_BUDDY,	0 },
	{ "autoregister",	O_BOOL,		F(autoregister) },
	{ "autoprune",		O_BOOL,		F(autoprune) },
	{ "timeout",		O_TIMEOUT,	F(timeout) },
	{ "keepalive",		O_KEEPALIVE,	F(keepalive) },
	{ "lifetime",		O_LIFETIME,	F(lifetime) },
	{ "spoolsync",		O_BOOL,		F(spoolsync) },
	{ "debug",		O_BOOL,		F(debug) },
	{ "cafile",		O_STR,		F(cafile) },
	{ "capath",		O_STR,		F(capath) },
	{ "socketgroup",	O_STR,		F(socketgroup) },
	{ "hook",		O_STR,		F(hook) },
	{ "hookmax",		O_HOOKMAX,	F(hookmax) },
	{ "hooktimeout",	O_TIMEOUT,	F(hooktimeout) },
	/* Asterisk's own options, parsed there and meaningless here. */
	{ "type",		O_ASTERISK,	0 },
	{ "forceoldssl",	O_ASTERISK,	0 },
	{ "collection_nodes",	O_ASTERISK,	0 },
	{ "pubsub_autocreate",	O_ASTERISK,	0 },
	{ "auth_policy",	O_ASTERISK,	0 },
	{ "distribute_events",	O_ASTERISK,	0 },
	{ "pubsub_node",	O_ASTERISK,	0 },
	{ "sendtodialplan",	O_ASTERISK,	0 },
	{ "context",		O_ASTERISK,	0 },
	{ "refresh_token",	O_ASTERISK,	0 },
	{ "oauth_clientid",	O_ASTERISK,	0 },
	{ "oauth_secret",	O_ASTERISK,	0 },
};
#undef F

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
	char		*err;
	size_t		 errlen;
	int		 warned_asterisk;
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

static int parse_file(struct parse *, const char *, int);

static int
parse_line(struct parse *p, const char *file, int lineno, char *line,
    int depth)
{
	char *s, *eq, *key, *value, inc[PATH_MAX], *slash;
	struct entry *e;
	size_t i;

	s = line + strspn(line, " \t");
	if (strncmp(s, "#include", 8) == 0) {
		s = trim(s + 8);
		if (*s == '"' || *s == '<') {
			s++;
			s[strcspn(s, "\">")] = '\0';
		}
		if (*s == '/' || (slash = strrchr(file, '/')) == NULL)
			snprintf(inc, sizeof(inc), "%s", s);
		else
			snprintf(inc, sizeof(inc), "%.*s/%s",
			    (int)(slash - file), file, s);
		if (depth >= INCLUDE_DEPTH_MAX)
			return perr(p, file, lineno, "#include nested too deeply");
		return parse_file(p, inc, depth + 1);
	}
	strip_comment(line);
	s = trim(line);
	if (*s == '\0')
		return 0;
	if (*s == '[') {
		if ((eq = strchr(s, ']')) == NULL)
			return perr(p, file, lineno, "missing ']' in section header");
		if (*trim(eq + 1) != '\0')
			return perr(p, file, lineno, "templates ('[name](...)') "
			    "are not supported");
		*eq = '\0';
		s = trim(s + 1);
		if (*s == '\0')
			return perr(p, file, lineno, "empty section name");
		for (i = 0; i < p->nsections; i++)
			if (strcasecmp(p->sections[i], s) == 0)
				return perr(p, file, lineno, "duplicate section "
				    "[%s] (first at line %d)", s,
				    p->section_lines[i]);
		p->sections = xreallocarray(p->sections, p->nsections + 1,
		    sizeof(*p->sections));
		p->section_lines = xreallocarray(p->section_lines,
		    p->nsections + 1, sizeof(*p->section_lines));
		p->sections[p->nsections] = xstrdup(s);
		p->section_lines[p->nsections++] = lineno;
		return 0;
	}
	if ((eq = strchr(s, '=')) == NULL)
		return perr(p, file, lineno, "expected 'option = value', not "
		    "'%.40s'", s);
	*eq = '\0';
	key = trim(s);
	value = eq[1] == '>' ? eq + 2 : eq + 1;
	value = trim(value);
	if (*key == '\0')
		return perr(p, file, lineno, "missing option name before '='");
	if (p->nsections == 0)
		return perr(p, file, lineno, "option '%s' outside of any "
		    "[section]", key);
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
 * A file holding a password must be closed to others; group access is
 * fine when the group is our own (a service user's, like asterisk's).
 */
static int
private_enough(const struct stat *st)
{
	return (st->st_mode & 007) == 0 &&
	    ((st->st_mode & 070) == 0 || st->st_gid == getegid());
}

static int
check_secret_mode(struct parse *p, const char *file, FILE *fp)
{
	struct stat st;

	if (fstat(fileno(fp), &st) == -1)
		return perr(p, file, 0, "%s", strerror(errno));
	if (private_enough(&st))
		return 0;
	snprintf(p->err, p->errlen, "%s holds a password and is readable by "
	    "others (mode %04o); run 'chmod 600 %s', or move the password to "
	    "secretfile or secretcmd", file, (unsigned)(st.st_mode & 07777),
	    file);
	return -1;
}

static int
parse_file(struct parse *p, const char *file, int depth)
{
	FILE *fp;
	char *line = NULL;
	size_t cap = 0, first = p->nentries, i;
	int lineno = 0, rc = 0;

	if ((fp = fopen(file, "r")) == NULL) {
		snprintf(p->err, p->errlen, "cannot read %s: %s", file,
		    strerror(errno));
		return -1;
	}
	while (rc == 0 && getline(&line, &cap, fp) != -1)
		rc = parse_line(p, file, ++lineno, line, depth);
	if (rc == 0 && ferror(fp))
		rc = perr(p, file, lineno, "read error");
	for (i = first; rc == 0 && i < p->nentries; i++)
		if (strcmp(p->entries[i].file, file) == 0 &&
		    strcasecmp(p->entries[i].key, "secret") == 0 &&
		    *p->entries[i].value != '\0')
			rc = check_secret_mode(p, file, fp);
	free(line);
	fclose(fp);
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
set_str(char **slot, const char *v)
{
	free(*slot);
	*slot = xstrdup(v);
}

static int
apply(struct parse *p, struct account *a, const struct entry *e)
{
	const struct optdef *d = NULL;
	void *slot;
	struct jid j;
	const char *why;
	long n;
	int b;
	size_t i, where;

	for (i = 0; i < sizeof(optdefs) / sizeof(optdefs[0]); i++)
		if (strcasecmp(optdefs[i].name, e->key) == 0)
			d = &optdefs[i];
	if (d == NULL)
		return perr(p, e->file, e->line, "unknown option '%s'", e->key);
	slot = (char *)a + d->off;
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
		if ((why = jid_parse(e->value, JID_NEED_NODE, &j)) != NULL)
			return perr(p, e->file, e->line, "%s: %s", d->name, why);
		set_str(slot, e->value);
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
	case O_PORT:
		if (parse_long(e->value, 1, 65535, &n) == -1)
			return perr(p, e->file, e->line, "port: expected a "
			    "number from 1 to 65535, not '%s'", e->value);
		*(unsigned *)slot = (unsigned)n;
		break;
	case O_PRIO:
		if (parse_long(e->value, -128, 127, &n) == -1)
			return perr(p, e->file, e->line, "priority: expected a "
			    "number from -128 to 127, not '%s'", e->value);
		*(int *)slot = (int)n;
		break;
	case O_TIMEOUT:
		if (parse_long(e->value, 1, 86400, &n) == -1)
			return perr(p, e->file, e->line, "%s: expected "
			    "seconds from 1 to 86400, not '%s'", d->name,
			    e->value);
		*(unsigned *)slot = (unsigned)n;
		break;
	case O_HOOKMAX:
		if (parse_long(e->value, 1, 64, &n) == -1)
			return perr(p, e->file, e->line, "hookmax: expected a "
			    "number from 1 to 64, not '%s'", e->value);
		*(unsigned *)slot = (unsigned)n;
		break;
	case O_LIFETIME:
		if (parse_long(e->value, 1, 365L * 86400, &n) == -1)
			return perr(p, e->file, e->line, "lifetime: expected "
			    "seconds from 1 to 31536000, not '%s'", e->value);
		*(unsigned *)slot = (unsigned)n;
		break;
	case O_KEEPALIVE:
		/* A number is seconds (so "1" is one second, not "yes"). */
		if (parse_long(e->value, 1, 3600, &n) == 0)
			;
		else if (parse_bool(e->value, &b) == 0)
			n = b ? 60 : 0;
		else
			return perr(p, e->file, e->line, "keepalive: expected "
			    "yes, no or seconds from 1 to 3600, not '%s'",
			    e->value);
		*(unsigned *)slot = (unsigned)n;
		break;
	case O_SHOW:
		for (i = 1; i <= SHOW_DND; i++)
			if (strcasecmp(e->value, show_names[i]) == 0)
				break;
		if (strcasecmp(e->value, "online") == 0)
			i = SHOW_ONLINE;
		if (i > SHOW_DND)
			return perr(p, e->file, e->line, "status: expected "
			    "available, chat, away, xa or dnd, not '%s'",
			    e->value);
		*(enum show *)slot = (enum show)i;
		break;
	case O_BUDDY:
		if ((why = jid_parse(e->value, 0, &j)) != NULL)
			return perr(p, e->file, e->line, "buddy: %s", why);
		if (j.has_resource)
			return perr(p, e->file, e->line, "buddy: give a bare "
			    "JID, without '/resource'");
		a->buddies = xreallocarray(a->buddies, a->nbuddies + 1,
		    sizeof(*a->buddies));
		a->buddies[a->nbuddies++] = xstrdup(j.bare);
		break;
	case O_ASTERISK:
		if (!p->warned_asterisk++)
			log_warn("%s:%d: option '%s' is used by Asterisk only; "
			    "xmppd ignores it (and others like it)", e->file,
			    e->line, e->key);
		break;
	}
	return 0;
}

static void
defaults(struct account *a)
{
	memset(a, 0, sizeof(*a));
	a->port = 5222;
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

/* Applies [general] and then the section's own entries to *a. */
static int
apply_section(struct parse *p, int general, int section, struct account *a)
{
	size_t i;

	for (i = 0; i < p->nentries; i++)
		if (p->entries[i].section == general &&
		    apply(p, a, &p->entries[i]) == -1)
			return -1;
	for (i = 0; i < p->nentries; i++)
		if (p->entries[i].section == section && section != general &&
		    apply(p, a, &p->entries[i]) == -1)
			return -1;
	return 0;
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

int
config_load(const char *path, const char *account, struct account *a,
    char *err, size_t errlen)
{
	struct parse p = { .err = err, .errlen = errlen };
	struct account scratch;
	int general = -1, ours = -1, rc = -1;
	size_t i;

	defaults(a);
	if (parse_file(&p, path, 0) == -1)
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
	if (a->hook != NULL && (a->hook[0] != '/' ||
	    access(a->hook, X_OK) == -1)) {
		snprintf(err, errlen, "%s: [%s] hook %s: give the absolute "
		    "path of an executable program", path, p.sections[ours],
		    a->hook);
		goto out;
	}
	a->name = xstrdup(p.sections[ours]);
	a->file = xstrdup(path);
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

/* Reads the first line of fp as the password. */
static char *
read_secret_line(FILE *fp)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if ((n = getline(&line, &cap, fp)) <= 0) {
		free(line);
		return NULL;
	}
	line[strcspn(line, "\r\n")] = '\0';
	return line;
}

int
config_secret(struct account *a, char *err, size_t errlen)
{
	FILE *fp;
	char *s;
	int status;
	struct stat st;

	if (a->secret != NULL)
		return 0;
	if (a->secretfile != NULL) {
		if ((fp = fopen(a->secretfile, "r")) == NULL) {
			snprintf(err, errlen, "secretfile %s: %s", a->secretfile,
			    strerror(errno));
			return -1;
		}
		if (fstat(fileno(fp), &st) == 0 && !private_enough(&st)) {
			snprintf(err, errlen, "secretfile %s is readable by "
			    "others; run 'chmod 600 %s'", a->secretfile,
			    a->secretfile);
			fclose(fp);
			return -1;
		}
		s = read_secret_line(fp);
		fclose(fp);
		if (s == NULL || *s == '\0') {
			free(s);
			snprintf(err, errlen, "secretfile %s is empty",
			    a->secretfile);
			return -1;
		}
		a->secret = s;
		return 0;
	}
	/* secretcmd runs through the shell, like msmtp's passwordeval. */
	fflush(NULL);
	if ((fp = popen(a->secretcmd, "r")) == NULL) {
		snprintf(err, errlen, "secretcmd: %s", strerror(errno));
		return -1;
	}
	s = read_secret_line(fp);
	while (fgetc(fp) != EOF)
		;
	status = pclose(fp);
	if (status != 0 || s == NULL || *s == '\0') {
		free(s);
		if (status == -1 || !WIFEXITED(status))
			snprintf(err, errlen, "secretcmd '%s' failed",
			    a->secretcmd);
		else if (WEXITSTATUS(status) != 0)
			snprintf(err, errlen, "secretcmd '%s' exited with "
			    "status %d", a->secretcmd, WEXITSTATUS(status));
		else
			snprintf(err, errlen, "secretcmd '%s' printed no "
			    "password", a->secretcmd);
		return -1;
	}
	a->secret = s;
	return 0;
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
	if (a->serverhost != NULL)
		fprintf(fp, "serverhost = %s\n", a->serverhost);
	else {
		const char *d = strchr(a->username, '@') + 1;
		fprintf(fp, "serverhost = %.*s\n", (int)strcspn(d, "/"), d);
	}
	fprintf(fp, "port = %u\n", a->port);
	fprintf(fp, "usetls = yes\nusesasl = yes\n");
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
	free(a->serverhost);
	free(a->statusmessage);
	for (i = 0; i < a->nbuddies; i++)
		free(a->buddies[i]);
	free(a->buddies);
	free(a->cafile);
	free(a->capath);
	free(a->socketgroup);
	free(a->hook);
	memset(a, 0, sizeof(*a));
}
