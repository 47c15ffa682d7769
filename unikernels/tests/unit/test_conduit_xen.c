/* test_conduit_xen.c -- conduit(7)'s rendezvous, as a domain plays it */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "libuk.h"
#include "fake_xs.h"

/*
 * platform/xen/conduit_xen.c with its neighbours replaced: XenStore by
 * fake_xs.h, in which the test writes jitsud's part of conduit(7), and
 * the vchan by a loop-back here (the real one needs Xen; its own tests
 * are test_vchan and test_vchan_xen, and tests/xen/uk-conduit.sh runs
 * the two together).  We are domain 5.  The module keeps its state (the
 * names listened on, its watch) for the life of the process, so the
 * tests run in order on one store and each leaves it as it found it.
 */

#define SELF	"5"
#define ACCEPT	"/jitsu/conduit/dom/5/accept"
#define REPLY	"/jitsu/conduit/dom/5/reply"
#define CHAN(p) "/jitsu/conduit/chan/" #p

/* The console: what the module logged, the last 4 KiB. */
static char log_buf[4096];
static size_t log_len;

void
uk_console_write(const char *buf, size_t len)
{
	if (len >= sizeof(log_buf) - log_len)
		log_len = 0;
	if (len >= sizeof(log_buf))
		return;
	memcpy(log_buf + log_len, buf, len);
	log_len += len;
	log_buf[log_len] = '\0';
}

/* Whether the log holds s. */
static const char *
strstr_log(const char *s)
{
	size_t i, n = strlen(s);

	for (i = 0; i + n <= log_len; i++)
		if (memcmp(log_buf + i, s, n) == 0)
			return log_buf + i;
	return NULL;
}

/* ---------------------------------------------------------------------
 * The vchan, faked: a byte loop-back, and a record of the calls.
 */

struct uk_vchan {
	int used, server, closed;
	unsigned int peer;
	char path[96];
	uk_vchan_fn *fn;
	void *arg;
	char data[64];
	size_t len;
};

static struct uk_vchan vchans[16];
static int vchan_error; /* what the next set-up returns; 0: works */
static int vchan_nserver, vchan_nclient;

static struct uk_vchan *
vchan_new(int server, uint16_t peer, const char *path, uk_vchan_fn *fn,
    void *arg)
{
	size_t i;

	for (i = 0; vchans[i].used; i++)
		assert_true(i + 1 < sizeof(vchans) / sizeof(vchans[0]));
	vchans[i] = (struct uk_vchan){ .used = 1,
		.server = server,
		.peer = peer,
		.fn = fn,
		.arg = arg };
	strlcpy(vchans[i].path, path, sizeof(vchans[i].path));
	return &vchans[i];
}

int
uk_vchan_server(uint16_t peer, const char *path, size_t read_min,
    size_t write_min, uk_vchan_fn *fn, void *arg, struct uk_vchan **cp)
{
	(void)read_min;
	(void)write_min;
	vchan_nserver++;
	if (vchan_error != 0)
		return vchan_error;
	*cp = vchan_new(1, peer, path, fn, arg);
	return 0;
}

int
uk_vchan_client(uint16_t peer, const char *path, uk_vchan_fn *fn, void *arg,
    struct uk_vchan **cp)
{
	vchan_nclient++;
	if (vchan_error != 0)
		return vchan_error;
	*cp = vchan_new(0, peer, path, fn, arg);
	return 0;
}

long
uk_vchan_read(struct uk_vchan *c, void *buf, size_t len)
{
	if (c->len == 0)
		return -UK_EAGAIN;
	len = len < c->len ? len : c->len;
	memcpy(buf, c->data, len);
	memmove(c->data, c->data + len, c->len - len);
	c->len -= len;
	return (long)len;
}

long
uk_vchan_write(struct uk_vchan *c, const void *buf, size_t len)
{
	len = len < sizeof(c->data) - c->len ? len : sizeof(c->data) - c->len;
	memcpy(c->data + c->len, buf, len);
	c->len += len;
	return (long)len;
}

/* As the real one: a server removes its path. */
void
uk_vchan_close(struct uk_vchan *c)
{
	assert_false(c->closed);
	c->closed = 1;
	if (c->server)
		(void)uk_xs_rm(c->path);
}

/* ---------------------------------------------------------------------
 * The application's callbacks
 */

static struct uk_conduit *accepted;
static unsigned int accepted_client, naccepted;
static char accepted_name[256];
static struct uk_conduit *ev_conduit;
static int ev_events, nevents;

