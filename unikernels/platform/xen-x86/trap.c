/* trap.c -- the fatal-exception report both x86 Xen bindings share */
#include "xenplat.h"

/*
 * How an exception reaches trap_fatal() is the binding's business: an
 * IDT with an IST stack for the double fault on PVH, a trap table given
 * to Xen on PV (xen-pvh/trap.c, xen-pv/trap.c, and their trap_entry.S
 * around trap_stubs.h).  What happens then is the same on both.
 */

/* clang-format off */
static const char *const trap_names[NTRAPS] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow",
	"bound range", "invalid opcode", "device not available",
	"double fault", "coprocessor overrun", "invalid TSS",
	"segment not present", "stack fault", "general protection",
	"page fault", "reserved", "x87 FP error", "alignment check",
	"machine check", "SIMD FP error", "virtualization", "control protection",
};
/* clang-format on */

void
trap_report(const struct trap_frame *f)
{
	/* Taken first: what this fault left, before any console code runs. */
	uint64_t cr2 = trap_fault_addr();
	const char *name = "reserved";

	if (f->vector < NTRAPS && trap_names[f->vector] != NULL)
		name = trap_names[f->vector];
	printf("uk: fatal trap %lu (%s) error %#lx\n", (unsigned long)f->vector,
	    name, (unsigned long)f->error);
	printf("uk: rip %#lx rsp %#lx rflags %#lx cr2 %#lx\n",
	    (unsigned long)f->rip, (unsigned long)f->rsp,
	    (unsigned long)f->rflags, (unsigned long)cr2);
	printf("uk: rax %#lx rbx %#lx rcx %#lx rdx %#lx rsi %#lx rdi %#lx\n",
	    (unsigned long)f->rax, (unsigned long)f->rbx, (unsigned long)f->rcx,
	    (unsigned long)f->rdx, (unsigned long)f->rsi,
	    (unsigned long)f->rdi);
}
