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

/*
 * What the other side of a TCP conversation expects next: the sequence
 * number acknowledged by the last segment it sent, and the one after
 * that segment.  fuzz_frame_seen takes them from a frame the code under
 * test sent; fuzz_frame_follow writes them into a fuzzed frame's TCP
 * header.  Initial sequence numbers are keyed hashes that no fuzzer
 * guesses: without this no handshake would complete and nothing behind
 * one (data, FIN, the hand-over records) would be reached.
 */
struct fuzz_tcp_next {
	int	 have;
	uint32_t seq; /* for our next segment: what they acknowledged */
	uint32_t ack; /* for our next ack: after their last segment */
};

void fuzz_frame_seen(struct fuzz_tcp_next *t, const uint8_t *f, size_t len);
void fuzz_frame_follow(const struct fuzz_tcp_next *t, uint8_t *f, size_t len);

#endif /* JITSUD_FUZZ_FRAME_H */
