/* store_int.h -- store.c's batches of XenStore requests, store_wire.c's socket */
#ifndef STORE_INT_H
#define STORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "jitsud.h"

/*
 * A batch: the requests of one store_* call, made first and then carried
 * out either through libxenstore, one round trip each, or over a socket
 * of our own to xenstored, all sent before the first reply is read
 * (store_wire.c says why).  Paths and values point at the caller's
 * strings or at the batch's text.
 */
enum store_req_type {
	STORE_REQ_RM,	 /* path and everything below; ENOENT is no error */
	STORE_REQ_MKDIR, /* an empty node, unless there is one */
	STORE_REQ_WRITE, /* path = value */
	STORE_REQ_PERMS	 /* path's permission list */
};

struct store_perm_ent {
	unsigned int domid;
	char	     perm; /* 'n', 'r', 'w', 'b', as xenstore-ls shows them */
};

struct store_req {
	enum store_req_type   type;
	const char	     *path;
	const char	     *value;
	struct store_perm_ent perms[STORE_OP_PERMS];
	unsigned int	      nperms;
};

#define STORE_BATCH_REQS 128
#define STORE_BATCH_TEXT 16384

struct store_batch {
	struct store_req req[STORE_BATCH_REQS];
	size_t		 n;
	char		 text[STORE_BATCH_TEXT];
	size_t		 used;
	int		 overflow; /* a request or a path did not fit */
};

struct store_wire;

/* The socket's path: $XENSTORED_PATH, else xenstored's own. */
const char	  *store_wire_path(void);
/* store_wire_open: a connection to path; NULL (errno) if none. */
struct store_wire *store_wire_open(const char *path);
void		   store_wire_close(struct store_wire *);
/*
 * store_wire_encode: request r as a message of XenStore's wire protocol
 * (header, then the payload) into buf, with request id and transaction
 * tx; its length, or -1 if it does not fit in len or in the protocol's
 * payload.
 */
ssize_t store_wire_encode(const struct store_req *r, uint32_t id, uint32_t tx,
    char *buf, size_t len);
/*
 * store_wire_errno: the errno an XS_ERROR reply's payload names (EIO for
 * one unknown).
 */
int	store_wire_errno(const char *payload, size_t len);
/*
 * store_wire_run: the batch over w, in a transaction if transact.  0;
 * -1 with errno, xenstored's answer to the first request that failed
 * (EAGAIN: the transaction met a conflict, run it again); or
 * STORE_WIRE_LOST with errno if the connection failed (close it).
 */
#define STORE_WIRE_LOST (-2)
int store_wire_run(struct store_wire *, const struct store_batch *,
    int transact);

#endif /* STORE_INT_H */
