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
	/* jitsud watches this node for exactly "ready". */
	int rc = uk_xs_write("data/status", "ready");

	/* Even if that failed: a hand-over must end, if only by giving up. */
	if (hook != NULL)
		hook();
	return rc;
}
