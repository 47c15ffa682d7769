/* jitsud.h -- jitsud internal interfaces, one section per source file */
#ifndef JITSUD_H
#define JITSUD_H

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "log.h"

#include "rrl.h"

/*
 * JITSUD_X86: 1 on x86, 0 on ARM (make ARCH=arm64|armhf).  Four things
 * are x86 Xen's alone: the PV guest type (Xen on ARM has one kind of
 * guest, which libxl builds as type PVH and into which it silently
 * turns a PV one), CPUID policies (ARM's libxl accepts any cpuid= and
 * ignores it), saving a domain (stop=suspend: ARM's xc_domain_save fails
 * with ENOSYS) and the domain shells of xls.c (an x86 PVH domain built
 * by hand).  On ARM the configuration refuses them, naming the line,
 * rather than let them mean nothing or fail at the first idle stop.
 */
#if defined(__x86_64__) || defined(__i386__)
#define JITSUD_X86 1
#else
#define JITSUD_X86 0
#endif

struct event_base;
struct control;
struct metrics_http;
struct forwarder;
struct fwd_query;
LIST_HEAD(forwarder_list, forwarder);
struct vms;
struct probe;
struct server;
struct server_list;

/* A libevent timeout of ms milliseconds. */
static inline struct timeval
ms_timeval(uint64_t ms)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	return tv;
}

struct synrec;
struct synjitsu_stats;

/* errors.c */

#define ERRORS_MAX 64
#define ERROR_LEN  512

/*
 * Configuration errors for the operator, each a full line
 * "file:line: what is wrong" ("file: what" when line is 0).  Zero the
 * struct before use.  count keeps counting past ERRORS_MAX; only the
 * first ERRORS_MAX messages are kept.
 */
struct errors {
	size_t count;
	int    line[ERRORS_MAX];
	char   msg[ERRORS_MAX][ERROR_LEN];
};

void errors_add(struct errors *, const char *path, int line, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));
void errors_vadd(struct errors *, const char *path, int line, const char *fmt,
    va_list ap) __attribute__((format(printf, 4, 0)));
/*
 * errors_sort: put the kept messages from index `first' on in line
 * order, stably (checks that run after parsing report out of order).
 */
void errors_sort(struct errors *, size_t first);
/*
 * errors_each: fn(line, arg) for each kept message, then for "... and N
 * more errors" if some were cut.  errors_print is it to a FILE.
 */
void errors_each(const struct errors *, void (*fn)(const char *, void *),
    void *arg);
/* errors_print: one message a line, then "... and N more" if cut. */
void errors_print(const struct errors *, FILE *);

/* image.c */
struct image_cache;

/*
 * image_cache_new: keep image copies in dir (made, mode 0700, with its
 * parents if need be; a tmpfs such as /run is the point).  NULL and a
 * reason in err if dir cannot be used.
 */
struct image_cache *image_cache_new(const char *dir, char *err, size_t errlen);
void		    image_cache_free(struct image_cache *);

/* image_cache_begin: a new load starts; what it does not get is swept. */
void image_cache_begin(struct image_cache *);

/*
 * image_cache_get: the path of our copy of the file src, read now unless
 * an unchanged copy (same device, inode, size and mtime) is kept.  NULL
 * and the reason in err (no such file, not a regular file, too big, the
 * copy cannot be written).
 */
const char *image_cache_get(struct image_cache *, const char *src,
    int *features, char *err, size_t errlen);

/*
 * image_features: what an ELF kernel says of itself in a note named
 * "jitsud" (any class, little-endian; anything else says nothing):
 * IMAGE_VIF_ADOPT, type 1, adopts a vif connected ahead (xls.c, our
 * libOS's netfront.c); IMAGE_RECORDS_EARLY, type 2, takes Synjitsu's
 * records written before it asked (handover_unpaused, our libOS's
 * synjitsu.c).  Pure; image_cache_get passes it on.
 */
#define IMAGE_NOTE_NAME		 "jitsud"
#define IMAGE_NOTE_VIF_ADOPT	 1
#define IMAGE_NOTE_RECORDS_EARLY 2
#define IMAGE_VIF_ADOPT		 0x1
#define IMAGE_RECORDS_EARLY	 0x2
int image_features(const uint8_t *buf, size_t len);

/*
 * image_check: would src be taken (image_cache_get's checks, without
 * reading or copying it)?  0, or -1 with the reason in err.  For -n.
 */
int image_check(const char *src, char *err, size_t errlen);

/*
 * image_cache_sweep: after a load was taken, forget the images it did not
 * get and remove every file in the folder that is not a kept copy.
 */
void image_cache_sweep(struct image_cache *);

/* binding.c */

#define BINDING_NAME_MAX    256 /* owner, presentation form, with NUL */
#define BINDING_KERNEL_MAX  1024
#define BINDING_CPUID_MAX   256
#define BINDING_BRIDGE_MAX  16	 /* IFNAMSIZ: 15 characters and NUL */
#define BINDING_CMDLINE_MAX 1024 /* Xen's guest command line limit */
#define BINDING_PORTS_MAX   16
#define BINDING_CONDUIT_MAX 8 /* names of conduit= */
#define BINDING_ERR_MAX	    256

enum binding_type {
	BINDING_TYPE_PVH,
	BINDING_TYPE_PV,
};

enum binding_stop {
	BINDING_STOP_DESTROY,
	BINDING_STOP_SHUTDOWN,
	BINDING_STOP_SUSPEND,
	BINDING_STOP_PAUSE,
};

enum binding_ready {
	BINDING_READY_XENSTORE, /* the guest writes its ready key */
	BINDING_READY_TCP,	/* a TCP connect to ready_port succeeds */
	BINDING_READY_DELAY,	/* ready_delay_ms after the domain is built */
};

/*
 * One UNIKERNEL line of a zone file: which image to boot for a name and
 * how to run it.  Fixed-size fields so a zone can hold an array of them
 * and reload can compare old and new bindings with memcmp-like checks.
 * Durations are in milliseconds; 0 idle_ms means never stop.
 */
struct binding {
	/*
	 * The strings a binding may have are its own, on the heap, NULL
	 * when absent (binding_s reads them as ""): ten thousand bindings
	 * with a kernel path each must not cost ten thousand times every
	 * limit.  Copy a binding with binding_copy, free with
	 * binding_clear; a plain struct copy moves them.
	 */
	char		  *name;    /* owner, FQDN; set once parsed */
	char		  *kernel;  /* at most BINDING_KERNEL_MAX - 1 */
	char		  *ramdisk; /* NULL: none */
	char		  *cpuid;   /* xl.cfg cpuid= */
	enum binding_type  type;
	uint64_t	   memory_kb;
	unsigned int	   vcpus;
	int		   has_ip;
	int		   has_ip6;
	struct in_addr	   ip;
	struct in6_addr	   ip6;
	uint8_t		   mac[6];
	char		   bridge[BINDING_BRIDGE_MAX];
	char		  *cmdline;
	uint32_t	   idle_ms;
	enum binding_stop  stop;
	enum binding_ready ready;
	uint16_t	   ready_port;
	uint32_t	   ready_delay_ms;
	uint32_t	   max_boot_ms;
	int		   synjitsu;
	int	 console; /* a primary console (shells only drop it) */
	uint16_t ports[BINDING_PORTS_MAX];
	size_t	 nports;
	int	 warm;
	uint32_t max_wait_ms;
	uint32_t ttl; /* of A/AAAA answers, set by zone_read.c */
	/* Set when the zone is loaded (image.c), NULL when images are not
	 * kept: the copies the domain builder reads instead. */
	char	*kernel_copy;
	char	*ramdisk_copy;
	/* Set with kernel_copy: the kernel says (image_features) that it
	 * adopts a vif connected ahead, so a shell's may be (xls.c), and
	 * that it takes hand-over records it did not ask for yet
	 * (handover_unpaused). */
	int	 vif_adopt;
	int	 records_early;
	/*
	 * conduit= (conduit(7)): the names it serves, comma-separated,
	 * lower case; absolute with the final dot once zone_read.c has
	 * read the line (binding_parse leaves them as written).  NULL:
	 * none.
	 */
	char	*conduit;
	char	*file; /* the $INCLUDEd file it is in, NULL for the zone's
			* own; not compared */
	int	 line; /* in that file; not compared */
};

/* binding_s: one of a binding's strings, "" when absent. */
static inline const char *
binding_s(const char *s)
{
	return s != NULL ? s : "";
}

/*
 * binding_set: make *field a copy of v (NULL for ""), freeing what it
 * was.  -1 out of memory, *field then unchanged.
 */
int binding_set(char **field, const char *v);

/* binding_copy: dst, a copy of src with strings of its own; dst is
 * overwritten, not freed.  -1 out of memory (dst then holds nothing). */
int binding_copy(struct binding *dst, const struct binding *src);

/* binding_clear: free b's strings (b stays valid, its strings absent). */
void binding_clear(struct binding *b);

