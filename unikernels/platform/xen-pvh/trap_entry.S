/* trap_entry.S -- PVH exception entry: the shared stubs, as they are */

/*
 * The CPU delivers each exception through the IDT (trap.c), the double
 * fault on its IST stack, and pushes its own frame: already what
 * trap_stubs.h's stubs build on, so there is nothing to undo first.
 */

	.macro	trap_stub_entry
	.endm

#include "trap_stubs.h"
