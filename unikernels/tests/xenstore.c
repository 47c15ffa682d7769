/* xenstore.c -- test unikernel: XenStore requests, transactions, watches */
#include "uk.h"

/*
 * Works in its own data/ area (guest-writable by libxl's default
 * permissions).  Expects `name=NAME` on the command line: the domain name
 * the toolstack gave it, which it must read back from XenStore.  With
 * `deny=PATH[,PATH...]` it also checks, for each, that it can neither
 * read PATH, list it, nor write below it: another domain's private node
 * (a Synjitsu hand-over folder, a conduit's channel or mailbox, in
 * jitsud's tests).
 */

#define T_DIR	"data/uktest"
#define T_WATCH T_DIR "/w"
#define T_TX	T_DIR "/tx"

static int failures;
static int fired;
static char fired_path[UK_XS_WATCH_PATH_MAX];

#define CHECK(cond, ...)                                          \
	do {                                                      \
		if (!(cond)) {                                    \
			printf("xenstore: FAILED: " __VA_ARGS__); \
			printf("\n");                             \
			failures++;                               \
		}                                                 \
	} while (0)

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void
check_identity(void)
{
	char buf[64], abs[64], want[64], path[64];
	unsigned long domid;
	char *end;
	int n;

	n = uk_xs_read("domid", buf, sizeof(buf));
	CHECK(n > 0, "read domid: %d", n);
	domid = strtoul(buf, &end, 10);
	CHECK(n > 0 && *end == '\0' && domid > 0, "domid '%s'", buf);
	n = uk_xs_read("name", buf, sizeof(buf));
	CHECK(n > 0, "read name: %d", n);
	CHECK(uk_cmdline_get("name", want, sizeof(want)) > 0,
	    "name= on the command line");
	CHECK(strcmp(buf, want) == 0, "name '%s', expected '%s'", buf, want);
	snprintf(path, sizeof(path), "/local/domain/%lu/name", domid);
	n = uk_xs_read(path, abs, sizeof(abs));
	CHECK(n > 0 && strcmp(abs, buf) == 0, "absolute %s: %d '%s'", path, n,
	    n > 0 ? abs : "");
	printf("xenstore: domid %lu name %s\n", domid, buf);
}

static void
check_rw(void)
{
	char buf[64], names[128], *name;
	int n, seen_a = 0, seen_b = 0, i;

	CHECK(uk_xs_write(T_DIR "/a", "alpha") == 0, "write a");
	CHECK(uk_xs_write(T_DIR "/b", "beta") == 0, "write b");
	n = uk_xs_read(T_DIR "/a", buf, sizeof(buf));
	CHECK(n == 5 && strcmp(buf, "alpha") == 0, "read a: %d", n);
	CHECK(uk_xs_read(T_DIR "/a", buf, 5) == -UK_E2BIG, "short buffer");
	n = uk_xs_directory(T_DIR, names, sizeof(names));
	CHECK(n == 2, "directory: %d names", n);
	for (i = 0, name = names; i < n; i++, name += strlen(name) + 1) {
		seen_a += strcmp(name, "a") == 0;
		seen_b += strcmp(name, "b") == 0;
	}
	CHECK(seen_a == 1 && seen_b == 1, "directory lists a and b");
	CHECK(uk_xs_rm(T_DIR "/a") == 0, "rm a");
	n = uk_xs_read(T_DIR "/a", buf, sizeof(buf));
	CHECK(n == -UK_ENOENT, "read after rm: %d", n);
	/* Another domain's nodes are not ours to read. */
	n = uk_xs_read("/local/domain/0/name", buf, sizeof(buf));
	CHECK(n == -UK_EACCES, "read dom0's name: %d", n);
}

/* Reads T_TX outside any transaction: does it hold want? */
static int
tx_node_is(const char *want)
{
	char buf[64];
	int n = uk_xs_read(T_TX, buf, sizeof(buf));

	return n >= 0 && strcmp(buf, want) == 0;
}

static void
check_transaction(void)
{
	uint32_t tx = UK_XS_NOTX;
	char buf[64];
	int n;

	n = uk_xs_transaction_start(&tx);
	CHECK(n == 0 && tx != UK_XS_NOTX, "transaction start: %d", n);
	CHECK(uk_xs_tx_write(tx, T_TX, "mine") == 0, "write in tx");
	n = uk_xs_tx_read(tx, T_TX, buf, sizeof(buf));
	CHECK(n == 4 && strcmp(buf, "mine") == 0, "read in tx: %d", n);
	n = uk_xs_read(T_TX, buf, sizeof(buf));
	CHECK(n == -UK_ENOENT, "uncommitted write seen outside: %d", n);
	CHECK((n = uk_xs_transaction_end(tx, 1)) == 0, "commit: %d", n);
	CHECK(tx_node_is("mine"), "committed write not seen");
	/* Aborted: nothing happened. */
	CHECK(uk_xs_transaction_start(&tx) == 0, "second start");
	CHECK(uk_xs_tx_write(tx, T_TX, "aborted") == 0, "write in tx 2");
	CHECK((n = uk_xs_transaction_end(tx, 0)) == 0, "abort: %d", n);
	CHECK(tx_node_is("mine"), "aborted write seen");
	/* A write from outside to a node the transaction read: EAGAIN. */
	CHECK(uk_xs_transaction_start(&tx) == 0, "third start");
	n = uk_xs_tx_read(tx, T_TX, buf, sizeof(buf));
	CHECK(n == 4, "read in tx 3: %d", n);
	CHECK(uk_xs_tx_write(tx, T_TX, "late") == 0, "write in tx 3");
	CHECK(uk_xs_write(T_TX, "theirs") == 0, "write outside");
	n = uk_xs_transaction_end(tx, 1);
	CHECK(n == -UK_EAGAIN, "conflicting commit: %d, expected %d", n,
	    -UK_EAGAIN);
	CHECK(tx_node_is("theirs"), "conflicting commit applied");
	CHECK(uk_xs_transaction_end(UK_XS_NOTX, 1) == -UK_EINVAL,
	    "end of no transaction");
	printf("xenstore: transactions commit, abort and conflict\n");
}

