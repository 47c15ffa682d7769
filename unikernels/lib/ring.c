/* ring.c -- byte rings with free-running 32-bit indices (console, XenStore) */
#include "libuk.h"

/*
 * Index arithmetic: prod - cons, computed in uint32_t, is the number of
 * bytes in flight even after either index wrapped past 2^32, because the
 * ring size divides 2^32.  A position inside the ring is index & (size - 1).
 * The peer writes one of the two indices, so an impossible distance (more
 * than size) is reported, never used to index memory.
 */

int
ring_write(char *ring, uint32_t size, uint32_t prod, uint32_t cons,
    const void *src, size_t len)
{
	uint32_t used = prod - cons, room, off, first;
	const char *s = src;

	if (used > size)
		return -1;
	room = size - used;
	if (len > room)
		len = room;
	off = prod & (size - 1);
	first = size - off;
	if (first > len)
		first = (uint32_t)len;
	memcpy(ring + off, s, first);
	memcpy(ring, s + first, len - first);
	return (int)len;
}

int
ring_read(const char *ring, uint32_t size, uint32_t prod, uint32_t cons,
    void *dst, size_t len)
{
	uint32_t used = prod - cons, off, first;
	char *d = dst;

	if (used > size)
		return -1;
	if (len > used)
		len = used;
	off = cons & (size - 1);
	first = size - off;
	if (first > len)
		first = (uint32_t)len;
	memcpy(d, ring + off, first);
	memcpy(d + first, ring, len - first);
	return (int)len;
}
