/* trap_stubs.h -- the exception entry stubs both Xen bindings assemble */
#ifndef TRAP_STUBS_H
#define TRAP_STUBS_H

#ifndef __ASSEMBLY__
#error "trap_stubs.h is assembler, for the bindings' trap_entry.S"
#endif

/*
 * Every exception is fatal in the libOS (interrupts are never enabled),
 * so the stubs only build a uniform frame, struct trap_frame (xenplat.h):
 * on top of the CPU's frame the vector and error code (0 when the
 * exception has none), then the general registers; and they call
 * trap_fatal(frame) with the stack aligned as the ABI wants.
 *
 * A binding's trap_entry.S defines the macro trap_stub_entry, then
 * includes this file.  Each stub runs trap_stub_entry first: it must
 * leave exactly the CPU's frame (ss, rsp, rflags, cs, rip, error code
 * when there is one) on the stack and the interrupted registers in
 * place.  That is nothing on PVH; on PV, undoing what Xen adds.
 *
 * The table trap_stubs[] lists the stubs by vector, for the binding's
 * IDT or trap table.
 */

	.macro	STUB n, err
	.p2align 4
trap_stub_\n:
	trap_stub_entry
	.if	!\err
	pushq	$0
	.endif
	pushq	$\n
	jmp	trap_common
	.endm

	.text
	STUB	0, 0
	STUB	1, 0
	STUB	2, 0
	STUB	3, 0
	STUB	4, 0
	STUB	5, 0
	STUB	6, 0
	STUB	7, 0
	STUB	8, 1
	STUB	9, 0
	STUB	10, 1
	STUB	11, 1
	STUB	12, 1
	STUB	13, 1
	STUB	14, 1
	STUB	15, 0
	STUB	16, 0
	STUB	17, 1
	STUB	18, 0
	STUB	19, 0
	STUB	20, 0
	STUB	21, 1
	STUB	22, 0
	STUB	23, 0
	STUB	24, 0
	STUB	25, 0
	STUB	26, 0
	STUB	27, 0
	STUB	28, 0
	STUB	29, 1
	STUB	30, 1
	STUB	31, 0

trap_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, %rdi
	andq	$-16, %rsp
	call	trap_fatal
	/*
	 * Not reached: trap_fatal() does not return.  ud2, not hlt, since a
	 * 64-bit PV kernel runs in ring 3 where hlt is privileged; on either
	 * binding a return would fault again and in_trap crash the domain.
	 */
	ud2

	.section .rodata
	.p2align 3
	.globl	trap_stubs
trap_stubs:
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15, \
	    16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad	trap_stub_\n
	.endr

#endif /* TRAP_STUBS_H */