static void
on_accept(struct uk_conduit *c, unsigned int client, const char *name,
    void *arg)
{
	assert_ptr_equal(arg, &naccepted);
	accepted = c;
	accepted_client = client;
	strlcpy(accepted_name, name, sizeof(accepted_name));
	naccepted++;
}

static void
on_event(struct uk_conduit *c, int events, void *arg)
{
	(void)arg;
	ev_conduit = c;
	ev_events = events;
	nevents++;
}

static void
reset_app(void)
{
	accepted = NULL;
	naccepted = 0;
	ev_conduit = NULL;
	ev_events = nevents = 0;
	vchan_error = 0;
	vchan_nserver = vchan_nclient = 0;
}

/* An offer and its channel's path, in one go as jitsud writes them. */
static void
offer(const char *p, const char *value, const char *path)
{
	char node[96];

	if (path != NULL)
		fxs_set(path, "");
	snprintf(node, sizeof(node), ACCEPT "/%s", p);
	fxs_set(node, value);
}

static void
withdraw(const char *p)
{
	char node[96];

	snprintf(node, sizeof(node), ACCEPT "/%s", p);
	assert_int_equal(uk_xs_rm(node), 0);
}

/* ---------------------------------------------------------------------
 * Server
 */

static void
test_listen_watches_mailbox(void **state)
{
	(void)state;
	fxs_reset();
	reset_app();
	fxs_set("domid", SELF);
	assert_int_equal(uk_conduit_listen("Echo.Test.", on_accept, on_event,
			     &naccepted),
	    0);
	assert_int_equal(fxs_nwatches(), 1);
	assert_string_equal(fxs_watches->path, ACCEPT);
	/* The first event (no mailbox yet) finds nothing to do. */
	assert_int_equal(fxs_fire(), 1);
	assert_int_equal(naccepted, 0);
	assert_int_equal(uk_conduit_listen("echo.test", on_accept, on_event,
			     NULL),
	    -UK_EADDRINUSE);
	assert_int_equal(uk_conduit_listen("echo..test", on_accept, on_event,
			     NULL),
	    -UK_EINVAL);
	/* A second name: no second watch. */
	assert_int_equal(uk_conduit_listen("other.test", on_accept, on_event,
			     &naccepted),
	    0);
	assert_int_equal(fxs_nwatches(), 1);
}

static void
test_offer_accepted_once(void **state)
{
	char buf[64];

	(void)state;
	reset_app();
	offer("3", "7 echo.test " CHAN(3), CHAN(3));
	(void)fxs_fire();
	assert_int_equal(naccepted, 1);
	assert_int_equal(accepted_client, 7);
	assert_string_equal(accepted_name, "echo.test");
	assert_int_equal(vchan_nserver, 1);
	assert_int_equal(vchans[0].peer, 7);
	assert_string_equal(vchans[0].path, CHAN(3));
	/* Watches fire more often than nodes change: still one. */
	fxs_changed(ACCEPT);
	(void)fxs_fire();
	assert_int_equal(naccepted, 1);
	/* The channel works, and reports with the listener's arg. */
	assert_int_equal(uk_conduit_write(accepted, "hi", 2), 2);
	assert_int_equal(uk_conduit_read(accepted, buf, sizeof(buf)), 2);
	assert_int_equal(uk_conduit_read(accepted, buf, sizeof(buf)),
	    -UK_EAGAIN);
	vchans[0].fn(&vchans[0], UK_NET_READ, vchans[0].arg);
	assert_ptr_equal(ev_conduit, accepted);
	assert_int_equal(ev_events, UK_NET_READ);
}

/* The client removed its request: jitsud removes path and offer. */
static void
test_offer_removed_is_end_of_stream(void **state)
{
	struct uk_conduit *c = accepted;
	char buf[8];

	(void)state;
	assert_non_null(c);
	nevents = 0;
	assert_int_equal(uk_conduit_write(c, "bye", 3), 3);
	assert_int_equal(uk_xs_rm(CHAN(3)), 0);
	withdraw("3");
	(void)fxs_fire();
	assert_int_equal(nevents, 1);
	assert_int_equal(ev_events, UK_NET_READ | UK_NET_WRITE);
	/* What was there is still read, then the end. */
	assert_int_equal(uk_conduit_read(c, buf, sizeof(buf)), 3);
	assert_int_equal(uk_conduit_read(c, buf, sizeof(buf)), 0);
	assert_int_equal(uk_conduit_write(c, "x", 1), -UK_EPIPE);
	/* Told once only. */
	fxs_changed(ACCEPT);
	(void)fxs_fire();
	assert_int_equal(nevents, 1);
	uk_conduit_close(c);
	assert_true(vchans[0].closed);
}

