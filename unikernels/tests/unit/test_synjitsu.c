/* test_synjitsu.c -- unit tests of the guest side of the Synjitsu hand-over */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "libuk.h"
#include "synrec.h"
#include "fake_xs.h"

/*
 * synjitsu.c with its neighbours replaced: XenStore by fake_xs.h, the
 * stack by a uk_tcp_adopt that records what it is given (and refuses
 * port 81, where "nothing listens") and a stack_release that counts.
 * The test plays jitsud through the fake XenStore and turns the event
 * loop by hand: fxs_fire() for watch events, timer_run_due() for time.
 */

#define OUR_IP	0x0a580002u
#define PEER_IP 0x0a580001u
#define MAXREC	8

static uint64_t now;
static char log_buf[4096];
static size_t log_len;
static struct uk_tcp_adopt adopted[MAXREC];
static uint8_t adopted_data[MAXREC][SYNREC_DATA_MAX];
static int nadopt;   /* uk_tcp_adopt calls, refused ones too */
static int released; /* stack_release calls */
static int released_before_adopted;
static const char *cmdline; /* the guest's: "" unless a test says */

const char *
plat_cmdline(void)
{
	return cmdline;
}

uint64_t
uk_now(void)
{
	return now;
}

void
uk_console_write(const char *buf, size_t len)
{
	size_t n = len < sizeof(log_buf) - 1 - log_len ?
	    len :
	    sizeof(log_buf) - 1 - log_len;

	memcpy(log_buf + log_len, buf, n);
	log_len += n;
	log_buf[log_len] = '\0';
}

int
uk_tcp_adopt(const struct uk_tcp_adopt *rec)
{
	assert_true(nadopt < MAXREC);
	adopted[nadopt] = *rec;
	memcpy(adopted_data[nadopt], rec->data, rec->dlen);
	adopted[nadopt].data = adopted_data[nadopt];
	nadopt++;
	return rec->lport == 81 ? -UK_ENOENT : 0;
}

void
stack_release(void)
{
	released++;
	released_before_adopted = fxs_get("data/synjitsu/adopted") == NULL;
}

/* Whether the console said needle (no host string functions here). */
static int
logged(const char *needle)
{
	size_t i, n = strlen(needle);

	for (i = 0; i + n <= log_len; i++)
		if (strncmp(log_buf + i, needle, n) == 0)
			return 1;
	return 0;
}

static int
setup(void **state)
{
	(void)state;
	fxs_reset();
	cmdline = "";
	now = UK_SEC(100);
	log_len = 0;
	log_buf[0] = '\0';
	nadopt = released = released_before_adopted = 0;
	ready_set_hook(NULL);
	return 0;
}

/* Runs the timers due at t, as uk_poll() would. */
static void
advance(uint64_t t)
{
	now = t;
	(void)timer_run_due(now);
}

/* Writes r as jitsud's record number i. */
static void
jitsud_put(int i, const struct synrec *r)
{
	static char line[SYNREC_LINE_MAX];
	char path[64];

	assert_true(synrec_encode(r, line, sizeof(line)) > 0);
	snprintf(path, sizeof(path), "data/synjitsu/conn/%d", i);
	fxs_set(path, line);
}

/* A record from PEER_IP:port to our port lport carrying data, no hop. */
static void
record_make(struct synrec *r, uint16_t port, uint16_t lport, const char *data,
    int fin)
{
	memset(r, 0, sizeof(*r));
	r->peer_ip = PEER_IP;
	r->peer_port = port;
	r->local_ip = OUR_IP;
	r->local_port = lport;
	r->irs = 1000u * port;
	r->iss = 7000u * port;
	r->snd_nxt = r->iss + 1;
	r->datalen = strlen(data);
	memcpy(r->data, data, r->datalen);
	r->fin = fin;
	r->rcv_nxt = r->irs + 1 + (uint32_t)r->datalen + (uint32_t)fin;
	r->mss = 1400;
	r->peer_wscale = 7;
	r->wscale = 0;
	r->peer_wnd = 64000u << 7;
}

static void
jitsud_record(int i, uint16_t port, uint16_t lport, const char *data, int fin)
{
	struct synrec r;

	record_make(&r, port, lport, data, fin);
	jitsud_put(i, &r);
}

