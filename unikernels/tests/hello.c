/* hello.c -- test unikernel: console, command line, clean poweroff */
#include "uk.h"

/*
 * Proves that the image boots, prints, sees xl's extra= and formats
 * numbers the way the unit tests say it does, on the real target.
 * Expects `greeting=WORD` on the command line and echoes it.  With the
 * word `wait` it then stays up until the toolstack asks it to stop
 * (`xl shutdown`), which proves the control/shutdown path.
 */

static int failures;

static void
check(int ok, const char *what)
{
	if (!ok) {
		printf("hello: FAILED: %s\n", what);
		failures++;
	}
}

static void
check_format(void)
{
	char buf[128];
	int n;

	/* long is 32 bits on arm32: its test value fits. */
	n = snprintf(buf, sizeof(buf),
	    "%d %u %x %lx %llx %llu %s %c %zu|%5s|%-3d|", -42, 42u, 0xbeefu,
	    0x89abcdefUL, 0x123456789abcULL, 18446744073709551615ULL, "str",
	    'c', (size_t)7, "ab", 1);
	check(n == (int)strlen(buf), "snprintf return value");
	check(strcmp(buf,
		  "-42 42 beef 89abcdef 123456789abc 18446744073709551615 "
		  "str c 7|   ab|1  |") == 0,
	    "snprintf formats");
}

static volatile int stop_requested;

static void
on_shutdown(enum uk_shutdown_reason reason, void *arg)
{
	(void)arg;
	printf("hello: shutdown handler called (reason %d)\n", (int)reason);
	stop_requested = 1;
}

int
uk_main(void)
{
	char greeting[64], word[8];
	int n;

	printf("hello: cmdline [%s]\n", uk_cmdline());
	n = uk_cmdline_get("greeting", greeting, sizeof(greeting));
	check(n > 0, "greeting= on the command line");
	if (n > 0)
		printf("hello: greeting %s\n", greeting);
	check_format();
	if (failures != 0) {
		printf("FAILURE\n");
		return 1;
	}
	printf("SUCCESS\n");
	if (uk_cmdline_get("wait", word, sizeof(word)) < 0)
		return 0;
	uk_on_shutdown(on_shutdown, NULL);
	printf("hello: waiting for xl shutdown\n");
	while (!stop_requested)
		uk_poll(uk_now() + UK_SEC(10));
	printf("hello: powering off\n");
	uk_shutdown(UK_POWEROFF);
}
