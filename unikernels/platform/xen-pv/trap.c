/* trap.c -- PV trap table for CPU exceptions (the report: xen-x86/trap.c) */
#include "pv.h"

/*
 * A PV guest has no IDT: it hands Xen a table of handlers and Xen
 * "bounces" each exception to one, on the current stack (we never leave
 * kernel mode).  There is no IST either: a fault whose frame Xen cannot
 * write (a stack pointer in unmapped memory) is not a double fault the
 * guest sees, Xen crashes the domain itself and says so in its log.
 */

#define TRAP_MASK_EVENTS 4 /* trap_info flags: set the upcall mask */

/* Terminated by an entry whose address is 0. */
static trap_info_t trap_table[NTRAPS + 1];

void
trap_init(void)
{
	int i;

	/*
	 * Every vector, though Xen never bounces a #DF or an NMI this way:
	 * a stray one would at least land in trap_fatal.  Upcalls stay
	 * masked on entry (they always are in the libOS anyway).
	 */
	for (i = 0; i < NTRAPS; i++) {
		trap_table[i].vector = (uint8_t)i;
		trap_table[i].flags = TRAP_MASK_EVENTS;
		trap_table[i].cs = FLAT_KERNEL_CS;
		trap_table[i].address = trap_stubs[i];
	}
	if (xen_set_trap_table(trap_table) != 0)
		xen_crash();
}

uint64_t
trap_fault_addr(void)
{
	/* Xen puts a page fault's address in vcpu_info, not in %cr2. */
	if (xenplat.shared_info == NULL)
		return 0;
	return xenplat.shared_info->vcpu_info[0].arch.cr2;
}