/* The guest boots with a prepared hand-over: it asks, and only that. */
static void
boot(void)
{
	fxs_set("data/synjitsu", "");
	assert_int_equal(synjitsu_expect(), 1);
	assert_true(synjitsu_holding());
	/* Asked at once, before the NIC, not at uk_ready(), and posted:
	 * the NIC's first reads do not wait for its reply. */
	assert_string_equal(fxs_get("data/synjitsu/ready"), "1");
	assert_int_equal(fxs_nposts, 1);
	assert_null(fxs_get("data/status"));
	/* Nothing else until uk_ready(): the NIC's handshake is a chain of
	 * XenStore round trips, not to be slowed. */
	assert_int_equal(fxs_nwatches(), 0);
	assert_int_equal(fxs_nreads, 1); /* the folder: no command line */
	assert_int_equal(released, 0);
}

/*
 * ... and says it is ready before jitsud wrote anything (a slow dom0):
 * uk_ready() watches count and writes data/status alone, the records are
 * adopted when they come.
 */
static void
boot_and_ready(void)
{
	boot();
	assert_int_equal(uk_ready(), 0);
	assert_string_equal(fxs_get("data/status"), "ready");
	assert_int_equal(fxs_nbatches, 0);
	assert_int_equal(fxs_nwatches(), 1);
	assert_int_equal(fxs_fire(), 1); /* the first firing: no count */
	assert_int_equal(released, 0);
	assert_null(fxs_get("data/synjitsu/adopted"));
}

static void
test_without_the_directory_nothing_changes(void **state)
{
	(void)state;
	assert_int_equal(synjitsu_expect(), 0);
	assert_int_equal(uk_ready(), 0);
	assert_string_equal(fxs_get("data/status"), "ready");
	assert_int_equal(fxs_nbatches, 0);
	assert_null(fxs_get("data/synjitsu/ready"));
	assert_int_equal(fxs_nwatches(), 0);
	assert_int_equal(released, 0); /* the stack never was quiet */
	advance(now + UK_SEC(60));
	assert_int_equal(released, 0);
	assert_int_equal(log_len, 0);
}

/*
 * jitsud says so on the command line and makes the folder as the guest
 * boots: the guest believes the command line, spends no XenStore read
 * on it, and the hand-over goes on as when the folder was first.
 */
static void
test_the_command_line_says_so_before_the_directory_exists(void **state)
{
	(void)state;
	cmdline = "jitsu.ip=10.88.0.2/24 jitsu.synjitsu=1 jitsu.name=a";
	assert_int_equal(synjitsu_expect(), 1);
	assert_int_equal(fxs_nreads, 0);
	assert_true(synjitsu_holding());
	/* Asked at once: the folder appears around it (jitsud makes it as
	 * the guest starts); XenStore makes the parent of what we write. */
	assert_string_equal(fxs_get("data/synjitsu/ready"), "1");
	fxs_set("data/synjitsu", ""); /* jitsud, a little later */
	assert_int_equal(uk_ready(), 0);
	assert_int_equal(fxs_fire(), 1); /* the first firing: no count */
	jitsud_record(0, 40000, 80, "GET / HTTP/1.1\r\n", 0);
	fxs_set("data/synjitsu/count", "1");
	assert_int_equal(fxs_fire(), 1);
	assert_int_equal(nadopt, 1);
	assert_int_equal(released, 1);
	advance(now);
	assert_string_equal(fxs_get("data/synjitsu/adopted"), "1");
}

/* jitsu.synjitsu=0 says no, whatever XenStore holds. */
static void
test_the_command_line_saying_no_wins_over_a_directory(void **state)
{
	(void)state;
	cmdline = "jitsu.synjitsu=0";
	fxs_set("data/synjitsu", "");
	assert_int_equal(synjitsu_expect(), 0);
	assert_int_equal(fxs_nreads, 0);
	assert_int_equal(fxs_nwatches(), 0);
	assert_int_equal(uk_ready(), 0);
	assert_null(fxs_get("data/synjitsu/ready"));
}

