/* ready.c -- announcing readiness to the toolstack */
#include "libuk.h"

int
uk_ready(void)
{
	/* jitsud watches this node for exactly "ready". */
	return uk_xs_write("data/status", "ready");
}
