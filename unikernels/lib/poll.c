/* poll.c -- the event loop: I/O handlers, timers, waiting */
#include "libuk.h"

static poll_hook_fn *hook;
static poll_dump_fn *dump;

void
poll_set_hook(poll_hook_fn *fn)
{
	hook = fn;
}

void
poll_set_dump(poll_dump_fn *fn)
{
	dump = fn;
}

void
poll_dump(void)
{
	printf("uk: now %llu ns, next timer %llu ns\n",
	    (unsigned long long)uk_now(), (unsigned long long)timer_next());
	if (dump != NULL)
		dump();
}

int
uk_poll(uint64_t deadline)
{
	uint64_t now, until;
	int n;

	for (;;) {
		n = plat_dispatch();
		if (hook != NULL)
			n += hook();
		n += timer_run_due(uk_now());
		if (n > 0)
			return n;
		now = uk_now();
		if (now >= deadline)
			return 0;
		until = timer_next();
		if (until > deadline)
			until = deadline;
		/* A timer may have come due between the two uk_now() reads. */
		if (until > now)
			plat_wait(until);
	}
}
