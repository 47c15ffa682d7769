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
 */

/* Above the 4 GiB the boot page tables map: a page fault. */
#define UNMAPPED 0x8000000000UL

int
uk_main(void)
{
	char fault[8] = "pf";

	(void)uk_cmdline_get("fault", fault, sizeof(fault));
	printf("crash: provoking a fault (%s)\n", fault);
	printf("SUCCESS\n");
	if (strcmp(fault, "ud") == 0)
		__asm__ volatile("ud2");
	else if (strcmp(fault, "df") == 0)
		__asm__ volatile("movq %0, %%rsp\n\tpushq $0" ::"r"(UNMAPPED)
				 : "memory");
	else
		(void)*(volatile const int *)UNMAPPED;
	printf("crash: still running after the fault\n");
	return 1;
}
