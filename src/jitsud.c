/* jitsud.c -- the daemon: flags, start-up, signals, reload, main loop */
#include <sys/random.h>

#include <arpa/inet.h>

#include <errno.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "jitsud.h"
#include "log.h"
#include "version.h"

#define FILES_MAX (CONF_ZONES_MAX + 8)

/* What the command line named: reload reads the same files again. */
struct args {
	const char *files[FILES_MAX];
	size_t	    nfiles;
	const char *control; /* -s, or NULL */
	int	    foreground;
	int	    verbose;
	int	    check;
};

/* The command line, kept for reload. */
static struct args jitsud_args;

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr, "usage: jitsud [-dnv] [-f file] [-s socket]\n");
	exit(1);
}

static int
is_zone_file(const char *path)
{
	size_t n = strlen(path);

	return n > 5 && strcmp(path + n - 5, ".zone") == 0;
}

/* Image copies (image.c), made at the first load that wants them. */
static struct image_cache *jitsud_images;
static int		   jitsud_checking; /* -n: no copies */

/* One image of a binding into its copy; a problem is the zone's error. */
static void
jitsud_image(const struct zone *z, const struct binding *b, const char *src,
    char **copy, int *features, struct errors *errs)
{
	const char *p;
	char	    err[256];

	if (jitsud_checking) {
		if (image_check(src, err, sizeof(err)) == -1)
			errors_add(errs, zone_binding_file(z, b), b->line,
			    "%s: %s", src, err);
		return;
	}
	if ((p = image_cache_get(jitsud_images, src, features, err,
		 sizeof(err))) == NULL)
		errors_add(errs, zone_binding_file(z, b), b->line, "%s: %s",
		    src, err);
	else if (binding_set(copy, p) == -1)
		errors_add(errs, zone_binding_file(z, b), b->line,
		    "%s: out of memory", src);
}

/*
 * Read every image the zones name, once, into the cache, so the domain
 * builder never reads the operator's files and a missing image is a load
 * error naming its line, not a failed summon later.  Only the xen
 * backend boots images; the process backend runs programs in place.
 */
static void
jitsud_keep_images(const struct conf *c, struct zone_set *zs,
    struct errors *errs)
{
	char   err[256];
	size_t i, j;

	if (c->backend != CONF_BACKEND_XEN || c->imagedir[0] == '\0')
		return;
	if (!jitsud_checking && jitsud_images == NULL &&
	    (jitsud_images = image_cache_new(c->imagedir, err, sizeof(err))) ==
		NULL) {
		errors_add(errs, "image-cache", 0, "%s", err);
		return;
	}
	if (!jitsud_checking)
		image_cache_begin(jitsud_images);
	for (i = 0; i < zs->nzones; i++) {
		struct zone *z = zs->zones[i];

		for (j = 0; j < z->nbindings; j++) {
			struct binding *b = &z->bindings[j];
			int		features = 0;

			jitsud_image(z, b, binding_s(b->kernel),
			    &b->kernel_copy, &features, errs);
			b->vif_adopt = (features & IMAGE_VIF_ADOPT) != 0;
			b->records_early = (features & IMAGE_RECORDS_EARLY) !=
			    0;
			if (b->ramdisk != NULL)
				jitsud_image(z, b, b->ramdisk, &b->ramdisk_copy,
				    NULL, errs);
		}
	}
}

/*
 * Build a complete configuration from the files: jitsud.conf(5) files
 * and zone files (named *.zone) in any mix.  On success *c and *zs are
 * new and the caller owns them; on failure every problem is in *errs and
 * nothing is left allocated.
 */
static int
jitsud_load(const struct args *a, struct conf *c, struct zone_set **zs,
    struct errors *errs)
{
	size_t i;

	conf_init(c);
	*zs = NULL;
	for (i = 0; i < a->nfiles; i++) {
		if (is_zone_file(a->files[i]))
			conf_add_zone(c, a->files[i], errs);
		else
			conf_parse(c, a->files[i], errs);
	}
	if (a->control != NULL) {
		if (strlen(a->control) >= sizeof(c->control))
			errors_add(errs, "-s", 0, "socket path too long");
		else
			strcpy(c->control, a->control);
	}
	conf_finish(c);
	if (c->nzones == 0)
		errors_add(errs, a->files[0], 0, "no zone to serve");
	/* Load the zones even after a configuration error: the operator
	 * gets every problem in one go. */
	else
		*zs = zone_set_load((const char *const *)c->zones, c->nzones,
		    errs);
	if (*zs != NULL && errs->count == 0)
		jitsud_keep_images(c, *zs, errs);
	if (*zs != NULL && errs->count != 0) {
		zone_set_free(*zs);
		*zs = NULL;
	}
	if (*zs == NULL) {
		conf_clear(c);
		return -1;
	}
	return 0;
}