/*
 * binding_parse: parse the rdata of a UNIKERNEL line, a list of
 * key=value tokens separated by blanks (a value may be "double quoted",
 * with \" and \\ escapes, to hold blanks), into *b, whose former
 * contents are not freed; on failure b holds no strings.  `owner' is the
 * binding's fully qualified name; it is copied into b->name and seeds
 * the MAC address when the line has no mac= key.  Keys not given take
 * their documented defaults; b->ttl is left 0 for the caller.
 * Returns 0, or -1 with a one-line description of the first problem
 * (no file or line: the caller adds those) in err[errlen].
 */
int binding_parse(struct binding *b, const char *owner, const char *rdata,
    char *err, size_t errlen);

/*
 * binding_same: do a and b describe the same guest?  Every field but
 * the line it was read from counts (a new image copy too).
 */
int binding_same(const struct binding *a, const struct binding *b);

/*
 * binding_derive_mac: the MAC address a binding gets without mac=: the
 * Xen OUI 00:16:3e and three bytes hashed from the owner name, ignoring
 * case and a trailing dot, so a guest keeps its MAC across boots and
 * reloads.
 */
void binding_derive_mac(const char *owner, uint8_t mac[6]);

/* zone.c */

#define ZONE_NAME_MAX 255 /* wire form, RFC 1035 2.3.4 */

/* One record's rdata, uncompressed wire form, names as written. */
struct zone_rr {
	const uint8_t *rdata;
	uint16_t       rdlen;
};

/* All records of one owner and type; one TTL (the lowest given). */
struct zone_rrset {
	uint16_t	      type;
	uint16_t	      count;
	uint32_t	      ttl;
	const struct zone_rr *rrs;
};

/*
 * A name in the zone.  Empty non-terminals (names with no records but
 * with names below them) are nodes with nsets 0, so a lookup tells
 * NODATA from NXDOMAIN with one search.
 */
struct zone_node {
	const uint8_t		*name; /* lower-cased wire form */
	uint8_t			 namelen;
	uint16_t		 nsets;
	const struct zone_rrset *sets;
	const struct zone_rrset *any;	  /* what ANY gets, or NULL */
	const struct binding	*binding; /* or NULL */
};

/*
 * A loaded zone: immutable once built, so the query path reads it
 * without locks and a reload builds a new one and swaps the pointer.
 * Nodes are sorted by their wire names (memcmp order), for
 * zone_lookup's binary search.  A binding's owner carries synthesised
 * A/AAAA RRsets made from its ip/ip6, like any other records.
 */
struct zone {
	char		       *path;
	const struct zone_node *apex;
	struct zone_node       *nodes;
	size_t			nnodes;
	struct zone_rrset      *sets;
	struct zone_rr	       *rrs;
	uint8_t		       *data; /* names and rdata */
	struct binding	       *bindings;
	size_t			nbindings;
	uint32_t		neg_ttl; /* min(SOA TTL, SOA minimum) */
	int			soa_line;
};

/* Several zones, each file one zone; apexes are distinct. */
struct zone_set {
	struct zone **zones;
	size_t	      nzones;
};

/*
 * zone_load: read the RFC 1035 master file at `path' ($ORIGIN, $TTL,
 * parentheses, comments, relative names, @, blank owner) with its
 * UNIKERNEL binding lines, check it and build the in-memory zone.  The
 * first record must be the SOA; it names the apex.  Returns NULL when
 * any error was found, all of them (up to the bound) added to *errs.
 */
struct zone *zone_load(const char *path, struct errors *errs);
void	     zone_free(struct zone *);

/*
 * zone_lookup: the node for `name' (lower-cased wire form, `len' bytes
 * including the root label), or NULL if the zone has no such name.
 */
const struct zone_node *zone_lookup(const struct zone *, const uint8_t *name,
    size_t len);

/* zone_node_rrset: the node's RRset of `type', or NULL. */
const struct zone_rrset *zone_node_rrset(const struct zone_node *,
    uint16_t type);

/*
 * zone_name_len: the length of the well-formed uncompressed wire name at
 * w (its final zero included, ZONE_NAME_MAX at most) within max bytes,
 * or 0 when there is none.
 */
size_t zone_name_len(const uint8_t *w, size_t max);
/*
 * zone_name_under: 1 if wire name `name' equals `apex' or lies below it,
 * comparing case-insensitively; both must be well-formed wire names.
 */
int    zone_name_under(const uint8_t *name, size_t len, const uint8_t *apex,
       size_t apexlen);

/*
 * zone_set_load: load each of `paths' and check that no two files hold
 * the same apex and no conduit name is served by two bindings.  NULL
 * with *errs filled when any file has an error.
 */
struct zone_set *zone_set_load(const char *const *paths, size_t npaths,
    struct errors *errs);
void		 zone_set_free(struct zone_set *);

/* zone_binding_file: the file b of z is in (its $INCLUDEd file). */
const char *zone_binding_file(const struct zone *z, const struct binding *b);

/*
 * zone_set_find: the zone with the longest apex at or above `name'
 * (lower-cased wire form), or NULL when no zone encloses it.
 */
const struct zone *zone_set_find(const struct zone_set *, const uint8_t *name,
    size_t len);

/* dns.c */

#define DNS_HEADER_LEN	 12
#define DNS_UDP_MIN	 512  /* without EDNS0, RFC 1035 4.2.1 */
#define DNS_EDNS_PAYLOAD 1232 /* advertised; the most sent by UDP */
#define DNS_TCP_MAX	 65535
#define DNS_CNAME_MAX	 8 /* CNAMEs followed in one answer */

#define DNS_RCODE_NOERROR  0
#define DNS_RCODE_FORMERR  1
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_NOTIMP   4
#define DNS_RCODE_REFUSED  5
#define DNS_RCODE_YXDOMAIN 6  /* a DNAME made too long a name */
#define DNS_RCODE_BADVERS  16 /* extended, carried in the OPT */

enum dns_action {
	DNS_V_DROP,  /* send nothing: no header worth echoing */
	DNS_V_REPLY, /* send reply[0..replylen) */
	/*
	 * No zone of ours encloses the name.  reply holds a complete
	 * REFUSED answer to send as it is; a caller with a forwarder may
	 * send the query upstream instead.
	 */
	DNS_V_OUTOFZONE,
};

/* Query types as metrics count them: a fixed set, so no label explodes. */
enum dns_qtype_metric {
	DNS_QT_NONE, /* no question could be read */
	DNS_QT_A,
	DNS_QT_AAAA,
	DNS_QT_ANY,
	DNS_QT_CNAME,
	DNS_QT_MX,
	DNS_QT_NS,
	DNS_QT_PTR,
	DNS_QT_SOA,
	DNS_QT_SRV,
	DNS_QT_TXT,
	DNS_QT_OTHER,
	DNS_QT_COUNT
};

/*
 * What dns_answer decided.  `binding' is set when the answer gives the
 * addresses of a bound name (an A, AAAA or ANY query for it, directly
 * or at the end of a CNAME chain): the daemon asks the lifecycle layer
 * whether that VM is ready before it sends the reply.  One is enough: a
 * binding's owner holds no CNAME, so only the last name of a chain can
 * be bound.
 */
struct dns_verdict {
	enum dns_action		action;
	size_t			replylen;
	uint16_t		id;
	uint16_t		qtype; /* 0: no question was read */
	enum dns_qtype_metric	qtype_metric;
	uint16_t		rcode;	   /* with the extended bits */
	int			truncated; /* TC was set */
	int			edns;	   /* the reply carries an OPT */
	int			edns_do;   /* ... with the DO bit */
	size_t			limit;	   /* the most one reply may be */
	size_t			qend;	   /* header and question length */
	const struct zone      *zone;	   /* enclosing zone, or NULL */
	const struct binding   *binding;   /* or NULL */
	/* the wildcard the answer was made from (its RRL bucket), or NULL */
	const struct zone_node *wild;
};

/*
 * dns_answer: answer one DNS query, NSD-style: the query bytes in, the
 * verdict and reply bytes out; no allocation, no clock, no global
 * state.  `tcp' selects the size limit: 65535 for TCP; for UDP the
 * client's EDNS0 payload size, held within 512..1232, or 512 without
 * EDNS0.  An answer that does not fit is cut to header and question
 * with TC set.  `reply' must hold `replymax' bytes; replies never exceed
 * it.  Any input is safe: malformed queries get FORMERR (or are dropped
 * when not even a header can be echoed).  Returns v->action.
 */
enum dns_action dns_answer(const struct zone_set *, const uint8_t *query,
    size_t qlen, int tcp, uint8_t *reply, size_t replymax,
    struct dns_verdict *v);

/*
 * dns_servfail: turn a reply dns_answer produced (and `v' describes)
 * into SERVFAIL in place: header and question kept, sections emptied,
 * the OPT kept.  For a summon that failed after the answer was made.
 * Returns the new length.
 */
size_t dns_servfail(uint8_t *reply, const struct dns_verdict *v);

/* Labels for metrics: "A", "AAAA", ..., "other", "none". */
const char *dns_qtype_metric_name(enum dns_qtype_metric);

