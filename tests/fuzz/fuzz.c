/* fuzz.c -- helpers shared by the harnesses (see fuzz.h) */
#include "fuzz.h"

/*
 * Built both hosted (the daemon's harnesses) and with the libOS's
 * host.h renames (its harnesses), so only the calls both agree on.
 */
#include <stdio.h>
#include <stdlib.h>

void
fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "fuzz: %s:%d: contract broken: %s\n", file, line, what);
	abort();
}

size_t
fuzz_take(struct fuzz_in *in, const uint8_t **p, size_t n)
{
	if (n > in->left)
		n = in->left;
	*p = in->p;
	in->p += n;
	in->left -= n;
	return n;
}

uint8_t
fuzz_byte(struct fuzz_in *in)
{
	const uint8_t *p;

	return fuzz_take(in, &p, 1) == 1 ? p[0] : 0;
}

uint16_t
fuzz_u16(struct fuzz_in *in)
{
	uint16_t hi = fuzz_byte(in);

	return (uint16_t)(hi << 8 | fuzz_byte(in));
}
