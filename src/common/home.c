/*
 * home.c: the user's home folder (home_dir() in sockdir.h), for the
 * daemon and, built with HOME_FILES, for the clients.
 *
 * The clients are linked statically (see CLIENT_STATIC in the Makefile),
 * and a static program cannot use the system's user database (NSS)
 * without loading shared libraries of the very glibc it was built with:
 * they read /etc/passwd instead.  They need a home only for
 * xmpp-send --queue with no daemon, no $HOME, no $XDG_STATE_HOME and no
 * $XMPPD_STATE_DIR, as a user that is not root; a user known only to
 * LDAP or the like then gets "/nonexistent", and the error naming it.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockdir.h"

#ifdef HOME_FILES
/* The home of uid in /etc/passwd, or NULL. */
static const char *
passwd_home(uid_t uid)
{
	static char home[4096];
	struct passwd *pw;
	FILE *fp;

	if ((fp = fopen("/etc/passwd", "re")) == NULL)
		return NULL;
	while ((pw = fgetpwent(fp)) != NULL)
		if (pw->pw_uid == uid && pw->pw_dir != NULL) {
			snprintf(home, sizeof(home), "%s", pw->pw_dir);
			fclose(fp);
			return home;
		}
	fclose(fp);
	return NULL;
}
#else
static const char *
passwd_home(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);

	return pw != NULL ? pw->pw_dir : NULL;
}
#endif

const char *
home_dir(void)
{
	const char *home = getenv("HOME");

	if (home != NULL && *home == '/')
		return home;
	if ((home = passwd_home(geteuid())) != NULL)
		return home;
	return "/nonexistent";
}
