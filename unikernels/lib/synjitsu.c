/* synjitsu.c -- the guest side of the Synjitsu hand-over */
#include "libuk.h"
#include "synrec.h"

/*
 * While this unikernel booted, jitsud (in dom0) completed the TCP
 * handshakes of its clients and kept their first bytes.  It says so on
 * our command line, jitsu.synjitsu=1, and makes data/synjitsu as we
 * start (a toolstack that does not say so on the command line makes the
 * folder before we run: then its existence says it).  Then, in XenStore
 * under our home:
 *
 *   guest   uk_ip_up(), before the NIC: asks, ready = "1"; the stack
 *           stays quiet
 *   jitsud  stops taking connections for our address (it still answers
 *           ARP for it and keeps what clients send us), writes conn/0 ..
 *           conn/N-1 (one synrec line each), then count = N; or, since
 *           our image's note says we read count whether or not we asked
 *           (boot.h, JITSUD_NOTE_RECORDS_EARLY), already before our
 *           unpause (or at it) if every client's request was in by then
 *   guest   its NIC up: asks for count and conn/0, posted (synjitsu_
 *           nic_up), and starts its application meanwhile
 *   guest   uk_ready(), its listeners up: takes that answer (reads count
 *           and conn/0 again if count was not there yet) and the other
 *           records, adopts each (uk_tcp_adopt), ends the quiet (the
 *           gratuitous ARP goes out) and, once the stack has had its
 *           turn with the adopted requests, writes data/status =
 *           "ready" and adopted = the number it adopted, in one round
 *           trip; jitsud then passes on what it kept for us and removes
 *           data/synjitsu.  If count is not there yet, the guest watches
 *           it and adopts when it comes (data/status is then written at
 *           once, as without a hand-over).
 *
 * Why ask that early.  Asked at uk_ready(), the exchange (our ask,
 * jitsud's watch, its writes, our watch, our reads) came after the NIC
 * was up, and so did the first reply: a client held that long waited as
 * long as one whose DNS answer was held until we were ready.  Asked at
 * boot, jitsud's part is done while the NIC comes up.  Why the records
 * are not read as soon as they come: the NIC's handshake is a chain of
 * XenStore round trips, and measured, reads slipped into it (from the
 * watch's callback, in its waits) delayed the NIC by more than they
 * saved.  Right after it they cost nothing: posted, they are answered
 * while the application starts and prints (each console line is a turn
 * of dom0's), and at uk_ready() no round trip stands between us and
 * the first reply but for records beyond the first.  What jitsud gives
 * up by stopping early, it keeps: a client that connects or sends after
 * the freeze has its frames kept and passed to us once we adopted
 * (synjitsu(7)).
 *
 * Why quiet (net.h): until the records are in, jitsud holds those
 * connections and, on the bridge, our MAC address.  A frame from us
 * would move the bridge's entry for the MAC to our port, and the
 * clients' segments would reach a stack that does not know their
 * connections yet.  So the gratuitous ARP comes after adoption, not at
 * uk_ip_up().
 *
 * Never silent for good: if uk_ready() does not come within READY_WAIT
 * of uk_ip_up(), or count within COUNT_WAIT of uk_ready(), the guest
 * logs it, writes adopted = "0" (so jitsud, which watches adopted,
 * knows nobody will take its records) and speaks up as
 * if no hand-over had been prepared.  jitsud's clients then see their
 * connections reset and retry.
 *
 * Three things move the hand-over on: uk_ready() (sj_start), and from
 * uk_poll() the watch's callback and the timer's.  State only moves
 * forward, BOOTING -> WAITING -> DONE (or BOOTING -> DONE); whichever of
 * them ends the hand-over first wins, and the others then find DONE and
 * do nothing.
 */

#define SJ_DIR	   "data/synjitsu"
#define SJ_READY   SJ_DIR "/ready"
#define SJ_COUNT   SJ_DIR "/count"
#define SJ_CONN	   SJ_DIR "/conn"
#define SJ_ADOPTED SJ_DIR "/adopted"

