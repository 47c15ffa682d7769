/* boot.S -- arm32 entry: zImage header, identity map, caches, vectors, C */

/*
 * Xen's ARM domain builder loads an arm32 zImage: it checks the magic
 * at 0x24, copies the file to RAM base + 32 KiB (libxl) or to the
 * header's start address (Xen's own builder, for dom0less; the same
 * address here), and enters its first byte in SVC mode, ARM state, MMU
 * and caches off, IRQs, FIQs and aborts masked, with the device tree's
 * (physical) address in r2.  We check we run where we were linked,
 * switch the MMU on over the static identity map below, zero BSS, give
 * IRQ mode a stack, take the boot stack and call arm_start(fdt) (in
 * Thumb: the linker makes the call switch state).
 *
 * The page tables are LPAE long-descriptor tables (TTBCR.EAE), the same
 * descriptors as arm64's, and initialised data, not built at run time:
 * with the MMU off, stores do not go through the data cache, and tables
 * written that way could be hidden by stale cache lines once it is on.
 * The builder cleaned the image to memory when it loaded it.
 */

#define BOOT_STACK	0x10000
#define TRAP_STACK	0x1000
#define IRQ_STACK	0x200
#define FRAME_SIZE	(18 * 4)	/* struct trap_frame (xenarch.h) */
#define FRAME_SP	(13 * 4)
#define FRAME_LR	(14 * 4)
#define FRAME_EXC_LR	(15 * 4)
#define FRAME_SPSR	(16 * 4)
#define FRAME_KIND	(17 * 4)

#define MODE_USR	0x10
#define MODE_IRQ	0x12
#define MODE_SVC	0x13
#define MODE_SYS	0x1f
#define PSR_F		0x40
#define PSR_I		0x80

#define ZIMAGE_MAGIC	0x016f2818

/* MAIR0: attribute 0 Device-nGnRnE, 1 Normal write-back (MAIR1 unused). */
#define MAIR0_VALUE	0xff00
/*
 * TTBCR: long descriptors (EAE), T0SZ 0 (TTBR0 translates all 4 GiB,
 * from a first-level table of 4 entries), walks write-back and inner
 * shareable, no TTBR1 walks (EPD1).
 */
#define TTBCR_VALUE	((1 << 31) | (1 << 8) | (1 << 10) | (3 << 12) | \
			 (1 << 23))
#define SCTLR_SET	((1 << 0) | (1 << 2) | (1 << 11) | (1 << 12)) /* M C Z I */
/* A, V (vectors at VBAR), EE, TRE, AFE, TE (exceptions in ARM state). */
#define SCTLR_CLEAR	((1 << 1) | (1 << 13) | (1 << 25) | (1 << 28) | \
			 (1 << 29) | (1 << 30))

/*
 * Block descriptors' low words: valid block, AttrIndx, inner shareable,
 * access flag; the device one's high word sets XN and PXN.
 */
#define PT_TABLE	3
#define PT_NORMAL	(1 | (1 << 2) | (3 << 8) | (1 << 10))
#define PT_DEVICE	(1 | (0 << 2) | (1 << 10))
#define PT_DEVICE_HI	(3 << 21)
#define NORMAL_BASE	0x38000000	/* xen-arm/arm.c: normal memory from here */

	.syntax	unified
	.arm
	.section .text.boot, "ax"
	.globl	_start
_start:
	/* The zImage header: nine words of code, then magic, start, end. */
	b	start_svc
	.rept	8
	mov	r0, r0
	.endr
	.long	ZIMAGE_MAGIC		/* 0x24 */
	.long	_start			/* 0x28: where to load, and enter */
	.long	__zimage_end		/* 0x2c: start + the file's size */

start_svc:
	cpsid	aif
	mov	r10, r2
	/* Linked for one address: stop if loaded elsewhere. */
	adr	r0, _start
	ldr	r1, =_start
	cmp	r0, r1
	bne	hang
	ldr	r0, =vectors
	mcr	p15, 0, r0, c12, c0, 0		/* VBAR */
	ldr	r0, =MAIR0_VALUE
	mcr	p15, 0, r0, c10, c2, 0		/* MAIR0 */
	ldr	r0, =TTBCR_VALUE
	mcr	p15, 0, r0, c2, c0, 2		/* TTBCR */
	ldr	r0, =boot_l1
	mov	r1, #0
	mcrr	p15, 0, r0, r1, c2		/* TTBR0, 64 bits */
	isb
	mov	r0, #0
	mcr	p15, 0, r0, c8, c7, 0		/* TLBIALL */
	mcr	p15, 0, r0, c7, c5, 0		/* ICIALLU */
	mcr	p15, 0, r0, c7, c5, 6		/* BPIALL */
	dsb	nsh
	isb
	mrc	p15, 0, r0, c1, c0, 0		/* SCTLR */
	ldr	r1, =SCTLR_SET
	orr	r0, r0, r1
	ldr	r1, =SCTLR_CLEAR
	bic	r0, r0, r1
	mcr	p15, 0, r0, c1, c0, 0
	isb

	ldr	r0, =__bss_start
	ldr	r1, =__bss_end
	mov	r2, #0
	mov	r3, #0