/* "NOERROR", "FORMERR", ..., "BADVERS"; "other" for the rest. */
const char *dns_rcode_name(uint16_t rcode);

/* conf.c */

#define CONF_LISTEN_MAX		16
#define CONF_ZONES_MAX		64
#define CONF_SOCKET_MAX		108 /* sizeof(sun_path) */
#define CONF_DEFAULT_PATH	"/etc/jitsud/jitsud.conf"
#define CONF_DEFAULT_CONTROL	"/run/jitsud/jitsud.sock"
#define CONF_DEFAULT_VIF_SCRIPT "vif-bridge"
#define CONF_DEFAULT_STATEDIR	"/var/lib/jitsud"
#define CONF_DEFAULT_IMAGEDIR	"/run/jitsud/images"
#define CONF_PATH_MAX		256
#define CONF_BUILDERS_MAX	16    /* Xen builder threads */
#define CONF_TCP_TIMEOUT_MS	10000 /* RFC 7766: seconds, not minutes */
/* Shells ready per shape and builder: LightVM kept pools of hundreds;
 * 32 a builder covers a burst of 64 with two builders. */
#define CONF_SHELLS_MAX		32
/* A shell per shape and builder; none on ARM (JITSUD_X86). */
#define CONF_SHELLS_DEFAULT	(JITSUD_X86 ? 1 : 0)
#define CONF_SHELL_MIB_DEFAULT	1024 /* a builder's shells' shapes, MiB */
/* shell-vif: a shell's vif connected as the shell is made (xls.c), for
 * a kernel that adopts it, or left to the guest's netfront. */
#define CONF_SHELL_VIF_AHEAD	0
#define CONF_SHELL_VIF_PLAIN	1
/* shell-ram: a shell's RAM populated as the shell is made (xls.c), or
 * by the fill, as libxl's build populates it. */
#define CONF_SHELL_RAM_AHEAD	0
#define CONF_SHELL_RAM_FILL	1
/* shell-store: a shell introduced to xenstored as it is made (xls.c),
 * with a store ring of its own, or by the fill, as libxl does. */
#define CONF_SHELL_STORE_AHEAD	0
#define CONF_SHELL_STORE_FILL	1

enum conf_backend {
	CONF_BACKEND_XEN,     /* libxl: real domains */
	CONF_BACKEND_PROCESS, /* unix builds as processes, for dev/test */
};

/* Who puts a Xen guest's vif into its bridge (jitsud.conf(5) vif-plug). */
enum conf_vif {
	CONF_VIF_INLINE, /* jitsud itself: XenStore and rtnetlink, no fork */
	CONF_VIF_SCRIPT, /* libxl, running vif-script for each vif */
};

struct conf_addr {
	struct sockaddr_storage ss;
	socklen_t		len;
	int			line; /* where it was given, 0: default */
};

/*
 * The daemon's global options: where to listen, which zone files to
 * serve, whom to forward out-of-zone queries to, where the control
 * socket lives.  Built complete by conf_load, then swapped in whole.
 */
struct conf {
	struct conf_addr  listen[CONF_LISTEN_MAX];
	size_t		  nlisten;
	char		 *zones[CONF_ZONES_MAX]; /* heap copies */
	size_t		  nzones;
	int		  has_forwarder;
	struct conf_addr  forwarder;
	char		  control[CONF_SOCKET_MAX];
	enum conf_backend backend;
	enum conf_vif	  vif_plug;		     /* xen */
	char		  vif_script[CONF_PATH_MAX]; /* xen */
	char		  statedir[CONF_PATH_MAX];   /* saves, pids */
	char		  imagedir[CONF_PATH_MAX];   /* "" = off */
	int		  builders;	  /* xen; 0: one per CPU, at most 4 */
	int		  shells;	  /* xen: ready per shape and builder */
	uint32_t	  shell_mib;	  /* xen: a builder's shells, at most */
	int		  shell_vif;	  /* xen: CONF_SHELL_VIF_* */
	int		  shell_ram;	  /* xen: CONF_SHELL_RAM_* */
	int		  shell_store;	  /* xen: CONF_SHELL_STORE_* */
	uint64_t	  tcp_timeout_ms; /* a DNS TCP client's deadline */
	int		  has_metrics;	  /* metrics listen on ... */
	struct conf_addr  metrics;	  /* the HTTP endpoint */
	struct rrl_conf	  rrl;		  /* rate-limit (rrl.c) */
};

/* conf_init: an empty configuration with the default control socket. */
void conf_init(struct conf *);

/*
 * conf_parse: read the jitsud.conf(5) file at `path' into *c (adding to
 * what is there).  Zone paths are taken relative to the file's folder.
 * Every problem is added to *errs as "path:line: ..."; returns the
 * number of problems found in this file (0 on success).
 */
int conf_parse(struct conf *c, const char *path, struct errors *errs);

/*
 * conf_add_zone: serve the zone file `path' as well (the -f FILE.zone
 * form).  Returns -1 and adds an error if the table is full.
 */
int conf_add_zone(struct conf *c, const char *path, struct errors *errs);

/*
 * conf_finish: apply defaults that depend on the whole file: when no
 * `listen on' was given, listen on 0.0.0.0 and :: port 53.
 */
void conf_finish(struct conf *);

/* conf_clear: free what conf_parse allocated; *c is then empty. */
void conf_clear(struct conf *);

/*
 * conf_addr_parse: an IPv4 or IPv6 literal and a port into *a (no name
 * lookups: start-up must not depend on a resolver).  Returns 0 or -1.
 */
int conf_addr_parse(const char *addr, unsigned int port, struct conf_addr *a);
/* conf_addr_same: the same address and port (the line does not count). */
int conf_addr_same(const struct conf_addr *, const struct conf_addr *);

/* sdnotify.c */

/*
 * sdnotify: send `state' ("READY=1", "RELOADING=1", "STOPPING=1",
 * "WATCHDOG=1", "STATUS=...") to systemd's $NOTIFY_SOCKET.  Returns 1
 * when sent, 0 when not run under systemd, -1 on error (errno set).
 */
int sdnotify(const char *state);

/*
 * sdnotify_watchdog_usec: the watchdog interval systemd expects pings
 * within (WATCHDOG_USEC, if WATCHDOG_PID is unset or ours), or 0.
 */
uint64_t sdnotify_watchdog_usec(void);

/* priv.c */

/* A capability's bit in priv_drop's mask: PRIV_CAP(CAP_NET_RAW). */
#define PRIV_CAP(c) (1ULL << (c))

/*
 * priv_drop: from now on keep only the capabilities in `keep' (PRIV_CAP
 * bits), for the calling thread and whatever it creates or executes
 * later: sets no_new_privs, lowers the bounding set where CAP_SETPCAP
 * allows, clears the ambient and inheritable sets, and leaves effective
 * and permitted at what they held of `keep'.  Call it while the process
 * has a single thread: capabilities are per thread.  Logs what it
 * dropped at debug level.  Returns 0, or -1 with errno set.
 */
int	 priv_drop(uint64_t keep);
/* priv_keep: the capabilities jitsud needs after start for c's backend. */
uint64_t priv_keep(const struct conf *c);
/* priv_guest: what a process backend guest keeps (proc_child.c). */
uint64_t priv_guest(void);

/* timeline.c */

/*
 * The phases of one summon, in the order they normally happen.  Each is
 * a moment, kept in ms after the summon's first query; a phase nobody
 * observed stays unset (see the backends for which they observe).
 */
enum tl_phase {
	TL_QUERY,    /* the first query of the summon (the origin) */
	TL_BUILD,    /* the backend began building the domain */
	TL_CREATED,  /* the domain exists (libxl's create completed) */
	TL_DEVICES,  /* its network device is connected */
	TL_UNPAUSED, /* the guest runs */
	TL_READY,    /* the readiness check passed */
	TL_HANDOVER, /* Synjitsu's records handed over to the guest */
	TL_ADOPTED,  /* the guest said it adopted them */
	TL_NPHASES
};

struct timeline {
	uint64_t origin_ms;	 /* vm_now_ms() of the query; 0: none */
	uint64_t at[TL_NPHASES]; /* ms after the origin, if set */
	uint32_t set;		 /* bit per phase */
};

/* timeline_phase_name: "query", "build", ...; "?" out of range. */
const char *timeline_phase_name(enum tl_phase);
/* timeline_start: forget the last summon's; TL_QUERY is at now_ms. */
void	    timeline_start(struct timeline *, uint64_t now_ms);
/*
 * timeline_mark: phase p happened at now_ms (a vm_now_ms() time, which
 * may come from another thread).  The first mark of a phase counts; a
 * mark before timeline_start, or a repeated one, is ignored.  Returns
 * 0 and *ms (ms after the query, 0 if earlier) when it was recorded.
 */
int	    timeline_mark(struct timeline *, enum tl_phase p, uint64_t now_ms,
	    uint64_t *ms);
