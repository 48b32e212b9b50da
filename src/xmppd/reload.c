/*
 * reload.c: SIGHUP re-reads the configuration, as Asterisk's "module
 * reload" does: the connection is only renewed when a setting it was made
 * with changed; otherwise presence, buddies and limits change in place.
 * A configuration with errors is refused and the running one kept.  The
 * log file is opened anew first, so that logrotate can move it away.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"
#include "xmppd.h"

static int
differ(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

static int
connection_changed(const struct account *a, const struct account *b)
{
	return differ(a->username, b->username) ||
	    differ(a->secret, b->secret) ||
	    differ(a->serverhost, b->serverhost) || a->port != b->port ||
	    a->directtls != b->directtls || a->trust != b->trust ||
	    a->npins != b->npins || memcmp(a->pins, b->pins,
	    a->npins * PIN_LEN) != 0 ||
	    differ(a->cafile, b->cafile) || differ(a->capath, b->capath);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* a's buddy lines, sorted (the strings stay a's): looked up by bsearch. */
static char **
buddies_sorted(const struct account *a)
{
	char **v = xreallocarray(NULL, a->nbuddies + 1, sizeof(*v));

	if (a->nbuddies == 0)	/* a->buddies may be NULL: no memcpy */
		return v;
	memcpy(v, a->buddies, a->nbuddies * sizeof(*v));
	qsort(v, a->nbuddies, sizeof(*v), cmp_str);
	return v;
}

static int
has_buddy(char **sorted, size_t n, const char *bare)
{
	return bsearch(&bare, sorted, n, sizeof(*sorted), cmp_str) != NULL;
}

/*
 * Brings the roster's buddy= marks from old to new (sorted lookups: tens
 * of thousands of lines cost milliseconds, not seconds).
 */
static void
update_buddies(const struct account *old, const struct account *new)
{
	char **olds = buddies_sorted(old), **news = buddies_sorted(new);
	struct contact *c;
	size_t i;

	for (i = 0; i < old->nbuddies; i++)
		if (!has_buddy(news, new->nbuddies, old->buddies[i]) &&
		    (c = roster_find(&xd.roster, old->buddies[i])) != NULL) {
			log_info("buddy %s removed", old->buddies[i]);
			roster_drop_buddy(&xd.roster, c);
		}
	for (i = 0; i < new->nbuddies; i++)
		if (!has_buddy(olds, old->nbuddies, new->buddies[i])) {
			roster_add_buddy(&xd.roster, new->buddies[i]);
			log_info("buddy %s added", new->buddies[i]);
			presence_buddy_added(new->buddies[i]);
		}
	free(olds);
	free(news);
}

void
reload(const char *conf_opt, const char *account, int debug_opt)
{
	struct account new, old;
	char conf[4096], err[4096 + 512];
	int presence, reconnect;

	log_reopen();	/* logrotate may have moved the file away */
	if (config_find(conf_opt, conf, sizeof(conf)) == -1) {
		log_error("SIGHUP: configuration not reloaded: no "
		    "configuration file found");
		return;
	}
	if (config_load(conf, account, &new, err, sizeof(err)) == -1) {
		log_error("SIGHUP: configuration not reloaded: %s", err);
		return;
	}
	/* The daemon answers nobody while secretcmd runs (its deadline). */
	if (config_secret(&new, err, sizeof(err)) == -1 ||
	    log_file(new.logfile, err, sizeof(err)) == -1) {
		config_free(&new);
		log_error("SIGHUP: configuration not reloaded: %s", err);
		return;
	}
	if (differ(new.socketgroup, xd.acct.socketgroup))
		log_warn("SIGHUP: socketgroup changes take effect at restart");
	reconnect = connection_changed(&xd.acct, &new);
	presence = new.status != xd.acct.status ||
	    new.priority != xd.acct.priority ||
	    differ(new.statusmessage, xd.acct.statusmessage);
	old = xd.acct;
	xd.acct = new;
	update_buddies(&old, &xd.acct);
	xd.inbox.keep_ms = (int64_t)xd.acct.timeout * 1000;
	log_init(account, xd.acct.debug || debug_opt);
	config_free(&old);
	log_info("SIGHUP: configuration reloaded from %s", conf);
	/* A SIGHUP is also how one says "the server is fixed, try now". */
	if (reconnect)
		session_restart();
	else {
		session_retry_now();
		if (presence)
			presence_changed();
	}
}
