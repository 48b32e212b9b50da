/* client.h: what the clients (xmpp-send, xmpp-status, ...) share. */
#ifndef CLIENT_H
#define CLIENT_H

#include <popt.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/un.h>

#include "proto.h"

/* Seconds a client waits for the daemon to accept its connection. */
#define CLIENT_CONNECT_SECS	30

/* The environment variable naming the default account. */
#define CLIENT_ACCOUNT_ENV	"XMPP_ACCOUNT"

struct client {
	int		 fd;
	const char	*account;
	char		 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct buf	 in;
	unsigned long	 unanswered;	/* requests written, not answered */
	/*
	 * When the daemon goes away or falls silent with requests
	 * unanswered: the status to exit with and what that means for
	 * them ("the message may have been accepted ...").  0 and NULL:
	 * 69 or 75, as when nothing was asked.
	 */
	int		 lost_status;
	const char	*lost_what;
	char		 why[1024];	/* where no daemon was found, and why */
	int		 greeted;	/* the daemon's greeting was read... */
	int		 greeting_ok;	/* ...and was one: it took our requests */
};

/* -S, -V, -h and --usage, which every client has (POPT_ARG_INCLUDE_TABLE). */
extern struct poptOption client_options[];
extern char *client_sockdir;	/* -S DIR, or NULL */
extern poptContext client_pc;	/* the command line, once parsed */

/*
 * Opens /dev/null on any of the descriptors 0, 1 and 2 that is closed, so
 * that the socket never becomes the standard output, then parses the
 * command line against opts: a bad option exits 64, --version, --help and
 * --usage print and exit 0.  synopsis is what follows the name in the
 * usage line.  Returns the context, at the operands.
 */
poptContext client_popt(const char *name, int argc, const char **argv,
	    struct poptOption *opts, const char *synopsis);

/* Prints the usage line to stderr and exits 64. */
void	client_usage(poptContext) __attribute__((noreturn));

/*
 * Takes the ACCOUNT operand, or the default account from XMPP_ACCOUNT when
 * omitted(next operand) says the operand in front of us is not an account
 * (omitted is given the operand, NULL when there is none).  Exits 64 when
 * there is no account either way, or it is not a valid name.
 */
const char *client_account(poptContext, int (*omitted)(const char *));

/* For omitted: a JID (it holds an '@') or no operand is not an account. */
int	client_not_account(const char *operand);

/* Prints s as a JSON string (quoted, escaped). */
void	client_json_string(const char *s, size_t len);

/*
 * Connects to the daemon of account; on failure prints why (naming the
 * account, and every place looked in) and exits with the status the
 * failure calls for.  wait_secs bounds every later read and write.  The
 * first request goes out without waiting for the daemon's greeting (one
 * round trip less): the greeting is read and checked before the first
 * reply, and a refusal it carries (ERR) is what the client reports.  The
 * daemon writes its greeting before it reads anything: when the
 * connection ends before the greeting, nothing the client sent was taken.
 */
void	client_open(struct client *, const char *sockdir, const char *account,
	    double wait_secs);

/*
 * The same, but returns -1 instead of exiting when no daemon listens (no
 * socket, or nobody accepting on it), with c->why saying where it looked.
 * A socket folder that cannot be trusted, or a daemon that is not who it
 * should be, still exits 77.
 */
int	client_try_open(struct client *, const char *sockdir,
	    const char *account, double wait_secs);

/* Sends a request line (and an optional body); exits if the daemon is gone. */
void	client_request(struct client *, const char *line, const char *body,
	    size_t bodylen);
/* Sends n requests already put together; exits if the daemon is gone. */
void	client_write(struct client *, const char *, size_t, unsigned long n);

/*
 * Reads one reply.  Returns 0 for OK (with *text pointing after "OK "),
 * else the exit status the daemon named (with *text its message).  For a
 * reply that carries a body, client_body() then reads it.
 */
int	client_reply(struct client *, char **text);

/*
 * A request and its reply: returns the text after "OK", or exits with the
 * status the daemon named, saying "account ACCOUNT: its message".
 */
char   *client_call(struct client *, const char *line, const char *body,
	    size_t bodylen);
char   *client_body(struct client *, size_t len);

/* Closes the connection and frees what client_open() took. */
void	client_close(struct client *);

/* Validates a JID given on the command line, exiting 65 if it is bad. */
void	client_check_jid(const char *jid, int need_node);

/* Exits 64 with a message if account is not a valid account name. */
void	client_check_account(const char *account);

/*
 * Finds the spool folder of the account's daemon in its lock file, looked
 * for where the socket is: returns 1 with the folder in spool and the lock
 * file's path in lock, 0 when there is no lock file with a spool line (in
 * where, the places looked in), and exits 77 for a lock file that cannot
 * be read or trusted.
 */
int	client_daemon_spool(const char *sockdir, const char *account,
	    char *spool, size_t len, char *lock, size_t locklen, char *where,
	    size_t wherelen);

#endif