/* timeline_get: 1 and *ms when p is set, else 0. */
int  timeline_get(const struct timeline *, enum tl_phase p, uint64_t *ms);
/*
 * timeline_format: "query=0 build=2 created=540 ..." in buf[len], the
 * set phases only, in phase order; "" when no summon was timed.
 */
void timeline_format(const struct timeline *, char *buf, size_t len);

/* metrics.c */

#define METRICS_RCODES	     24 /* rcodes counted one by one */
#define METRICS_BOOT_BUCKETS 10 /* boot latency histogram */

/* One latency histogram in the boot buckets (the boots, a phase, a binding's boots). */
struct metrics_hist {
	uint64_t le[METRICS_BOOT_BUCKETS + 1]; /* last: +Inf */
	uint64_t count;
	uint64_t sum_ms;
};

/* Counters for `jitsuctl metrics', rendered as Prometheus text. */
#define METRICS_CONDUIT_KINDS 9 /* ok, closed, the 7 refusals */

struct metrics {
	uint64_t	    queries[2][DNS_QT_COUNT];	/* [tcp][qtype] */
	uint64_t	    rcodes[METRICS_RCODES + 1]; /* last: others */
	uint64_t	    dropped;   /* malformed beyond an answer */
	uint64_t	    truncated; /* TC set */
	uint64_t	    outofzone;
	uint64_t	    send_errors;
	uint64_t	    tcp_clients; /* connections accepted */
	uint64_t	    tcp_slow; /* closed for not taking their replies */
	uint64_t	    summons;  /* builds started for a query */
	uint64_t	    summon_failures;
	uint64_t	    idle_stops;
	uint64_t	    maxwait_replies; /* sent before the VM was up */
	uint64_t	    forwarded;
	uint64_t	    forward_failures;
	uint64_t	    rrl_dropped; /* UDP replies over the rate limit */
	uint64_t	    rrl_slipped; /* ... sent truncated instead */
	struct metrics_hist boot;
	/* Per phase of a summon (timeline.c), the boot buckets. */
	struct metrics_hist phase[TL_NPHASES];
	uint64_t	    standins;	     /* summons Synjitsu stood in for */
	uint64_t	    handovers;	     /* hand-overs written to a guest */
	uint64_t	    handed_conns;    /* connections in them */
	uint64_t	    adopted_conns;   /* connections guests adopted */
	uint64_t	    standin_expired; /* guests that never asked */
	/* Synjitsu's wire counters, from whoever owns the wire. */
	void (*wire)(const void *, struct synjitsu_stats *);
	const void *wire_arg;
	/* conduit(7)'s answers by kind (metrics_conduit_kind). */
	uint64_t    conduit_answers[METRICS_CONDUIT_KINDS];
	/* conduit's requests held now, and how many of them pend. */
	size_t (*conduits)(const void *, size_t *pending);
	const void *conduits_arg;
};

/*
 * metrics_conduit_kind: which of conduit(7)'s answers `value' is ("ok
 * S PATH", "closed", "error REASON"): an index of the kinds counted, or
 * -1 for no answer of conduit(7)'s.
 */
int metrics_conduit_kind(const char *value);

/* metrics_hist_add: one observation of `ms'. */
void metrics_hist_add(struct metrics_hist *, uint64_t ms);

/* metrics_query: count one query by what dns_answer decided. */
void metrics_query(struct metrics *, const struct dns_verdict *, int tcp);
/* metrics_reply: count one reply sent, by its (extended) rcode. */
void metrics_reply(struct metrics *, uint16_t rcode);

/* metrics_boot: one summon took `ms' from its first query to ready. */
void metrics_boot(struct metrics *, uint64_t ms);
/* metrics_phase: phase p of a summon came `ms' after its first query. */
void metrics_phase(struct metrics *, enum tl_phase p, uint64_t ms);

/* metrics_render: every counter in the Prometheus text format. */
void metrics_render(const struct metrics *, const struct vms *, FILE *);

/* handover.c */

/*
 * The Synjitsu hand-over (synjitsu(7)) of one VM, whatever carries it.
 * handover.c owns the protocol's states, its deadlines and its steps;
 * a backend only provides a transport (XenStore for xl, a socketpair
 * for the process backend) and reports what the guest said.
 *
 * from       on                            to        done
 * IDLE       handover_claim (synjitsu on)  STANDING  the stand-in answers
 * STANDING   handover_ready                WAITING   ask deadline armed
 * STANDING   deadline (holding, ready=tcp) IDLE      claim dropped, closed
 * WAITING    deadline                      IDLE      claim dropped (and
 *                                                    closed if holding)
 * STANDING   handover_created or           SENT      as handover_asked,
 *            handover_unpaused (early
 *            kernel, every client's                  but the adopt
 *            request in)                             deadline waits for
 *                                                    handover_ready
 * not SENT   handover_asked (attached)     SENT      records taken from
 *                                                    the stand-in (frozen:
 *                                                    it keeps frames for
 *                                                    the guest), sent;
 *                                                    adopt deadline armed
 * SENT       handover_ready                SENT      adopt deadline again,
 *                                                    from now
 * SENT       handover_adopted (K >= 0)     IDLE      K counted if at most
 *                                                    what was sent; kept
 *                                                    frames passed to the
 *                                                    guest; claim dropped,
 *                                                    closed
 * SENT       handover_adopted (K < 0),     IDLE      claim dropped (kept
 *            _broken, adopt deadline                 frames too), closed
 * STANDING,  handover_adopted, _broken     IDLE      claim dropped, closed
 *  WAITING
 * any        handover_end (guest down)     IDLE      claim dropped, closed
 *
 * "closed" is the transport's close; a failed send closes at once.
 * A guest that asks with no claim (never made, refused, expired) still
 * gets a hand-over of 0 records, so it never waits for nothing.
 */
#define HANDOVER_GRACE_MS 10000 /* ready: a guest must ask within */
#define HANDOVER_ASK_MS \
	1000 /* the same, for a guest kept off
					 * the network (holding transport) */
/* asked, or asked early and then ready: it must adopt within */
#define HANDOVER_ADOPT_MS 15000

enum handover_state {
	HANDOVER_IDLE,	   /* no stand-in: none, refused, or over */
	HANDOVER_STANDING, /* the stand-in answers; the guest boots */
	HANDOVER_WAITING,  /* ... and it is ready: it must ask soon */
	HANDOVER_SENT,	   /* it asked; records sent, "adopted" due */
	HANDOVER_NSTATES
};

/*
 * A transport: how records reach a guest and how its conversation ends.
 * Both calls get the ctx given to handover_attach.
 *
 * send: hand n records (recs NULL when n is 0) to the guest in one
 *	piece (XenStore: conn/0..n-1, then count, which the guest watches; the
 *	socket: the lines and "count N").  0 when sent or under way, -1
 *	when it failed at once.  A failure found later is reported as
 *	handover_adopted(-1) or handover_broken.
 * close: the conversation is over (adopted, gave up, a deadline, a
 *	failure, the guest going down); `why' says which, for the log.
 *	Remove what is left of it (XenStore: the records, if still
 *	there) and, for a holding transport, let the guest onto the
 *	network (the process backend's veth plug, then the socket's
 *	close).  Called exactly once per handover_attach, also after a
 *	send that failed; the transport reports nothing after it.
 * holds: the guest is kept off the network while a stand-in holds its
 *	address (the process backend: its kernel would reset the held
 *	connections).  Then the deadlines to ask are short
 *	(HANDOVER_ASK_MS after readiness; with ready=tcp, which cannot
 *	succeed off the network, half the max-boot from handover_booting)
 *	and close is what lets it on.
 */
struct handover_transport {
	const char *name;
	int	    holds;
	int (*send)(void *ctx, const struct synrec *recs, size_t n);
	void (*close)(void *ctx, const char *why);
	/* ifname: the guest's port on its bridge, where what the stand-in
	 * kept for it after the hand-over is passed once it adopted; 0,
	 * or -1 if none (NULL: never; those frames are dropped). */
	int (*ifname)(void *ctx, char *buf, size_t len);
};

/*
 * Who stands in for a booting guest on the wire (synio.c in the daemon,
 * a fake in tests).  claim starts answering for b's address and returns
 * a handle (NULL and why in err if it cannot); handover stops answering
 * and returns the connections to hand over, *recs malloc'd (NULL if 0);
 * release forgets the handle.
 */
struct vm_standin {
	void *(*claim)(void *ctx, const struct binding *b, char *err,
	    size_t errlen);
	size_t (*handover)(void *ctx, void *claim, struct synrec **recs);
	void (*release)(void *ctx, void *claim);
	/* b is up at its MAC (vm.c, when it turns ready): see
	 * synio_announce.  May be NULL. */
	void (*announce)(void *ctx, const struct binding *b);
	/* The guest adopted: what was kept for it after handover goes to
	 * ifname (NULL: dropped), before release.  May be NULL. */
	void (*pass)(void *ctx, void *claim, const char *ifname);
	/* Every connection it holds has its client's request in (see
	 * synjitsu_settled): 1, else 0.  May be NULL (never). */
	int (*settled)(void *ctx, void *claim);
};