static void
test_server_close_removes_path_once(void **state)
{
	(void)state;
	reset_app();
	memset(vchans, 0, sizeof(vchans));
	offer("4", "8 other.test " CHAN(4), CHAN(4));
	(void)fxs_fire();
	assert_int_equal(naccepted, 1);
	assert_string_equal(accepted_name, "other.test");
	uk_conduit_close(accepted);
	/* conduit(7): the server ends a channel by removing its path. */
	assert_null(fxs_get(CHAN(4)));
	/* The offer stays until jitsud sees that: not taken again. */
	fxs_changed(ACCEPT);
	(void)fxs_fire();
	assert_int_equal(naccepted, 1);
	withdraw("4");
	(void)fxs_fire();
	/* jitsud restarted and numbers from 1 again: a new offer. */
	offer("4", "8 other.test " CHAN(4), CHAN(4));
	(void)fxs_fire();
	assert_int_equal(naccepted, 2);
	uk_conduit_close(accepted);
	withdraw("4");
	(void)fxs_fire();
}

static void
test_offer_for_other_name_declined(void **state)
{
	(void)state;
	reset_app();
	offer("5", "7 nobody.test " CHAN(5), CHAN(5));
	(void)fxs_fire();
	assert_int_equal(naccepted, 0);
	assert_int_equal(vchan_nserver, 0);
	/* conduit(7) step 4: declining is removing the path. */
	assert_null(fxs_get(CHAN(5)));
	withdraw("5");
	(void)fxs_fire();
}

static void
test_offer_without_vchan_declined(void **state)
{
	(void)state;
	reset_app();
	vchan_error = -UK_ENOSPC;
	offer("6", "7 echo.test " CHAN(6), CHAN(6));
	(void)fxs_fire();
	assert_int_equal(vchan_nserver, 1);
	assert_int_equal(naccepted, 0);
	assert_null(fxs_get(CHAN(6)));
	/* Not tried again while the offer is listed. */
	fxs_changed(ACCEPT);
	(void)fxs_fire();
	assert_int_equal(vchan_nserver, 1);
	withdraw("6");
	(void)fxs_fire();
}

static void
test_bad_offers_ignored(void **state)
{
	static const char *bad[] = { "", "7", "7 echo.test", "7 echo.test p",
		"x echo.test /p", "7 echo.test /p extra", "07 echo.test /p",
		"7 echo.test /a//b", "99999 echo.test /p" };
	char p[16];
	size_t i;

	(void)state;
	reset_app();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(p, sizeof(p), "%u", (unsigned int)(10 + i));
		offer(p, bad[i], NULL);
	}
	offer("notanumber", "7 echo.test " CHAN(9), CHAN(9));
	offer("010", "7 echo.test " CHAN(9), CHAN(9));
	offer("0", "7 echo.test " CHAN(9), CHAN(9));
	(void)fxs_fire();
	assert_int_equal(naccepted, 0);
	assert_int_equal(vchan_nserver, 0);
	/* An offer name that is not a channel number gives no path away. */
	assert_non_null(fxs_get(CHAN(9)));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(p, sizeof(p), "%u", (unsigned int)(10 + i));
		withdraw(p);
	}
	withdraw("notanumber");
	withdraw("010");
	withdraw("0");
	assert_int_equal(uk_xs_rm(CHAN(9)), 0);
	(void)fxs_fire();
}

/* ---------------------------------------------------------------------
 * Client
 */

static struct uk_conduit *
connect_ok(const char *name, const char *id)
{
	struct uk_conduit *c = NULL;
	char req[64], reply[96];

	assert_int_equal(uk_conduit_connect(name, on_event, NULL, &c), 0);
	assert_non_null(c);
	snprintf(req, sizeof(req), "data/conduit/%s", id);
	snprintf(reply, sizeof(reply), REPLY "/%s", id);
	assert_string_equal(fxs_get(req), "connect echo.test");
	/* The watch on the reply was there before the request. */
	assert_string_equal(fxs_watches->path, reply);
	(void)fxs_fire();
	assert_int_equal(nevents, 0);
	return c;
}