#define READY_WAIT   UK_SEC(30) /* uk_ip_up() .. uk_ready() */
#define COUNT_WAIT   UK_SEC(10) /* uk_ready() .. count */
/* The stack's pool (uk.h): more could not be adopted anyway. */
#define COUNT_MAX    64
#define SJ_COUNT_LEN 16 /* count's value as read */

enum { SJ_OFF, SJ_BOOTING, SJ_WAITING, SJ_DONE };

static int sj_state;
static struct uk_timer sj_timer;
static struct uk_timer sj_report_timer;
static struct uk_xs_watch sj_watch;
static int sj_watching;
/* Static: a record is 3 KiB as a line, too much for the app's stack. */
static char sj_line[SYNREC_LINE_MAX];
static struct synrec sj_rec;

static int sj_adopted;
static int sj_status_owed;	 /* data/status goes with adopted */
static struct uk_xs_post sj_ask; /* ready = "1", posted */
/* count and conn/0, posted as the NIC came up (into sj_line) */
static struct uk_xs_post sj_pcount, sj_pconn;
static int sj_posted;
static char sj_count_buf[SJ_COUNT_LEN];

/*
 * What jitsud waits for, after the clients (sj_finish): adopted, then
 * data/status when it is owed, in one round trip.  In that order: jitsud
 * reads adopted when data/status says ready, and watches it only if it
 * is not there (xenstored applies one connection's writes in order).
 */
static void
sj_report(struct uk_timer *t, void *arg)
{
	const char *paths[2], *values[2];
	char buf[16];
	int n = 0, rc;

	(void)t;
	(void)arg;
	snprintf(buf, sizeof(buf), "%d", sj_adopted);
	paths[n] = SJ_ADOPTED;
	values[n++] = buf;
	if (sj_status_owed) {
		paths[n] = UK_READY_PATH;
		values[n++] = UK_READY_VALUE;
		sj_status_owed = 0;
	}
	if ((rc = uk_xs_write_all(paths, values, (size_t)n)) != 0)
		printf("synjitsu: cannot write " SJ_ADOPTED "%s (error %d)\n",
		    n == 2 ? " and " UK_READY_PATH : "", rc);
	if (sj_watching) {
		(void)uk_xs_unwatch(&sj_watch);
		sj_watching = 0;
	}
}

/*
 * Ends the hand-over, adopted or not: the stack speaks again.  The
 * report to jitsud waits for a timer due now: uk_poll() runs timers
 * after the stack's turn, in which the adopted connections are accepted
 * and their requests answered.
 */
static void
sj_finish(int adopted)
{
	sj_state = SJ_DONE;
	sj_adopted = adopted;
	uk_timer_cancel(&sj_timer);
	stack_release();
	uk_timer_arm(&sj_report_timer, uk_now());
}

static void
sj_give_up(const char *what, int err)
{
	printf("synjitsu: %s (error %d); going on without the hand-over\n",
	    what, err);
	sj_finish(0);
}

static void
sj_timeout(struct uk_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	if (sj_state == SJ_BOOTING)
		sj_give_up("no uk_ready() in time", -UK_ETIMEDOUT);
	else if (sj_state == SJ_WAITING)
		sj_give_up("no count from jitsud in time", -UK_ETIMEDOUT);
}

/* jitsud's record as the stack takes it: the window back in wire units. */
static void
sj_convert(const struct synrec *r, struct uk_tcp_adopt *a)
{
	uint32_t wnd = r->peer_wscale > 0 ? r->peer_wnd >> r->peer_wscale :
					    r->peer_wnd;

	memset(a, 0, sizeof(*a));
	a->rip = r->peer_ip;
	a->lip = r->local_ip;
	a->rport = r->peer_port;
	a->lport = r->local_port;
	a->iss = r->iss;
	a->irs = r->irs;
	a->snd_nxt = r->snd_nxt;
	a->rcv_nxt = r->rcv_nxt;
	a->mss = r->mss;
	a->snd_shift = r->peer_wscale;
	a->rcv_shift = r->wscale;
	a->snd_wnd = wnd > 0xffff ? 0xffff : wnd;
	a->data = r->data;
	a->dlen = r->datalen;
	a->fin = r->fin;
	/* An older jitsud's record has none: hop_ip 0, the MAC zero. */
	a->hop = r->hop_ip;
	memcpy(a->hop_mac, r->hop_mac, sizeof(a->hop_mac));
}

