/* timer.c -- one-shot timers kept in a deadline-ordered list */
#include "libuk.h"

/*
 * A timer is on at most one of two lists.  `armed` holds timers waiting
 * for their deadline, earliest first.  timer_run_due() first moves every
 * due timer to `due` and only then runs them, so a callback that re-arms
 * its timer for a time already past does not loop forever inside one
 * turn, and a callback may cancel a timer that is due but not yet run.
 */
enum { T_IDLE, T_ARMED, T_DUE };

static struct uk_timer *armed;
static struct uk_timer *due;

static void
list_remove(struct uk_timer **head, struct uk_timer *t)
{
	struct uk_timer **pp;

	for (pp = head; *pp != NULL; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	t->next = NULL;
}

void
uk_timer_init(struct uk_timer *t, uk_timer_fn *fn, void *arg)
{
	t->deadline = 0;
	t->fn = fn;
	t->arg = arg;
	t->next = NULL;
	t->state = T_IDLE;
}

void
uk_timer_cancel(struct uk_timer *t)
{
	if (t->state == T_ARMED)
		list_remove(&armed, t);
	else if (t->state == T_DUE)
		list_remove(&due, t);
	t->state = T_IDLE;
}

void
uk_timer_arm(struct uk_timer *t, uint64_t deadline)
{
	struct uk_timer **pp;

	uk_timer_cancel(t);
	t->deadline = deadline;
	/* After every timer with the same deadline: FIFO among equals. */
	for (pp = &armed; *pp != NULL && (*pp)->deadline <= deadline;
	     pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	t->state = T_ARMED;
}

int
uk_timer_armed(const struct uk_timer *t)
{
	return t->state != T_IDLE;
}

uint64_t
timer_next(void)
{
	return armed != NULL ? armed->deadline : UK_FOREVER;
}

int
timer_run_due(uint64_t now)
{
	struct uk_timer *t, **tail = &due;
	int n = 0;

	while (*tail != NULL)
		tail = &(*tail)->next;
	while (armed != NULL && armed->deadline <= now) {
		t = armed;
		armed = t->next;
		t->next = NULL;
		t->state = T_DUE;
		*tail = t;
		tail = &t->next;
	}
	while ((t = due) != NULL) {
		due = t->next;
		t->next = NULL;
		t->state = T_IDLE;
		t->fn(t, t->arg);
		n++;
	}
	return n;
}
