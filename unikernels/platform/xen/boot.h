/* boot.h -- what both Xen bindings' boot.S share: ELF notes, BSS, stack */
#ifndef BOOT_H
#define BOOT_H

#ifndef __ASSEMBLY__
#error "boot.h is assembler, for the bindings' boot.S"
#endif

#include <xen/elfnote.h>

/* The stack boot.S gives C, in .bss.boot: all the libOS ever runs on. */
#define BOOT_STACK	0x10000

/* One ELF note: name "Xen", 4-byte aligned as the ELF spec requires. */
#define ELFNOTE(type, desc)			\
	.p2align 2;				\
	.long 2f - 1f;				\
	.long 4f - 3f;				\
	.long type;				\
1:	.asciz "Xen";				\
2:	.p2align 2;				\
3:	desc;					\
4:

/*
 * What the image says to jitsud (its image.c reads it; Xen's loader
 * skips notes not named "Xen"), one note of type t each.
 */
#define JITSUD_NOTE(t)				\
	.p2align 2;				\
	.long 2f - 1f;				\
	.long 4f - 3f;				\
	.long t;				\
1:	.asciz "jitsud";			\
2:	.p2align 2;				\
3:	.long 1;				\
4:

/*
 * Type 1: this netfront adopts a vif connected before the guest ran
 * (netfront.c), which jitsud's domain shells then do.  Only where a
 * ring's frame can be reached as it is: PVH's identity map.
 */
#define JITSUD_NOTE_VIF_ADOPT JITSUD_NOTE(1)

/*
 * Type 2: Synjitsu's records may come before we ask (synjitsu.c reads
 * count at uk_ready() whether or not its ask was answered), so jitsud
 * may write them as we start, when its clients' requests are in.
 */
#define JITSUD_NOTE_RECORDS_EARLY JITSUD_NOTE(2)

/*
 * The notes every image carries, PVH or PV, for .note.xen; the binding
 * adds those that say how to load and enter it.
 */
#define ELFNOTES_COMMON						\
	ELFNOTE(XEN_ELFNOTE_GUEST_OS, .asciz "uk");		\
	ELFNOTE(XEN_ELFNOTE_XEN_VERSION, .asciz "xen-3.0");	\
	ELFNOTE(XEN_ELFNOTE_LOADER, .asciz "generic");		\
	JITSUD_NOTE_RECORDS_EARLY

/*
 * Zeroes __bss_start..__bss_end (pvh.ld, pv.ld) with rep stosb, so it
 * clobbers eax, ecx and edi (rax, rcx, rdi in long mode) and nothing
 * else.  32-bit operands on purpose: the same text serves PVH's 32-bit
 * entry and PV's 64-bit one, where they zero-extend.  Both images lie
 * below 4 GiB; were one moved above, its link would fail (relocation
 * truncated), not its boot.
 */
	.macro	BSS_CLEAR
	cld
	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	xorl	%eax, %eax
	rep stosb
	.endm

#endif /* BOOT_H */
