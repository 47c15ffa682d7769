/* test_control.c -- control.c served over a real Unix socket in the loop */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "ctl.h"
#include "jitsud.h"
#include "version.h"
#include "version.h"
#include "log.h"
#include "quietlog.h"
#include "testutil.h"

#define CLIENTS_MAX 16 /* control.c's CONTROL_CLIENTS_MAX */

/*
 * Neighbours.  The lifecycle is a registry of two VMs this file fills
 * in; start/stop/reload record what they were asked and answer as the
 * test says; the log and the metrics are text of the test's choosing.
 */
static char		  asked[256]; /* "start(www)" and the like */
static int		  fail_op;
static size_t		  metrics_lines; /* metrics_render's output */
static const char *const *log_lines;

/*
 * conduit's broker: connect records the name and keeps the reply
 * callback for the test to answer through; disconnect records the id.
 */
static struct broker *fake_broker = (struct broker *)&fake_broker;
static void (*conduit_reply)(void *, const char *);
static void    *conduit_arg;
static char	connected[64], disconnected[64];
static unsigned nconnects;

int
broker_connect(struct broker *b, const char   *name,
    void (*reply)(void *, const char *), void *arg, char *id)
{
	assert_ptr_equal(b, fake_broker);
	snprintf(connected, sizeof(connected), "%s", name);
	conduit_reply = reply;
	conduit_arg = arg;
	snprintf(id, 17, "c%u", ++nconnects);
	return 0;
}

void
broker_disconnect(struct broker *b, const char *id)
{
	assert_ptr_equal(b, fake_broker);
	snprintf(disconnected, sizeof(disconnected), "%s", id);
}

uint64_t
vm_now_ms(void)
{
	return 100000;
}

const char *
vm_state_name(enum vm_state s)
{
	return s == VM_READY ? "ready" : s == VM_STOPPED ? "stopped" : "?";
}

struct vm *
vm_find(struct vms *vs, const char *name)
{
	struct vm *v;

	TAILQ_FOREACH(v, &vs->all, entry)
		if (strcasecmp(v->b.name, name) == 0)
			return v;
	return NULL;
}

static int
fake_op(const char *op, const char *name, char *err, size_t errlen)
{
	snprintf(asked, sizeof(asked), "%s(%s)", op, name);
	if (fail_op)
		snprintf(err, errlen, "%s failed for %s", op, name);
	return fail_op ? -1 : 0;
}

int
vm_start(struct vms *vs, const char *name, char *err, size_t errlen)
{
	(void)vs;
	return fake_op("start", name, err, errlen);
}

int
vm_stop(struct vms *vs, const char *name, char *err, size_t errlen)
{
	(void)vs;
	return fake_op("stop", name, err, errlen);
}

static const char *reload_report = ""; /* what a good reload says */

static int
fake_reload(struct jitsud *env, char *msg, size_t msglen)
{
	(void)env;
	if (fake_op("reload", "", msg, msglen) == -1)
		return -1;
	snprintf(msg, msglen, "%s", reload_report);
	return 0;
}

void
metrics_render(const struct metrics *m, const struct vms *vs, FILE *fp)
{
	size_t i;

	(void)m;
	(void)vs;
	for (i = 0; i < metrics_lines; i++)
		fprintf(fp, "metric_%zu_total %zu\n", i, i);
}

/* server.c's: the port only, enough to tell the addresses apart. */
const char *
server_addr_str(const struct conf_addr *a, char *buf, size_t len)
{
	snprintf(buf, len, "addr:%u",
	    ntohs(((const struct sockaddr_in *)&a->ss)->sin_port));
	return buf;
}

void
log_ring_foreach(void (*fn)(const char *, void *), void *arg)
{
	size_t i;

	for (i = 0; log_lines != NULL && log_lines[i] != NULL; i++)
		fn(log_lines[i], arg);
}

/* The daemon's side: its loop, a registry, the control socket. */
static struct jitsud  *env;
static struct vms      vs;
static struct vm       vm_www, vm_db;
static struct vm_rec   www_rec, db_rec;
static struct control *ctl;
static char	       dir[64], path[96];

