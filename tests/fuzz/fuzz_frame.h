/* fuzz_frame.h -- Ethernet frames for the packet harnesses */
#ifndef JITSUD_FUZZ_FRAME_H
#define JITSUD_FUZZ_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define FUZZ_FRAME_MAX 1600

/*
 * fuzz_frame_fix: when f[0..len) is IPv4, rewrite its header checksum
 * and, for TCP, UDP and ICMP, the checksum of as much of the payload as
 * the IP total length and the frame hold.  A fuzzer rarely guesses a
 * checksum: without this nearly every mutated segment would stop at the
 * first check, and the state machines behind it would go untested.
 * Harnesses fix some frames and leave others as they came.
 */
void fuzz_frame_fix(uint8_t *f, size_t len);

#endif /* JITSUD_FUZZ_FRAME_H */