static void
test_client_ok_then_closed(void **state)
{
	struct uk_conduit *c;
	char buf[8];

	(void)state;
	reset_app();
	memset(vchans, 0, sizeof(vchans));
	c = connect_ok("ECHO.test.", "u1");
	assert_int_equal(uk_conduit_read(c, buf, sizeof(buf)), -UK_EAGAIN);
	assert_int_equal(uk_conduit_write(c, "x", 1), -UK_EAGAIN);
	fxs_set(REPLY "/u1", "ok 9 " CHAN(3));
	(void)fxs_fire();
	assert_int_equal(vchan_nclient, 1);
	assert_int_equal(vchans[0].peer, 9);
	assert_string_equal(vchans[0].path, CHAN(3));
	assert_int_equal(nevents, 1);
	assert_int_equal(ev_events, UK_NET_WRITE);
	assert_int_equal(uk_conduit_write(c, "abc", 3), 3);
	/* The same reply again changes nothing. */
	fxs_set(REPLY "/u1", "ok 9 " CHAN(3));
	(void)fxs_fire();
	assert_int_equal(vchan_nclient, 1);
	assert_int_equal(nevents, 1);
	fxs_set(REPLY "/u1", "closed");
	(void)fxs_fire();
	assert_int_equal(nevents, 2);
	assert_int_equal(ev_events, UK_NET_READ | UK_NET_WRITE);
	assert_int_equal(uk_conduit_read(c, buf, sizeof(buf)), 3);
	assert_int_equal(uk_conduit_read(c, buf, sizeof(buf)), 0);
	assert_int_equal(uk_conduit_write(c, "x", 1), -UK_EPIPE);
	/* Closing removes the request and the watch. */
	uk_conduit_close(c);
	assert_true(vchans[0].closed);
	assert_null(fxs_get("data/conduit/u1"));
	assert_int_equal(fxs_nwatches(), 1);
	assert_int_equal(uk_xs_rm(REPLY "/u1"), 0);
	(void)fxs_fire();
	assert_int_equal(nevents, 2);
}

static void
test_client_errors_mapped(void **state)
{
	static const struct {
		const char *reply;
		int err;
	} t[] = {
		{ "error malformed", -UK_EINVAL },
		{ "error unknown", -UK_ENOENT },
		{ "error self", -UK_ELOOP },
		{ "error limit", -UK_EDQUOT },
		{ "error unavailable", -UK_EHOSTUNREACH },
		{ "error timeout", -UK_ETIMEDOUT },
		{ "error refused", -UK_ECONNREFUSED },
		{ "error newfangled", -UK_EPROTO },
		{ "ok 9", -UK_EPROTO },
		{ "ok 9 /a//b", -UK_EPROTO },
		{ "ok 32752 /p", -UK_EPROTO },
		{ "closed now", -UK_EPROTO },
		{ "", -UK_EPROTO },
	};
	struct uk_conduit *c;
	char id[8], reply[96], buf[4];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		reset_app();
		snprintf(id, sizeof(id), "u%u", (unsigned int)(i + 2));
		snprintf(reply, sizeof(reply), REPLY "/%s", id);
		c = connect_ok("echo.test", id);
		fxs_set(reply, t[i].reply);
		(void)fxs_fire();
		assert_int_equal(vchan_nclient, 0);
		assert_int_equal(nevents, 1);
		assert_int_equal(uk_conduit_read(c, buf, sizeof(buf)),
		    t[i].err);
		assert_int_equal(uk_conduit_write(c, "x", 1), t[i].err);
		/* An ok after an error is not acted on. */
		fxs_set(reply, "ok 9 " CHAN(3));
		(void)fxs_fire();
		assert_int_equal(vchan_nclient, 0);
		assert_int_equal(nevents, 1);
		uk_conduit_close(c);
		assert_int_equal(uk_xs_rm(reply), 0);
		(void)fxs_fire();
	}
}

static void
test_client_vchan_fails_after_ok(void **state)
{
	struct uk_conduit *c;
	char buf[4];

	(void)state;
	reset_app();
	c = connect_ok("echo.test", "u15");
	vchan_error = -UK_ENOSPC;
	fxs_set(REPLY "/u15", "ok 9 " CHAN(3));
	(void)fxs_fire();
	assert_int_equal(nevents, 1);
	assert_int_equal(uk_conduit_read(c, buf, sizeof(buf)),
	    -UK_ECONNABORTED);
	uk_conduit_close(c);
	assert_null(fxs_get("data/conduit/u15"));
	assert_int_equal(uk_xs_rm(REPLY "/u15"), 0);
	(void)fxs_fire();
}

