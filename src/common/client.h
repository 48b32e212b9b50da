/* client.h: what xmpp-send, xmpp-status and xmpp-recv share. */
#ifndef CLIENT_H
#define CLIENT_H

#include <popt.h>
#include <stddef.h>
#include <sys/un.h>

#include "proto.h"

struct client {
	int		 fd;
	const char	*account;
	char		 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct buf	 in;
};

/* -S and -V, which every client has: include with POPT_ARG_INCLUDE_TABLE. */
extern struct poptOption client_options[];
extern char *client_sockdir;	/* -S DIR, or NULL */
extern poptContext client_pc;	/* the command line, once parsed */

/*
 * Parses the command line against opts; a bad option exits 64 and
 * --version prints the version and exits 0.  Returns the context, at the
 * operands.
 */
poptContext client_popt(const char *name, int argc, const char **argv,
	    struct poptOption *opts, const char *operands);

/* Prints the usage line and exits 64. */
void	client_usage(poptContext) __attribute__((noreturn));

/* Prints s as a JSON string (quoted, escaped). */
void	client_json_string(const char *s, size_t len);

/*
 * Connects to the daemon of account and checks its greeting; on failure
 * prints why (naming the account and socket path) and exits with the
 * status the failure calls for.  wait_secs bounds every later read.
 */
void	client_open(struct client *, const char *sockdir, const char *account,
	    double wait_secs);

/*
 * The same, but returns -1 instead of exiting when no daemon listens
 * (no socket, or nobody accepting on it).
 */
int	client_try_open(struct client *, const char *sockdir,
	    const char *account, double wait_secs);

/* Sends a request line (and an optional body); exits if the daemon is gone. */
void	client_request(struct client *, const char *line, const char *body,
	    size_t bodylen);
/* Sends requests already put together; exits if the daemon is gone. */
void	client_write(struct client *, const char *, size_t);

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

#endif
