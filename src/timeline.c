/* timeline.c -- the phases of one summon, in ms after its first query */
#include <stdint.h>
#include <stdio.h>

#include "jitsud.h"

/*
 * Pure bookkeeping: the callers pass the clock in, so a test sets every
 * moment by hand.  Which phases are set depends on what the backend can
 * see (xld.c and proc.c say which); an unset phase is never shown as a
 * guess.  There is no "first byte served": jitsud does not sit on the
 * guest's data path, so no backend sees it; with Synjitsu the last
 * moments jitsud does see are the hand-over and its adoption.
 */

static const char *const tl_names[TL_NPHASES] = {
	[TL_QUERY] = "query",
	[TL_BUILD] = "build",
	[TL_CREATED] = "created",
	[TL_DEVICES] = "devices",
	[TL_UNPAUSED] = "unpaused",
	[TL_READY] = "ready",
	[TL_HANDOVER] = "handover",
	[TL_ADOPTED] = "adopted",
};

const char *
timeline_phase_name(enum tl_phase p)
{
	return (unsigned)p < TL_NPHASES ? tl_names[p] : "?";
}

void
timeline_start(struct timeline *tl, uint64_t now_ms)
{
	int p;

	for (p = 0; p < TL_NPHASES; p++)
		tl->at[p] = 0;
	tl->origin_ms = now_ms != 0 ? now_ms : 1;
	tl->set = 1u << TL_QUERY;
}

int
timeline_mark(struct timeline *tl, enum tl_phase p, uint64_t now_ms,
    uint64_t *ms)
{
	if ((unsigned)p >= TL_NPHASES || tl->origin_ms == 0 ||
	    (tl->set & (1u << p)) != 0)
		return -1;
	/* A report stamped in another thread just before the query. */
	tl->at[p] = now_ms > tl->origin_ms ? now_ms - tl->origin_ms : 0;
	tl->set |= 1u << p;
	if (ms != NULL)
		*ms = tl->at[p];
	return 0;
}

int
timeline_get(const struct timeline *tl, enum tl_phase p, uint64_t *ms)
{
	if ((unsigned)p >= TL_NPHASES || (tl->set & (1u << p)) == 0)
		return 0;
	*ms = tl->at[p];
	return 1;
}

void
timeline_format(const struct timeline *tl, char *buf, size_t len)
{
	size_t	 off = 0;
	uint64_t ms;
	int	 p, n;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (p = 0; p < TL_NPHASES; p++) {
		if (!timeline_get(tl, (enum tl_phase)p, &ms))
			continue;
		n = snprintf(buf + off, len - off, "%s%s=%llu", off ? " " : "",
		    tl_names[p], (unsigned long long)ms);
		if (n < 0 || (size_t)n >= len - off)
			return; /* cut short, still NUL-ended */
		off += (size_t)n;
	}
}