static void
test_records_are_adopted_and_a_refused_one_is_reported(void **state)
{
	(void)state;
	boot_and_ready();
	jitsud_record(0, 40000, 80, "GET / HTTP/1.1\r\n", 0);
	jitsud_record(1, 40001, 81, "GET /x HTTP/1.1\r\n", 0);
	jitsud_record(2, 40002, 80, "GET /y HTTP/1.0\r\n\r\n", 1);
	fxs_set("data/synjitsu/count", "3");
	assert_int_equal(fxs_fire(), 1);
	assert_int_equal(nadopt, 3);
	assert_int_equal(released, 1);
	/* No XenStore request before the stack's turn with the clients. */
	assert_int_equal(fxs_nwatches(), 1);
	assert_null(fxs_get("data/synjitsu/adopted"));
	advance(now);
	assert_true(released_before_adopted); /* the ARP before the log */
	assert_string_equal(fxs_get("data/synjitsu/adopted"), "2");
	/* The records stay: jitsud removes data/synjitsu when it reads
	 * adopted. */
	assert_non_null(fxs_get("data/synjitsu/conn/0"));
	assert_true(logged("data/synjitsu/conn/1 not adopted: the stack "
			   "refused it (error -2)"));
	assert_true(logged("adopted 2 of 3"));
	assert_int_equal(fxs_nwatches(), 0);
	/* What the stack got is the record, the window back in wire units. */
	assert_int_equal(adopted[2].rip, PEER_IP);
	assert_int_equal(adopted[2].lip, OUR_IP);
	assert_int_equal(adopted[2].rport, 40002);
	assert_int_equal(adopted[2].lport, 80);
	assert_int_equal(adopted[2].irs, 40002000u);
	assert_int_equal(adopted[2].iss, 280014000u);
	assert_int_equal(adopted[2].snd_nxt, 280014001u);
	assert_int_equal(adopted[2].rcv_nxt, 40002000u + 1 + 19 + 1);
	assert_int_equal(adopted[2].mss, 1400);
	assert_int_equal(adopted[2].snd_shift, 7);
	assert_int_equal(adopted[2].rcv_shift, 0);
	assert_int_equal(adopted[2].snd_wnd, 64000);
	assert_int_equal(adopted[2].fin, 1);
	assert_int_equal(adopted[2].dlen, 19);
	assert_memory_equal(adopted[2].data, "GET /y HTTP/1.0\r\n\r\n", 19);
	/* Done is done: a late timer or event changes nothing. */
	advance(now + UK_SEC(60));
	fxs_set("data/synjitsu/count", "1");
	assert_int_equal(fxs_fire(), 0);
	assert_int_equal(released, 1);
	assert_int_equal(nadopt, 3);
}

/* The client's next hop reaches the stack; an older record says none. */
static void
test_the_hop_jitsud_saw_reaches_the_stack(void **state)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 }, zero[6];
	struct synrec r;

	(void)state;
	boot_and_ready();
	record_make(&r, 40000, 80, "GET / HTTP/1.1\r\n", 0);
	r.hop_ip = PEER_IP;
	memcpy(r.hop_mac, mac, 6);
	jitsud_put(0, &r);
	jitsud_record(1, 40001, 80, "GET /x HTTP/1.1\r\n", 0);
	fxs_set("data/synjitsu/count", "2");
	assert_int_equal(fxs_fire(), 1);
	assert_int_equal(nadopt, 2);
	assert_int_equal(adopted[0].hop, PEER_IP);
	assert_memory_equal(adopted[0].hop_mac, mac, 6);
	assert_int_equal(adopted[1].hop, 0);
	assert_memory_equal(adopted[1].hop_mac, zero, 6);
}

static void
test_malformed_and_missing_records_are_reported_and_skipped(void **state)
{
	(void)state;
	boot_and_ready();
	fxs_set("data/synjitsu/conn/0", "v=1 peer=10.88.0.1:1");
	/* conn/1 is missing altogether. */
	jitsud_record(2, 40002, 80, "", 0);
	fxs_set("data/synjitsu/count", "3");
	assert_int_equal(fxs_fire(), 1);
	assert_int_equal(nadopt, 1);
	advance(now);
	assert_string_equal(fxs_get("data/synjitsu/adopted"), "1");
	assert_true(logged("conn/0 not adopted: local: missing"));
	assert_true(logged("conn/1 not adopted: cannot read it (error -2)"));
	assert_int_equal(released, 1);
}

