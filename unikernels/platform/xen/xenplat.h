/* xenplat.h -- internals shared by the Xen drivers (x86 PVH and PV, ARM) */
#ifndef XENPLAT_H
#define XENPLAT_H

#include "libuk.h"

#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/sched.h>
#include <xen/io/console.h>
#include <xen/io/xs_wire.h>
#include <xen/grant_table.h>

/*
 * What the boot binding (platform/xen-pvh/pvh.c, platform/xen-pv/pv.c)
 * discovered and hands to the drivers before calling xen_main().  PVH
 * finds the rings through HVM parameters, PV in its start_info: the
 * drivers do not care.
 */
struct xenplat {
	shared_info_t *shared_info;
	struct xencons_interface *cons;
	evtchn_port_t cons_port;
	struct xenstore_domain_interface *store;
	evtchn_port_t store_port;
	const char *cmdline;
};
extern struct xenplat xenplat;

/*
 * The architecture's half (platform/xen-x86/xenarch.h for PVH and PV,
 * platform/xen-arm64/xenarch.h, platform/xen-arm32/xenarch.h): how a
 * hypercall is made, the barriers rings need, and how a wait sleeps
 * until its deadline.  Each provides
 * xen_hypercall3(op, a1, a2, a3) returning Xen's result, xen_rmb(),
 * xen_wmb(), xen_mb() and xen_upcalls_off().
 */
#include "xenarch.h"

static inline long
xen_sched_op(int cmd, void *arg)
{
	return xen_hypercall3(__HYPERVISOR_sched_op, (unsigned long)cmd,
	    (unsigned long)arg, 0);
}

static inline long
xen_event_channel_op(int cmd, void *arg)
{
	return xen_hypercall3(__HYPERVISOR_event_channel_op, (unsigned long)cmd,
	    (unsigned long)arg, 0);
}

static inline long
xen_memory_op(int cmd, void *arg)
{
	return xen_hypercall3(__HYPERVISOR_memory_op, (unsigned long)cmd,
	    (unsigned long)arg, 0);
}

static inline long
xen_hvm_op(int cmd, void *arg)
{
	return xen_hypercall3(__HYPERVISOR_hvm_op, (unsigned long)cmd,
	    (unsigned long)arg, 0);
}

static inline long
xen_grant_table_op(unsigned int cmd, void *arg, unsigned int count)
{
	return xen_hypercall3(__HYPERVISOR_grant_table_op, cmd,
	    (unsigned long)arg, count);
}

static inline long
xen_console_io(int cmd, unsigned long len, const char *buf)
{
	return xen_hypercall3(__HYPERVISOR_console_io, (unsigned long)cmd, len,
	    (unsigned long)(uintptr_t)buf);
}

static inline uint32_t
xen_load_idx(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void
xen_store_idx(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* xen.c */
void xen_main(void) UK_NORETURN;
/* Raw hypervisor shutdown, for when nothing else can be trusted. */
void xen_crash(void) UK_NORETURN;

/*
 * Provided by the boot binding: a debug channel that needs no driver, and
 * the two things the drivers need done differently on PVH and PV.
 */
void xen_debug_write(const char *buf, size_t len);
/*
 * The frame number to give a backend (in a grant) for the page at va,
 * which must lie in the image: the guest frame on PVH (va >> 12, the
 * identity map), the machine frame on PV (from start_info's p2m list).
 */
uint64_t xen_virt_to_gfn(const void *va);
/*
 * Maps frame 0 of our grant table and returns where it now is.  On x86
 * that is spare, a page-aligned page of the image the caller gives up
 * for it: PVH adds the frame to its physical address space there, PV
 * maps the machine frame Xen names.  On ARM it is the first page of
 * the region the device tree's Xen node sets aside for grant frames
 * (not RAM), and spare stays unused.  NULL if Xen refuses.
 */
void *xen_gnttab_map_frame(void *spare);
/*
 * The page at guest frame gfn, outside the image, as it is (a ring the
 * toolstack made there: jitsud's vif connected ahead), or NULL where
 * the binding cannot reach such a frame: PVH through its identity map;
 * PV names machine frames, and ARM maps no such frame.
 */
void *xen_frame_at(uint64_t gfn);
/*
 * Maps the page domain dom granted us as ref at page (page-aligned, in
 * the image), in place of the memory there, which is lost to us for
 * good: PVH maps the grant at that guest frame, PV at that virtual
 * address.  Read-only or writable.  Never unmapped.  -UK_EACCES if Xen
 * refuses the grant (status), -UK_EIO if the hypercall fails.
 */
int xen_grant_map(domid_t dom, grant_ref_t ref, void *page, int readonly);

/* hvm.c -- translated guests only (PVH, ARM); PV has its own frames */
/*
 * XENMEM_add_to_physmap: makes Xen's frame idx of space (shared info,
 * a grant-table frame) appear at guest frame gfn, in place of whatever
 * was there.  0 or -UK_EIO.
 */
int xen_add_to_physmap(unsigned int space, unsigned long idx, uint64_t gfn);
/* Shared info mapped over a page of ours, in xenplat; 0 or -UK_EIO. */
int xen_hvm_shared_info(void);
/* HVMOP_get_param for this domain into *value; 0 or -UK_EIO. */
int xen_hvm_param(uint32_t index, uint64_t *value);
/*
 * The console's ring and port (if the toolstack gave a console) and
 * XenStore's into xenplat, from the HVM params; page_ok says whether a
 * ring's frame is one the platform's map reaches.  NULL, or what is
 * wrong (for the platform's early failure: no console may be up yet).
 */
const char *xen_hvm_rings(int (*page_ok)(uint64_t pfn));

/* events.c */
typedef int evtchn_handler_fn(void *arg);
/* Clears port's pending bit; returns whether it was set. */
int evtchn_clear(evtchn_port_t port);
void evtchn_notify(evtchn_port_t port);
/* A port of ours that domain remote may bind to; -UK_EIO if Xen refuses. */
int evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port);
/*
 * Binds a port of ours to remote_port, which domain remote allocated
 * unbound for us; -UK_EIO if Xen refuses.
 */
int evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port,
    evtchn_port_t *port);