/* What every VM's hand-over shares (one per registry). */
struct handover;

struct handover_env {
	struct event_base	*base;
	const struct vm_standin *si; /* NULL: no Synjitsu */
	void			*sictx;
	struct metrics		*metrics;
	uint32_t		 grace_ms; /* HANDOVER_GRACE_MS */
	uint32_t		 ask_ms;   /* HANDOVER_ASK_MS */
	uint32_t		 adopt_ms; /* HANDOVER_ADOPT_MS */
	/* The summon's timeline (vm.c): a phase seen here, and the
	 * conversation over.  NULL: nobody keeps one. */
	void (*mark)(struct handover *, enum tl_phase);
	void (*over)(struct handover *);
};

/* One VM's hand-over; its fields are handover.c's. */
struct handover {
	struct handover_env		*env;
	const char			*name; /* the binding's, for logs */
	enum handover_state		 state;
	void				*claim;	   /* the stand-in's handle */
	uint64_t			 claim_ms; /* since, for the timeline */
	size_t				 sent;	/* records in the hand-over */
	struct event			*timer; /* the deadline running */
	const struct handover_transport *tr;	/* NULL: none attached */
	void				*trctx;
	int				 holding; /* tr keeps the guest off */
	const char			*early; /* sent before it asked: when */
};

/* handover_env_init: the defaults; si NULL (see handover_env_standin). */
void handover_env_init(struct handover_env *, struct event_base *,
    struct metrics *);
/* handover_init: an IDLE hand-over for the binding called `name'
 * (the string must outlive it).  0, or -1 out of memory. */
int  handover_init(struct handover *, struct handover_env *, const char *name);
/* handover_rename: its binding's name moved (a reload copied the
 * binding): the new string, which must outlive it too. */
void handover_rename(struct handover *, const char *name);
/* handover_free: drop the claim quietly; the transport is not called. */
void handover_free(struct handover *);

/* Calls from vm.c, which knows the VM's lifecycle. */
/*
 * handover_claim: a fresh build of b begins: stand in for it (IDLE ->
 * STANDING) if b has synjitsu on and the env has a stand-in.  A claim
 * already held (a retried build) is kept.  1 standing, 0 not.
 */
int  handover_claim(struct handover *, const struct binding *b);
/* handover_standing: the stand-in answers for the guest (a claim). */
int  handover_standing(const struct handover *);
/* handover_talking: a conversation with the guest is not over yet. */
int  handover_talking(const struct handover *);
/* handover_booting: the guest runs (built), readiness not yet known. */
void handover_booting(struct handover *, const struct binding *b);
/* handover_ready: the guest is ready: STANDING -> WAITING, a deadline. */
void handover_ready(struct handover *);
/* handover_end: the guest goes down: drop the claim (why logged), close. */
void handover_end(struct handover *, const char *why);

/* Calls from a backend. */
/*
 * handover_attach: the backend opened a channel to the guest (before it
 * runs); a channel still attached is replaced without a close.
 */
void handover_attach(struct handover *, const struct handover_transport *,
    void *ctx);
/* handover_asked: the guest listens and asks: the records are sent. */
void handover_asked(struct handover *);
/*
 * handover_unpaused: b's guest runs.  If its kernel takes records it
 * did not ask for (b->records_early) and every client held has sent its
 * request, the records are sent now, as if it asked.
 */
void handover_unpaused(struct handover *, const struct binding *b);
/*
 * handover_created: b's domain is made and not yet unpaused: the same,
 * so that the builder can write them before the guest runs.
 */
void handover_created(struct handover *, const struct binding *b);
/* handover_adopted: the guest took k (checked against what it was
 * sent); k < 0: it gave up.  The conversation is closed. */
void handover_adopted(struct handover *, int k);
/* handover_broken: the channel failed (why): over, closed. */
void handover_broken(struct handover *, const char *why);

const char *handover_state_name(enum handover_state);

/* vm.c */

enum vm_state {
	VM_STOPPED,
	VM_BUILDING, /* the backend builds the domain */
	VM_BOOTING,  /* running, not yet ready (readiness check armed) */
	VM_READY,
	VM_STOPPING,
	VM_PAUSED,
	VM_SUSPENDED,
	VM_NSTATES
};

enum vm_want {
	VM_WANT_READY,	 /* answer now */
	VM_WANT_WAIT,	 /* the waiter's callback will say */
	VM_WANT_FAIL,	 /* cannot be had: SERVFAIL */
	VM_WANT_STANDIN, /* booting, Synjitsu stands in: answer now */
};

struct vm;

/*
 * A query (or anything else) waiting for a VM to be ready.  The caller
 * owns the memory (it lives in the pending reply), so waiting allocates
 * nothing here.  cb runs once, with ok = 1 when the VM is ready, or 0
 * and a reason.
 */
struct vm_waiter {
	TAILQ_ENTRY(vm_waiter) entry;
	struct vm	      *vm; /* NULL once answered or cancelled */
	void (*cb)(void *arg, int ok, const char *why);
	void *arg;
};

/*
 * What a backend does for the lifecycle.  Calls that take time return 0
 * when started and report later through vm_backend_built (create,
 * restore), vm_backend_ready (watch_ready) and vm_backend_gone
 * (shutdown, destroy, suspend, or a crash); -1 means it failed at once,
 * with v->error set when there is more to say.  pause and unpause are
 * immediate.  traffic (optional) returns a counter that moves when the
 * VM's network does: the idle check's second witness.
 * Synjitsu is not here: a backend attaches its struct
 * handover_transport to v->ho and reports the guest's words to
 * handover.c.
 */
struct vm_backend {
	const char *name;
	/* create() reads no Synjitsu claim: vm.c claims after it. */
	int	    build_first;
	int (*create)(struct vm *, int paused);
	int (*restore)(struct vm *);
	int (*watch_ready)(struct vm *);
	int (*unpause)(struct vm *);
	int (*pause)(struct vm *);
	int (*shutdown)(struct vm *);
	int (*suspend)(struct vm *);
	int (*destroy)(struct vm *);
	void (*forget)(struct vm *);
	uint64_t (*traffic)(struct vm *);
};

#define VM_GRACE_MS	   5000	 /* shutdown's wait before destroy */
#define VM_STOP_TIMEOUT_MS 60000 /* then a stuck stop is retried */
#define VM_BUILD_ATTEMPTS  2	 /* a failed build is tried again once */

struct vms {
	struct event_base	*base;
	uint32_t		 grace_ms; /* VM_GRACE_MS */
	uint32_t		 stop_timeout_ms;
	const struct vm_backend *be;
	void			*bectx;
	struct handover_env	 ho; /* Synjitsu's, every VM's */
	struct metrics		*metrics;
	int			 builders; /* the backend's (Xen), or 0 */
	TAILQ_HEAD(, vm) all;
};

/* One binding's VM.  Backends keep their own state behind `priv'. */
/*
 * What a VM keeps of its summons, made at its first (vm_rec): most of
 * ten thousand bound names are never summoned, and need none of it.
 */
struct vm_rec {
	char		    error[160]; /* last failure */
	struct timeline	    tl;		/* the last summon's phases */
	struct metrics_hist boots;	/* query -> ready, each summon */
};

struct vm {
	struct vms	 *vs;
	TAILQ_ENTRY(vm)	  entry;
	struct binding	  b;
	struct binding	 *next_b; /* from a reload, once down; NULL: none */
	enum vm_state	  state;
	uint64_t	  since_ms;  /* entered `state' */
	uint64_t	  summon_ms; /* first query of this boot */
	uint64_t	  used_ms;   /* last query or traffic */
	uint64_t	  traffic;
	int		  domid; /* -1 when none */
	int		  restoring, warming, removed, seen;
	int		  attempts; /* builds of this summon */
	enum binding_stop stopping_mode;
	struct vm_rec	 *rec; /* NULL until a first summon: vm_rec */
	TAILQ_HEAD(, vm_waiter) waiters;
	struct event   *timer; /* build/boot/stop deadline */
	struct event   *idle;
	struct handover ho;    /* Synjitsu's hand-over */
	struct probe   *probe; /* ready=tcp, vm_probe_start */
	int		tl_logged;
	int		builder; /* Xen: 1..N, ran its last build; 0: none */
	void	       *priv;
};

/*
 * vm_rec: v's record for writing, made when first needed (fatal when
 * memory is out, as every allocation of the lifecycle is).
 */
static inline struct vm_rec *
vm_rec(struct vm *v)
{
	if (v->rec == NULL && (v->rec = calloc(1, sizeof(*v->rec))) == NULL)
		fatalx("vm_rec: out of memory");
	return v->rec;
}

/* vm_rec_peek: v's record for reading: an empty one if it has none. */
static inline const struct vm_rec *
vm_rec_peek(const struct vm *v)
{
	static const struct vm_rec none;

	return v->rec != NULL ? v->rec : &none;
}

/* vms_new: an empty registry driving backend `be' in `base'. */
struct vms *vms_new(struct event_base *base, const struct vm_backend *be,
    void *bectx, struct metrics *);
