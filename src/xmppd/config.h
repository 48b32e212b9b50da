/* config.h: xmpp.conf (Asterisk format) for one account. */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdio.h>
#include <sys/types.h>

enum show {
	SHOW_ONLINE = 1,	/* the values are the status codes */
	SHOW_CHAT,
	SHOW_AWAY,
	SHOW_XA,
	SHOW_DND
};

struct account {
	char		*name;		/* section name as written */
	char		*file;		/* where it was read from */
	char		*username;	/* user@domain/resource */
	char		*secret;
	char		*secretfile;
	char		*secretcmd;
	char		*serverhost;	/* NULL: the JID's domain */
	unsigned	 port;
	int		 usetls;
	int		 usesasl;
	int		 priority;
	enum show	 status;
	char		*statusmessage;
	char		**buddies;
	size_t		 nbuddies;
	int		 autoregister;
	int		 autoprune;
	unsigned	 timeout;	/* seconds a received message is kept */
	unsigned	 keepalive;	/* seconds between pings, 0 = off */
	unsigned	 lifetime;	/* seconds an unsent message is kept */
	int		 spoolsync;	/* fsync() the spool: power-loss safe */
	int		 debug;
	char		*cafile;
	char		*capath;
	char		*socketgroup;
	char		*hook;		/* program run for each message */
	unsigned	 hookmax;	/* how many may run at once */
	unsigned	 hooktimeout;	/* seconds each may take */
};

/* Where the configuration is looked for when -c is not given. */
int	config_find(const char *opt, char *out, size_t len);

/*
 * Reads path and fills *a with the section named account (case-insensitive)
 * over the [general] defaults.  Returns 0, or -1 with "file:line: reason"
 * in err.  Warnings (Asterisk options we ignore) are logged.
 */
int	config_load(const char *path, const char *account, struct account *a,
	    char *err, size_t errlen);

/* Fetches the password from secret, secretfile or secretcmd. */
int	config_secret(struct account *a, char *err, size_t errlen);

/* Prints the effective configuration, secrets masked (for xmppd -n). */
void	config_print(const struct account *a, FILE *fp);

void	config_free(struct account *a);

const char *show_name(enum show);

#endif
