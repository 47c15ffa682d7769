/* boot.S -- PVH entry: ELF notes, 32-bit start, long mode, then C */
#include "boot.h"

/*
 * Xen starts a PVH guest at the PHYS32_ENTRY address in 32-bit protected
 * mode: flat CS/DS/ES/SS, paging off, interrupts off, %ebx = physical
 * address of struct hvm_start_info.  We clear BSS, identity-map the low
 * 4 GiB with 2 MiB pages (the console and XenStore pages sit just below
 * 4 GiB, at gfn 0xfeffx), enter long mode and call pvh_start(start_info).
 */

#define CR0_PE		(1 << 0)
#define CR0_PG		(1 << 31)
#define CR4_PAE		(1 << 5)
#define MSR_EFER	0xc0000080
#define EFER_LME	(1 << 8)
#define PTE_P		0x001
#define PTE_RW		0x002
#define PTE_PS		0x080
#define GDT_CODE64	0x08
#define GDT_DATA	0x10

	.section .note.xen, "a", @note
	ELFNOTES_COMMON
	ELFNOTE(XEN_ELFNOTE_PHYS32_ENTRY, .long _start32)
	JITSUD_NOTE_VIF_ADOPT

	.section .text.boot, "ax"
	.code32
	.globl _start32
_start32:
	movl	%ebx, %esi		/* start info, kept until C */
	BSS_CLEAR

	/* PML4[0] -> PDPT; PDPT[0..3] -> 4 page directories. */
	movl	$boot_pdpt, %eax
	orl	$(PTE_P | PTE_RW), %eax
	movl	%eax, boot_pml4
	movl	$boot_pd, %eax
	orl	$(PTE_P | PTE_RW), %eax
	movl	$boot_pdpt, %edi
	movl	$4, %ecx
1:	movl	%eax, (%edi)
	addl	$4096, %eax
	addl	$8, %edi
	loop	1b
	/* 4 x 512 entries of 2 MiB, identity: 0 .. 4 GiB. */
	movl	$(PTE_P | PTE_RW | PTE_PS), %eax
	movl	$boot_pd, %edi
	movl	$2048, %ecx
2:	movl	%eax, (%edi)
	addl	$0x200000, %eax
	addl	$8, %edi
	loop	2b

	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$boot_pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$(CR0_PG | CR0_PE), %eax
	movl	%eax, %cr0

	lgdt	boot_gdt_desc
	ljmp	$GDT_CODE64, $_start64

	.code64
_start64:
	movl	$GDT_DATA, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	xorl	%eax, %eax
	movl	%eax, %fs
	movl	%eax, %gs
	movq	$(boot_stack + BOOT_STACK), %rsp
	xorl	%ebp, %ebp
	movl	%esi, %edi		/* zero-extends: pvh_start(paddr) */
	call	pvh_start
3:	hlt
	jmp	3b

	.section .rodata.boot, "a"
	.p2align 3
boot_gdt:
	.quad	0
	.quad	0x00af9a000000ffff	/* 0x08: 64-bit code, DPL 0 */
	.quad	0x00cf92000000ffff	/* 0x10: flat data */
boot_gdt_end:
boot_gdt_desc:
	.word	boot_gdt_end - boot_gdt - 1
	.long	boot_gdt

	/* Page-aligned boot data; all zeroed by the BSS clear above. */
	.section .bss.boot, "aw", @nobits
	.p2align 12
	.globl hypercall_page
hypercall_page:
	.skip	4096
boot_pml4:
	.skip	4096
boot_pdpt:
	.skip	4096
boot_pd:
	.skip	4 * 4096
boot_stack:
	.skip	BOOT_STACK