/*
 * conn/0 is read with count, in one round trip.  A record found without
 * count (jitsud between its writes) is not taken: count is read again,
 * with conn/0, when it comes.
 */
static void
test_the_first_record_is_read_with_count(void **state)
{
	(void)state;
	boot();
	jitsud_record(0, 40000, 80, "GET / HTTP/1.1\r\n", 0);
	assert_int_equal(uk_ready(), 0);
	assert_int_equal(fxs_nreadbatches, 1);
	assert_int_equal(nadopt, 0);
	assert_true(synjitsu_holding());
	/* The watch's first firing, count still not there. */
	assert_int_equal(fxs_fire(), 1);
	assert_int_equal(fxs_nreadbatches, 2);
	assert_int_equal(nadopt, 0);
	fxs_set("data/synjitsu/count", "1");
	assert_int_equal(fxs_fire(), 1);
	assert_int_equal(fxs_nreadbatches, 3);
	assert_int_equal(nadopt, 1);
	assert_int_equal(adopted[0].rport, 40000);
	advance(now);
	assert_string_equal(fxs_get("data/synjitsu/adopted"), "1");
}

/* A conn/0 missing beside its count is reported as any missing record. */
static void
test_a_first_record_missing_beside_count_is_reported(void **state)
{
	(void)state;
	boot();
	fxs_set("data/synjitsu/count", "1");
	assert_int_equal(uk_ready(), 0);
	assert_int_equal(fxs_nreadbatches, 1);
	assert_int_equal(nadopt, 0);
	advance(now);
	assert_true(logged("conn/0 not adopted: cannot read it (error -2)"));
	assert_string_equal(fxs_get("data/synjitsu/adopted"), "0");
}

static void
test_count_zero_ends_the_hand_over_at_once(void **state)
{
	(void)state;
	boot_and_ready();
	fxs_set("data/synjitsu/count", "0");
	assert_int_equal(fxs_fire(), 1);
	assert_int_equal(nadopt, 0);
	assert_int_equal(released, 1);
	advance(now);
	assert_string_equal(fxs_get("data/synjitsu/adopted"), "0");
}

static void
test_a_bad_count_is_refused_whole(void **state)
{
	static const char *const bad[] = { "65", "-1", "01", "", "1x", " 1",
		"99999999999" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setup(state);
		boot_and_ready();
		jitsud_record(0, 40000, 80, "x", 0);
		fxs_set("data/synjitsu/count", bad[i]);
		assert_int_equal(fxs_fire(), 1);
		assert_int_equal(nadopt, 0);
		assert_int_equal(released, 1);
		advance(now);
		assert_string_equal(fxs_get("data/synjitsu/adopted"), "0");
		assert_true(logged("count unreadable or out of range"));
	}
}

static void
test_no_count_within_10_s_gives_up_and_announces(void **state)
{
	uint64_t t0 = now;

	(void)state;
	boot_and_ready();
	advance(t0 + UK_SEC(10) - 1);
	assert_int_equal(released, 0);
	advance(t0 + UK_SEC(10));
	assert_int_equal(released, 1);
	advance(now); /* the report: a turn later */
	assert_string_equal(fxs_get("data/synjitsu/adopted"), "0");
	assert_true(logged("no count from jitsud in time"));
	assert_int_equal(fxs_nwatches(), 0);
	/* jitsud, too late: nobody listens any more. */
	jitsud_record(0, 40000, 80, "x", 0);
	fxs_set("data/synjitsu/count", "1");
	assert_int_equal(fxs_fire(), 0);
	assert_int_equal(nadopt, 0);
}

static void
test_no_uk_ready_within_30_s_gives_up_and_announces(void **state)
{
	uint64_t t0 = now;

	(void)state;
	fxs_set("data/synjitsu", "");
	assert_int_equal(synjitsu_expect(), 1);
	advance(t0 + UK_SEC(30) - 1);
	assert_int_equal(released, 0);
	advance(t0 + UK_SEC(30));
	assert_int_equal(released, 1);
	assert_true(logged("no uk_ready() in time"));
	advance(now);
	assert_string_equal(fxs_get("data/synjitsu/adopted"), "0");
	/* A late uk_ready() still says ready, but starts nothing. */
	assert_int_equal(uk_ready(), 0);
	assert_string_equal(fxs_get("data/status"), "ready");
	assert_int_equal(fxs_nwatches(), 0);
}

