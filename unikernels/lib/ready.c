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
	/*
	 * The hand-over's request first: jitsud prepares the records while
	 * we write data/status, instead of after.  Whatever the write
	 * does, a hand-over must end, if only by giving up.
	 */
	if (hook != NULL)
		hook();
	/* jitsud watches this node for exactly "ready". */
	return uk_xs_write("data/status", "ready");
}
