/* trap.c -- IDT for CPU exceptions: report the fault, crash the domain */
#include "pvh.h"

/* The frame trap_entry.S builds, lowest address first. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;	/* pushed by the CPU */
};

struct idt_gate {
	uint16_t	off_lo;
	uint16_t	sel;
	uint8_t		ist;
	uint8_t		type;
	uint16_t	off_mid;
	uint32_t	off_hi;
	uint32_t	zero;
};

#define NTRAPS		32
#define GATE_INTR	0x8e	/* present, DPL 0, 64-bit interrupt gate */
#define SEL_CODE64	0x08

extern const uint64_t trap_stubs[NTRAPS];
void	trap_fatal(struct trap_frame *f) UK_NORETURN;

static struct idt_gate idt[NTRAPS] __attribute__((aligned(16)));
static int in_trap;

static const char *const trap_names[NTRAPS] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow",
	"bound range", "invalid opcode", "device not available",
	"double fault", "coprocessor overrun", "invalid TSS",
	"segment not present", "stack fault", "general protection",
	"page fault", "reserved", "x87 FP error", "alignment check",
	"machine check", "SIMD FP error", "virtualization", "control protection",
};

void
trap_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) desc;
	int i;

	for (i = 0; i < NTRAPS; i++) {
		idt[i].off_lo = (uint16_t)trap_stubs[i];
		idt[i].sel = SEL_CODE64;
		idt[i].ist = 0;
		idt[i].type = GATE_INTR;
		idt[i].off_mid = (uint16_t)(trap_stubs[i] >> 16);
		idt[i].off_hi = (uint32_t)(trap_stubs[i] >> 32);
		idt[i].zero = 0;
	}
	desc.limit = sizeof(idt) - 1;
	desc.base = (uint64_t)(uintptr_t)idt;
	__asm__ volatile("lidt %0" :: "m"(desc));
}

void
trap_fatal(struct trap_frame *f)
{
	const char *name = "reserved";
	uint64_t cr2;

	/* A fault while reporting one: give up without touching drivers. */
	if (in_trap++)
		xen_crash();
	if (f->vector < NTRAPS && trap_names[f->vector] != NULL)
		name = trap_names[f->vector];
	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	printf("uk: fatal trap %lu (%s) error %#lx\n", (unsigned long)f->vector,
	    name, (unsigned long)f->error);
	printf("uk: rip %#lx rsp %#lx rflags %#lx cr2 %#lx\n",
	    (unsigned long)f->rip, (unsigned long)f->rsp,
	    (unsigned long)f->rflags, (unsigned long)cr2);
	printf("uk: rax %#lx rbx %#lx rcx %#lx rdx %#lx rsi %#lx rdi %#lx\n",
	    (unsigned long)f->rax, (unsigned long)f->rbx,
	    (unsigned long)f->rcx, (unsigned long)f->rdx,
	    (unsigned long)f->rsi, (unsigned long)f->rdi);
	uk_shutdown(UK_CRASH);
}