/* The same with the records written: none is adopted, 0 said. */
static void
test_records_written_but_no_uk_ready_give_up_too(void **state)
{
	uint64_t t0 = now;

	(void)state;
	boot();
	jitsud_record(0, 40000, 80, "GET / HTTP/1.1\r\n", 0);
	fxs_set("data/synjitsu/count", "1");
	advance(t0 + UK_SEC(30));
	assert_int_equal(nadopt, 0);
	assert_int_equal(released, 1);
	advance(now);
	assert_string_equal(fxs_get("data/synjitsu/adopted"), "0");
	assert_int_equal(uk_ready(), 0);
	assert_int_equal(nadopt, 0);
}

/*
 * The usual order now: jitsud's records are written while the guest's
 * NIC comes up.  uk_ready() reads count and the records, adopts them,
 * and writes data/status with adopted after the stack's turn with the
 * clients; no watch is ever set.
 */
static void
test_records_written_while_booting_are_adopted_at_uk_ready(void **state)
{
	int reads;

	(void)state;
	boot();
	jitsud_record(0, 40000, 80, "GET / HTTP/1.1\r\n", 0);
	jitsud_record(1, 40001, 81, "GET /x HTTP/1.1\r\n", 0);
	fxs_set("data/synjitsu/count", "2");
	assert_int_equal(nadopt, 0); /* nobody listens yet */
	assert_true(synjitsu_holding());
	reads = fxs_nreads;
	assert_int_equal(uk_ready(), 0);
	assert_int_equal(fxs_nreads - reads, 3); /* count, two records */
	/* count and conn/0 asked together: two round trips, not three */
	assert_int_equal(fxs_nreadbatches, 1);
	assert_int_equal(nadopt, 2);
	assert_int_equal(released, 1);
	assert_int_equal(adopted[0].rport, 40000);
	assert_memory_equal(adopted[0].data, "GET / HTTP/1.1\r\n", 16);
	assert_true(logged("data/synjitsu/conn/1 not adopted: the stack "
			   "refused it (error -2)"));
	/* Nothing written before the stack's turn: its replies first. */
	assert_null(fxs_get("data/status"));
	assert_null(fxs_get("data/synjitsu/adopted"));
	advance(now);
	assert_string_equal(fxs_get("data/status"), "ready");
	assert_string_equal(fxs_get("data/synjitsu/adopted"), "1");
	assert_int_equal(fxs_nbatches, 1); /* in one round trip */
	/* adopted first: jitsud reads it when data/status says ready. */
	assert_true(fxs_written_at("data/synjitsu/adopted") <
	    fxs_written_at("data/status"));
	assert_int_equal(fxs_nwatches(), 0);
}

/*
 * Written by the time the NIC is up (jitsud writes them at our
 * unpause): count and conn/0 are asked for then, posted, and uk_ready()
 * takes that answer without a round trip of its own.
 */
static void
test_records_there_at_nic_up_cost_uk_ready_no_round_trip(void **state)
{
	(void)state;
	boot();
	jitsud_record(0, 40000, 80, "GET / HTTP/1.1\r\n", 0);
	fxs_set("data/synjitsu/count", "1");
	synjitsu_nic_up();
	assert_int_equal(fxs_npostreads, 2); /* count, conn/0 */
	assert_int_equal(nadopt, 0);	     /* nobody listens yet */
	/* jitsud's later writes are not what the posted reads saw. */
	fxs_set("data/synjitsu/count", "junk");
	assert_int_equal(uk_ready(), 0);
	assert_int_equal(fxs_nwaits, 2);
	assert_int_equal(fxs_nreadbatches, 0);
	assert_int_equal(nadopt, 1);
	assert_true(logged("adopted 1 of 1 connections (records found as "
			   "the NIC came up)"));
	assert_int_equal(adopted[0].rport, 40000);
	assert_memory_equal(adopted[0].data, "GET / HTTP/1.1\r\n", 16);
	advance(now);
	assert_string_equal(fxs_get("data/synjitsu/adopted"), "1");
	assert_string_equal(fxs_get("data/status"), "ready");
	assert_int_equal(fxs_nwatches(), 0);
	/* Asked for once: a second NIC-up asks nothing more. */
	synjitsu_nic_up();
	assert_int_equal(fxs_npostreads, 2);
}

