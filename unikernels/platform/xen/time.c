/* time.c -- sleeping, on the architecture's clock (uk_now) */
#include "xenplat.h"

void
uk_sleep(uint64_t ns)
{
	uint64_t deadline = uk_now() + ns;

	/* No ports: any event ends the poll early, so loop on the time. */
	while (uk_now() < deadline)
		evtchn_wait(NULL, 0, deadline);
}
