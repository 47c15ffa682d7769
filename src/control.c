/* control.c -- the control socket: jitsuctl's requests, answered in the loop */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "conduit.h"
#include "ctl.h"
#include "jitsud.h"
#include "log.h"
#include "version.h"

#define CONTROL_CLIENTS_MAX  16
#define CONTROL_CHANNELS_MAX 64 /* connect's, beside the clients */
#define CONTROL_IDLE_SEC     30
#define CONTROL_PAUSE_MSEC   250 /* no accept after EMFILE and the like */

struct control_conn {
	struct control		 *ctl;
	struct bufferevent	 *bev;
	int			  asked; /* its request line arrived */
	/* A conduit channel's (connect): its request id; "" if none. */
	char			  chan[CONDUIT_ID_MAX + 1];
	TAILQ_ENTRY(control_conn) entry;
};

struct control {
	struct jitsud *env;
	int	       fd;
	struct event  *ev;
	struct event  *pause; /* accepting again after a lack of fds */
	char	       path[CONF_SOCKET_MAX];
	TAILQ_HEAD(, control_conn) conns;
	size_t nconns;	  /* answered or waiting: CONTROL_CLIENTS_MAX */
	size_t nchannels; /* connect's: CONTROL_CHANNELS_MAX */
};

static void
control_conn_free(struct control_conn *c)
{
	TAILQ_REMOVE(&c->ctl->conns, c, entry);
	if (c->chan[0] != '\0') {
		c->ctl->nchannels--;
		broker_disconnect(c->ctl->env->broker, c->chan);
	} else
		c->ctl->nconns--;
	bufferevent_free(c->bev);
	free(c);
}

static void control_data(struct control_conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
control_data(struct control_conn *c, const char *fmt, ...)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	va_list		 ap;

	evbuffer_add(out, "data ", 5);
	va_start(ap, fmt);
	evbuffer_add_vprintf(out, fmt, ap);
	va_end(ap);
	evbuffer_add(out, "\n", 1);
}

/* The end line; the connection closes once it is written. */
static void
control_end(struct control_conn *c, const char *error)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	if (error == NULL)
		evbuffer_add_printf(out, "end ok\n");
	else
		evbuffer_add_printf(out, "end error %s\n", error);
	bufferevent_disable(c->bev, EV_READ);
}

static void
control_data_line(const char *line, void *arg)
{
	control_data(arg, "%s", line);
}

/* Send multi-line text (metrics) as data lines, one per line. */
static void
control_data_text(struct control_conn *c, char *text)
{
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save))
		control_data_line(line, c);
}

static const char *
control_addr(const struct binding *b, char *buf, size_t len)
{
	char ip6[INET6_ADDRSTRLEN] = "";

	buf[0] = '\0';
	if (b->has_ip6)
		inet_ntop(AF_INET6, &b->ip6, ip6, sizeof(ip6));
	if (b->has_ip)
		inet_ntop(AF_INET, &b->ip, buf, (socklen_t)len);
	if (b->has_ip6)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
		    b->has_ip ? "," : "", ip6);
	return buf;
}

static void
control_list(struct control_conn *c)
{
	struct vm *v;
	char	   addr[80];
	uint64_t   now = vm_now_ms();

	TAILQ_FOREACH(v, &c->ctl->env->vms->all, entry)
		control_data(c, "%s %s %llus %s", v->b.name,
		    vm_state_name(v->state),
		    (unsigned long long)(now - v->since_ms) / 1000,
		    control_addr(&v->b, addr, sizeof(addr)));
	control_end(c, NULL);
}

/*
 * The last summon's phases, one "phase NAME MS" line each (ms after its
 * first query), only those its backend saw.  New data lines: protocol
 * version 1 still, as a client shows lines it does not know.
 */
static void
control_phases(struct control_conn *c, const struct timeline *tl)
{
	uint64_t ms;
	int	 p;

	for (p = 0; p < TL_NPHASES; p++)
		if (timeline_get(tl, (enum tl_phase)p, &ms))
			control_data(c, "phase %s %llu ms",
			    timeline_phase_name((enum tl_phase)p),
			    (unsigned long long)ms);
}