static void
watch_fired(struct uk_xs_watch *w, const char *path, void *arg)
{
	(void)w;
	(void)arg;
	fired++;
	strlcpy(fired_path, path, sizeof(fired_path));
	printf("xenstore: watch fired (%d) for %s\n", fired, path);
}

/* Turns the event loop until the watch fired `want` times or 5 s pass. */
static int
wait_fired(int want)
{
	uint64_t deadline = uk_now() + UK_SEC(5);

	while (fired < want && uk_now() < deadline)
		uk_poll(deadline);
	return fired >= want;
}

static void
check_watch(void)
{
	struct uk_xs_watch w;
	uint64_t t0;

	CHECK(uk_xs_watch(&w, T_WATCH, watch_fired, NULL) == 0, "watch");
	CHECK(wait_fired(1), "the watch's first firing");
	CHECK(uk_xs_write(T_WATCH, "1") == 0, "write watched");
	t0 = uk_now();
	CHECK(wait_fired(2), "watch after write (fired %d)", fired);
	CHECK(ends_with(fired_path, T_WATCH), "event path %s", fired_path);
	printf("xenstore: watch event %lu us after the write\n",
	    (unsigned long)((uk_now() - t0) / 1000));
	CHECK(uk_xs_unwatch(&w) == 0, "unwatch");
	CHECK(uk_xs_write(T_WATCH, "2") == 0, "write after unwatch");
	uk_poll(uk_now() + UK_MSEC(200));
	CHECK(fired == 2, "no event after unwatch (fired %d)", fired);
}

static void
check_denied_one(const char *path)
{
	char sub[560], buf[64];
	int n;

	/*
	 * Nothing read either way: C xenstored answers EACCES for a node
	 * in a folder we may not read, there or not; oxenstored ENOENT
	 * when it is not there.
	 */
	n = uk_xs_read(path, buf, sizeof(buf));
	CHECK(n == -UK_EACCES || n == -UK_ENOENT, "read %s: %d, want %d", path,
	    n, -UK_EACCES);
	n = uk_xs_directory(path, buf, sizeof(buf));
	CHECK(n == -UK_EACCES || n == -UK_ENOENT, "list %s: %d, want %d", path,
	    n, -UK_EACCES);
	snprintf(sub, sizeof(sub), "%s/conn/0", path);
	n = uk_xs_write(sub, "v=1 forged");
	CHECK(n == -UK_EACCES, "write %s: %d, want %d", sub, n, -UK_EACCES);
	printf("xenstore: %s is out of reach\n", path);
}

static void
check_denied(void)
{
	char list[512], *path, *comma;

	if (uk_cmdline_get("deny", list, sizeof(list)) <= 0)
		return;
	for (path = list; path != NULL; path = comma) {
		if ((comma = strchr(path, ',')) != NULL)
			*comma++ = '\0';
		check_denied_one(path);
	}
}

/*
 * Posted reads: each value lands in its own buffer as its reply is
 * taken, in order with the requests around them (a write posted before
 * a read is seen by it; a synchronous request in between takes the
 * replies before its own).
 */
static void
check_posted(void)
{
	struct uk_xs_post w, a, gone, shortb, b;
	char abuf[16], gbuf[16], sbuf[4], bbuf[16];
	int n;

	CHECK(uk_xs_post_write(T_DIR "/p", "posted", &w) == 0, "post write");
	CHECK(uk_xs_post_read(T_DIR "/p", abuf, sizeof(abuf), &a) == 0,
	    "post read");
	CHECK(uk_xs_post_read(T_DIR "/none", gbuf, sizeof(gbuf), &gone) == 0,
	    "post read of a missing node");
	CHECK(uk_xs_post_read(T_DIR "/p", sbuf, sizeof(sbuf), &shortb) == 0,
	    "post read, short buffer");
	/* A request after them takes their replies on the way to its own. */
	CHECK(uk_xs_write(T_DIR "/q", "after") == 0, "write after posts");
	CHECK(w.done && w.rc == 0, "posted write: done %d rc %d", w.done, w.rc);
	CHECK(a.done && a.rc == 6 && strcmp(abuf, "posted") == 0,
	    "posted read: done %d rc %d", a.done, a.rc);
	CHECK(gone.done && gone.rc == -UK_ENOENT,
	    "posted read of a missing node: done %d rc %d", gone.done, gone.rc);
	CHECK(shortb.done && shortb.rc == -UK_E2BIG,
	    "posted read, short buffer: done %d rc %d", shortb.done, shortb.rc);
	/* Waited for alone. */
	CHECK(uk_xs_post_read(T_DIR "/q", bbuf, sizeof(bbuf), &b) == 0,
	    "post read q");
	n = uk_xs_post_wait(&b);
	CHECK(n == 5 && b.done && strcmp(bbuf, "after") == 0,
	    "posted read waited for: %d", n);
	CHECK(uk_xs_post_wait(&b) == 5, "waited for again");
	printf("xenstore: posted reads and writes answered in order\n");
}

int
uk_main(void)
{
	check_identity();
	check_denied();
	check_rw();
	check_transaction();
	check_watch();
	check_posted();
	CHECK(uk_xs_rm(T_DIR) == 0, "rm " T_DIR);
	if (failures != 0) {
		printf("FAILURE (%d checks failed)\n", failures);
		return 1;
	}
	printf("SUCCESS\n");
	return 0;
}
