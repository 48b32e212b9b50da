/*
 * fuzz.h: shared helpers for the libFuzzer targets in tests/fuzz/.
 *
 * CHECK() states an invariant; when it fails, the message goes straight to
 * file descriptor 2 (stderr may be pointed elsewhere while the code under
 * test runs) and abort() makes libFuzzer save the input as a crash.
 *
 * KNOWN() marks a bug in src/ that has been reported but not yet fixed.
 * It is tolerated so that fuzzing can go on looking for new problems,
 * unless FUZZ_STRICT=1 is set in the environment, in which case it fails
 * like CHECK().  Once the bug is fixed, turn the KNOWN() into a CHECK().
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

__attribute__((noreturn, format(printf, 4, 5), unused)) static void
fuzz_fail(const char *file, int line, const char *what, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	int n;

	n = snprintf(msg, sizeof(msg), "%s:%d: %s: ", file, line, what);
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	/* Raw write: stderr (the FILE) may be redirected by the harness. */
	dprintf(2, "\n==FUZZ== invariant failed: %s\n", msg);
	abort();
}

__attribute__((unused)) static int
fuzz_strict(void)
{
	static int strict = -1;
	const char *e;

	if (strict == -1) {
		e = getenv("FUZZ_STRICT");
		strict = e != NULL && *e != '\0' && strcmp(e, "0") != 0;
	}
	return strict;
}

#define CHECK(cond, ...) do {						\
	if (!(cond))							\
		fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);	\
} while (0)

/* A reported bug: fails only under FUZZ_STRICT=1 (see above). */
#define KNOWN(cond, ...) do {						\
	if ((cond) && fuzz_strict())					\
		fuzz_fail(__FILE__, __LINE__, "known bug", __VA_ARGS__); \
} while (0)

/* NUL-terminated copy of exactly len bytes, so ASan sees any overread. */
__attribute__((unused)) static char *
fuzz_strndup(const uint8_t *data, size_t len)
{
	char *s = malloc(len + 1);

	if (s == NULL)
		abort();
	if (len > 0)
		memcpy(s, data, len);
	s[len] = '\0';
	return s;
}

#endif