void	    vms_free(struct vms *);

/* vms_standin: let si stand in for bindings with synjitsu on. */
void vms_standin(struct vms *, const struct vm_standin *si, void *ctx);

/* What vms_sync did, for a reload to report. */
struct vms_sync_report {
	size_t added;	/* names new to the registry */
	size_t removed; /* gone from the zones (stopped first if running) */
	size_t changed; /* a new binding, taken at once (not running) */
	size_t later;	/* ... taken once the running guest stops */
};

/*
 * vms_sync: match the registry to the bindings of `zs' (see vm.c); what
 * it did into *r (NULL: not wanted).
 */
void vms_sync(struct vms *, const struct zone_set *zs,
    struct vms_sync_report *r);

/* vms_warm: build every warm binding's domain, paused. */
void vms_warm(struct vms *);

/* vm_find: the VM of a binding by name (case-insensitive), or NULL. */
struct vm *vm_find(struct vms *, const char *name);

/*
 * vm_want: a query needs binding b's VM.  READY: answer now.  WAIT: w
 * (if not NULL) is queued and its callback runs when the summon settles;
 * a stopped VM is summoned, and every query for it joins the one summon.
 * FAIL: the summon could not even start.
 */
enum vm_want vm_want(struct vms *, const struct binding *b,
    struct vm_waiter *w);
/*
 * vm_join: queue w on a summon under way (after vm_want said WAIT with
 * no waiter), so the caller allocates only when it must wait.  -1 when
 * no summon is under way.
 */
int  vm_join(struct vms *, const struct binding *b, struct vm_waiter *w);
/* vm_waiter_cancel: forget w (its query gave up); safe if answered. */
void vm_waiter_cancel(struct vm_waiter *w);

/* vm_touch: the name was used: postpone its idle stop. */
void vm_touch(struct vms *, const char *name);

/* jitsuctl start/stop: 0, or -1 with the reason in err. */
int vm_start(struct vms *, const char *name, char *err, size_t errlen);
int vm_stop(struct vms *, const char *name, char *err, size_t errlen);

const char *vm_state_name(enum vm_state);
uint64_t    vm_now_ms(void); /* CLOCK_MONOTONIC, in ms */

/*
 * vm_probe_start: the readiness probe of ready=tcp, for a backend's
 * watch_ready: connect to the binding's IPv4 address and ready-port
 * from vs->base until it answers, then vm_backend_ready(v).  A probe
 * already running is replaced; it stops by itself when the VM leaves
 * BOOTING.  0, or -1 (v->error says why when there is more to say).
 * vm_probe_stop cancels it; safe when none runs.
 */
int  vm_probe_start(struct vm *);
void vm_probe_stop(struct vm *);

/* Backend reports, see struct vm_backend. */
void vm_backend_built(struct vm *, int ok, const char *why);
void vm_backend_ready(struct vm *);
/* why NULL: it went as asked (stop, suspend); else the crash reason. */
void vm_backend_gone(struct vm *, const char *why);
/* At start-up: a running domain `name' already exists; take it over. */
void vm_backend_adopted(struct vms *, const char *name, int domid);
/*
 * vm_backend_phase: phase p of the summon under way happened at now_ms
 * (vm_now_ms(), taken where it was seen, any thread).  Only what the
 * backend really observed: see timeline.c's phases.
 */
void vm_backend_phase(struct vm *, enum tl_phase p, uint64_t now_ms);

/* netlink.c */

#define NL_MSG_MAX 512

/*
 * An rtnetlink request being built, 4-byte aligned as netlink wants.
 * The nl_msg_* builders fill it completely (nlmsghdr included, seq 0:
 * nl_request sets it) and return 0, or -1 when it would not fit.
 */
struct nl_msg {
	size_t	 len;
	uint32_t buf[NL_MSG_MAX / 4];
};

/*
 * A veth pair: `name' stays in the caller's namespace, enslaved to
 * bridge `master' (ifindex, 0: none) and brought up unless `down';
 * `peer' is created directly in the network namespace of process
 * `peer_pid'.
 */
struct nl_veth {
	const char    *name;
	const uint8_t *mac; /* host end's, or NULL: random */
	int	       master;
	int	       down; /* leave `name' down */
	const char    *peer;
	const uint8_t *peer_mac; /* or NULL */
	int	       peer_pid;
};

/* What nl_link_get reports of a link. */
struct nl_link {
	int	     index;
	unsigned int flags; /* ifi_flags: IFF_UP, IFF_LOWER_UP, ... */
	uint64_t     rx_bytes, tx_bytes;
};

/* What nl_neigh_get reports of an IPv4 neighbour. */
struct nl_neigh {
	int	       ifindex;
	struct in_addr ip;
	uint16_t       state; /* NUD_*; 0 when it has no link address */
	uint8_t	       mac[6];
};

/* Builders, pure: tests compare their bytes. */
int nl_msg_veth(struct nl_msg *, const struct nl_veth *);
/* RTM_GETNEIGH of ip on ifindex (> 0): one entry, not a dump. */
int nl_msg_neigh4(struct nl_msg *, int ifindex, struct in_addr ip);
/* RTM_NEWADDR: addr (4 or 16 bytes by family)/prefixlen on ifindex. */
int nl_msg_addr(struct nl_msg *, int ifindex, int family, const void *addr,
    unsigned int prefixlen);
/* RTM_NEWROUTE: the IPv4 default route via gw out of ifindex. */
int nl_msg_route4(struct nl_msg *, int ifindex, struct in_addr gw);
/* RTM_NEWLINK setting IFF_UP on ifindex. */
int nl_msg_link_up(struct nl_msg *, int ifindex);
/*
 * RTM_NEWLINK enslaving ifindex to bridge `master' and setting IFF_UP,
 * one request (the kernel sets the master before the flags).
 */
int nl_msg_link_plug(struct nl_msg *, int ifindex, int master);
/* RTM_GETLINK or RTM_DELLINK of ifindex, or of `name' when index is 0. */
int nl_msg_link(struct nl_msg *, uint16_t type, int ifindex, const char *name);

/*
 * Parsers of one reply message (nlmsghdr included), pure; every length
 * is checked.  nl_parse_link: an RTM_NEWLINK into *l, 0 or -1.
 * nl_parse_addr4: an RTM_NEWADDR; 1 with *addr and *plen when it is an
 * IPv4 address of ifindex, 0 when another one, -1 when malformed.
 */
int nl_parse_link(const void *msg, size_t len, struct nl_link *l);
int nl_parse_addr4(const void *msg, size_t len, int ifindex,
    struct in_addr *addr, unsigned int *plen);
/* nl_parse_neigh: an RTM_NEWNEIGH (IPv4) into *n, 0 or -1. */
int nl_parse_neigh(const void *msg, size_t len, struct nl_neigh *n);

/*
 * The socket side.  An rtnetlink request is carried out by the kernel
 * inside sendmsg(), so its answer is queued when send returns: these
 * calls do not wait on anything but the kernel (bounded by a 1 s
 * receive timeout).  All return -1 with errno set on failure.
 */
int nl_open(void);
int nl_request(int fd, struct nl_msg *); /* send, wait for the ack */
int nl_veth_add(int fd, const struct nl_veth *);
int nl_link_get(int fd, int ifindex, const char *name, struct nl_link *);
int nl_link_del(int fd, int ifindex);
int nl_link_up(int fd, int ifindex);
int nl_link_plug(int fd, int ifindex, int master);
int nl_addr_add(int fd, int ifindex, int family, const void *addr,
    unsigned int prefixlen);
int nl_route4_add(int fd, int ifindex, struct in_addr gw);
/*
 * nl_addr4_find: an IPv4 address of ifindex inside net/plen into
 * *found: 1 when there is one, 0 when not, -1 on error.
 */
int nl_addr4_find(int fd, int ifindex, struct in_addr net, unsigned int plen,
    struct in_addr *found);
/*
 * nl_neigh_get: the kernel's neighbour entry for ip on ifindex into *n:
 * 1 when it has one with a link address, 0 when not, -1 on error.
 */
int nl_neigh_get(int fd, int ifindex, struct in_addr ip, struct nl_neigh *n);
/*
 * nl_no_ipv6: no IPv6 on ifname (in the caller's network namespace): a
 * bridge port or a guest's link that needs none.  0 as well when the
 * kernel has no IPv6 (or no such link); -1 with errno otherwise.
 */
int nl_no_ipv6(const char *ifname);

/* probe.c */

#define PROBE_INTERVAL_MS 25  /* between two connect attempts */
#define PROBE_ATTEMPT_MS  100 /* a pending connect is given up */

struct probe;

/*
 * probe_start: try a non-blocking TCP connect to `sa' from base's loop
 * every PROBE_INTERVAL_MS until one succeeds; then close it, free the
 * probe and call cb(arg), once.  cb never runs from inside probe_start.
 * NULL (and nothing started) when out of memory.  It never gives up by
 * itself: the caller's deadline cancels it.
 */
