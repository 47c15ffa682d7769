/* broker.h -- conduit's broker inside: its two threads' messages */
#ifndef BROKER_H
#define BROKER_H

#include "conduit.h"
#include "jitsud.h"

/*
 * conduit(7)'s rendezvous runs in two threads that share nothing but
 * these messages (chan.c):
 *
 *	main thread			XenStore thread
 *	conduit.c: the rendezvous	brokers.c: watches, reads and
 *	broker.c: summons, timers,   --cmd-->	transactions, on a XenStore
 *	  control clients, glue      <--rep--	connection of its own
 *
 * The main thread never waits for xenstored (a busy xenstored during a
 * burst of builds must not delay a DNS answer); the XenStore thread
 * decides nothing: it reports what a watch saw and carries out what the
 * rendezvous emitted, one transaction per call into conduit.c.
 */

/* One XenStore operation of conduit.c's, copied (store_op's strings). */
struct broker_op {
	int		    rm;
	int		    perms_only; /* the value is left as it is */
	char		    path[CONDUIT_PATH_MAX];
	char		    value[CONDUIT_VALUE_MAX];
	struct conduit_perm perms[STORE_OP_PERMS];
	size_t		    nperms;
};

enum broker_cmd_kind {
	BROKER_C_OPS,	 /* one transaction */
	BROKER_C_SWEEP,	 /* report the requests there are (BROKER_R_STALE) */
	BROKER_C_WATCH,	 /* then watch: domains, their requests, channels */
	BROKER_C_DOMAIN, /* domid is a guest now: watch its requests */
};

/* main (or a builder: BROKER_C_DOMAIN) -> XenStore thread */
struct broker_cmd {
	enum broker_cmd_kind kind;
	uint32_t	     domid; /* BROKER_C_DOMAIN */
	size_t		     n;	    /* BROKER_C_OPS */
	struct broker_op     ops[];
};

enum broker_rep_kind {
	BROKER_R_STALE,	  /* domid's requests at start: ids */
	BROKER_R_SWEPT,	  /* the last of them was reported */
	BROKER_R_REQUEST, /* domid's request id is value, or gone */
	BROKER_R_DIR,	  /* domid's data/conduit listed: ids, replies */
	BROKER_R_CHAN,	  /* what channel `chan' holds */
	BROKER_R_GONE,	  /* domain domid went */
};

/* A value read from a request: one byte more than any good one. */
#define BROKER_VALUE_MAX (CONDUIT_REQUEST_MAX + 1)

/* One request read in full, for BROKER_R_REQUEST and _DIR. */
struct broker_req {
	char   id[CONDUIT_ID_MAX + 1];
	int    present;
	size_t len; /* cut to BROKER_VALUE_MAX: still too long */
	char   value[BROKER_VALUE_MAX + 1];
};

/* XenStore thread -> main */
struct broker_rep {
	enum broker_rep_kind kind;
	unsigned	     domid;
	uint32_t	     chan;		       /* _CHAN */
	int		     exists, ring_ref, evtchn; /* _CHAN */
	struct broker_req    req;		       /* _REQUEST */
	/* _STALE: ids; _DIR: ids, each with its request if it has no
	 * reply yet (then read), and the replies' ids. */
	size_t		     nids, nreplies;
	struct broker_req   *ids;
	char (*replies)[CONDUIT_ID_MAX + 1];
};

void broker_rep_free(void *);

/* brokers.c: the XenStore thread; NULL without XenStore. */
struct brokers;
struct brokers *brokers_start(struct chan *reps);
/* brokers_send: a command for the thread (it owns it from now on). */
int		brokers_send(struct brokers *, struct broker_cmd *);

#endif /* BROKER_H */
