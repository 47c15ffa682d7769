/* exit.c -- exit status and panic, on top of the platform's uk_shutdown */
#include "libuk.h"

void
uk_exit(int status)
{
	if (status != 0) {
		printf("uk: exit status %d\n", status);
		uk_shutdown(UK_CRASH);
	}
	uk_shutdown(UK_POWEROFF);
}

void
uk_panic(const char *fmt, ...)
{
	va_list ap;

	printf("uk: panic: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	uk_shutdown(UK_CRASH);
}
