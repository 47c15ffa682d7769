/* ready.c -- announcing readiness to the toolstack */
#include "libuk.h"

static ready_hook_fn *hook;

void
ready_set_hook(ready_hook_fn *fn)
{
	hook = fn;
}

int
uk_ready(void)
{
	int rc;

	/*
	 * The hand-over's request first: jitsud prepares the records while
	 * we write data/status, instead of after.  Whatever the write
	 * does, a hand-over must end, if only by giving up.
	 */
	if (hook != NULL && hook(&rc))
		return rc;
	return uk_xs_write(UK_READY_PATH, UK_READY_VALUE);
}