struct probe *probe_start(struct event_base *, const struct sockaddr *sa,
    socklen_t salen, void (*cb)(void *), void *arg);
/* probe_cancel: stop and free a probe whose cb has not run; NULL is ok. */
void	      probe_cancel(struct probe *);
/* probe_attempts: connects tried so far. */
unsigned int  probe_attempts(const struct probe *);

/* proc.c, proc_adopt.c (internals: proc.h) */

#define PROC_PATH_MAX 256

/*
 * The process backend (proc_backend) runs a binding's kernel= as a
 * child process in its own network namespace: eth0 there carries the
 * binding's MAC, IPv4 (/PROC_PREFIX4), IPv6 (/PROC_PREFIX6), a default
 * route via the bridge's own address in that /24 (if it has one), and
 * is the peer of host veth proc_util_veth_name(name) on bridge= .  The
 * guest gets argv { kernel, cmdline words... }, the environment JITSU_NAME,
 * JITSU_IP, JITSU_IP6, JITSU_GW, JITSU_MAC, JITSU_READY_FD=3 and PATH,
 * its console in <logdir>/<name>.log, and <statedir>/<name>.pid lets a
 * restarted jitsud adopt it.  For ready=xenstore the guest writes
 * anything to fd 3 once it serves.
 *
 * Synjitsu (synjitsu=on, a fresh create, not a warm one): the guest
 * also gets JITSU_SYNJITSU_FD=4, its end of a unix stream socket, and
 * while jitsud stands in for its address the host veth stays down and
 * off the bridge, so that the guest's kernel never sees (and resets) a
 * segment of a connection jitsud holds.  The guest says "ready\n" once
 * it listens; jitsud answers with a synrec line per connection and
 * "count N\n"; the guest answers "adopted K\n".  The veth is plugged
 * into the bridge then, or when the socket closes, when the hand-over
 * takes HANDOVER_ADOPT_MS, or when the guest does not ask within
 * HANDOVER_ASK_MS of its readiness (handover.c's deadlines; the socket
 * transport is proc_sock.c).  The backend's internals are in proc.h.
 */
struct proc_conf {
	char logdir[PROC_PATH_MAX];
	char statedir[PROC_PATH_MAX];
};

extern const struct vm_backend proc_backend;

/*
 * proc_init: make both folders, open the rtnetlink socket and catch
 * SIGCHLD in base; the context goes into vs->bectx (vs is made with
 * proc_backend and a NULL context).  -1 with a warning logged on error.
 */
int  proc_init(struct event_base *, struct vms *, const struct proc_conf *);
/* proc_adopt: after vms_sync, take over the guests a previous jitsud
 * left running (their pidfiles checked against /proc). */
void proc_adopt(struct vms *);
/* proc_end: free the backend's memory; the guests keep running. */
void proc_end(struct vms *);

/* broker.c */

/*
 * conduit(7)'s broker (Xen only): XenStore requests of domains and
 * connects of Dom0 programs, answered by conduit.c's rendezvous.
 * broker_open: NULL without XenStore (logged; conduit is then off).
 */
struct broker;
struct broker *broker_open(struct event_base *, struct vms *, struct metrics *);
/*
 * broker_filled: a domain shell was filled (xl_on_fill), in its
 * builder's thread: its requests are watched from now on.
 */
void	       broker_filled(void *broker, uint32_t domid);
/*
 * broker_connect: Dom0's request for `name'; reply(arg, value) gets
 * conduit(7)'s answer ("ok S PATH", "error REASON", "closed"), maybe at
 * once.  The request's id into id[CONDUIT_ID_MAX + 1].  0, or -1 out of
 * memory.  broker_disconnect ends it (reply is not called again).
 */
int	       broker_connect(struct broker *, const char	 *name,
	       void (*reply)(void *arg, const char *value), void *arg, char *id);
void	       broker_disconnect(struct broker *, const char *id);
/* broker_count: requests held (NULL: 0), and how many of them pend. */
size_t	       broker_count(const struct broker *, size_t *pending);

/* chan.c */

struct chan;

/*
 * chan_new: a channel whose messages are handled, in order, by
 * handler(msg, arg) in the thread that runs `base'.  chan_send may be
 * called from any thread; the message (heap memory) then belongs to the
 * handler.  chan_free drops what is still queued with drop(msg).
 */
struct chan *chan_new(struct event_base *base,
    void (*handler)(void *msg, void *arg), void *arg);
int	     chan_send(struct chan *, void *msg);
/* chan_pending: are messages waiting (any thread may ask)? */
int	     chan_pending(struct chan *);
void	     chan_free(struct chan *, void (*drop)(void *msg));

/*
 * chan_take: the first queued message match(msg, arg) accepts, taken
 * out of the queue before its turn (NULL: none); for the receiving
 * thread, which then handles it itself.
 */
void *chan_take(struct chan *, int (*match)(const void *msg, const void *arg),
    const void *arg);

/* xl.c */

/*
 * The Xen backend (libxl).  xl_init: the conf's `builders' builder
 * threads (xl_builders), each with its libxl context, reporting to
 * base's loop; jitsud owns SIGCHLD and hands it to libxl.  -1 when this
 * is not a Xen dom0.  xl_adopt: take over the running domains named
 * like a binding (after a restart).  xl_fini: let go of libxl; the
 * domains run on.  xl_builders: how many builders a conf asks for, its
 * default resolved (one per online CPU, at most 4).  xl_pool: the
 * builders keep domain shells ready for the shapes zs uses (after the
 * zones are loaded or reloaded; `shells' and `shell-memory' are the
 * conf's at start).  xl_on_fill: fn(arg, domid) in a builder's thread
 * after each of its fills (broker_filled).
 */
extern const struct vm_backend xl_backend;
int  xl_init(struct event_base *, struct vms *, const struct conf *);
void xl_pool(const struct zone_set *);
void xl_on_fill(void (*fn)(void *, uint32_t), void *arg);
void xl_adopt(struct vms *);
void xl_fini(void);
int  xl_builders(const struct conf *);

/* synio.c -- Synjitsu's AF_PACKET glue over synjitsu.c's logic */
struct synio;
struct synio_claim;

/* bridge_gw: the guests route through their bridge's address, as the
 * process backend's do (proc.c); else by their jitsu.gw=.  synio.c. */
struct synio	   *synio_new(struct event_base *, int bridge_gw);
void		    synio_free(struct synio *);
/*
 * synio_claim: stand in for binding b (its ip, mac, ports and bridge):
 * opens (or shares) a promiscuous packet socket on the bridge, sends a
 * gratuitous ARP, and from then on answers for the guest.  NULL and why
 * in err: no ip= or ports=, no such bridge, no CAP_NET_RAW.
 */
/*
 * synio_announce: a gratuitous ARP for b's address at b's MAC, sent from
 * b's bridge device (which learns nothing from it), for clients whose
 * ARP entry still names an earlier MAC.  -1 (errno) if it cannot be sent.
 */
int		    synio_announce(struct synio *, const struct binding *b);
struct synio_claim *synio_claim(struct synio *, const struct binding *b,
    char *err, size_t errlen);
/*
 * synio_handover: freeze the claim (no connection is answered any more;
 * ARP still is, and TCP for the guest is kept) and return its
 * established connections as records in *recs (malloc'd, NULL if
 * none).  Then synio_pass, or synio_release alone.
 */
size_t		    synio_handover(struct synio_claim *, struct synrec **recs);
/* synio_settled: synjitsu_settled of the claim's connections. */
int		    synio_settled(const struct synio_claim *);
/*
 * synio_pass: the guest has adopted and is on the wire at ifname: the
 * frames kept for it since synio_handover go there (NULL: nowhere to
 * send them; they are dropped).  Then synio_release.
 */
void		    synio_pass(struct synio_claim *, const char *ifname);
void		    synio_release(struct synio *, struct synio_claim *);
/* synio_stats: every claim's counters, past ones included, summed. */
void		    synio_stats(const struct synio *, struct synjitsu_stats *);

/* jitsud.c */

/* The daemon: its loop, configuration, zones, sockets and counters. */
struct jitsud {
	struct event_base    *base;
	struct conf	      conf;
	struct zone_set	     *zones;
	struct server_list   *servers;
	struct vms	     *vms;
	struct broker	     *broker; /* conduit's; NULL: off */
	struct control	     *control;
	struct metrics_http  *mhttp;	   /* NULL: no metrics listen */
	struct forwarder     *fwd;	   /* NULL: REFUSED */
	struct forwarder_list fwd_retired; /* after a reload */
	struct metrics	      metrics;
	struct synio	     *synio;	  /* Synjitsu's wire */
	struct rrl	     *rrl;	  /* UDP replies' rate limit */
	uint64_t	      started_ms; /* vm_now_ms() at start */
	/* jitsud_reload, for the control socket: 0, or -1 and why. */
	int (*reload)(struct jitsud *, char *err, size_t errlen);
	/*
	 * Query and reply buffers, reused for every UDP datagram and TCP
	 * message: the answer path allocates nothing.
	 */
	uint8_t query[DNS_TCP_MAX];
	uint8_t reply[DNS_TCP_MAX];
};

