/* servewait.c -- until each named guest is ready and serves HTTP */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

/*
 * Usage: servewait TIMEOUT_S NAME=IP...
 * For each guest NAME (its domain's name in XenStore), waits until the
 * guest writes data/status = "ready" (our unikernels' uk_ready(), under
 * jitsud or xl alike), then asks http://IP/ until the first byte of a
 * 2xx or 3xx reply comes.  Prints, in ms from the start,
 *   NAME ready_ms=R first_byte_ms=F tries=K
 * per guest as it serves (K: the connections it took), then one line
 *   guests=N served=K last_ready_ms=R all_ms=T max_serve_ms=S
 *   max_tries=M end_uptime_ms=U
 * (S: the longest a guest took from ready to its first byte; U: the end
 * on the clock of /proc/uptime, the testbed's, so that a run is timed
 * from its start to here, not to the shell's next turn) and exits 0
 * only if every guest served within TIMEOUT_S.  With SERVEWAIT_READY
 * set to a FIFO's path, a line goes into it once the watches are set:
 * the bench starts the guests then, so that what it times holds neither
 * this process's start nor a guest it could miss.  With SERVEWAIT_DONE
 * set to a FIFO's path, a line goes there once every guest served, if
 * someone reads it then: the bench's count of the machine's CPU ends
 * there, not after this process's exit and the step's bookkeeping
 * (hundreds of ms of the emulated dom0 at N = 1).
 *
 * Figure 2's end of a run, for jitsud and xl the same: one process that
 * sleeps in poll(2) on XenStore's watches and its sockets.  A shell
 * loop that forked curl for each guest, with xenconsoled's log of the
 * guest's console to say when to try, cost the emulated dom0 half a
 * second a guest and saw the log a second late at N = 8: the time of
 * the CPUs whose contention the figure is about.
 *
 * A test tool, not the daemon: it talks to libxenstore itself.
 */

#define MAXG	   64
#define MAXDOMS	   1024
#define RETRY_MS   50	/* between two tries of one guest */
#define ATTEMPT_MS 1000 /* one try's bound */
#define REQUEST	   "GET / HTTP/1.0\r\n\r\n"

struct guest {
	const char	  *name;
	struct sockaddr_in addr;
	double		   ready, served; /* ms, 0: not yet */
	double		   next, deadline;
	int		   fd;
	int		   sent;
	int		   tries;
};

static struct guest g[MAXG];
static int	    ng;
static double	    t0;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6 - t0;
}

/* Every domain in /local/domain gets a watch on its data/status. */
static void
watch_domains(struct xs_handle *h, unsigned char *watched)
{
	char   **ids, path[64];
	unsigned n, i;
	long	 d;

	if ((ids = xs_directory(h, XBT_NULL, "/local/domain", &n)) == NULL)
		return;
	for (i = 0; i < n; i++) {
		d = strtol(ids[i], NULL, 10);
		if (d <= 0 || d >= MAXDOMS || watched[d])
			continue;
		snprintf(path, sizeof(path), "/local/domain/%ld/data/status",
		    d);
		if (xs_watch(h, path, ids[i]))
			watched[d] = 1;
	}
	free(ids);
}

/* A status watch fired: is it "ready", and whose? */
static void
status_fired(struct xs_handle *h, const char *path)
{
	char	   *v, *name, npath[64];
	unsigned    len;
	long	    d;
	int	    i;
	const char *p = path + strlen("/local/domain/");

	if (strncmp(path, "/local/domain/", strlen("/local/domain/")) != 0)
		return;
	d = strtol(p, NULL, 10);
	if ((v = xs_read(h, XBT_NULL, path, &len)) == NULL)
		return;
	if (strcmp(v, "ready") != 0) {
		free(v);
		return;
	}
	free(v);
	snprintf(npath, sizeof(npath), "/local/domain/%ld/name", d);
	if ((name = xs_read(h, XBT_NULL, npath, &len)) == NULL)
		return;
	for (i = 0; i < ng; i++)
		if (strcmp(g[i].name, name) == 0 && g[i].ready == 0) {
			g[i].ready = now_ms();
			g[i].next = g[i].ready;
		}
	free(name);
}

/* Every watch event received so far. */
static void
fired(struct xs_handle *h, unsigned char *watched)
{
	char **vec;

	while ((vec = xs_check_watch(h)) != NULL) {
		if (strcmp(vec[XS_WATCH_TOKEN], "intro") == 0)
			watch_domains(h, watched);
		else
			status_fired(h, vec[XS_WATCH_PATH]);
		free(vec);
	}
}

/*
 * Each watch fires once as it is set, and a read follows each event:
 * with jitsud's pool, 32 domain shells already there, 33 reads.  They
 * go before the word that starts the run, not inside it.  xenstored
 * sends a watch's first event before its answer to a later request,
 * so after one read every such event is here.
 */
static void
settle(struct xs_handle *h, unsigned char *watched)
{
	unsigned len;

	free(xs_read(h, XBT_NULL, "/local/domain/0/name", &len));
	fired(h, watched);
}

static void
drop(struct guest *x, double now)
{
	close(x->fd);
	x->fd = -1;
	x->sent = 0;
	x->next = now + RETRY_MS;
}