/* conduit(7) step 1: an id jitsud still has a reply for is skipped. */
static void
test_client_skips_id_with_reply(void **state)
{
	struct uk_conduit *c;

	(void)state;
	reset_app();
	fxs_set(REPLY "/u16", "closed");
	fxs_set(REPLY "/u17", "error refused");
	(void)fxs_fire();
	c = connect_ok("echo.test", "u18");
	uk_conduit_close(c);
	assert_int_equal(uk_xs_rm(REPLY "/u16"), 0);
	assert_int_equal(uk_xs_rm(REPLY "/u17"), 0);
	(void)fxs_fire();
}

/*
 * Before jitsud made our mailbox, xenstored answers reads below
 * /jitsu/conduit/dom with EACCES: that is "no reply yet", for the id we
 * pick and for the reply we watch, not a failure.
 */
static void
test_client_before_mailbox(void **state)
{
	struct uk_conduit *c;

	(void)state;
	reset_app();
	memset(vchans, 0, sizeof(vchans));
	fxs_missing = -UK_EACCES;
	c = connect_ok("echo.test", "u19");
	fxs_set(REPLY "/u19", "ok 9 " CHAN(3));
	(void)fxs_fire();
	assert_int_equal(vchan_nclient, 1);
	assert_int_equal(nevents, 1);
	assert_int_equal(ev_events, UK_NET_WRITE);
	uk_conduit_close(c);
	assert_int_equal(uk_xs_rm(REPLY "/u19"), 0);
	(void)fxs_fire();
	assert_int_equal(nevents, 1);
	fxs_missing = -UK_ENOENT;
}

/* The same for a server whose mailbox jitsud makes with the offer. */
static void
test_server_before_mailbox(void **state)
{
	(void)state;
	reset_app();
	fxs_missing = -UK_EACCES;
	assert_int_equal(uk_xs_directory(ACCEPT, (char[64]){ 0 }, 64),
	    -UK_EACCES);
	fxs_changed(ACCEPT);
	(void)fxs_fire();
	assert_int_equal(naccepted, 0);
	assert_null(strstr_log("cannot list"));
	offer("20", "7 echo.test " CHAN(20), CHAN(20));
	(void)fxs_fire();
	assert_int_equal(naccepted, 1);
	uk_conduit_close(accepted);
	withdraw("20");
	(void)fxs_fire();
	fxs_missing = -UK_ENOENT;
}

static void
test_client_limits(void **state)
{
	struct uk_conduit *c[8], *extra;
	int i;

	(void)state;
	reset_app();
	assert_int_equal(uk_conduit_connect("echo..test", on_event, NULL,
			     &extra),
	    -UK_EINVAL);
	for (i = 0; i < 8; i++)
		assert_int_equal(uk_conduit_connect("echo.test", on_event, NULL,
				     &c[i]),
		    0);
	assert_int_equal(uk_conduit_connect("echo.test", on_event, NULL,
			     &extra),
	    -UK_ENOBUFS);
	for (i = 0; i < 8; i++)
		uk_conduit_close(c[i]);
	assert_int_equal(fxs_nwatches(), 1);
	(void)fxs_fire();
}

static void
test_listen_limits(void **state)
{
	(void)state;
	assert_int_equal(uk_conduit_listen("c.test", on_accept, on_event, NULL),
	    0);
	assert_int_equal(uk_conduit_listen("d.test", on_accept, on_event, NULL),
	    0);
	assert_int_equal(uk_conduit_listen("e.test", on_accept, on_event, NULL),
	    -UK_ENOSPC);
	/* The names listened on are intact. */
	assert_int_equal(uk_conduit_listen("echo.test", on_accept, on_event,
			     NULL),
	    -UK_EADDRINUSE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listen_watches_mailbox),
		cmocka_unit_test(test_offer_accepted_once),
		cmocka_unit_test(test_offer_removed_is_end_of_stream),
		cmocka_unit_test(test_server_close_removes_path_once),
		cmocka_unit_test(test_offer_for_other_name_declined),
		cmocka_unit_test(test_offer_without_vchan_declined),
		cmocka_unit_test(test_bad_offers_ignored),
		cmocka_unit_test(test_client_ok_then_closed),
		cmocka_unit_test(test_client_errors_mapped),
		cmocka_unit_test(test_client_vchan_fails_after_ok),
		cmocka_unit_test(test_client_skips_id_with_reply),
		cmocka_unit_test(test_client_before_mailbox),
		cmocka_unit_test(test_server_before_mailbox),
		cmocka_unit_test(test_client_limits),
		cmocka_unit_test(test_listen_limits),
	};

	return cmocka_run_group_tests_name("conduit_xen", tests, NULL, NULL);
}
