/* test_log.c -- log.c: levels, strerror suffix, errno preservation */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

/* Run fn with stderr redirected to a temporary file; return what it wrote. */
static char *
capture(void (*fn)(void))
{
	static char buf[4096];
	FILE	   *tmp = tmpfile();
	int	    saved = dup(STDERR_FILENO);
	size_t	    n;

	assert_non_null(tmp);
	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	fn();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, sizeof(buf) - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	return buf;
}

static void
emit_debug(void)
{
	log_debug("debug %d", 42);
}

static void
emit_warn_enoent(void)
{
	errno = ENOENT;
	log_warn("open %s", "/nonexistent");
}

static void
emit_info(void)
{
	log_info("zone %s loaded", "example.org");
}

static void
test_debug_hidden_unless_verbose(void **state)
{
	(void)state;
	log_init("test", 1, 0);
	assert_string_equal(capture(emit_debug), "");
	log_setverbose(1);
	assert_string_equal(capture(emit_debug), "debug 42\n");
}

static void
test_warn_appends_strerror_and_keeps_errno(void **state)
{
	(void)state;
	log_init("test", 1, 0);
	assert_string_equal(capture(emit_warn_enoent),
	    "open /nonexistent: No such file or directory\n");
	assert_int_equal(errno, ENOENT);
}

static void
test_info_is_one_line(void **state)
{
	(void)state;
	log_init("test", 1, 0);
	assert_string_equal(capture(emit_info), "zone example.org loaded\n");
}

struct ring_seen {
	int  n;
	char first[64], last[64];
};

static void
ring_line(const char *line, void *arg)
{
	struct ring_seen *r = arg;

	if (r->n++ == 0)
		snprintf(r->first, sizeof(r->first), "%s", line);
	snprintf(r->last, sizeof(r->last), "%s", line);
}

static void
emit_many(void)
{
	int i;

	for (i = 0; i < LOG_RING_LINES + 5; i++)
		log_info("line %d", i);
	log_debug("debug is not kept");
	errno = EACCES;
	log_warn("last");
}

static void
test_ring_keeps_the_last_lines_oldest_first(void **state)
{
	struct ring_seen r = { 0, "", "" };

	(void)state;
	log_init("test", 1, 1);
	capture(emit_many);
	log_ring_foreach(ring_line, &r);
	assert_int_equal(r.n, LOG_RING_LINES);
	/* "YYYY-MM-DD HH:MM:SS ", then the message. */
	assert_true(strlen(r.first) > 20 && r.first[4] == '-' &&
	    r.first[10] == ' ' && r.first[13] == ':' && r.first[19] == ' ');
	assert_string_equal(r.first + 20, "line 6");
	assert_string_equal(r.last + 20, "last: Permission denied");
}

/* stderr as the journal: JOURNAL_STREAM names it (device:inode). */
static void
emit_on_journal(void)
{
	struct stat st;
	char	    js[64];

	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", js, 1);
	log_init("test", 1, 1);
	log_warnx("a warning");
	log_info("some news");
	log_debug("a detail");
	unsetenv("JOURNAL_STREAM");
	log_init("test", 1, 0);
	log_info("plain again");
}

/* Another stream named: stderr is not the journal, no prefixes. */
static void
emit_on_another_stream(void)
{
	setenv("JOURNAL_STREAM", "1:1", 1);
	log_init("test", 1, 0);
	log_warnx("a warning");
	unsetenv("JOURNAL_STREAM");
	log_init("test", 1, 0);
}

static void
test_journal_lines_carry_their_priority(void **state)
{
	(void)state;
	assert_string_equal(capture(emit_on_journal),
	    "<3>a warning\n<6>some news\n<7>a detail\nplain again\n");
	assert_string_equal(capture(emit_on_another_stream), "a warning\n");
}

/*
 * A fork while another thread logs: the child must be able to log.
 * The other thread holds the log's lock through log_ring_foreach (its
 * callback runs under it) while this one forks; without log.c's fork
 * handlers the child's copy of the lock stays held and its first log
 * line never returns.
 */
struct holder {
	pthread_mutex_t mtx;
	pthread_cond_t	cond;
	int		holding;
};

static void
hold_line(const char *line, void *arg)
{
	struct holder *h = arg;

	(void)line;
	pthread_mutex_lock(&h->mtx);
	if (h->holding == 0) {
		h->holding = 1;
		pthread_cond_signal(&h->cond);
		pthread_mutex_unlock(&h->mtx);
		/* The fork comes meanwhile.  Only the first line waits: the
		 * lock is held until the last, and the ring may hold hundreds
		 * of lines (200 ms each made this test 40 s). */
		usleep(200 * 1000);
		return;
	}
	pthread_mutex_unlock(&h->mtx);
}

static void *
hold_log(void *arg)
{
	log_ring_foreach(hold_line, arg);
	return NULL;
}

static void
test_child_logs_after_a_fork_from_a_busy_process(void **state)
{
	struct holder h = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
		0 };
	pthread_t     t;
	pid_t	      pid;
	int	      status = -1, i;

	(void)state;
	log_init("test", 1, 0);
	capture(emit_info); /* the ring has a line: the callback runs */
	assert_int_equal(pthread_create(&t, NULL, hold_log, &h), 0);
	pthread_mutex_lock(&h.mtx);
	while (!h.holding)
		pthread_cond_wait(&h.cond, &h.mtx);
	pthread_mutex_unlock(&h.mtx);
	if ((pid = fork()) == 0) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, STDERR_FILENO);
		log_info("a line from the child");
		_exit(0);
	}
	assert_true(pid > 0);
	for (i = 0; i < 500 && waitpid(pid, &status, WNOHANG) == 0; i++)
		usleep(10 * 1000);
	if (i == 500) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		fail_msg("the child hung on the log's lock");
	}
	pthread_join(t, NULL);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debug_hidden_unless_verbose),
		cmocka_unit_test(test_warn_appends_strerror_and_keeps_errno),
		cmocka_unit_test(test_info_is_one_line),
		cmocka_unit_test(test_ring_keeps_the_last_lines_oldest_first),
		cmocka_unit_test(
		    test_child_logs_after_a_fork_from_a_busy_process),
		cmocka_unit_test(test_journal_lines_carry_their_priority),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