/*
 * Blocks until one of ports becomes pending (any port when n is 0) or
 * the absolute time deadline passes; may return early, so callers loop.
 * Returns at once if one of ports is already pending: clear, check the
 * ring, then wait, and nothing is lost.  The architecture's
 * (xen-x86/poll.c, xen-arm/wait.c).
 */
void evtchn_wait(evtchn_port_t *ports, unsigned int n, uint64_t deadline);
/*
 * Registers fn to run from plat_dispatch() (i.e. uk_poll) on every turn,
 * after port's pending bit was cleared.  fn returns the number of
 * application callbacks it ran.
 */
void evtchn_handler(evtchn_port_t port, evtchn_handler_fn *fn, void *arg);
/*
 * Closes port (ours, as alloc_unbound or bind_interdomain gave it) and
 * removes its handler, which never runs again; safe from inside a
 * handler (plat_dispatch skips the emptied entry).
 */
void evtchn_close(evtchn_port_t port);

/* console.c */
void console_init(void);
/* Waits until the backend took everything, at most until deadline. */
void console_flush(uint64_t deadline);

/* xenstore.c */
void xenstore_init(void);
int xenstore_write_all(const char *const *paths, const char *const *values,
    size_t n);
/*
 * Sets path's permissions (in transaction tx, UK_XS_NOTX for none): n
 * entries as xenstored spells them, the owner first with what every
 * domain not listed may do ("n5": domain 5 owns it, others have
 * nothing), then one per domain ("r0": domain 0 may read).
 */
int xenstore_set_perms(uint32_t tx, const char *path, const char *const *perms,
    size_t n);
/* Requests made so far and the time spent waiting for their replies. */
/* Requests sent, the time spent waiting for replies, and the round trips
 * waited for (a batch or a request; posted ones are not waited for). */
void xenstore_stats(unsigned int *requests, uint64_t *wait_ns,
    unsigned int *waits);
/* uk_xs_watch and uk_xs_unwatch, posted (xenstore.c): a refused watch is
 * unlinked once its reply comes, its error then in *p (p NULL: logged). */
int xenstore_post_watch(struct uk_xs_watch *w, const char *path,
    uk_xs_watch_fn *fn, void *arg, struct uk_xs_post *p);
int xenstore_post_unwatch(struct uk_xs_watch *w);

/* gnttab.c */
/*
 * Grants domid access to the page at address page (page-aligned, inside
 * the image), read-only or writable; *ref names the grant.
 * -UK_ENOSPC when the table is full.
 */
int gnttab_grant(domid_t domid, const void *page, int readonly,
    grant_ref_t *ref);
/*
 * Takes grant ref back: after 0, the grantee can no longer map the page
 * and ref is free for another grant.  -UK_EBUSY while the grantee still
 * has the page mapped (nothing changes: try again later), -UK_EINVAL
 * for a ref not granted.
 */
int gnttab_end(grant_ref_t ref);
/*
 * The guest frame that entry ref, one the toolstack made before we
 * ran (below GNTTAB_NR_RESERVED_ENTRIES, not console's or store's),
 * grants domid writable; 0, or -UK_EINVAL when it grants nothing so.
 */
int gnttab_seeded(grant_ref_t ref, domid_t domid, uint64_t *gfn);

/* shutdown.c */
void shutdown_init(void);
/*
 * Every fatal exception ends here, from the architecture's entry code:
 * trap_report() (xenarch.h) on the console, then uk_shutdown(UK_CRASH).
 * A fault while reporting one crashes the domain at once.
 */
void trap_fatal(struct trap_frame *f) UK_NORETURN;
/* netfront.c: the rings and the event channel, on the console. */
void netfront_dump(void);

/* xs_wire.c -- pure XenStore message encoding and decoding */

#define XS_HDR_LEN ((size_t)sizeof(struct xsd_sockmsg))

/*
 * Encodes a request: the header (tx_id 0 outside a transaction), then n
 * strings, each with its NUL except the last when last_nul is 0
 * (XS_WRITE's value).  Returns the message length or -UK_E2BIG (payload
 * over XENSTORE_PAYLOAD_MAX or cap).
 */
int xs_encode(void *buf, size_t cap, uint32_t type, uint32_t req_id,
    uint32_t tx_id, const char *const *strs, size_t n, int last_nul);
/* Decodes and checks a received header; -UK_EBADMSG if it is not sane. */
int xs_decode_header(const void *buf, struct xsd_sockmsg *hdr);
/* The UK_E* number for an XS_ERROR payload ("ENOENT"); UK_EIO if unknown. */
int xs_errno(const char *payload, size_t len);
/* Splits an XS_WATCH_EVENT payload "path\0token\0"; -UK_EBADMSG if bad. */
int xs_watch_event(const char *payload, size_t len, const char **path,
    const char **token);
/* Counts the NUL-terminated names of an XS_DIRECTORY reply, or -UK_EBADMSG. */
int xs_directory_count(const char *payload, size_t len);
/*
 * The transaction id of an XS_TRANSACTION_START reply ("17\0": decimal,
 * 1..2^32-1, NUL-terminated) into *tx; -UK_EBADMSG if it is not one.
 */
int xs_tx_id(const char *payload, size_t len, uint32_t *tx);

#endif /* XENPLAT_H */
