/* trap_entry.S -- PV exception entry: undo Xen's bounce, the shared stubs */

/*
 * Xen's bounce frame is the CPU's (ss, rsp, rflags, cs, rip, error code
 * when the exception has one) plus the guest's rcx and r11 on top, which
 * Xen used for its own return path.  Each stub first takes those two
 * back into their registers: what is left is the CPU's frame, as on PVH,
 * and from there trap_stubs.h's stubs are the same on both bindings.
 */

	.macro	trap_stub_entry
	popq	%rcx
	popq	%r11
	.endm

#include "trap_stubs.h"