/* The guest's socket is ready for what it waits for. */
static void
step(struct guest *x, short revents, double now)
{
	char	  buf[64];
	int	  err = 0;
	socklen_t el = sizeof(err);
	ssize_t	  n;

	if (!x->sent) {
		if (getsockopt(x->fd, SOL_SOCKET, SO_ERROR, &err, &el) == -1 ||
		    err != 0 ||
		    write(x->fd, REQUEST, strlen(REQUEST)) !=
			(ssize_t)strlen(REQUEST)) {
			drop(x, now);
			return;
		}
		x->sent = 1;
		return;
	}
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	n = read(x->fd, buf, sizeof(buf) - 1);
	if (n >= 12 && strncmp(buf, "HTTP/1.", 7) == 0 &&
	    (buf[9] == '2' || buf[9] == '3')) {
		x->served = now;
		close(x->fd);
		x->fd = -1;
		printf("%s ready_ms=%.0f first_byte_ms=%.0f tries=%d\n",
		    x->name, x->ready, x->served, x->tries);
		fflush(stdout);
		return;
	}
	drop(x, now);
}

static void
try_connect(struct guest *x, double now)
{
	if ((x->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1) {
		x->next = now + RETRY_MS;
		return;
	}
	x->sent = 0;
	x->tries++;
	x->deadline = now + ATTEMPT_MS;
	if (connect(x->fd, (struct sockaddr *)&x->addr, sizeof(x->addr)) ==
		-1 &&
	    errno != EINPROGRESS)
		drop(x, now);
}

/* The watches are set: the starter waiting on the FIFO may go. */
static void
say_ready(const char *fifo)
{
	int fd;

	if ((fd = open(fifo, O_WRONLY)) == -1) {
		perror("servewait: SERVEWAIT_READY");
		exit(2);
	}
	if (write(fd, "go\n", 3) != 3)
		perror("servewait: SERVEWAIT_READY");
	close(fd);
}

/* Every guest served: the reader waiting on the FIFO, if any, is told. */
static void
say_done(const char *fifo)
{
	int fd;

	fflush(stdout);
	if ((fd = open(fifo, O_WRONLY | O_NONBLOCK)) == -1)
		return; /* nobody waits: nobody to tell */
	if (write(fd, "done\n", 5) != 5)
		perror("servewait: SERVEWAIT_DONE");
	close(fd);
}

int
main(int argc, char *argv[])
{
	static unsigned char watched[MAXDOMS];
	struct pollfd	     pfd[MAXG + 1];
	struct guest	    *map[MAXG + 1];
	struct xs_handle    *h;
	struct timespec	     ts;
	double		     limit, now, last_ready = 0, max_serve = 0;
	int		     max_tries = 0;
	char		    *eq, *ready, *done;
	int		     i, np, left, served = 0;

	if (argc < 3 || (limit = atof(argv[1]) * 1000) <= 0 ||
	    argc - 2 > MAXG) {
		fprintf(stderr, "usage: servewait TIMEOUT_S NAME=IP...\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
	for (i = 2; i < argc; i++) {
		struct guest *x = &g[ng++];

		if ((eq = strchr(argv[i], '=')) == NULL) {
			fprintf(stderr, "servewait: %s: not NAME=IP\n",
			    argv[i]);
			return 2;
		}
		*eq = '\0';
		x->name = argv[i];
		x->fd = -1;
		x->addr.sin_family = AF_INET;
		x->addr.sin_port = htons(80);
		if (inet_pton(AF_INET, eq + 1, &x->addr.sin_addr) != 1) {
			fprintf(stderr, "servewait: %s: bad address\n", eq + 1);
			return 2;
		}
	}
	if ((h = xs_open(0)) == NULL) {
		perror("servewait: xs_open");
		return 2;
	}
	/* A new domain fires this; its status watch fires once at once. */
	if (!xs_watch(h, "@introduceDomain", "intro")) {
		perror("servewait: xs_watch");
		return 2;
	}
	watch_domains(h, watched);
	settle(h, watched);
	if ((ready = getenv("SERVEWAIT_READY")) != NULL && *ready != '\0')
		say_ready(ready);
	for (left = ng; left > 0 && (now = now_ms()) < limit;) {
		np = 0;
		pfd[np].fd = xs_fileno(h);
		pfd[np].events = POLLIN;
		map[np++] = NULL;
		for (i = 0; i < ng; i++) {
			struct guest *x = &g[i];

			if (x->ready == 0 || x->served != 0)
				continue;
			if (x->fd != -1 && now >= x->deadline)
				drop(x, now);
			if (x->fd == -1 && now >= x->next)
				try_connect(x, now);
			if (x->fd == -1)
				continue;
			pfd[np].fd = x->fd;
			pfd[np].events = x->sent ? POLLIN : POLLOUT;
			map[np++] = x;
		}
		if (poll(pfd, (nfds_t)np, 20) <= 0)
			continue;
		now = now_ms();
		if (pfd[0].revents & POLLIN)
			fired(h, watched);
		for (i = 1; i < np; i++)
			if (pfd[i].revents != 0 && map[i]->fd != -1) {
				step(map[i], pfd[i].revents, now);
				if (map[i]->served != 0)
					left--;
			}
	}
	for (i = 0; i < ng; i++) {
		if (g[i].served != 0) {
			served++;
			if (g[i].served - g[i].ready > max_serve)
				max_serve = g[i].served - g[i].ready;
		} else
			printf("%s ready_ms=%.0f first_byte_ms=-\n", g[i].name,
			    g[i].ready);
		if (g[i].ready > last_ready)
			last_ready = g[i].ready;
		if (g[i].tries > max_tries)
			max_tries = g[i].tries;
	}
	now = now_ms();
	clock_gettime(CLOCK_BOOTTIME, &ts);
	printf("guests=%d served=%d last_ready_ms=%.0f all_ms=%.0f "
	       "max_serve_ms=%.0f max_tries=%d end_uptime_ms=%.0f\n",
	    ng, served, last_ready, now, max_serve, max_tries,
	    ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
	if (served == ng && (done = getenv("SERVEWAIT_DONE")) != NULL &&
	    *done != '\0')
		say_done(done);
	xs_close(h);
	return served == ng ? 0 : 1;
}
