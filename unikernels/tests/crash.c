/* crash.c -- test unikernel: a CPU exception is reported and crashes the domain */
#include "uk.h"

/*
 * Proves the exception path end to end: the IDT catches the fault, the
 * report reaches the console, and the domain ends with SHUTDOWN_crash
 * (the testbed sees it preserved as crashed, not powered off or
 * rebooted, which is what a triple fault becomes).  `fault=pf` (the
 * default) reads unmapped memory, `fault=ud` executes ud2, `fault=df`
 * pushes with the stack pointer in unmapped memory: the #PF cannot push
 * its frame there either, which makes a double fault, reported only if
 * #DF switches to a stack of its own.  Prints SUCCESS first: the report
 * that follows is what the testbed checks.
 *
 * On arm64 and arm32 the same three: a data abort, an undefined
 * instruction (udf), and a store through a stack pointer in unmapped
 * memory, reported only because the vectors take a stack of their own.
 */

/*
 * Above what the boot page tables map: a page fault (x86, above 4 GiB),
 * a translation fault (arm64, at the edge of its 39-bit address space;
 * arm32, above the 2 GiB its tables map).
 */
#if defined(__arm__)
#define UNMAPPED 0x90000000UL
#else
#define UNMAPPED 0x8000000000UL
#endif

#if defined(__x86_64__)
#define UNDEFINED() __asm__ volatile("ud2")
#define BAD_STACK(p) \
	__asm__ volatile("movq %0, %%rsp\n\tpushq $0" ::"r"(p) : "memory")
#elif defined(__aarch64__)
#define UNDEFINED() __asm__ volatile("udf #0")
#define BAD_STACK(p)                                                   \
	__asm__ volatile("mov sp, %0\n\tstr xzr, [sp, #-16]!" ::"r"(p) \
			 : "memory")
#elif defined(__arm__)
#define UNDEFINED() __asm__ volatile("udf #0")
#define BAD_STACK(p) \
	__asm__ volatile("mov sp, %0\n\tstr %0, [sp, #-8]!" ::"r"(p) : "memory")
#endif

int
uk_main(void)
{
	char fault[8] = "pf";

	(void)uk_cmdline_get("fault", fault, sizeof(fault));
	printf("crash: provoking a fault (%s)\n", fault);
	printf("SUCCESS\n");
	if (strcmp(fault, "ud") == 0)
		UNDEFINED();
	else if (strcmp(fault, "df") == 0)
		BAD_STACK(UNMAPPED);
	else
		(void)*(volatile const int *)UNMAPPED;
	printf("crash: still running after the fault\n");
	return 1;
}