/* forward.c */

/*
 * forward_new: a forwarder to `upstream'; each query goes up from a
 * socket of its own (UDP, or TCP for a query that came over TCP).
 * NULL when out of memory.
 */
struct forwarder *forward_new(struct event_base *,
    const struct conf_addr *upstream);
/* forward_free: close it; callers have cancelled their queries first. */
void		  forward_free(struct forwarder *);
/*
 * forward_retire: free it once its queries in flight are over (after
 * the timeout), for a reload that changes the upstream; until then it
 * sits on `retired', which forward_free_retired empties at exit.
 */
void forward_retire(struct forwarder_list *retired, struct forwarder *);
void forward_free_retired(struct forwarder_list *);

/*
 * forward_query: send query q (len bytes, header and question in the
 * first qend) upstream over UDP or TCP under a fresh random ID.  cb runs
 * once: with the answer (its ID set back to the client's) when one with
 * our ID and the very same question arrives, or with NULL after a
 * timeout or an error; fq is freed after cb returns.  NULL if the query
 * cannot be sent.
 */
struct fwd_query *forward_query(struct forwarder *, const uint8_t *q,
    size_t len, size_t qend, int tcp,
    void (*cb)(void *arg, const uint8_t *reply, size_t len), void *arg);
/* forward_cancel: forget a query whose client went away. */
void		  forward_cancel(struct fwd_query *);

/* store.c */

#define STORE_PATH_MAX	256
#define STORE_VALUE_MAX 64

struct store;
struct store_watch;

/* store_open: a XenStore connection polled by base's loop; NULL if none. */
struct store	   *store_open(struct event_base *);
void		    store_close(struct store *);
/*
 * store_watch: call cb(arg) once, when `path' holds exactly `want'
 * (at once if it already does), or any value at all if want is "".  The
 * watch is gone when cb runs.  NULL if the watch cannot be set.
 */
struct store_watch *store_watch(struct store *, const char *path,
    const char *want, void (*cb)(void *), void *arg);
/*
 * store_follow: call cb(path, arg) for every event of a watch on `path'
 * (the node or anything below it; once at once, as XenStore fires every
 * new watch), with the event's path, until store_unwatch.  cb may
 * unwatch it.
 */
struct store_watch *store_follow(struct store *, const char *path,
    void (*cb)(const char *path, void *arg), void	    *arg);
/* store_unwatch: cancel a watch whose cb has not run; NULL is ok. */
void		    store_unwatch(struct store_watch *);
/* store_write: 0, or -1 with a warning logged. */
int	store_write(struct store *, const char *path, const char *value);
/* store_read: path's value, NUL-terminated, into buf; 0, or -1. */
int	store_read(struct store *, const char *path, char *buf, size_t size);
/*
 * store_get: path's value, cut to fit and NUL-terminated, into buf; its
 * whole length, or -1 when it cannot be read (absent, or not ours).
 */
ssize_t store_get(struct store *, const char *path, char *buf, size_t size);
/* store_list: path's children (one block: free it), NULL if none. */
char  **store_list(struct store *, const char *path, unsigned int *n);
/* store_introduced: does xenstored still know domain domid? */
int	store_introduced(struct store *, unsigned int domid);
/* store_rm: remove path and everything below it; 0, or -1 logged. */
int	store_rm(struct store *, const char *path);
/*
 * store_private_dir: make the folder path readable and writable by dom0
 * and domain domid only (dom0 owns it; no one else may even read it).
 * 0, or -1 logged.
 */
int	store_private_dir(struct store *, const char *path, int domid);
/*
 * store_write_seq: write n values under dir (dir/keys[i] = values[i]) in
 * that order, no transaction: a reader watching the last key sees the
 * others when it fires.  One round trip where xenstored has a socket
 * (store_wire.c).  0, or -1 (logged) with some of them written.
 */
int store_write_seq(struct store *, const char *dir, const char *const *keys,
    const char *const *values, size_t n);

/* One folder for store_make_dirs. */
struct store_dir {
	const char	  *path;
	unsigned int	   owner;  /* may do anything; the others nothing */
	unsigned int	   reader; /* may read it too */
	const char *const *keys;
	const char *const *values;
	size_t		   n;
};
/*
 * store_make_dirs: n folders made afresh (whatever was there removed),
 * each with its owner and reader and its keys, all in one transaction
 * retried while XenStore reports a conflict: nobody watching ever sees
 * one without the others.  0, or -1 logged.
 */
int store_make_dirs(struct store *, const struct store_dir *, size_t n);
/*
 * store_write_dirs: the keys of n folders written, folder by folder, as
 * store_write_seq does (their owner and reader are not looked at).
 */
int store_write_dirs(struct store *, const struct store_dir *, size_t n);

/* Who may do what to a node of store_make_nodes (libxl's three sets). */
enum store_perm {
	STORE_INHERIT,	/* as its parent folder (no permissions set) */
	STORE_DOM0,	/* dom0 only */
	STORE_GUEST_RO, /* dom0 owns it; the guest may read it */
	STORE_GUEST_RW, /* the guest owns it */
	STORE_SHARED,	/* dom0 owns it; the guest may read and write it */
	STORE_FRONTEND	/* the guest owns it; dom0, its backend, reads */
};

/* One node for store_make_nodes. */
struct store_node {
	char		path[STORE_PATH_MAX];
	char		value[STORE_PATH_MAX];
	enum store_perm perm;
	int		fresh; /* remove whatever was there first */
};
/*
 * store_make_nodes: n nodes written in order (folders are nodes with an
 * empty value), with their permissions for guest domid, in one
 * transaction retried while XenStore reports a conflict.  0, or -1
 * logged.
 */
int store_make_nodes(struct store *, uint32_t domid, const struct store_node *,
    size_t n);
/*
 * store_put_nodes: the same without a transaction, in one round trip
 * where xenstored has a socket: in order, so that a reader watching the
 * last node finds the others.  0, or -1 logged (some may be written).
 */
int store_put_nodes(struct store *, uint32_t domid, const struct store_node *,
    size_t n);
/*
 * One operation of store_apply: write path = value (and, with nperms,
 * set its permissions: the first entry is the owner and everyone else's
 * access; letters 'n', 'r', 'w', 'b' as xenstore-ls shows them), or
 * remove path and everything below it.
 */
#define STORE_OP_PERMS 3
struct store_op {
	int	    rm;
	int	    perms_only; /* permissions set, the value left as it is */
	const char *path;
	const char *value;
	struct {
		unsigned int domid;
		char	     perm;
	} perms[STORE_OP_PERMS];
	size_t nperms;
};
/* store_apply: the n operations in one transaction (retried); 0, -1. */
int store_apply(struct store *, const struct store_op *, size_t n);
/*
 * store_introduce: tell xenstored that domain domid's ring is at guest
 * frame mfn and its event channel is port (xenstored then fires
 * @introduceDomain).  0, or -1 logged.
 */
int store_introduce(struct store *, uint32_t domid, unsigned long mfn,
    unsigned int port);

/* control.c */

/*
 * control_open: listen for jitsuctl on the Unix socket `path' (mode
 * 0600; a stale socket file is replaced, a live one is not).  NULL if
 * it cannot.
 */
struct control *control_open(struct jitsud *, const char *path);

/* metrics_http.c */

/*
 * metrics_http_open: serve GET /metrics on `a' over HTTP, the text
 * render(arg, fp) writes at each scrape.  NULL, with a warning, if it
 * cannot listen there.
 */
struct metrics_http *metrics_http_open(struct event_base *,
    const struct conf_addr *a, void (*render)(void *arg, FILE *fp), void *arg);
/* metrics_http_close: stop serving, drop the clients; NULL is fine. */
void		     metrics_http_close(struct metrics_http *);
/* control_close: drop every client, close and remove the socket. */
void		     control_close(struct control *);

/* server.c */

/*
 * server_open: a UDP or TCP DNS listener on `a', answering from
 * env->zones in env->base's loop.  NULL (and a warning logged) if the
 * socket cannot be bound.
 */
struct server *server_open(struct jitsud *env, const struct conf_addr *a,
    int tcp);
/* server_close: close the socket and every TCP client of it. */
void	       server_close(struct server *);
/* server_tcp_backlog: reply bytes queued for s's TCP clients, not yet
 * taken by the kernel. */
size_t	       server_tcp_backlog(const struct server *s);

/*
 * servers_open: UDP and TCP listeners for every address of `conf'; all
 * or nothing (NULL, nothing left open, when one fails).
 */
struct server_list *servers_open(struct jitsud *, const struct conf *, int);
/* servers_close: close every listener of the list and free it. */
void		    servers_close(struct server_list *);

/* server_addr_str: "192.0.2.1:53" or "[2001:db8::1]:53" into buf. */
const char *server_addr_str(const struct conf_addr *, char *buf, size_t len);

#endif /* JITSUD_H */