static void
add_vm(struct vm *v, const char *name, enum vm_state st, const char *ip)
{
	memset(v, 0, sizeof(*v));
	v->b.name = testutil_str("%s", name);
	v->state = st;
	v->since_ms = 100000 - 42000;
	v->domid = -1;
	if (ip != NULL) {
		v->b.has_ip = 1;
		inet_pton(AF_INET, ip, &v->b.ip);
	}
	TAILQ_INSERT_TAIL(&vs.all, v, entry);
}

static int
setup(void **state)
{
	(void)state;
	asked[0] = '\0';
	fail_op = quietlog_warnings = 0;
	metrics_lines = 0;
	log_lines = NULL;
	reload_report = "";
	snprintf(dir, sizeof(dir), "/tmp/test_control.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/sock", dir);
	if ((env = calloc(1, sizeof(*env))) == NULL ||
	    (env->base = event_base_new()) == NULL)
		return -1;
	env->reload = fake_reload;
	memset(&vs, 0, sizeof(vs));
	TAILQ_INIT(&vs.all);
	add_vm(&vm_www, "www.example.org.", VM_READY, "192.0.2.10");
	add_vm(&vm_db, "db.example.org.", VM_STOPPED, NULL);
	env->vms = &vs;
	env->broker = fake_broker;
	connected[0] = disconnected[0] = '\0';
	conduit_reply = NULL;
	nconnects = 0;
	ctl = control_open(env, path);
	return ctl == NULL;
}

static int
teardown(void **state)
{
	(void)state;
	control_close(ctl);
	event_base_free(env->base);
	free(env);
	rmdir(dir);
	return 0;
}

static void
sock_addr(struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	snprintf(sun->sun_path, sizeof(sun->sun_path), "%s", path);
}