static void
jitsud_log_error(const char *line, void *arg)
{
	(void)arg;
	log_warnx("%s", line);
}

static void
jitsud_log_errors(const struct errors *errs)
{
	errors_each(errs, jitsud_log_error, NULL);
}

/* Do two configurations listen on exactly the same addresses? */
static int
same_listen(const struct conf *a, const struct conf *b)
{
	size_t i;

	if (a->nlisten != b->nlisten)
		return 0;
	for (i = 0; i < a->nlisten; i++)
		if (!conf_addr_same(&a->listen[i], &b->listen[i]))
			return 0;
	return 1;
}

static int
same_forwarder(const struct conf *a, const struct conf *b)
{
	return a->has_forwarder == b->has_forwarder &&
	    (!a->has_forwarder || conf_addr_same(&a->forwarder, &b->forwarder));
}

static int
same_rrl(const struct conf *a, const struct conf *b)
{
	return a->rrl.rate == b->rrl.rate && a->rrl.slip == b->rrl.slip &&
	    a->rrl.ipv4_prefix == b->rrl.ipv4_prefix &&
	    a->rrl.ipv6_prefix == b->rrl.ipv6_prefix;
}

static void jitsud_say(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* Append a line to the reload's report in buf[len]. */
static void
jitsud_say(char *buf, size_t len, const char *fmt, ...)
{
	size_t	n = strlen(buf);
	va_list ap;

	if (n + 1 >= len)
		return;
	if (n > 0)
		buf[n++] = '\n';
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

/* The reload's report, a log line per line. */
static void
jitsud_log_report(const char *msg)
{
	const char *p = msg, *nl;

	for (; *p != '\0'; p = *nl != '\0' ? nl + 1 : nl) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		log_info("reloaded: %.*s", (int)(nl - p), p);
	}
}

/*
 * Settings read at start only: the components they made keep them.  A
 * reload that changes one keeps the running value in the configuration
 * (so status and show tell what runs) and reports that the new one
 * needs a restart, rather than taking it in silence.
 */
static void
jitsud_start_only(const struct conf *run, struct conf *c, char *msg, size_t len)
{
#define START_ONLY(differs, kw, keep)                                       \
	do {                                                                \
		if (differs) {                                              \
			jitsud_say(msg, len, "needs a restart: %s", kw);    \
			log_warnx("reload: %s changed; it takes effect at " \
				  "the next start",                         \
			    kw);                                            \
			keep;                                               \
		}                                                           \
	} while (0)

	START_ONLY(c->backend != run->backend, "backend",
	    c->backend = run->backend);
	START_ONLY(strcmp(c->control, run->control) != 0, "control socket",
	    memcpy(c->control, run->control, sizeof(c->control)));
	START_ONLY(c->vif_plug != run->vif_plug, "vif-plug",
	    c->vif_plug = run->vif_plug);
	START_ONLY(strcmp(c->vif_script, run->vif_script) != 0, "vif-script",
	    memcpy(c->vif_script, run->vif_script, sizeof(c->vif_script)));
	START_ONLY(strcmp(c->statedir, run->statedir) != 0, "state-dir",
	    memcpy(c->statedir, run->statedir, sizeof(c->statedir)));
	START_ONLY(strcmp(c->imagedir, run->imagedir) != 0, "image-cache",
	    memcpy(c->imagedir, run->imagedir, sizeof(c->imagedir)));
	START_ONLY(c->builders != run->builders, "builders",
	    c->builders = run->builders);
	START_ONLY(c->shells != run->shells, "shells", c->shells = run->shells);
	START_ONLY(c->shell_mib != run->shell_mib, "shell-memory",
	    c->shell_mib = run->shell_mib);
	START_ONLY(c->has_metrics != run->has_metrics ||
		(c->has_metrics && !conf_addr_same(&c->metrics, &run->metrics)),
	    "metrics listen",
	    (c->has_metrics = run->has_metrics, c->metrics = run->metrics));
#undef START_ONLY
}

/*
 * Reload: build the whole new configuration first; only if it is
 * complete (files parse, zones load, new sockets bind) swap it in.
 * Otherwise the old one keeps serving and the log says why.  New sockets
 * are bound before the old ones close (SO_REUSEPORT), so no query finds
 * the port shut.  Running VMs whose binding did not change are kept.
 */
static int
jitsud_reload(struct jitsud *env, char *msg, size_t msglen)
{
	struct errors	      *errs;
	struct conf	       c;
	struct zone_set	      *zs;
	struct server_list    *fresh = NULL;
	struct vms_sync_report r;
	size_t		       i, nb = 0;
	int		       relisten;
	char		       err[64];

	sdnotify("RELOADING=1");
	snprintf(msg, msglen, "out of memory");
	if ((errs = calloc(1, sizeof(*errs))) == NULL)
		goto fail;
	if (jitsud_load(&jitsud_args, &c, &zs, errs) == -1) {
		jitsud_log_errors(errs);
		snprintf(msg, msglen, "%zu error(s), the first: %s",
		    errs->count, errs->msg[0]);
		goto fail;
	}
	relisten = !same_listen(&env->conf, &c);
	if (relisten && (fresh = servers_open(env, &c, 0)) == NULL) {
		snprintf(msg, msglen, "cannot listen on the new addresses");
		zone_set_free(zs);
		conf_clear(&c);
		goto fail;
	}
	msg[0] = '\0';
	for (i = 0; i < zs->nzones; i++)
		nb += zs->zones[i]->nbindings;
	jitsud_say(msg, msglen, "zones %zu, bindings %zu", zs->nzones, nb);
	if (relisten)
		jitsud_say(msg, msglen, "listening on the new addresses");
	jitsud_start_only(&env->conf, &c, msg, msglen);
	if (!same_forwarder(&env->conf, &c)) {
		forward_retire(&env->fwd_retired, env->fwd);
		env->fwd = NULL;
		if (c.has_forwarder &&
		    (env->fwd = forward_new(env->base, &c.forwarder)) == NULL)
			log_warnx("reload: forwarding is off: no forwarder "
				  "socket");
		jitsud_say(msg, msglen, "forwarder %s",
		    env->fwd != NULL ? "changed" : "off");
	}
	if (!same_rrl(&env->conf, &c)) {
		rrl_configure(env->rrl, &c.rrl);
		jitsud_say(msg, msglen, "rate-limit %s",
		    rrl_conf_str(&c.rrl, err, sizeof(err)));
	}
	if (env->vms != NULL) {
		vms_sync(env->vms, zs, &r);
		if (env->conf.backend == CONF_BACKEND_XEN)
			xl_pool(zs);
		jitsud_say(msg, msglen,
		    "bindings: %zu added, %zu removed, %zu changed, %zu to "
		    "change when their guest stops",
		    r.added, r.removed, r.changed, r.later);
	}
	zone_set_free(env->zones);
	env->zones = zs;
	if (relisten) {
		servers_close(env->servers);
		env->servers = fresh;
	}
	conf_clear(&env->conf);
	env->conf = c;
	free(errs);
	if (jitsud_images != NULL)
		image_cache_sweep(jitsud_images);
	jitsud_log_report(msg);
	sdnotify("READY=1");
	return 0;
fail:
	free(errs);
	log_warnx("reload failed (%s); keeping the running configuration", msg);
	sdnotify("READY=1");
	return -1;
}

static void
jitsud_signal(int sig, short event, void *arg)
{
	struct jitsud *env = arg;
	char	       err[ERROR_LEN];

	(void)event;
	switch (sig) {
	case SIGHUP:
		log_info("SIGHUP: reloading");
		jitsud_reload(env, err, sizeof(err));
		break;
	case SIGINT:
	case SIGTERM:
		log_info("%s: shutting down", strsignal(sig));
		sdnotify("STOPPING=1");
		event_base_loopexit(env->base, NULL);
		break;
	}
}

static void
jitsud_watchdog(int fd, short event, void *arg)
{
	(void)fd;
	(void)event;
	(void)arg;
	sdnotify("WATCHDOG=1");
}

/* The metrics endpoint's text: what jitsuctl metrics prints. */
static void
jitsud_metrics(void *arg, FILE *fp)
{
	struct jitsud *env = arg;

	metrics_render(&env->metrics, env->vms, fp);
}

static void
parse_args(int argc, char *argv[], struct args *a)
{
	int ch;

	memset(a, 0, sizeof(*a));
	while ((ch = getopt(argc, argv, "df:ns:vV")) != -1) {
		switch (ch) {
		case 'd':
			a->foreground = 1;
			break;
		case 'f':
			if (a->nfiles == FILES_MAX)
				fatalx("too many -f files (at most %d)",
				    FILES_MAX);
			a->files[a->nfiles++] = optarg;
			break;
		case 'n':
			a->check = 1;
			break;
		case 's':
			a->control = optarg;
			break;
		case 'v':
			a->verbose++;
			break;
		case 'V':
			printf("jitsud %s\n", JITSUD_VERSION);
			exit(0);
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (a->nfiles == 0)
		a->files[a->nfiles++] = CONF_DEFAULT_PATH;
}

/* -n: check the files, print every problem, exit 0 or 1. */
static int __attribute__((noreturn)) jitsud_check(const struct args *a)
{
	struct errors	*errs = calloc(1, sizeof(*errs));
	struct conf	 c;
	struct zone_set *zs;

	if (errs == NULL)
		fatal("calloc");
	jitsud_checking = 1;
	if (jitsud_load(a, &c, &zs, errs) == -1) {
		errors_print(errs, stderr);
		exit(1);
	}
	fprintf(stderr, "configuration OK: %zu zone(s)\n", zs->nzones);
	zone_set_free(zs);
	conf_clear(&c);
	free(errs);
	exit(0);
}

/* Synjitsu's stand-in, as the lifecycle layer sees it (vm.c). */
static void *
jitsud_si_claim(void *ctx, const struct binding *b, char *err, size_t errlen)
{
	return synio_claim(ctx, b, err, errlen);
}

static size_t
jitsud_si_handover(void *ctx, void *claim, struct synrec **recs)
{
	(void)ctx;
	return synio_handover(claim, recs);
}

static void
jitsud_si_release(void *ctx, void *claim)
{
	synio_release(ctx, claim);
}

static void
jitsud_si_announce(void *ctx, const struct binding *b)
{
	if (synio_announce(ctx, b) == -1)
		log_debug("%s: cannot announce %s on %s: %s", b->name,
		    inet_ntoa(b->ip), b->bridge, strerror(errno));
}

static void
jitsud_si_pass(void *ctx, void *claim, const char *ifname)
{
	(void)ctx;
	synio_pass(claim, ifname);
}

static int
jitsud_si_settled(void *ctx, void *claim)
{
	(void)ctx;
	return synio_settled(claim);
}

static const struct vm_standin jitsud_standin = { jitsud_si_claim,
	jitsud_si_handover, jitsud_si_release, jitsud_si_announce,
	jitsud_si_pass, jitsud_si_settled };

static void
jitsud_wire_stats(const void *arg, struct synjitsu_stats *s)
{
	synio_stats(arg, s);
}

static void
jitsud_synjitsu(struct jitsud *env)
{
	/* Process guests route through their bridge's address (proc.c). */
	if ((env->synio = synio_new(env->base,
		 env->conf.backend == CONF_BACKEND_PROCESS)) == NULL)
		fatalx("out of memory");
	vms_standin(env->vms, &jitsud_standin, env->synio);
	env->metrics.wire = jitsud_wire_stats;
	env->metrics.wire_arg = env->synio;
}

/*
 * Response rate limiting of UDP replies (rrl.c), keyed by a secret of
 * this run so that no client can aim at another's bucket.
 */
static void
jitsud_rrl(struct jitsud *env)
{
	uint8_t key[SIPHASH_KEY_LEN];
	char	buf[64];

	if (getrandom(key, sizeof(key), 0) != sizeof(key))
		fatal("getrandom");
	if ((env->rrl = rrl_new(RRL_BUCKETS, key)) == NULL)
		fatalx("out of memory");
	rrl_configure(env->rrl, &env->conf.rrl);
	log_debug("rate-limit %s",
	    rrl_conf_str(&env->conf.rrl, buf, sizeof(buf)));
}

/*
 * The lifecycle layer over the configured backend: bindings get their
 * VMs, running domains are adopted, warm ones are built paused.
 */
static void
jitsud_backend(struct jitsud *env)
{
	const struct conf	*c = &env->conf;
	struct proc_conf	 pc;
	const struct vm_backend *be = c->backend == CONF_BACKEND_XEN ?
	    &xl_backend :
	    &proc_backend;

	if ((env->vms = vms_new(env->base, be, NULL, &env->metrics)) == NULL)
		fatalx("out of memory");
	jitsud_synjitsu(env);
	if (c->backend == CONF_BACKEND_XEN) {
		if (xl_init(env->base, env->vms, c) == -1)
			fatalx("backend xen: no libxl (is this a Xen dom0?)");
	} else {
		memset(&pc, 0, sizeof(pc));
		snprintf(pc.statedir, sizeof(pc.statedir), "%s", c->statedir);
		snprintf(pc.logdir, sizeof(pc.logdir), "%s", c->statedir);
		if (proc_init(env->base, env->vms, &pc) == -1)
			fatalx("backend process: cannot start");
	}
	vms_sync(env->vms, env->zones, NULL);
	if (c->backend == CONF_BACKEND_XEN) {
		xl_adopt(env->vms);
		xl_pool(env->zones);
		env->broker = broker_open(env->base, env->vms, &env->metrics);
		/* A shell introduced ahead announces nothing at its fill. */
		if (env->broker != NULL)
			xl_on_fill(broker_filled, env->broker);
	} else
		proc_adopt(env->vms);
	vms_warm(env->vms);
}

static void
jitsud_start_watchdog(struct jitsud *env)
{
	uint64_t       usec = sdnotify_watchdog_usec();
	struct timeval tv;
	struct event  *ev;

	if (usec == 0)
		return;
	/* Ping at half the interval, as sd_watchdog_enabled(3) advises. */
	usec /= 2;
	tv.tv_sec = (time_t)(usec / 1000000);
	tv.tv_usec = (suseconds_t)(usec % 1000000);
	if ((ev = event_new(env->base, -1, EV_PERSIST, jitsud_watchdog,
		 NULL)) == NULL ||
	    event_add(ev, &tv) == -1)
		fatalx("watchdog timer");
}

int
main(int argc, char *argv[])
{
	static struct jitsud env;
	struct args	    *a = &jitsud_args;
	struct errors	    *errs;
	static const int     sigs[] = { SIGHUP, SIGINT, SIGTERM };
	struct event	    *sigev[3];
	size_t		     i;

	parse_args(argc, argv, a);
	log_init("jitsud", 1, a->verbose);
	if (a->check)
		jitsud_check(a);
	if ((errs = calloc(1, sizeof(*errs))) == NULL)
		fatal("calloc");
	if (jitsud_load(a, &env.conf, &env.zones, errs) == -1) {
		jitsud_log_errors(errs);
		fatalx("no valid configuration; not starting");
	}
	free(errs);
	if (jitsud_images != NULL)
		image_cache_sweep(jitsud_images);
	env.reload = jitsud_reload;
	env.started_ms = vm_now_ms();
	LIST_INIT(&env.fwd_retired);
	signal(SIGPIPE, SIG_IGN);
	if ((env.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	jitsud_rrl(&env);
	if ((env.servers = servers_open(&env, &env.conf, 1)) == NULL)
		fatalx("cannot listen on every configured address");
	if ((env.control = control_open(&env, env.conf.control)) == NULL)
		fatalx("cannot open the control socket %s", env.conf.control);
	if (env.conf.has_forwarder &&
	    (env.fwd = forward_new(env.base, &env.conf.forwarder)) == NULL)
		fatalx("cannot open the forwarder socket");
	if (env.conf.has_metrics &&
	    (env.mhttp = metrics_http_open(env.base, &env.conf.metrics,
		 jitsud_metrics, &env)) == NULL)
		fatalx("cannot serve the metrics where asked");
	if (!a->foreground) {
		if (daemon(0, 0) == -1)
			fatal("daemon");
		/* epoll descriptors do not survive fork() as they were. */
		if (event_reinit(env.base) == -1)
			fatalx("event_reinit");
	}
	log_init("jitsud", a->foreground, a->verbose);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		sigev[i] = evsignal_new(env.base, sigs[i], jitsud_signal, &env);
		if (sigev[i] == NULL || event_add(sigev[i], NULL) == -1)
			fatalx("signal event");
	}
	/* Sockets bound, still one thread: the backend's builder threads,
	 * libxl and every program started from now on get only this. */
	if (priv_drop(priv_keep(&env.conf)) == -1)
		fatal("dropping capabilities");
	jitsud_backend(&env);
	jitsud_start_watchdog(&env);
	log_info("serving %zu zone(s) on %zu address(es)", env.zones->nzones,
	    env.conf.nlisten);
	sdnotify("READY=1");
	event_base_dispatch(env.base);

	/* The control socket goes last: once it is gone, so are the DNS
	 * sockets, and a jitsud started next may bind their addresses. */
	servers_close(env.servers);
	metrics_http_close(env.mhttp);
	control_close(env.control);
	forward_free(env.fwd);
	forward_free_retired(&env.fwd_retired);
	/* The unikernels run on: a restarted jitsud adopts them. */
	if (env.conf.backend == CONF_BACKEND_XEN)
		xl_fini();
	else
		proc_end(env.vms);
	vms_free(env.vms);
	rrl_free(env.rrl);
	zone_set_free(env.zones);
	conf_clear(&env.conf);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		event_free(sigev[i]);
	event_base_free(env.base);
	return 0;
}
