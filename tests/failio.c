/*
 * failio.so: makes the disk fail on demand, for the tests of what the
 * daemon does when its spool cannot be written.  Preloaded into xmppd
 * (LD_PRELOAD); while the file named by $FAILIO_FLAG exists, fsync() and
 * fdatasync() fail with EIO, as they do on a disk that lost a write.
 * With $FAILIO_COUNT, every call appends a line to that file, so that a
 * test can count the syncs (the group commit's whole point).  Nothing
 * else changes.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
count(const char *what)
{
	const char *path = getenv("FAILIO_COUNT");
	int fd;

	if (path == NULL || (fd = open(path, O_WRONLY | O_APPEND | O_CREAT,
	    0600)) == -1)
		return;
	(void)!write(fd, what, strlen(what));
	close(fd);
}

static int
failing(void)
{
	const char *flag = getenv("FAILIO_FLAG");

	return flag != NULL && access(flag, F_OK) == 0;
}

int
fsync(int fd)
{
	static int (*real)(int);

	count("fsync\n");
	if (failing()) {
		errno = EIO;
		return -1;
	}
	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	return real(fd);
}

int
fdatasync(int fd)
{
	static int (*real)(int);

	count("fdatasync\n");
	if (failing()) {
		errno = EIO;
		return -1;
	}
	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
	return real(fd);
}
