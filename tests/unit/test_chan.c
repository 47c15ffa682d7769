/* test_chan.c -- chan.c: messages from other threads into one loop */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>

#include "jitsud.h"
#include "log.h"
#include "testutil.h"

#define SENDERS	   4
#define PER_SENDER 20000

/* A message: who sent it and its place in that sender's sequence. */
struct msg {
	int sender;
	int seq;
};

static struct event_base *base;
static struct chan	 *ch;
static pthread_t	  loop_thread;
static int		  handled, dropped, wrong_thread;
static int		  next_seq[SENDERS];
static char		  order_err[256];

static void
handler(void *m, void *arg)
{
	struct msg *msg = m;

	assert_ptr_equal(arg, &handled);
	if (!pthread_equal(pthread_self(), loop_thread))
		wrong_thread++;
	if (msg->seq != next_seq[msg->sender] && order_err[0] == '\0')
		snprintf(order_err, sizeof(order_err),
		    "sender %d: expected "
		    "message %d, saw %d",
		    msg->sender, next_seq[msg->sender], msg->seq);
	next_seq[msg->sender] = msg->seq + 1;
	handled++;
	free(msg);
}

static void
drop(void *m)
{
	struct msg *msg = m;

	if (msg->seq != dropped && order_err[0] == '\0')
		snprintf(order_err, sizeof(order_err),
		    "dropped message %d "
		    "when %d was next",
		    msg->seq, dropped);
	dropped++;
	free(msg);
}

static int
setup(void **state)
{
	(void)state;
	handled = dropped = wrong_thread = 0;
	memset(next_seq, 0, sizeof(next_seq));
	order_err[0] = '\0';
	loop_thread = pthread_self();
	if ((base = event_base_new()) == NULL)
		return -1;
	ch = chan_new(base, handler, &handled);
	return ch == NULL;
}

static int
teardown(void **state)
{
	(void)state;
	chan_free(ch, drop);
	event_base_free(base);
	return 0;
}

/* Any thread: cmocka's asserts belong to the test's, so 0 or -1. */
static int
try_send(int sender, int seq)
{
	struct msg *m = malloc(sizeof(*m));

	if (m == NULL)
		return -1;
	m->sender = sender;
	m->seq = seq;
	if (chan_send(ch, m) == -1) {
		free(m);
		return -1;
	}
	return 0;
}

static void
send_msg(int sender, int seq)
{
	assert_int_equal(try_send(sender, seq), 0);
}

static void *
sender_main(void *arg)
{
	int sender = (int)(intptr_t)arg, i;

	for (i = 0; i < PER_SENDER; i++)
		if (try_send(sender, i) == -1)
			return (void *)1;
	return NULL;
}

/* Run the loop until n messages were handled (or 10 s). */
static void
run_until_handled(int n)
{
	testutil_loop_until(base, &handled, n, 10000);
}

static void
test_messages_from_other_threads_arrive_in_order_in_the_loop(void **state)
{
	pthread_t t[SENDERS];
	void	 *failed;
	int	  i;

	(void)state;
	for (i = 0; i < SENDERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, sender_main,
				     (void *)(intptr_t)i),
		    0);
	run_until_handled(SENDERS * PER_SENDER);
	for (i = 0; i < SENDERS; i++) {
		pthread_join(t[i], &failed);
		if (failed != NULL)
			fail_msg("sender %d: chan_send failed", i);
	}
	run_until_handled(SENDERS * PER_SENDER);
	if (order_err[0] != '\0')
		fail_msg("%s", order_err);
	assert_int_equal(handled, SENDERS * PER_SENDER);
	assert_int_equal(wrong_thread, 0);
	for (i = 0; i < SENDERS; i++)
		assert_int_equal(next_seq[i], PER_SENDER);
}

static void
test_handler_runs_from_the_loop_not_from_send(void **state)
{
	(void)state;
	send_msg(0, 0);
	send_msg(0, 1);
	assert_int_equal(handled, 0);
	run_until_handled(2);
	assert_int_equal(handled, 2);
}

/* Pending while a message waits, not once the last has been handled. */
static void
test_pending_says_whether_a_message_waits(void **state)
{
	(void)state;
	assert_false(chan_pending(ch));
	send_msg(0, 0);
	send_msg(0, 1);
	assert_true(chan_pending(ch));
	run_until_handled(2);
	assert_false(chan_pending(ch));
}

static int
is_seq(const void *m, const void *arg)
{
	const struct msg *msg = m;

	return msg->seq == *(const int *)arg;
}