static void
control_show(struct control_conn *c, const char *name)
{
	static const char *const types[] = { "pvh", "pv" };
	static const char *const stops[] = { "destroy", "shutdown", "suspend",
		"pause" };
	static const char *const readies[] = { "xenstore", "tcp", "delay" };
	struct vm		*v = vm_find(c->ctl->env->vms, name);
	const struct binding	*b;
	char			 addr[80];
	int			 xen;

	if (v == NULL) {
		control_end(c, "no such name");
		return;
	}
	b = &v->b;
	/* A process guest has a pid and a program, no domain or memory. */
	xen = c->ctl->env->conf.backend == CONF_BACKEND_XEN;
	control_data(c, "name %s", b->name);
	control_data(c, "state %s for %llu ms", vm_state_name(v->state),
	    (unsigned long long)(vm_now_ms() - v->since_ms));
	if (v->domid >= 0)
		control_data(c, "%s %d", xen ? "domain" : "pid", v->domid);
	if (v->builder > 0)
		control_data(c, "builder %d of %d", v->builder,
		    c->ctl->env->vms->builders);
	control_data(c, "%s %s", xen ? "kernel" : "program",
	    binding_s(b->kernel));
	if (xen)
		control_data(c, "type %s memory %lluK vcpus %u", types[b->type],
		    (unsigned long long)b->memory_kb, b->vcpus);
	control_data(c, "address %s", control_addr(b, addr, sizeof(addr)));
	control_data(c, "mac %02x:%02x:%02x:%02x:%02x:%02x bridge %s",
	    b->mac[0], b->mac[1], b->mac[2], b->mac[3], b->mac[4], b->mac[5],
	    b->bridge);
	control_data(c, "idle %u ms stop %s ready %s max-boot %u ms",
	    b->idle_ms, stops[b->stop], readies[b->ready], b->max_boot_ms);
	control_data(c, "synjitsu %s warm %s console %s",
	    b->synjitsu ? "on" : "off", b->warm ? "on" : "off",
	    b->console ? "on" : "off");
	if (b->conduit != NULL)
		control_data(c, "conduit %s", b->conduit);
	if (vm_rec_peek(v)->error[0] != '\0')
		control_data(c, "last-error %s", vm_rec_peek(v)->error);
	control_phases(c, &vm_rec_peek(v)->tl);
	control_end(c, NULL);
}

static void
control_metrics(struct control_conn *c)
{
	char  *text = NULL;
	size_t len = 0;
	FILE  *fp = open_memstream(&text, &len);

	if (fp == NULL) {
		control_end(c, "out of memory");
		return;
	}
	metrics_render(&c->ctl->env->metrics, c->ctl->env->vms, fp);
	fclose(fp);
	control_data_text(c, text);
	free(text);
	control_end(c, NULL);
}

/*
 * What an operator asks first: which jitsud, up how long, serving what
 * where, and its guests by state.  "key value..." lines, one a fact.
 */
static void
control_status(struct control_conn *c)
{
	struct jitsud	*env = c->ctl->env;
	const struct vm *v;
	uint64_t	 n[VM_NSTATES] = { 0 }, queries = 0;
	size_t		 i, bindings = 0;
	char		 addr[64];
	int		 s, t;

	control_data(c, "version %s", JITSUD_VERSION);
	control_data(c, "uptime %llus",
	    (unsigned long long)(vm_now_ms() - env->started_ms) / 1000);
	control_data(c, "backend %s",
	    env->conf.backend == CONF_BACKEND_XEN ? "xen" : "process");
	for (i = 0; i < env->conf.nlisten; i++)
		control_data(c, "listen %s",
		    server_addr_str(&env->conf.listen[i], addr, sizeof(addr)));
	control_data(c, "metrics %s",
	    env->conf.has_metrics ?
		server_addr_str(&env->conf.metrics, addr, sizeof(addr)) :
		"off");
	control_data(c, "forwarder %s",
	    env->conf.has_forwarder ?
		server_addr_str(&env->conf.forwarder, addr, sizeof(addr)) :
		"off");
	for (i = 0; env->zones != NULL && i < env->zones->nzones; i++)
		bindings += env->zones->zones[i]->nbindings;
	control_data(c, "zones %zu",
	    env->zones != NULL ? env->zones->nzones : (size_t)0);
	control_data(c, "bindings %zu", bindings);
	for (t = 0; t < 2; t++)
		for (s = 0; s < DNS_QT_COUNT; s++)
			queries += env->metrics.queries[t][s];
	control_data(c, "queries %llu", (unsigned long long)queries);
	if (env->vms != NULL) {
		TAILQ_FOREACH(v, &env->vms->all, entry)
			n[v->state]++;
		for (s = 0; s < VM_NSTATES; s++)
			if (n[s] != 0)
				control_data(c, "vms %s %llu",
				    vm_state_name((enum vm_state)s),
				    (unsigned long long)n[s]);
	}
	control_end(c, NULL);
}