1:	cmp	r0, r1
	bhs	2f
	strd	r2, r3, [r0], #8
	b	1b
2:	cps	#MODE_IRQ
	ldr	sp, =irq_stack + IRQ_STACK
	cps	#MODE_SVC
	ldr	sp, =boot_stack + BOOT_STACK
	mov	r0, r10
	bl	arm_start
hang:
	wfi
	b	hang

/*
 * The exception vectors, 32-byte aligned.  An IRQ is the wake-up
 * SCHEDOP_block lets in (xen-arm/wait.c): irq_entry handles it on IRQ
 * mode's stack and returns.  Every other exception is fatal: each mode
 * has its own sp, which the entry points at the trap stack (a fault
 * with the SVC sp gone wrong is reported too), saves r0..r12 there and
 * joins trap_entry with the vector's number.
 */
	.text
	.p2align 5
vectors:
	b	hang			/* reset: never taken */
	b	undef_entry
	b	svc_entry
	b	pabt_entry
	b	dabt_entry
	b	hang			/* hyp trap: not for a guest */
	b	irq_entry
	b	fiq_entry

	.macro	TRAP name, kind
\name:
	ldr	sp, =trap_stack + TRAP_STACK - FRAME_SIZE
	stmia	sp, {r0-r12}
	mov	r0, #\kind
	b	trap_entry
	.endm
	TRAP	undef_entry, 1
	TRAP	svc_entry, 2
	TRAP	pabt_entry, 3
	TRAP	dabt_entry, 4
	TRAP	fiq_entry, 7

/*
 * The caller-saved registers (AAPCS: r0..r3, r12) and the return
 * address on IRQ mode's stack (24 bytes: 8-aligned stays so),
 * gic_irq(), and back with SPSR restored.  IRQs stay masked in IRQ mode:
 * no second one comes first.
 */
irq_entry:
	sub	lr, lr, #4
	push	{r0-r3, r12, lr}
	bl	gic_irq
	ldmfd	sp!, {r0-r3, r12, pc}^

/*
 * The rest of struct trap_frame: the exception's lr and SPSR, its kind,
 * and the interrupted mode's sp and lr, read by visiting that mode with
 * IRQs and FIQs masked (SYS for USR: the same registers, and a way
 * back).  An svc taken in SVC mode would show the trap stack; the libOS
 * makes none.
 */
trap_entry:
	str	r0, [sp, #FRAME_KIND]
	str	lr, [sp, #FRAME_EXC_LR]
	mrs	r1, spsr
	str	r1, [sp, #FRAME_SPSR]
	mrs	r4, cpsr
	and	r2, r1, #0x1f
	cmp	r2, #MODE_USR
	moveq	r2, #MODE_SYS
	orr	r2, r2, #(PSR_I | PSR_F)
	msr	cpsr_c, r2
	mov	r5, sp
	mov	r6, lr
	msr	cpsr_c, r4
	str	r5, [sp, #FRAME_SP]
	str	r6, [sp, #FRAME_LR]
	mov	r0, sp
	bl	trap_fatal
	b	hang

/*
 * The identity map of the low 2 GiB: the first-level table maps 1..2
 * GiB (RAM) with one 1 GiB block of normal memory, and the first GiB
 * through a second-level table of 2 MiB blocks: device memory below
 * NORMAL_BASE (the GIC), normal memory above (the grant-table and
 * magic-page regions).  2..4 GiB stay unmapped.  Each descriptor is 64
 * bits, little-endian: low word, then high word.
 */
	.section .data.pagetables, "aw"
	.p2align 12
boot_l2:
	.set	blk, 0
	.rept	512
	.if	blk < (NORMAL_BASE >> 21)
	.long	(blk << 21) + PT_DEVICE, PT_DEVICE_HI
	.else
	.long	(blk << 21) + PT_NORMAL, 0
	.endif
	.set	blk, blk + 1
	.endr
boot_l1:
	.long	boot_l2 + PT_TABLE, 0
	.long	(1 << 30) + PT_NORMAL, 0
	.long	0, 0
	.long	0, 0

	.section .bss.boot, "aw", %nobits
	.p2align 12
boot_stack:
	.skip	BOOT_STACK
trap_stack:
	.skip	TRAP_STACK
irq_stack:
	.skip	IRQ_STACK
