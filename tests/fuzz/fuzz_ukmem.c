/* fuzz_ukmem.c -- the libOS's memory functions on the host's, for speed */
#include <stddef.h>
#include <string.h>

/*
 * The libOS's own memset and memcpy (lib/string.c) are byte loops; under
 * ASan every byte is a checked access, and clearing one struct net
 * (1.6 MB) per input took 8 ms: the stack harness ran at 200 inputs a
 * second.  These pass the calls to the host's functions, which ASan
 * checks a whole range at a time (overlap in memcpy included).  The
 * prototypes are here: host.h's names exist in no header.
 */
void *ukt_memcpy(void *, const void *, size_t);
void *ukt_memmove(void *, const void *, size_t);
void *ukt_memset(void *, int, size_t);
int   ukt_memcmp(const void *, const void *, size_t);

void *
ukt_memcpy(void *d, const void *s, size_t n)
{
	return memcpy(d, s, n);
}

void *
ukt_memmove(void *d, const void *s, size_t n)
{
	return memmove(d, s, n);
}

void *
ukt_memset(void *d, int c, size_t n)
{
	return memset(d, c, n);
}

int
ukt_memcmp(const void *a, const void *b, size_t n)
{
	return memcmp(a, b, n);
}
