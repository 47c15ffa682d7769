/* siphash.h -- SipHash-2-4 (siphash.c) */
#ifndef SIPHASH_H
#define SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define SIPHASH_KEY_LEN 16

/*
 * siphash: SipHash-2-4 (Aumasson and Bernstein, 2012) of msg[0..len-1]
 * under the 128-bit key.  Pure; tests hold it to the reference vectors.
 */
uint64_t siphash(const uint8_t key[SIPHASH_KEY_LEN], const uint8_t *msg,
    size_t len);

#endif /* SIPHASH_H */
