/* boot.S -- arm64 entry: Image header, identity map, caches, vectors, C */

/*
 * Xen's ARM domain builder loads a Linux arm64 Image: it checks the
 * header's magic, copies the file to RAM base + text_offset and enters
 * its first byte in EL1, MMU and data cache off, all exceptions masked,
 * with the device tree's (physical) address in x0.  We check we run
 * where we were linked, switch the MMU on over the static identity map
 * below, zero BSS, take the boot stack and call arm_start(fdt).
 *
 * The page tables are initialised data, not built at run time: with
 * the MMU off, stores do not go through the data cache, and tables
 * written that way could be hidden by stale cache lines once it is on.
 * The builder cleaned the image to memory when it loaded it.
 */

#define TEXT_OFFSET	0x80000
#define BOOT_STACK	0x10000
#define TRAP_STACK	0x1000
#define FRAME_SIZE	(38 * 8)	/* struct trap_frame, 16-aligned */

/* MAIR_EL1: attribute 0 Device-nGnRnE, 1 Normal write-back. */
#define MAIR_VALUE	0xff00
/*
 * TCR_EL1: 39-bit VA (T0SZ 25: starts at level 1), 4 KiB granule,
 * walks write-back and inner shareable, no TTBR1 walks (EPD1), 36-bit
 * IPA (64 GiB, every Xen guest layout's low RAM).
 */
#define TCR_VALUE	(25 | (1 << 8) | (1 << 10) | (3 << 12) | (1 << 23) | \
			 (1 << 32))
#define SCTLR_SET	((1 << 0) | (1 << 2) | (1 << 12))	/* M, C, I */
#define SCTLR_CLEAR	((1 << 1) | (1 << 19) | (1 << 25))	/* A, WXN, EE */

/* Block descriptors: valid, AttrIndx, inner shareable, access flag. */
#define PT_TABLE	3
#define PT_NORMAL	(1 | (1 << 2) | (3 << 8) | (1 << 10))
#define PT_DEVICE	(1 | (0 << 2) | (1 << 10) | (3 << 53))	/* + XN */
#define NORMAL_BASE	0x38000000	/* xen-arm/arm.c: normal memory from here */

	.section .text.boot, "ax"
	.globl	_start
_start:
	/* The Image header (Linux's Documentation/arm64/booting.rst). */
	b	start_el1		/* code0 */
	.long	0			/* code1 */
	.quad	TEXT_OFFSET		/* text_offset */
	.quad	__image_size		/* image_size: with BSS (arm64.ld) */
	.quad	2			/* flags: little-endian, 4 KiB pages */
	.quad	0, 0, 0
	.ascii	"ARM\x64"		/* magic */
	.long	0

start_el1:
	msr	daifset, #0xf
	mov	x19, x0
	/* Linked for one address: stop if loaded elsewhere. */
	adr	x1, _start
	ldr	x2, =_start
	cmp	x1, x2
	b.ne	hang
	ldr	x1, =vectors
	msr	vbar_el1, x1
	ldr	x1, =MAIR_VALUE
	msr	mair_el1, x1
	ldr	x1, =TCR_VALUE
	msr	tcr_el1, x1
	ldr	x1, =boot_l1
	msr	ttbr0_el1, x1
	isb
	tlbi	vmalle1
	ic	iallu
	dsb	nsh
	isb
	mrs	x1, sctlr_el1
	ldr	x2, =SCTLR_SET
	orr	x1, x1, x2
	ldr	x2, =SCTLR_CLEAR
	bic	x1, x1, x2
	msr	sctlr_el1, x1
	isb

	ldr	x1, =__bss_start
	ldr	x2, =__bss_end
1:	cmp	x1, x2
	b.hs	2f
	stp	xzr, xzr, [x1], #16
	b	1b
2:	ldr	x1, =boot_stack + BOOT_STACK
	mov	sp, x1
	mov	x0, x19
	bl	arm_start
hang:
	wfi
	b	hang

