/* trap.c -- PVH IDT for CPU exceptions (the report: xen-x86/trap.c) */
#include "pvh.h"

/*
 * A PVH guest kernel runs in ring 0 of an HVM container, so the CPU
 * delivers exceptions through an IDT of our own and a TSS can give the
 * double fault a stack of its own (below).  PV has neither (xen-pv/
 * trap.c); the entry stubs and the report are shared (trap_stubs.h,
 * xen-x86/trap.c).
 */

struct idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t zero;
};

/* The 64-bit TSS: only its IST pointers matter here (no ring changes). */
struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

#define GATE_INTR  0x8e /* present, DPL 0, 64-bit interrupt gate */
#define SEL_CODE64 0x08
#define SEL_TSS	   0x18
#define VEC_DF	   8
#define IST_DF	   1 /* the TSS's ist[0] */
#define IST_STACK  8192

static struct idt_gate idt[NTRAPS] __attribute__((aligned(16)));

/*
 * A double fault runs on a stack of its own.  The usual cause of one is
 * a fault while the CPU pushes an exception frame (the stack pointer ran
 * off its stack, or points at garbage): on the same stack the #DF frame
 * cannot be pushed either and the CPU shuts down with a triple fault,
 * which reports nothing.  The IST switch makes it a fatal-trap report.
 */
static struct tss64 tss __attribute__((aligned(16)));
static char df_stack[IST_STACK] __attribute__((aligned(16)));

/*
 * boot.S's GDT (null, 64-bit code 0x08, data 0x10) plus a TSS at 0x18;
 * same selectors, so the loaded segment registers stay valid.  Writable:
 * ltr sets the busy bit in the TSS descriptor.
 */
static uint64_t gdt[5] __attribute__((aligned(16))) = {
	0, 0x00af9a000000ffffULL, 0x00cf92000000ffffULL, 0,
	0, /* the 16-byte TSS descriptor, filled in by tss_init() */
};

static void
tss_init(void)
{
	uint64_t base = (uint64_t)(uintptr_t)&tss;
	uint64_t limit = sizeof(tss) - 1;
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) desc;

	tss.ist[IST_DF - 1] = (uint64_t)(uintptr_t)(df_stack +
	    sizeof(df_stack));
	tss.iomap_base = sizeof(tss); /* no I/O bitmap */
	/* Available 64-bit TSS (type 9), present, DPL 0. */
	gdt[3] = (limit & 0xffff) | (base & 0xffffff) << 16 |
	    (uint64_t)0x89 << 40 | ((limit >> 16) & 0xf) << 48 |
	    ((base >> 24) & 0xff) << 56;
	gdt[4] = base >> 32;
	desc.limit = sizeof(gdt) - 1;
	desc.base = (uint64_t)(uintptr_t)gdt;
	__asm__ volatile("lgdt %0" ::"m"(desc));
	__asm__ volatile("ltr %w0" ::"r"(SEL_TSS));
}

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
		idt[i].ist = i == VEC_DF ? IST_DF : 0;
		idt[i].type = GATE_INTR;
		idt[i].off_mid = (uint16_t)(trap_stubs[i] >> 16);
		idt[i].off_hi = (uint32_t)(trap_stubs[i] >> 32);
		idt[i].zero = 0;
	}
	desc.limit = sizeof(idt) - 1;
	desc.base = (uint64_t)(uintptr_t)idt;
	tss_init();
	__asm__ volatile("lidt %0" ::"m"(desc));
}

uint64_t
trap_fault_addr(void)
{
	uint64_t cr2;

	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	return cr2;
}