/*
 * Decodes the record at path into sj_rec: read into sj_line now, or, if
 * read (uk_xs_read's result for it) is given, already there.  *why on
 * failure.
 */
static int
sj_fetch(const char *path, const int *read, const char **why)
{
	int rc;

	rc = read != NULL ? *read : uk_xs_read(path, sj_line, sizeof(sj_line));
	if (rc < 0) {
		*why = "cannot read it";
		return rc;
	}
	if (synrec_decode(sj_line, &sj_rec, why) != 0)
		return -UK_EINVAL;
	return 0;
}

static int
sj_adopt_one(int i, const int *read)
{
	struct uk_tcp_adopt a;
	const char *why = "";
	char path[48];
	int rc;

	snprintf(path, sizeof(path), SJ_CONN "/%d", i);
	if ((rc = sj_fetch(path, read, &why)) == 0) {
		sj_convert(&sj_rec, &a);
		if ((rc = uk_tcp_adopt(&a)) != 0)
			why = "the stack refused it";
	}
	if (rc != 0)
		printf("synjitsu: %s not adopted: %s (error %d)\n", path, why,
		    rc);
	return rc;
}

/* count's value: canonical decimal 0..COUNT_MAX, else -1. */
static int
sj_count(const char *s)
{
	int n = 0;

	if (*s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9' ||
		    (n = n * 10 + (*s - '0')) > COUNT_MAX)
			return -1;
	return n;
}

/*
 * Reads count and, if jitsud wrote it, adopts every record and ends the
 * hand-over (or gives up on a count it cannot use): 1.  0: not there
 * yet.  The first record is read with count, in the same round trip:
 * the hand-over waits on these reads, and one connection is the usual
 * case.  jitsud writes the records before count, on one connection, so
 * a count found means conn/0 was found with it if there is one.  Both
 * were asked for as the NIC came up: that answer first, and only if it
 * found no count, read again.
 */
static int
sj_take(void)
{
	static const char *const paths[] = { SJ_COUNT, SJ_CONN "/0" };
	static const size_t sizes[] = { SJ_COUNT_LEN, sizeof(sj_line) };
	char *const bufs[] = { sj_count_buf, sj_line };
	const char *when = "as the NIC came up";
	int i, n, rc = -UK_ENOENT, rcs[2], adopted = 0;

	if (sj_posted) {
		sj_posted = 0;
		rc = uk_xs_post_wait(&sj_pcount);
		rcs[1] = uk_xs_post_wait(&sj_pconn);
	}
	if (rc == -UK_ENOENT) {
		when = sj_state == SJ_BOOTING ? "at uk_ready()" :
						"when count came";
		if ((rc = uk_xs_read_all(paths, bufs, sizes, rcs, 2)) == 0)
			rc = rcs[0];
	}
	if (rc == -UK_ENOENT)
		return 0;
	if (rc < 0 || (n = sj_count(sj_count_buf)) < 0) {
		sj_give_up("count unreadable or out of range",
		    rc < 0 ? rc : -UK_EINVAL);
		return 1;
	}
	for (i = 0; i < n; i++)
		adopted += sj_adopt_one(i, i == 0 ? &rcs[1] : NULL) == 0;
	/* Where they were found: how early jitsud wrote them (tests and
	 * the bench read it). */
	printf("synjitsu: adopted %d of %d connections (records found %s)\n",
	    adopted, n, when);
	sj_finish(adopted);
	return 1;
}