/* The records beyond the first are read at uk_ready(), one by one. */
static void
test_records_beyond_the_first_are_read_at_uk_ready(void **state)
{
	int reads;

	(void)state;
	boot();
	jitsud_record(0, 40000, 80, "GET / HTTP/1.1\r\n", 0);
	jitsud_record(1, 40001, 80, "GET /y HTTP/1.1\r\n", 0);
	fxs_set("data/synjitsu/count", "2");
	synjitsu_nic_up();
	reads = fxs_nreads;
	assert_int_equal(uk_ready(), 0);
	assert_int_equal(fxs_nreads - reads, 1); /* conn/1 */
	assert_int_equal(fxs_nreadbatches, 0);
	assert_int_equal(nadopt, 2);
	assert_int_equal(adopted[1].rport, 40001);
}

/*
 * Not there yet when the NIC came up (a client's request late): read
 * again at uk_ready(), as without the early ask, and watched if still
 * not there.
 */
static void
test_records_after_nic_up_are_read_at_uk_ready(void **state)
{
	(void)state;
	boot();
	synjitsu_nic_up();
	assert_int_equal(fxs_npostreads, 2);
	jitsud_record(0, 40000, 80, "GET / HTTP/1.1\r\n", 0);
	fxs_set("data/synjitsu/count", "1");
	assert_int_equal(uk_ready(), 0);
	assert_int_equal(fxs_nreadbatches, 1);
	assert_int_equal(nadopt, 1);
	assert_int_equal(fxs_nwatches(), 0);
	assert_true(logged("(records found at uk_ready())"));
	advance(now);
	assert_string_equal(fxs_get("data/synjitsu/adopted"), "1");
}

static void
test_records_after_uk_ready_are_watched_for_after_an_early_ask(void **state)
{
	(void)state;
	boot();
	synjitsu_nic_up();
	assert_int_equal(uk_ready(), 0);
	assert_int_equal(fxs_nreadbatches, 1);
	assert_string_equal(fxs_get("data/status"), "ready");
	assert_int_equal(fxs_nwatches(), 1);
	assert_int_equal(fxs_fire(), 1); /* the first firing: no count */
	jitsud_record(0, 40000, 80, "GET / HTTP/1.1\r\n", 0);
	fxs_set("data/synjitsu/count", "1");
	assert_int_equal(fxs_fire(), 1);
	assert_int_equal(nadopt, 1);
	assert_true(logged("(records found when count came)"));
	advance(now);
	assert_string_equal(fxs_get("data/synjitsu/adopted"), "1");
}

/* A bad count found early is refused as one found at uk_ready(). */
static void
test_a_bad_count_found_at_nic_up_is_refused(void **state)
{
	(void)state;
	boot();
	fxs_set("data/synjitsu/count", "65");
	synjitsu_nic_up();
	assert_int_equal(uk_ready(), 0);
	assert_int_equal(fxs_nreadbatches, 0);
	assert_true(logged("count unreadable or out of range"));
	assert_int_equal(nadopt, 0);
	assert_int_equal(released, 1);
}

/* Without a hand-over, the NIC coming up asks for nothing. */
static void
test_nic_up_without_a_hand_over_asks_nothing(void **state)
{
	(void)state;
	assert_int_equal(synjitsu_expect(), 0);
	synjitsu_nic_up();
	assert_int_equal(fxs_npostreads, 0);
}

