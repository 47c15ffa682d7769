/* synjitsu.c -- taking over jitsud's held connections, from uk_ready() */
#include "sockplat.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

/*
 * While the guest process starts, jitsud completes the handshakes of
 * its clients and keeps their first bytes.  It gives the guest one end
 * of a unix stream socket, named by $JITSU_SYNJITSU_FD, and the two talk
 * once (handover.c has the lines):
 *
 *   guest                                jitsud
 *   uk_ready(): data/status, then
 *   "ready\n" -------------------------> freezes its connections
 *             <------------------------- a record line per connection
 *             <------------------------- "count N\n"
 *   each record: TCP_REPAIR (repair.c),
 *   queued on its listener
 *   "adopted K\n" ---------------------> plugs our veth in, closes
 *   waits for that close; closes
 *
 * uk_ready() (lib/ready.c) writes data/status first, which reaches
 * jitsud on $JITSU_READY_FD, and then runs this as its hook, as on Xen:
 * so the readiness line never waits for the hand-over, and a jitsud that
 * starts the hand-over only once it heard of readiness cannot deadlock
 * with us.  The guest never waits on jitsud for long: HANDOVER_IDLE
 * for any one step, HANDOVER_TOTAL in all; then it logs, closes the
 * socket and serves without the rest (what it adopted so far stays).
 * A record that cannot be adopted is logged and counted out of K, so
 * jitsud learns that some of its clients were not taken over.
 */

#define HANDOVER_IDLE  UK_SEC(2)
#define HANDOVER_TOTAL UK_SEC(10)

static struct handover_buf hbuf;
static char hline[HANDOVER_LINE_MAX];
static struct synrec hrec;
static uint64_t hstart; /* when the conversation began */

/* The deadline of the next wait: HANDOVER_IDLE, within HANDOVER_TOTAL. */
static uint64_t
step_deadline(void)
{
	uint64_t d = uk_now() + HANDOVER_IDLE;

	return d < hstart + HANDOVER_TOTAL ? d : hstart + HANDOVER_TOTAL;
}

/* The fd jitsud passed, made non-blocking; -1 if none or not a socket. */
static int
env_fd(void)
{
	const char *env = getenv("JITSU_SYNJITSU_FD");
	struct stat st;
	unsigned long v;
	char *end;
	int fd, fl;

	if (env == NULL)
		return -1;
	v = strtoul(env, &end, 10);
	fd = (int)v;
	if (end == env || *end != '\0' || v < 3 || v > INT_MAX ||
	    fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) {
		printf("synjitsu: JITSU_SYNJITSU_FD=%s is not a socket; no "
		       "hand-over\n",
		    env);
		return -1;
	}
	if ((fl = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0)
		return -1;
	return fd;
}

/* 1 when fd is ready for ev, 0 at the deadline, -1 on error. */
static int
wait_fd(int fd, short ev, uint64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = ev };
	uint64_t now;
	int rc;

	for (;;) {
		if ((now = uk_now()) >= deadline)
			return 0;
		rc = poll(&p, 1, (int)((deadline - now + 999999) / 1000000));
		if (rc > 0)
			return 1;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
}

static int
send_line(int fd, const char *s, uint64_t deadline)
{
	size_t len = strlen(s);
	ssize_t n;

	while (len > 0) {
		n = send(fd, s, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			s += n;
			len -= (size_t)n;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			return -1;
		} else if (wait_fd(fd, POLLOUT, deadline) != 1) {
			return -1;
		}
	}
	return 0;
}

/* More bytes into hbuf: their number, 0 at EOF, -1 error or timeout. */
static ssize_t
recv_more(int fd, uint64_t deadline)
{
	ssize_t n;

	for (;;) {
		n = recv(fd, hbuf.buf + hbuf.len, sizeof(hbuf.buf) - hbuf.len,
		    MSG_DONTWAIT);
		if (n >= 0) {
			hbuf.len += (size_t)n;
			return n;
		}
		if (errno != EAGAIN && errno != EINTR)
			return -1;
		if (wait_fd(fd, POLLIN, deadline) != 1)
			return -1;
	}
}

/*
 * jitsud plugs our network in once it has "adopted K", and only then
 * closes its end: waiting for that close (bounded) means that the
 * application's first answer does not go out into an unplugged veth
 * (and come back only with a retransmission a second later).
 */
static int
wait_close(int fd, uint64_t deadline)
{
	char buf[64];
	ssize_t n;

	for (;;) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0)
			return 0;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (n < 0 && wait_fd(fd, POLLIN, deadline) != 1)
			return -1;
	}
}