static void
sj_count_changed(struct uk_xs_watch *w, const char *path, void *arg)
{
	(void)w;
	(void)path;
	(void)arg;
	/* Its first firing may find nothing yet: jitsud has not written. */
	if (sj_state == SJ_WAITING)
		(void)sj_take();
}

/*
 * uk_ready()'s hook: our listeners are up.  With the records there,
 * they are adopted now and data/status goes with the report, after the
 * stack's turn with them (1).  Without, count is watched and
 * uk_ready() writes data/status (0).
 */
static int
sj_start(int *status_rc)
{
	int rc;

	ready_set_hook(NULL);
	if (sj_state != SJ_BOOTING)
		return 0;
	if (sj_ask.done && sj_ask.rc != 0) {
		sj_give_up("cannot write " SJ_READY, sj_ask.rc);
		return 0;
	}
	sj_status_owed = 1;
	if (sj_take()) {
		*status_rc = 0;
		return 1;
	}
	sj_status_owed = 0;
	sj_state = SJ_WAITING;
	uk_timer_arm(&sj_timer, uk_now() + COUNT_WAIT);
	if ((rc = uk_xs_watch(&sj_watch, SJ_COUNT, sj_count_changed, NULL)) !=
	    0)
		sj_give_up("cannot watch " SJ_COUNT, rc);
	else
		sj_watching = 1;
	return 0;
}

/*
 * The NIC is up: count and conn/0 are asked for now, posted, so that
 * uk_ready() finds them here (jitsud wrote them at our unpause, or at
 * our ask, by now as a rule).  If count cannot be asked for, uk_ready()
 * reads it, as before.
 */
void
synjitsu_nic_up(void)
{
	if (sj_state != SJ_BOOTING || sj_posted)
		return;
	if (uk_xs_post_read(SJ_COUNT, sj_count_buf, sizeof(sj_count_buf),
		&sj_pcount) != 0)
		return;
	sj_posted = 1;
	if (uk_xs_post_read(SJ_CONN "/0", sj_line, sizeof(sj_line),
		&sj_pconn) != 0) {
		/* Only a lost connection fails a post once one went:
		 * the record is then as unreadable as everything else. */
		sj_pconn.rc = -UK_EIO;
		sj_pconn.done = 1;
	}
}

int
synjitsu_holding(void)
{
	return sj_state == SJ_BOOTING || sj_state == SJ_WAITING;
}

int
synjitsu_expect(void)
{
	char buf[8];
	int rc;

	uk_timer_cancel(&sj_timer);
	uk_timer_cancel(&sj_report_timer);
	sj_state = SJ_OFF;
	sj_watching = 0;
	sj_status_owed = 0;
	sj_posted = 0;
	/*
	 * jitsu.synjitsu=1, or =0: the command line says, and no XenStore
	 * round trip is spent on it.  Without the key, the folder says: a
	 * directory, whose value says nothing and existence everything.
	 */
	if ((rc = uk_cmdline_get("jitsu.synjitsu", buf, sizeof(buf))) >= 0) {
		if (strcmp(buf, "1") != 0)
			return 0;
	} else if ((rc = uk_xs_read(SJ_DIR, buf, sizeof(buf))) < 0 &&
	    rc != -UK_E2BIG)
		return 0;
	sj_state = SJ_BOOTING;
	uk_timer_init(&sj_timer, sj_timeout, NULL);
	uk_timer_init(&sj_report_timer, sj_report, NULL);
	/*
	 * Posted: the NIC's first reads go out behind it, and jitsud
	 * answers while the NIC comes up.  Its reply is looked at in
	 * sj_start (a refused ask: no records will come).
	 */
	if ((rc = uk_xs_post_write(SJ_READY, "1", &sj_ask)) != 0) {
		sj_give_up("cannot write " SJ_READY, rc);
		return 0;
	}
	uk_timer_arm(&sj_timer, uk_now() + READY_WAIT);
	ready_set_hook(sj_start);
	printf("synjitsu: jitsud holds connections for us; asked for them, "
	       "quiet until they are adopted\n");
	return 1;
}