static void
test_a_watch_that_fails_gives_up_at_once(void **state)
{
	(void)state;
	boot();
	/* count is not there at uk_ready(): it must be watched, and can't. */
	fxs_watch_error = -UK_ENOSYS;
	assert_int_equal(uk_ready(), 0);
	assert_string_equal(fxs_get("data/status"), "ready");
	assert_true(logged("cannot watch data/synjitsu/count (error -38)"));
	assert_int_equal(released, 1);
	advance(now);
	assert_string_equal(fxs_get("data/synjitsu/adopted"), "0");
	advance(now + UK_SEC(60)); /* the timer is gone too */
	assert_int_equal(released, 1);
}

/* The ask is posted (no round trip before the NIC); refused, the
 * hand-over ends at uk_ready(): no records will come. */
static void
test_a_refused_ask_gives_up_at_uk_ready(void **state)
{
	(void)state;
	fxs_post_error = -UK_EACCES;
	fxs_set("data/synjitsu", "");
	assert_int_equal(synjitsu_expect(), 1);
	assert_int_equal(fxs_nposts, 1);
	assert_null(fxs_get("data/synjitsu/ready"));
	assert_int_equal(released, 0);
	assert_int_equal(uk_ready(), 0);
	assert_true(logged("cannot write data/synjitsu/ready (error -13)"));
	assert_int_equal(released, 1);
	assert_string_equal(fxs_get("data/status"), "ready");
	assert_int_equal(fxs_nwatches(), 0);
	advance(now + UK_SEC(60)); /* and no timer is left */
	assert_int_equal(released, 1);
}

static void
test_a_long_directory_value_still_counts_as_present(void **state)
{
	(void)state;
	fxs_set("data/synjitsu", "some value longer than the buffer");
	assert_int_equal(synjitsu_expect(), 1);
	advance(now + UK_SEC(30));
	assert_int_equal(released, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(
		    test_without_the_directory_nothing_changes, setup),
		cmocka_unit_test_setup(
		    test_the_command_line_says_so_before_the_directory_exists,
		    setup),
		cmocka_unit_test_setup(
		    test_the_command_line_saying_no_wins_over_a_directory,
		    setup),
		cmocka_unit_test_setup(
		    test_records_are_adopted_and_a_refused_one_is_reported,
		    setup),
		cmocka_unit_test_setup(
		    test_the_hop_jitsud_saw_reaches_the_stack, setup),
		cmocka_unit_test_setup(
		    test_malformed_and_missing_records_are_reported_and_skipped,
		    setup),
		cmocka_unit_test_setup(test_the_first_record_is_read_with_count,
		    setup),
		cmocka_unit_test_setup(
		    test_a_first_record_missing_beside_count_is_reported,
		    setup),
		cmocka_unit_test_setup(
		    test_count_zero_ends_the_hand_over_at_once, setup),
		cmocka_unit_test_setup(test_a_bad_count_is_refused_whole,
		    setup),
		cmocka_unit_test_setup(
		    test_no_count_within_10_s_gives_up_and_announces, setup),
		cmocka_unit_test_setup(
		    test_no_uk_ready_within_30_s_gives_up_and_announces, setup),
		cmocka_unit_test_setup(
		    test_records_written_but_no_uk_ready_give_up_too, setup),
		cmocka_unit_test_setup(
		    test_records_written_while_booting_are_adopted_at_uk_ready,
		    setup),
		cmocka_unit_test_setup(
		    test_records_there_at_nic_up_cost_uk_ready_no_round_trip,
		    setup),
		cmocka_unit_test_setup(
		    test_records_beyond_the_first_are_read_at_uk_ready, setup),
		cmocka_unit_test_setup(
		    test_records_after_nic_up_are_read_at_uk_ready, setup),
		cmocka_unit_test_setup(
		    test_records_after_uk_ready_are_watched_for_after_an_early_ask,
		    setup),
		cmocka_unit_test_setup(
		    test_a_bad_count_found_at_nic_up_is_refused, setup),
		cmocka_unit_test_setup(
		    test_nic_up_without_a_hand_over_asks_nothing, setup),
		cmocka_unit_test_setup(test_a_watch_that_fails_gives_up_at_once,
		    setup),
		cmocka_unit_test_setup(test_a_refused_ask_gives_up_at_uk_ready,
		    setup),
		cmocka_unit_test_setup(
		    test_a_long_directory_value_still_counts_as_present, setup),
	};

	return cmocka_run_group_tests_name("synjitsu", tests, NULL, NULL);
}