static int
adopt_one(const struct synrec *r)
{
	struct adopt_plan p;
	const char *why;
	int rc;

	if ((why = adopt_from_synrec(r, &p)) != NULL) {
		printf("synjitsu: record refused: %s\n", why);
		return -1;
	}
	if ((rc = tcp_adopt_plan(&p)) != 0) {
		printf("synjitsu: %u.%u.%u.%u:%u -> port %u: not adopted "
		       "(error %d)\n",
		    p.rip >> 24, (p.rip >> 16) & 0xff, (p.rip >> 8) & 0xff,
		    p.rip & 0xff, (unsigned int)p.rport, (unsigned int)p.lport,
		    rc);
		return -1;
	}
	return 0;
}

/* The next line into hline: 0, or -1 if the conversation broke (logged). */
static int
next_line(int fd)
{
	int rc;

	while ((rc = handover_take(&hbuf, hline, sizeof(hline))) == 0) {
		if (recv_more(fd, step_deadline()) <= 0) {
			printf("synjitsu: jitsud closed, failed or was silent "
			       "before its count line\n");
			return -1;
		}
	}
	if (rc < 0) {
		printf("synjitsu: a line longer than %d bytes\n",
		    HANDOVER_LINE_MAX - 1);
		return -1;
	}
	return 0;
}

/*
 * Reads and adopts records until "count N": 0 with N in *count, or -1
 * if the conversation broke.  *got counts the lines before the count.
 */
static int
take_records(int fd, unsigned long *got, unsigned long *adopted,
    unsigned long *count)
{
	const char *why;

	for (;;) {
		if (next_line(fd) != 0)
			return -1;
		switch (handover_parse(hline, &hrec, count, &why)) {
		case HANDOVER_COUNT:
			return 0;
		case HANDOVER_RECORD:
			*adopted += adopt_one(&hrec) == 0;
			break;
		case HANDOVER_BAD:
			printf("synjitsu: bad line: %s\n", why);
			break;
		}
		(*got)++;
	}
}

static void
converse(int fd)
{
	unsigned long got = 0, adopted = 0, count = 0;
	char line[32];

	hstart = uk_now();
	if (send_line(fd, "ready\n", step_deadline()) != 0) {
		printf("synjitsu: cannot say ready (errno %d)\n", errno);
		return;
	}
	if (take_records(fd, &got, &adopted, &count) != 0) {
		printf("synjitsu: hand-over abandoned; %lu connections "
		       "adopted\n",
		    adopted);
		return;
	}
	if (count != got)
		printf("synjitsu: jitsud counted %lu records but sent %lu\n",
		    count, got);
	(void)snprintf(line, sizeof(line), "adopted %lu\n", adopted);
	if (send_line(fd, line, step_deadline()) != 0)
		printf("synjitsu: cannot send the adopted line\n");
	else if (wait_close(fd, step_deadline()) != 0)
		printf("synjitsu: jitsud did not close the hand-over\n");
	printf("synjitsu: adopted %lu of %lu connections\n", adopted, count);
}

int
synjitsu_handover(int *status_rc)
{
	static int done;
	int fd;

	(void)status_rc; /* uk_ready() writes the status after us */
	if (done)
		return 0;
	done = 1;
	fd = env_fd();
	/* The number means nothing after this; nobody may reuse it. */
	unsetenv("JITSU_SYNJITSU_FD");
	if (fd < 0)
		return 0;
	converse(fd);
	close(fd);
	return 0;
}
