/* impair.c -- deterministic pseudo-random loss and reordering decisions */
#include "unixplat.h"

/*
 * The host kernel may lack sch_netem; the TAP platform can then impair
 * its own link for tests (uk.loss=, uk.reorder= on the command line).
 * The decisions come from a seeded xorshift64 so a failing run can be
 * repeated with the same seed (uk.seed=).
 */

void
impair_init(struct impair *im, unsigned int loss, unsigned int reorder,
    uint64_t seed)
{
	im->loss = loss > 100 ? 100 : loss;
	im->reorder = reorder > 100 ? 100 : reorder;
	im->state = seed != 0 ? seed : 0x2545f4914f6cdd1dULL;
}

int
impair_roll(struct impair *im, unsigned int pct)
{
	uint64_t x = im->state;

	if (pct == 0)
		return 0;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	im->state = x;
	return (unsigned int)((x >> 32) % 100) < pct;
}