/* conduit's answers to a connect: "ok S PATH", "error R" or "closed". */
static void
control_conduit_reply(void *arg, const char *value)
{
	struct control_conn *c = arg;

	if (strncmp(value, "ok ", 3) == 0)
		control_data(c, "%s", value + 3);
	else if (strncmp(value, "error ", 6) == 0)
		control_end(c, value + 6);
	else
		control_end(c, NULL);
}

/*
 * connect NAME: the connection becomes the channel's.  It counts among
 * the channels, not the clients (a long-lived channel must not lock
 * jitsuctl list out), and has no idle timeout.
 */
static void
control_connect(struct control_conn *c, const char *name)
{
	struct control *ctl = c->ctl;

	if (ctl->env->broker == NULL) {
		control_end(c, "unavailable");
		return;
	}
	if (ctl->nchannels >= CONTROL_CHANNELS_MAX) {
		control_end(c, "limit");
		return;
	}
	ctl->nconns--;
	ctl->nchannels++;
	bufferevent_set_timeouts(c->bev, NULL, NULL);
	if (broker_connect(ctl->env->broker, name, control_conduit_reply, c,
		c->chan) == -1) {
		ctl->nchannels--;
		ctl->nconns++;
		control_end(c, "out of memory");
	}
}

static void
control_dispatch(struct control_conn *c, const struct ctl_request *r)
{
	struct jitsud *env = c->ctl->env;
	char	       err[CTL_LINE_MAX / 2], report[2048];

	if (env->vms == NULL && r->cmd != CTL_RELOAD && r->cmd != CTL_METRICS &&
	    r->cmd != CTL_LOG && r->cmd != CTL_STATUS) {
		control_end(c, "no lifecycle backend is configured");
		return;
	}
	switch (r->cmd) {
	case CTL_LIST:
		control_list(c);
		return;
	case CTL_SHOW:
		control_show(c, r->arg);
		return;
	case CTL_START:
		control_end(c,
		    vm_start(env->vms, r->arg, err, sizeof(err)) == 0 ? NULL :
									err);
		return;
	case CTL_STOP:
		control_end(c,
		    vm_stop(env->vms, r->arg, err, sizeof(err)) == 0 ? NULL :
								       err);
		return;
	case CTL_RELOAD:
		/* What the reload did, or why it did not. */
		if (env->reload(env, report, sizeof(report)) == -1) {
			control_end(c, report);
			return;
		}
		control_data_text(c, report);
		control_end(c, NULL);
		return;
	case CTL_METRICS:
		control_metrics(c);
		return;
	case CTL_LOG:
		log_ring_foreach(control_data_line, c);
		control_end(c, NULL);
		return;
	case CTL_STATUS:
		control_status(c);
		return;
	case CTL_CONNECT:
		control_connect(c, r->arg);
		return;
	case CTL_NCMDS:
		break;
	}
	control_end(c, "internal error");
}

static void
control_read(struct bufferevent *bev, void *arg)
{
	struct control_conn *c = arg;
	struct evbuffer	    *in = bufferevent_get_input(bev);
	struct ctl_request   r;
	char		    *line, err[CTL_LINE_MAX];
	size_t		     len;

	if (c->chan[0] != '\0') {
		/* A channel's connection carries nothing more: its end is. */
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF);
	if (line == NULL) {
		if (evbuffer_get_length(in) >= CTL_LINE_MAX)
			control_end(c, "request too long");
		return;
	}
	c->asked = 1;
	if (ctl_parse_request(line, len, &r, err, sizeof(err)) == -1)
		control_end(c, err);
	else {
		log_debug("control: %s %s", ctl_cmd_name(r.cmd), r.arg);
		control_dispatch(c, &r);
	}
	free(line);
}

/* Written out: close once the end line has left. */
static void
control_written(struct bufferevent *bev, void *arg)
{
	if (!(bufferevent_get_enabled(bev) & EV_READ))
		control_conn_free(arg);
}

static void
control_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	control_conn_free(arg);
}

static void
control_accept_resume(int fd, short event, void *arg)
{
	struct control *ctl = arg;

	(void)fd;
	(void)event;
	event_add(ctl->ev, NULL);
}

/*
 * Out of descriptors or memory: stop accepting for a while, as the DNS
 * server does, instead of spinning (and logging) on a listening socket
 * that stays readable.
 */
