/*
 * xmppd.c: the daemon's state (struct xmppd in xmppd.h), one account's,
 * defined here, below every part that reads it, rather than in main.c at
 * the top.
 */
#include "xmppd.h"

struct xmppd xd;
