/* boot.S -- PV entry: ELF notes for the PV domain builder, stack, then C */
#include "boot.h"

/*
 * libxl's PV builder loads the image at VIRT_BASE (pv.ld), builds page
 * tables that map it, the p2m list, start_info, the XenStore and console
 * rings, the page tables themselves (read-only) and a one-page stack,
 * fills the hypercall page named below, and starts us in 64-bit kernel
 * mode at ENTRY with %rsi = start_info's virtual address and event
 * upcalls masked.  We clear BSS, move to a stack of our own (the
 * builder's page is too small) and call pv_start(start_info).
 */

	.section .note.xen, "a", @note
	ELFNOTES_COMMON
	/*
	 * The ELF's physical addresses equal its virtual ones; the offset
	 * says so, making the image's first byte pfn 0 at VIRT_BASE.
	 */
	ELFNOTE(XEN_ELFNOTE_VIRT_BASE, .quad __virt_base)
	ELFNOTE(XEN_ELFNOTE_PADDR_OFFSET, .quad __virt_base)
	ELFNOTE(XEN_ELFNOTE_ENTRY, .quad _start)
	ELFNOTE(XEN_ELFNOTE_HYPERCALL_PAGE, .quad hypercall_page)

	.section .text.boot, "ax"
	.globl _start
_start:
	BSS_CLEAR			/* rsi (start_info) survives it */

	leaq	(boot_stack + BOOT_STACK)(%rip), %rsp
	xorl	%ebp, %ebp
	movq	%rsi, %rdi
	call	pv_start
	ud2

	/* Xen fills it (for the builder) with a 32-byte stub per hypercall. */
	.section .bss.hypercall, "aw", @nobits
	.p2align 12
	.globl	hypercall_page
hypercall_page:
	.skip	4096

	.section .bss.boot, "aw", @nobits
	.p2align 12
boot_stack:
	.skip	BOOT_STACK