/*
 * A message taken before its turn is out of the queue: the handler
 * never sees it, the others come in order, and its wake-up byte left in
 * the pipe costs nothing.
 */
static void
test_take_removes_one_message_before_its_turn(void **state)
{
	struct msg *m;
	int	    first = 0, none = 7;

	(void)state;
	send_msg(0, 0);
	send_msg(0, 1);
	send_msg(0, 2);
	assert_null(chan_take(ch, is_seq, &none));
	m = chan_take(ch, is_seq, &first);
	assert_non_null(m);
	assert_int_equal(m->seq, 0);
	free(m);
	assert_null(chan_take(ch, is_seq, &first)); /* only once */
	next_seq[0] = 1; /* the handler's order check starts after it */
	run_until_handled(2);
	testutil_loop_for(base, 20);
	if (order_err[0] != '\0')
		fail_msg("%s", order_err);
	assert_int_equal(handled, 2);
	assert_int_equal(next_seq[0], 3);
	assert_false(chan_pending(ch));
}

/* More messages than the wake-up pipe holds bytes: none is lost. */
static void
test_a_full_wakeup_pipe_loses_no_message(void **state)
{
	int i, n = 3 * 65536;

	(void)state;
	for (i = 0; i < n; i++)
		send_msg(0, i);
	run_until_handled(n);
	if (order_err[0] != '\0')
		fail_msg("%s", order_err);
	assert_int_equal(handled, n);
}

static void
test_free_drops_what_is_still_queued_in_order(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 5; i++)
		send_msg(0, i);
	chan_free(ch, drop);
	ch = NULL;
	if (order_err[0] != '\0')
		fail_msg("%s", order_err);
	assert_int_equal(dropped, 5);
	assert_int_equal(handled, 0);
	testutil_loop_for(base, 20);
	assert_int_equal(handled, 0);
}

/*
 * Between two messages the loop polls, and an event of a higher priority
 * that became ready meanwhile goes first: a builder's vif events run
 * between two builds of a burst (the handler here makes a pipe readable,
 * as a build makes a vif appear).
 */
static char prio_order[64];
static int  prio_pipe[2];

static void
prio_saw(const char *what)
{
	size_t n = strlen(prio_order);

	snprintf(prio_order + n, sizeof(prio_order) - n, "%s ", what);
}

static void
prio_handler(void *m, void *arg)
{
	struct msg *msg = m;

	(void)arg;
	prio_saw(msg->seq == 0 ? "m0" : "m1");
	if (msg->seq == 0)
		assert_int_equal(write(prio_pipe[1], "x", 1), 1);
	free(msg);
}

static void
prio_readable(int fd, short what, void *arg)
{
	char c;

	(void)what;
	(void)arg;
	assert_int_equal(read(fd, &c, 1), 1);
	prio_saw("io");
}

static void
test_a_ready_event_goes_between_two_messages(void **state)
{
	struct event_base *b;
	struct chan	  *c;
	struct event	  *io;
	struct msg	  *m;
	int		   i;

	(void)state;
	prio_order[0] = '\0';
	assert_non_null(b = event_base_new());
	assert_int_equal(event_base_priority_init(b, 3), 0);
	assert_non_null(c = chan_new(b, prio_handler, NULL));
	assert_int_equal(pipe(prio_pipe), 0);
	assert_non_null(io = event_new(b, prio_pipe[0], EV_READ | EV_PERSIST,
			    prio_readable, NULL));
	assert_int_equal(event_add(io, NULL), 0);
	for (i = 0; i < 2; i++) {
		assert_non_null(m = calloc(1, sizeof(*m)));
		m->seq = i;
		assert_int_equal(chan_send(c, m), 0);
	}
	for (i = 0; i < 10; i++)
		event_base_loop(b, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	assert_string_equal(prio_order, "m0 io m1 ");
	event_free(io);
	chan_free(c, free);
	close(prio_pipe[0]);
	close(prio_pipe[1]);
	event_base_free(b);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_messages_from_other_threads_arrive_in_order_in_the_loop),
		T(test_handler_runs_from_the_loop_not_from_send),
		T(test_pending_says_whether_a_message_waits),
		T(test_take_removes_one_message_before_its_turn),
		T(test_a_full_wakeup_pipe_loses_no_message),
		T(test_free_drops_what_is_still_queued_in_order),
		cmocka_unit_test(test_a_ready_event_goes_between_two_messages),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