/* A client of the control socket (blocking connect: it is listening). */
static int
client(void)
{
	struct sockaddr_un sun;
	int		   fd;

	sock_addr(&sun);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

static void
say(int fd, const char *text)
{
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
}

/*
 * Run the daemon's loop until the client sees the connection close (or
 * ms pass); what arrived goes into buf, NUL-ended.  1 when it closed.
 */
static int
hear(int fd, char *buf, size_t size, unsigned int ms)
{
	size_t	     len = 0;
	ssize_t	     n;
	unsigned int t;

	buf[0] = '\0';
	for (t = 0; t < ms; t += 5) {
		testutil_loop_for(env->base, 5);
		while ((n = recv(fd, buf + len, size - 1 - len, MSG_DONTWAIT)) >
		    0)
			len += (size_t)n;
		buf[len] = '\0';
		if (n == 0)
			return 1;
		if (n == -1 && errno != EAGAIN)
			return 1;
		assert_true(len < size - 1);
	}
	return 0;
}

/* Run the loop until the first bytes of a reply arrive (up to 2 s). */
static void
hear_some(int fd, char *buf, size_t size)
{
	int i;

	for (i = 0; i < 400; i++) {
		testutil_loop_for(env->base, 5);
		if (recv(fd, buf, size, MSG_DONTWAIT) > 0)
			return;
	}
	fail_msg("no reply began within 2 s");
}

/* One request on a fresh connection; the whole reply must come back. */
static void
assert_reply(const char *request, const char *want)
{
	char buf[8192];
	int  fd = client();

	say(fd, request);
	if (!hear(fd, buf, sizeof(buf), 2000))
		fail_msg("request \"%s\": the daemon did not close after "
			 "\"%s\"",
		    request, buf);
	close(fd);
	if (strcmp(buf, want) != 0)
		fail_msg("request \"%s\": expected\n%s\nsaw\n%s", request, want,
		    buf);
}

static void
test_list_is_data_lines_then_end_ok_then_close(void **state)
{
	(void)state;
	assert_reply("jitsu/1 list\n",
	    "data www.example.org. ready 42s 192.0.2.10\n"
	    "data db.example.org. stopped 42s \n"
	    "end ok\n");
}

/*
 * Out of descriptors, the listening socket stays readable: accepting
 * pauses instead of spinning (each spin logged a warning), and the
 * waiting client is served once descriptors are back.
 */
static void
test_out_of_descriptors_pauses_accepting(void **state)
{
	struct rlimit old, low;
	char	      buf[512];
	int	      fd, next;

	(void)state;
	fd = client(); /* waits in the backlog */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	assert_true((next = dup(0)) >= 0);
	close(next);
	low = old;
	low.rlim_cur = (rlim_t)next; /* no descriptor can be had */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	quietlog_warnings = 0;
	testutil_loop_for(env->base, 600);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_true(quietlog_warnings >= 1);
	assert_true(quietlog_warnings <= 4);
	say(fd, "jitsu/1 list\n");
	assert_true(hear(fd, buf, sizeof(buf), 2000));
	close(fd);
	assert_string_equal(buf,
	    "data www.example.org. ready 42s 192.0.2.10\n"
	    "data db.example.org. stopped 42s \n"
	    "end ok\n");
}

static void
test_show_request_split_across_writes_is_answered_whole(void **state)
{
	static char kernel[] = "/k/db.pvh";
	static char conduit[] = "store.example.org.,kv.example.org.";
	char	    buf[1024];
	int	    fd = client();

	(void)state;
	vm_db.domid = 7;
	vm_db.b.kernel = kernel;
	vm_db.b.type = BINDING_TYPE_PV;
	vm_db.b.memory_kb = 32768;
	vm_db.b.vcpus = 2;
	vm_db.b.has_ip6 = 1;
	inet_pton(AF_INET6, "2001:db8::7", &vm_db.b.ip6);
	memcpy(vm_db.b.mac, "\x00\x16\x3e\x01\x02\xff", 6);
	snprintf(vm_db.b.bridge, sizeof(vm_db.b.bridge), "br0");
	vm_db.b.idle_ms = 60000;
	vm_db.b.stop = BINDING_STOP_SUSPEND;
	vm_db.b.ready = BINDING_READY_TCP;
	vm_db.b.max_boot_ms = 5000;
	vm_db.b.synjitsu = 1;
	vm_db.b.conduit = conduit;
	vm_db.rec = &db_rec;
	snprintf(db_rec.error, sizeof(db_rec.error), "build failed: x");
	say(fd, "jitsu/1 sh");
	assert_false(hear(fd, buf, sizeof(buf), 50));
	assert_string_equal(buf, "");
	say(fd, "ow db.example.org.\n");
	assert_true(hear(fd, buf, sizeof(buf), 2000));
	close(fd);
	assert_string_equal(buf,
	    "data name db.example.org.\n"
	    "data state stopped for 42000 ms\n"
	    "data domain 7\n"
	    "data kernel /k/db.pvh\n"
	    "data type pv memory 32768K vcpus 2\n"
	    "data address 2001:db8::7\n"
	    "data mac 00:16:3e:01:02:ff bridge br0\n"
	    "data idle 60000 ms stop suspend ready tcp max-boot 5000 ms\n"
	    "data synjitsu on warm off console off\n"
	    "data conduit store.example.org.,kv.example.org.\n"
	    "data last-error build failed: x\n"
	    "end ok\n");
}

/* A process guest: its pid and program, no Xen fields. */
static void
test_show_of_a_process_guest_has_no_xen_fields(void **state)
{
	static char program[] = "/srv/db.unix";

	(void)state;
	env->conf.backend = CONF_BACKEND_PROCESS;
	vm_db.domid = 4242;
	vm_db.b.kernel = program;
	vm_db.b.type = BINDING_TYPE_PV;
	vm_db.b.memory_kb = 32768;
	memcpy(vm_db.b.mac, "\x00\x16\x3e\x01\x02\xff", 6);
	snprintf(vm_db.b.bridge, sizeof(vm_db.b.bridge), "br0");
	assert_reply("jitsu/1 show db.example.org.\n",
	    "data name db.example.org.\n"
	    "data state stopped for 42000 ms\n"
	    "data pid 4242\n"
	    "data program /srv/db.unix\n"
	    "data address \n"
	    "data mac 00:16:3e:01:02:ff bridge br0\n"
	    "data idle 0 ms stop destroy ready xenstore max-boot 0 ms\n"
	    "data synjitsu off warm off console off\n"
	    "end ok\n");
}

/* A client that shuts its sending side after the request still hears. */
static void
test_half_closed_client_still_gets_the_whole_reply(void **state)
{
	char buf[1024];
	int  fd = client();

	(void)state;
	say(fd, "jitsu/1 list\n");
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	assert_true(hear(fd, buf, sizeof(buf), 2000));
	close(fd);
	assert_string_equal(buf,
	    "data www.example.org. ready 42s 192.0.2.10\n"
	    "data db.example.org. stopped 42s \nend ok\n");
}

/* The last summon's phases: only those set, in order, ms after the query. */
static void
test_show_lists_the_last_summons_phases_seen(void **state)
{
	char  buf[2048];
	char *phases;
	int   fd = client();

	(void)state;
	vm_www.rec = &www_rec;
	timeline_start(&www_rec.tl, 5000);
	timeline_mark(&www_rec.tl, TL_BUILD, 5003, NULL);
	timeline_mark(&www_rec.tl, TL_CREATED, 5540, NULL);
	timeline_mark(&www_rec.tl, TL_UNPAUSED, 5541, NULL);
	timeline_mark(&www_rec.tl, TL_READY, 5800, NULL);
	say(fd, "jitsu/1 show www.example.org.\n");
	assert_true(hear(fd, buf, sizeof(buf), 2000));
	close(fd);
	if ((phases = strstr(buf, "data phase ")) == NULL)
		fail_msg("expected phase lines, saw\n%s", buf);
	assert_string_equal(phases,
	    "data phase query 0 ms\n"
	    "data phase build 3 ms\n"
	    "data phase created 540 ms\n"
	    "data phase unpaused 541 ms\n"
	    "data phase ready 800 ms\n"
	    "end ok\n");
}

/* Which Xen builder ran its last build, of how many. */
static void
test_show_names_the_builder(void **state)
{
	char buf[2048];
	int  fd = client();

	(void)state;
	vs.builders = 2;
	vm_www.builder = 2;
	vm_www.domid = 7;
	say(fd, "jitsu/1 show www.example.org.\n");
	assert_true(hear(fd, buf, sizeof(buf), 2000));
	close(fd);
	if (strstr(buf, "data domain 7\ndata builder 2 of 2\n") == NULL)
		fail_msg("expected the builder line, saw\n%s", buf);
	fd = client();
	say(fd, "jitsu/1 show db.example.org.\n");
	assert_true(hear(fd, buf, sizeof(buf), 2000));
	close(fd);
	if (strstr(buf, "builder") != NULL)
		fail_msg("expected no builder line, saw\n%s", buf);
}

static void
test_show_of_a_never_summoned_vm_has_no_phases(void **state)
{
	char buf[2048];
	int  fd = client();

	(void)state;
	say(fd, "jitsu/1 show db.example.org.\n");
	assert_true(hear(fd, buf, sizeof(buf), 2000));
	close(fd);
	if (strstr(buf, "phase") != NULL)
		fail_msg("expected no phase line, saw\n%s", buf);
}

static void
test_show_of_an_unknown_name_ends_in_error(void **state)
{
	(void)state;
	assert_reply("jitsu/1 show nope.example.org.\n",
	    "end error no such name\n");
}

static void
test_only_the_first_request_of_a_connection_is_answered(void **state)
{
	(void)state;
	log_lines = (const char *const[]){ "one", NULL };
	assert_reply("jitsu/1 log\njitsu/1 list\n", "data one\nend ok\n");
}

static void
test_another_protocol_version_is_refused(void **state)
{
	(void)state;
	assert_reply("jitsu/2 list\n",
	    "end error unsupported protocol version\n");
	assert_reply("jitsu/10 list\n",
	    "end error unsupported protocol version\n");
}

static void
test_unknown_and_malformed_requests_are_refused(void **state)
{
	(void)state;
	assert_reply("jitsu/1 frob\n", "end error unknown command 'frob'\n");
	assert_reply("GET / HTTP/1.0\n",
	    "end error not a jitsu control request\n");
	assert_reply("jitsu/1 list extra\n",
	    "end error list takes no argument\n");
	assert_reply("jitsu/1 start\n", "end error start needs an argument\n");
	assert_reply("\n", "end error not a jitsu control request\n");
	assert_string_equal(asked, "");
	/* The daemon lives on and serves the next client. */
	assert_reply("jitsu/1 stop www.example.org.\n", "end ok\n");
	assert_string_equal(asked, "stop(www.example.org.)");
}

static void
test_oversized_request_is_refused_and_the_daemon_lives_on(void **state)
{
	char line[CTL_LINE_MAX], buf[256];
	int  fd = client();

	(void)state;
	memset(line, 'a', sizeof(line));
	assert_int_equal(write(fd, line, sizeof(line)), sizeof(line));
	if (!hear(fd, buf, sizeof(buf), 2000))
		fail_msg("a %d-byte line without its end: the daemon kept the "
			 "connection, saw \"%s\"",
		    CTL_LINE_MAX, buf);
	close(fd);
	assert_string_equal(buf, "end error request too long\n");
	assert_reply("jitsu/1 start db.example.org.\n", "end ok\n");
	assert_string_equal(asked, "start(db.example.org.)");
}

static void
test_a_line_just_under_the_limit_is_still_read(void **state)
{
	char line[CTL_LINE_MAX], buf[256];
	int  fd = client();

	(void)state;
	/*
	 * CTL_LINE_MAX - 1 bytes without their newline are not yet too
	 * long: the connection waits; with the newline the line is parsed.
	 */
	memset(line, 'a', sizeof(line));
	memcpy(line, "jitsu/1 show ", 13);
	line[sizeof(line) - 1] = '\n';
	assert_int_equal(write(fd, line, sizeof(line) - 1), sizeof(line) - 1);
	if (hear(fd, buf, sizeof(buf), 100))
		fail_msg("%d bytes of a line: expected the daemon to wait for "
			 "the rest, saw \"%s\" and a close",
		    CTL_LINE_MAX - 1, buf);
	say(fd, "\n");
	assert_true(hear(fd, buf, sizeof(buf), 2000));
	close(fd);
	assert_string_equal(buf, "end error bad argument\n");
}

static void
test_failures_are_the_end_lines_reason(void **state)
{
	(void)state;
	fail_op = 1;
	assert_reply("jitsu/1 start www.example.org.\n",
	    "end error start failed for www.example.org.\n");
	assert_reply("jitsu/1 reload\n", "end error reload failed for \n");
	fail_op = 0;
	assert_reply("jitsu/1 reload\n", "end ok\n");
	assert_string_equal(asked, "reload()");
	/* A good reload's report comes as data lines before the end. */
	reload_report = "zones 1, bindings 2\nneeds a restart: builders";
	assert_reply("jitsu/1 reload\n",
	    "data zones 1, bindings 2\n"
	    "data needs a restart: builders\n"
	    "end ok\n");
}

static void
test_without_a_backend_only_reload_metrics_and_log_work(void **state)
{
	(void)state;
	env->vms = NULL;
	assert_reply("jitsu/1 list\n",
	    "end error no lifecycle backend is configured\n");
	assert_reply("jitsu/1 stop www.example.org.\n",
	    "end error no lifecycle backend is configured\n");
	assert_string_equal(asked, "");
	metrics_lines = 2;
	assert_reply("jitsu/1 metrics\n",
	    "data metric_0_total 0\n"
	    "data metric_1_total 1\nend ok\n");
	assert_reply("jitsu/1 log\n", "end ok\n");
	assert_reply("jitsu/1 reload\n", "end ok\n");
}

/* status: the facts an operator asks first, backend or none. */
static void
test_status_says_what_runs_where(void **state)
{
	struct zone	z1, z2;
	struct zone    *zz[2] = { &z1, &z2 };
	struct zone_set zs;

	(void)state;
	memset(&z1, 0, sizeof(z1));
	memset(&z2, 0, sizeof(z2));
	z1.nbindings = 3;
	z2.nbindings = 2;
	zs.zones = zz;
	zs.nzones = 2;
	env->zones = &zs;
	env->started_ms = 100000 - 61000;
	env->conf.backend = CONF_BACKEND_PROCESS;
	env->conf.nlisten = 1;
	((struct sockaddr_in *)&env->conf.listen[0].ss)->sin_port = htons(53);
	env->metrics.queries[0][0] = 5;
	env->metrics.queries[1][3] = 2;
	assert_reply("jitsu/1 status\n",
	    "data version " JITSUD_VERSION "\n"
	    "data uptime 61s\n"
	    "data backend process\n"
	    "data listen addr:53\n"
	    "data metrics off\n"
	    "data forwarder off\n"
	    "data zones 2\n"
	    "data bindings 5\n"
	    "data queries 7\n"
	    "data vms stopped 1\n" /* in the lifecycle's order */
	    "data vms ready 1\n"
	    "end ok\n");
	env->vms = NULL;
	env->conf.has_metrics = 1;
	((struct sockaddr_in *)&env->conf.metrics.ss)->sin_port = htons(9153);
	assert_reply("jitsu/1 status\n",
	    "data version " JITSUD_VERSION "\n"
	    "data uptime 61s\n"
	    "data backend process\n"
	    "data listen addr:53\n"
	    "data metrics addr:9153\n"
	    "data forwarder off\n"
	    "data zones 2\n"
	    "data bindings 5\n"
	    "data queries 7\n"
	    "end ok\n");
	env->zones = NULL;
}

static void
test_large_multi_part_reply_arrives_whole(void **state)
{
	static char buf[1 << 21];
	size_t	    n = 0;
	char	   *p;
	int	    fd = client();

	(void)state;
	metrics_lines = 20000; /* ~600 KB: many socket buffers */
	say(fd, "jitsu/1 metrics\n");
	assert_true(hear(fd, buf, sizeof(buf), 5000));
	close(fd);
	for (p = buf; (p = strstr(p, "data metric_")) != NULL; p++)
		n++;
	assert_int_equal(n, metrics_lines);
	assert_string_equal(buf + strlen(buf) - 7, "end ok\n");
}

/*
 * A client that hangs up half way through a long reply: the daemon
 * frees its connection (else CLIENTS_MAX such clients would lock every
 * later one out) and goes on serving.
 */
static void
test_client_closing_mid_reply_frees_its_connection(void **state)
{
	char buf[512];
	int  i, fd;

	(void)state;
	metrics_lines = 20000;
	for (i = 0; i < CLIENTS_MAX + 2; i++) {
		fd = client();
		say(fd, "jitsu/1 metrics\n");
		hear_some(fd, buf, sizeof(buf));
		close(fd);
		testutil_loop_for(env->base, 20);
	}
	metrics_lines = 0;
	assert_reply("jitsu/1 metrics\n", "end ok\n");
}

/*
 * Idle clients (connected, nothing asked) cannot lock jitsuctl out: at
 * the limit the oldest idle one goes and the new client is served.
 * Clients that asked and are being answered are never dropped for it.
 */
static void
test_idle_clients_make_room_for_a_new_one(void **state)
{
	int  idle[CLIENTS_MAX], fd, i;
	char buf[256];

	(void)state;
	for (i = 0; i < CLIENTS_MAX; i++)
		idle[i] = client();
	testutil_loop_for(env->base, 50);
	fd = client();
	say(fd, "jitsu/1 list\n");
	if (!hear(fd, buf, sizeof(buf), 1000))
		fail_msg("client %d of a limit of %d: not answered",
		    CLIENTS_MAX + 1, CLIENTS_MAX);
	close(fd);
	assert_string_equal(buf,
	    "data www.example.org. ready 42s 192.0.2.10\n"
	    "data db.example.org. stopped 42s \n"
	    "end ok\n");
	assert_true(quietlog_warnings > 0);
	/* The oldest idle client was the one closed. */
	assert_int_equal(recv(idle[0], buf, sizeof(buf), MSG_DONTWAIT), 0);
	assert_int_equal(recv(idle[1], buf, sizeof(buf), MSG_DONTWAIT), -1);
	for (i = 0; i < CLIENTS_MAX; i++)
		close(idle[i]);
}

static void
test_socket_is_private_and_a_live_one_is_not_taken(void **state)
{
	struct stat st;

	(void)state;
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	/* A second daemon on the same path fails; the first serves on. */
	assert_null(control_open(env, path));
	assert_reply("jitsu/1 reload\n", "end ok\n");
}

static void
test_stale_socket_file_is_replaced(void **state)
{
	struct control	  *again;
	struct sockaddr_un sun;
	int		   fd;

	(void)state;
	/* A dead daemon's socket: the file is there, nobody listens. */
	control_close(ctl);
	ctl = NULL;
	sock_addr(&sun);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	again = control_open(env, path);
	assert_non_null(again);
	ctl = again;
	assert_reply("jitsu/1 reload\n", "end ok\n");
}

/*
 * connect: the channel's "data S PATH" comes when conduit says "ok",
 * and the connection stays: no end line, no idle timeout, its own
 * count (the clients' 16 stay free).  The client closing it is what
 * ends the request.
 */
static void
test_connect_stays_open_until_the_client_closes(void **state)
{
	char buf[512];
	int  fd = client(), fds[CLIENTS_MAX], i;

	(void)state;
	say(fd, "jitsu/1 connect Echo.test\n");
	assert_false(hear(fd, buf, sizeof(buf), 50));
	assert_string_equal(connected, "Echo.test."); /* as a name */
	assert_non_null(conduit_reply);
	conduit_reply(conduit_arg, "ok 5 /jitsu/conduit/chan/1");
	assert_false(hear(fd, buf, sizeof(buf), 100));
	assert_string_equal(buf, "data 5 /jitsu/conduit/chan/1\n");
	/* A line more is not another request. */
	say(fd, "jitsu/1 stop www.example.org.\n");
	assert_false(hear(fd, buf, sizeof(buf), 50));
	assert_string_equal(asked, "");
	/* Every client slot is still there for others. */
	for (i = 0; i < CLIENTS_MAX; i++)
		fds[i] = client();
	for (i = 0; i < CLIENTS_MAX; i++) {
		say(fds[i], "jitsu/1 status\n");
		assert_true(hear(fds[i], buf, sizeof(buf), 2000));
		assert_non_null(strstr(buf, "end ok\n"));
		close(fds[i]);
	}
	assert_string_equal(disconnected, "");
	close(fd);
	testutil_loop_for(env->base, 50);
	assert_string_equal(disconnected, "c1");
}

static void
test_connect_ends_with_conduits_answer(void **state)
{
	char buf[512];
	int  fd;

	(void)state;
	fd = client();
	say(fd, "jitsu/1 connect nope.test\n");
	testutil_loop_for(env->base, 20);
	conduit_reply(conduit_arg, "error unknown");
	assert_true(hear(fd, buf, sizeof(buf), 2000));
	assert_string_equal(buf, "end error unknown\n");
	close(fd);
	assert_string_equal(disconnected, "c1");

	fd = client();
	say(fd, "jitsu/1 connect echo.test\n");
	testutil_loop_for(env->base, 20);
	conduit_reply(conduit_arg, "ok 9 /jitsu/conduit/chan/2");
	conduit_reply(conduit_arg, "closed"); /* the server ended it */
	assert_true(hear(fd, buf, sizeof(buf), 2000));
	assert_string_equal(buf, "data 9 /jitsu/conduit/chan/2\nend ok\n");
	close(fd);
	assert_string_equal(disconnected, "c2");

	/* Without a broker (the process backend): unavailable. */
	env->broker = NULL;
	assert_reply("jitsu/1 connect echo.test\n", "end error unavailable\n");
	assert_int_equal(nconnects, 2);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_list_is_data_lines_then_end_ok_then_close),
		T(test_show_request_split_across_writes_is_answered_whole),
		T(test_out_of_descriptors_pauses_accepting),
		T(test_half_closed_client_still_gets_the_whole_reply),
		T(test_show_of_an_unknown_name_ends_in_error),
		T(test_show_of_a_process_guest_has_no_xen_fields),
		T(test_show_lists_the_last_summons_phases_seen),
		T(test_show_names_the_builder),
		T(test_show_of_a_never_summoned_vm_has_no_phases),
		T(test_only_the_first_request_of_a_connection_is_answered),
		T(test_another_protocol_version_is_refused),
		T(test_unknown_and_malformed_requests_are_refused),
		T(test_oversized_request_is_refused_and_the_daemon_lives_on),
		T(test_a_line_just_under_the_limit_is_still_read),
		T(test_failures_are_the_end_lines_reason),
		T(test_without_a_backend_only_reload_metrics_and_log_work),
		T(test_status_says_what_runs_where),
		T(test_large_multi_part_reply_arrives_whole),
		T(test_client_closing_mid_reply_frees_its_connection),
		T(test_idle_clients_make_room_for_a_new_one),
		T(test_socket_is_private_and_a_live_one_is_not_taken),
		T(test_stale_socket_file_is_replaced),
		T(test_connect_stays_open_until_the_client_closes),
		T(test_connect_ends_with_conduits_answer),
	};
#undef T

	/* As jitsud does: a client gone mid-reply is EPIPE, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