static void
control_accept_pause(struct control *ctl)
{
	struct timeval tv = { 0, CONTROL_PAUSE_MSEC * 1000 };

	event_del(ctl->ev);
	if (ctl->pause == NULL)
		ctl->pause = evtimer_new(ctl->env->base, control_accept_resume,
		    ctl);
	if (ctl->pause == NULL || evtimer_add(ctl->pause, &tv) == -1)
		event_add(ctl->ev, NULL);
}

static void
control_accept(int fd, short event, void *arg)
{
	struct control	    *ctl = arg;
	struct control_conn *c, *old;
	struct timeval	     idle = { CONTROL_IDLE_SEC, 0 };
	int		     cfd;

	(void)event;
	if ((cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) ==
	    -1) {
		if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
			return;
		log_warn("control accept");
		/* The socket stays readable: without a pause, a spin. */
		control_accept_pause(ctl);
		return;
	}
	/*
	 * Full: the oldest connection that never asked anything makes room
	 * (idle clients would otherwise lock jitsuctl out until their idle
	 * timeout); when every one is being answered, the new one waits
	 * its turn by being refused.
	 */
	if (ctl->nconns >= CONTROL_CLIENTS_MAX) {
		TAILQ_FOREACH(old, &ctl->conns, entry)
			if (!old->asked)
				break;
		if (old == NULL) {
			log_warnx("control: too many clients");
			close(cfd);
			return;
		}
		log_warnx("control: too many clients; the oldest idle one "
			  "goes");
		control_conn_free(old);
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->bev = bufferevent_socket_new(ctl->env->base, cfd,
		 BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		free(c);
		close(cfd);
		return;
	}
	c->ctl = ctl;
	TAILQ_INSERT_TAIL(&ctl->conns, c, entry);
	ctl->nconns++;
	bufferevent_setcb(c->bev, control_read, control_written, control_event,
	    c);
	bufferevent_set_timeouts(c->bev, &idle, &idle);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/*
 * A socket file left by a jitsud that died is removed; one that a live
 * jitsud still answers on is not: two daemons must not fight over it.
 */
static int
control_claim_path(const struct sockaddr_un *sun)
{
	int fd, alive;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	alive = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	if (alive) {
		log_warnx("control socket %s: another jitsud is running",
		    sun->sun_path);
		return -1;
	}
	if (unlink(sun->sun_path) == -1 && errno != ENOENT) {
		log_warn("control socket %s", sun->sun_path);
		return -1;
	}
	return 0;
}

/*
 * The socket's folder (/run/jitsud by default) is the unit's
 * RuntimeDirectory under systemd; started otherwise, jitsud makes it
 * (its last component only: /run itself must exist).
 */
static void
control_mkdir(const char *path)
{
	char  dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return;
	*slash = '\0';
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		log_debug("control socket folder %s: %s", dir, strerror(errno));
}

struct control *
control_open(struct jitsud *env, const char *path)
{
	struct control	  *ctl;
	struct sockaddr_un sun;
	mode_t		   old;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path) ||
	    (ctl = calloc(1, sizeof(*ctl))) == NULL)
		return NULL;
	strcpy(sun.sun_path, path);
	strcpy(ctl->path, path);
	ctl->env = env;
	TAILQ_INIT(&ctl->conns);
	control_mkdir(path);
	if (control_claim_path(&sun) == -1)
		goto err;
	if ((ctl->fd = socket(AF_UNIX,
		 SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		goto err;
	/* Only root may steer the daemon: no window with a wider mode. */
	old = umask(0177);
	if (bind(ctl->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		log_warn("control socket %s", path);
		close(ctl->fd);
		goto err;
	}
	umask(old);
	if (listen(ctl->fd, 16) == -1 ||
	    (ctl->ev = event_new(env->base, ctl->fd, EV_READ | EV_PERSIST,
		 control_accept, ctl)) == NULL ||
	    event_add(ctl->ev, NULL) == -1)
		fatal("control socket %s", path);
	return ctl;
err:
	free(ctl);
	return NULL;
}

void
control_close(struct control *ctl)
{
	if (ctl == NULL)
		return;
	while (!TAILQ_EMPTY(&ctl->conns))
		control_conn_free(TAILQ_FIRST(&ctl->conns));
	event_free(ctl->ev);
	if (ctl->pause != NULL)
		event_free(ctl->pause);
	close(ctl->fd);
	unlink(ctl->path);
	free(ctl);
}