/*
 * The exception vectors: 16 entries of 128 bytes, 2 KiB aligned.  An
 * IRQ while running on SP_EL1 (vector 5) is the wake-up SCHEDOP_block
 * lets in (wait.c): irq_entry handles it and returns.  Every other one
 * is fatal: it keeps x0, the interrupted sp and which vector it is in
 * three system registers the libOS has no other use for, then joins
 * trap_entry.
 */
	.macro	VENTRY kind
	.p2align 7
	msr	tpidr_el1, x0
	mov	x0, sp
	msr	sp_el0, x0
	mov	x0, #\kind
	msr	tpidrro_el0, x0
	b	trap_entry
	.endm

	.text
	.p2align 11
vectors:
	.irp	k, 0,1,2,3,4
	VENTRY	\k
	.endr
	.p2align 7
	b	irq_entry
	.irp	k, 6,7,8,9,10,11,12,13,14,15
	VENTRY	\k
	.endr

/*
 * The caller-saved registers (AAPCS64: x0..x18, x29, x30) on the
 * interrupted stack, gic_irq(), and back.  ELR and SPSR need no saving:
 * IRQs stay masked until the eret, so no second exception comes first.
 */
irq_entry:
	sub	sp, sp, #176
	stp	x0, x1, [sp, #0]
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x29, [sp, #144]
	str	x30, [sp, #160]
	bl	gic_irq
	ldp	x0, x1, [sp, #0]
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x29, [sp, #144]
	ldr	x30, [sp, #160]
	add	sp, sp, #176
	eret

/*
 * A stack of its own, so that a fault with sp gone wrong is reported
 * too; the frame is struct trap_frame (xenarch.h).
 */
trap_entry:
	ldr	x0, =trap_stack + TRAP_STACK - FRAME_SIZE
	mov	sp, x0
	stp	x1, x2, [sp, #8]
	stp	x3, x4, [sp, #24]
	stp	x5, x6, [sp, #40]
	stp	x7, x8, [sp, #56]
	stp	x9, x10, [sp, #72]
	stp	x11, x12, [sp, #88]
	stp	x13, x14, [sp, #104]
	stp	x15, x16, [sp, #120]
	stp	x17, x18, [sp, #136]
	stp	x19, x20, [sp, #152]
	stp	x21, x22, [sp, #168]
	stp	x23, x24, [sp, #184]
	stp	x25, x26, [sp, #200]
	stp	x27, x28, [sp, #216]
	stp	x29, x30, [sp, #232]
	mrs	x1, tpidr_el1
	str	x1, [sp, #0]
	mrs	x1, sp_el0
	mrs	x2, elr_el1
	stp	x1, x2, [sp, #248]
	mrs	x1, spsr_el1
	mrs	x2, esr_el1
	stp	x1, x2, [sp, #264]
	mrs	x1, far_el1
	mrs	x2, tpidrro_el0
	stp	x1, x2, [sp, #280]
	mov	x0, sp
	bl	trap_fatal
	b	hang

/*
 * The identity map of the low 4 GiB: level 1 maps 1..4 GiB with 1 GiB
 * blocks of normal memory, and the first GiB through a level-2 table of
 * 2 MiB blocks: device memory below NORMAL_BASE (the GIC), normal
 * memory above (the grant-table and magic-page regions).
 */
	.section .data.pagetables, "aw"
	.p2align 12
boot_l1:
	.quad	boot_l2 + PT_TABLE
	.quad	(1 << 30) + PT_NORMAL
	.quad	(2 << 30) + PT_NORMAL
	.quad	(3 << 30) + PT_NORMAL
	.fill	508, 8, 0
boot_l2:
	.set	blk, 0
	.rept	512
	.if	blk < (NORMAL_BASE >> 21)
	.quad	(blk << 21) + PT_DEVICE
	.else
	.quad	(blk << 21) + PT_NORMAL
	.endif
	.set	blk, blk + 1
	.endr

	.section .bss.boot, "aw", @nobits
	.p2align 12
boot_stack:
	.skip	BOOT_STACK
trap_stack:
	.skip	TRAP_STACK
