/* xenarch.h -- the x86_64 half of xenplat.h (PVH and PV bindings) */
#ifndef XENARCH_H
#define XENARCH_H

/* Included by xenplat.h only, after the Xen public headers. */

/*
 * Hypercalls go through the page Xen fills with one 32-byte stub per
 * hypercall (vmcall/vmmcall for PVH, syscall for PV).  Arguments in rdi,
 * rsi, rdx, r10, r8; result in rax.  Xen may clobber the argument
 * registers (debug builds poison them), hence the read-write constraints.
 */
extern char hypercall_page[4096];

static inline long
xen_hypercall3(unsigned int op, unsigned long a1, unsigned long a2,
    unsigned long a3)
{
	long ret;

	__asm__ volatile("call *%[stub]"
			 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3)
			 : [stub] "r"(hypercall_page + op * 32)
			 : "memory", "r8", "r10", "r11", "rcx");
	return ret;
}

/*
 * Barriers for rings shared with other domains.  x86 keeps loads ordered
 * with loads and stores with stores, so rmb/wmb only stop the compiler;
 * a store followed by a load of another location needs a real fence.
 */
#define xen_rmb() __asm__ volatile("" ::: "memory")
#define xen_wmb() __asm__ volatile("" ::: "memory")
#define xen_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)

/*
 * Masks event upcalls for good: events are polled (events.c).  Masking
 * also keeps Xen from trying to deliver to a callback we never set.
 */
static inline void
xen_upcalls_off(struct vcpu_info *v)
{
	v->evtchn_upcall_mask = 1;
}

/* trap.c -- CPU exceptions, after the binding's entry stubs */

#define NTRAPS 32 /* the CPU's exception vectors */

/*
 * The frame trap_stubs.h's stubs build on both bindings, lowest address
 * first: the general registers, the vector and the error code (0 when
 * the exception has none), then the CPU's own frame (on PV, the same
 * once the stub took back the rcx and r11 Xen pushed on top of it).
 */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* Each vector's entry stub, for the binding's IDT or trap table. */
extern const uint64_t trap_stubs[NTRAPS];
/*
 * Every exception is fatal in the libOS: the stubs call trap_fatal()
 * (shutdown.c), which has trap.c's trap_report() put the fault and the
 * registers on the console.
 */
void trap_report(const struct trap_frame *f);
/*
 * Provided by the binding's trap.c: the address of the last page fault,
 * %cr2 on PVH; Xen's copy in vcpu_info on PV, whose kernel cannot read
 * %cr2 (0 before shared info is mapped).
 */
uint64_t trap_fault_addr(void);

#endif /* XENARCH_H */
