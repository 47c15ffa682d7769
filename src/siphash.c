/* siphash.c -- SipHash-2-4, the keyed hash behind Synjitsu's ISNs */
#include <stddef.h>
#include <stdint.h>

#include "siphash.h"

static uint64_t
siphash_le64(const uint8_t *p)
{
	uint64_t v = 0;
	int	 i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t
siphash_rotl(uint64_t x, int b)
{
	return x << b | x >> (64 - b);
}

static void
siphash_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = siphash_rotl(v[1], 13) ^ v[0];
	v[0] = siphash_rotl(v[0], 32);
	v[2] += v[3];
	v[3] = siphash_rotl(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = siphash_rotl(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = siphash_rotl(v[1], 17) ^ v[2];
	v[2] = siphash_rotl(v[2], 32);
}

/* One message word, two compression rounds. */
static void
siphash_word(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	siphash_round(v);
	siphash_round(v);
	v[0] ^= m;
}

uint64_t
siphash(const uint8_t key[SIPHASH_KEY_LEN], const uint8_t *msg, size_t len)
{
	uint64_t k0 = siphash_le64(key), k1 = siphash_le64(key + 8), v[4], last;
	size_t	 i, end = len & ~(size_t)7;

	v[0] = k0 ^ 0x736f6d6570736575ULL;
	v[1] = k1 ^ 0x646f72616e646f6dULL;
	v[2] = k0 ^ 0x6c7967656e657261ULL;
	v[3] = k1 ^ 0x7465646279746573ULL;
	for (i = 0; i < end; i += 8)
		siphash_word(v, siphash_le64(msg + i));
	last = (uint64_t)(len & 0xff) << 56;
	for (i = end; i < len; i++)
		last |= (uint64_t)msg[i] << (8 * (i - end));
	siphash_word(v, last);
	v[2] ^= 0xff;
	for (i = 0; i < 4; i++)
		siphash_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}
