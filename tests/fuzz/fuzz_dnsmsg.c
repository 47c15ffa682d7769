/* fuzz_dnsmsg.c -- a reply checked as one whole DNS message (fuzz.h) */
#include "fuzz.h"

#define DNS_HEADER_LEN 12

/*
 * The end of the name at r[off], or 0 if it is not a well-formed one:
 * labels of at most 63 bytes, at most 255 in all, compression pointers
 * that point back into the message.
 */
static size_t
fuzz_dns_name(const uint8_t *r, size_t len, size_t off)
{
	size_t end = 0, total = 0, at = off;
	int    jumps = 0;

	for (;;) {
		if (at >= len)
			return 0;
		if ((r[at] & 0xc0) == 0xc0) {
			if (at + 1 >= len || ++jumps > 64)
				return 0;
			if (end == 0)
				end = at + 2;
			if ((size_t)((r[at] & 0x3f) << 8 | r[at + 1]) >= at)
				return 0;
			at = (size_t)((r[at] & 0x3f) << 8 | r[at + 1]);
			continue;
		}
		if (r[at] > 63 || (total += r[at] + 1u) > 255)
			return 0;
		if (r[at] == 0)
			return end ? end : at + 1;
		at += r[at] + 1u;
	}
}

void
fuzz_dns_message(const uint8_t *r, size_t len)
{
	size_t off = DNS_HEADER_LEN, n;
	int    sect, i;

	for (sect = 0; sect < 4; sect++)
		for (i = 0; i < (r[4 + 2 * sect] << 8 | r[5 + 2 * sect]); i++) {
			FUZZ_CHECK((off = fuzz_dns_name(r, len, off)) != 0);
			if (sect == 0) {
				off += 4;
				continue;
			}
			FUZZ_CHECK(off + 10 <= len);
			n = (size_t)(r[off + 8] << 8 | r[off + 9]);
			off += 10 + n;
			FUZZ_CHECK(off <= len);
		}
	FUZZ_CHECK(off == len);
}
