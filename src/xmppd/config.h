/* config.h: xmpp.conf (Asterisk format) for one account. */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdio.h>
#include <sys/types.h>

/* Which certificates are trusted (trust =). */
enum trust {
	TRUST_CA = 1,		/* the CAs (cafile, capath, the system's) */
	TRUST_FINGERPRINT,	/* a pinned fingerprint alone */
	TRUST_BOTH		/* a trusted CA and a pinned fingerprint */
};

/* A pinned fingerprint: SHA-256 of a certificate or of its public key. */
#define PIN_LEN		32
#define PINS_MAX	8

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
	char		*secret_at;	/* "file:line" of secretfile or secretcmd */
	char		*serverhost;	/* NULL: the JID's domain */
	unsigned	 port;
	int		 port_set;	/* port was given (else the default) */
	int		 directtls;	/* 1 yes, 0 no, -1 unset: as DNS says */
	enum trust	 trust;
	unsigned char	 pins[PINS_MAX][PIN_LEN];	/* fingerprint = */
	size_t		 npins;
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
	char		*logfile;	/* NULL: syslog once detached */
};

/*
 * Limits of a configuration: one line, and the file with everything it
 * includes (an endless line or file, "#include /dev/zero", is refused).
 */
#define CONFIG_LINE_MAX		4096
#define CONFIG_SIZE_MAX		(1024 * 1024)

/* Where the configuration is looked for when -c is not given. */
int	config_find(const char *opt, char *out, size_t len);

/*
 * Reads path and fills *a with the section named account (case-insensitive)
 * over the [general] defaults.  Returns 0, or -1 with "file:line: reason"
 * in err.  Warnings (Asterisk options we ignore) are logged.  The files the
 * account names (cafile, capath, secretfile, hook, logfile) are checked
 * with the access of the calling process.  Neither err nor the log ever
 * shows a line or a value that may hold a password.
 */
int	config_load(const char *path, const char *account, struct account *a,
	    char *err, size_t errlen);

/*
 * Fetches the password from secret, secretfile or secretcmd.  secretcmd
 * gets CONFIG_SECRET_WAIT seconds (CONFIG_SECRET_WAIT_TTY when we are in
 * the foreground of a terminal, where it may ask a person) and may print
 * a first line of at most CONFIG_SECRET_MAX bytes; after that its process
 * group is killed.
 */
#define CONFIG_SECRET_WAIT	10
#define CONFIG_SECRET_WAIT_TTY	120
#define CONFIG_SECRET_MAX	4096
int	config_secret(struct account *a, char *err, size_t errlen);

/*
 * While config_secret() waits for secretcmd it also polls fd (readable
 * means "look at stop()"; it is drained) and gives up as soon as stop()
 * returns true.  main.c hands over its wake pipe and its SIGTERM flag.
 */
void	config_secret_stop(int fd, int (*stop)(void));

/* A pin as the option takes it: 64 hex digits in pairs, with colons. */
#define PIN_TEXT_LEN	(PIN_LEN * 3)
void	config_pin_format(const unsigned char *pin, char *out, size_t len);

/* Prints the effective configuration, secrets masked (for xmppd -n). */
void	config_print(const struct account *a, FILE *fp);

void	config_free(struct account *a);

const char *show_name(enum show);

#endif
