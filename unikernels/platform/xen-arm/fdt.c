/* fdt.c -- a device tree reader: memory, Xen node, GIC, timer, bootargs */
#include "libuk.h"

#include "fdt.h"

/*
 * The blob is a header, a structure block of big-endian 32-bit tokens
 * (BEGIN_NODE name, PROP len nameoff value, END_NODE, NOP, END), each
 * item padded to 4 bytes, and a strings block holding property names.
 * Only the root's direct children matter here, and properties come
 * before a node's children, so one pass with the current depth-1 node's
 * facts collected until its END_NODE suffices.
 */

#define FDT_MAGIC      0xd00dfeedU
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_NOP	       4
#define FDT_END	       9
#define HDR_LEN	       40
#define PPI_TYPE       1  /* the GIC binding's first interrupt cell */
#define PPI_BASE       16 /* INTID of PPI 0 */

enum node_kind { NODE_OTHER, NODE_MEMORY, NODE_CHOSEN, NODE_HYPERVISOR };

struct walk {
	const uint8_t *s;    /* structure block */
	size_t slen;	     /* its length */
	const char *str;     /* strings block */
	size_t strlen;	     /* its length */
	uint32_t acells;     /* the root's #address-cells */
	uint32_t scells;     /* the root's #size-cells */
	enum node_kind kind; /* the current child of the root */
	int is_xen, is_gicv3, is_gicv2, is_timer;
	const uint8_t *reg; /* its reg property, if any */
	size_t reg_len;
	const uint8_t *intr; /* its interrupts property, if any */
	size_t intr_len;
};

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Reads n cells (1 or 2) at p as one number. */
static uint64_t
cells(const uint8_t *p, uint32_t n)
{
	return n == 2 ? (uint64_t)be32(p) << 32 | be32(p + 4) : be32(p);
}

/* Whether the string list val (len bytes) holds the string want. */
static int
strlist_has(const uint8_t *val, size_t len, const char *want)
{
	size_t i = 0, n;

	while (i < len) {
		n = strnlen((const char *)val + i, len - i);
		if (i + n < len && strcmp((const char *)val + i, want) == 0)
			return 1;
		i += n + 1;
	}
	return 0;
}

static int
name_is(const char *name, const char *want)
{
	size_t n = strlen(want);

	return strncmp(name, want, n) == 0 && (name[n] == 0 || name[n] == '@');
}

/* reg entry i of the current node into *base, *size; 0 if present. */
static int
reg_entry(const struct walk *w, unsigned int i, uint64_t *base, uint64_t *size)
{
	size_t one = (size_t)(w->acells + w->scells) * 4;

	if (w->reg == NULL || w->reg_len < one * (i + 1))
		return -1;
	*base = cells(w->reg + one * i, w->acells);
	*size = cells(w->reg + one * i + w->acells * 4, w->scells);
	return 0;
}

/* The current depth-1 node ended: keep what it told. */
static void
node_end(struct walk *w, struct fdt_info *info)
{
	uint64_t sz;

	if (w->kind == NODE_MEMORY && info->mem_size == 0)
		(void)reg_entry(w, 0, &info->mem_base, &info->mem_size);
	if (w->is_xen &&
	    reg_entry(w, 0, &info->gnttab_base, &info->gnttab_size) == 0 &&
	    w->intr != NULL && w->intr_len >= 12 && be32(w->intr) == PPI_TYPE)
		info->evtchn_intid = PPI_BASE + be32(w->intr + 4);
	/* The arch timer's PPIs: secure, non-secure, virtual, hypervisor. */
	if (w->is_timer && w->intr != NULL && w->intr_len >= 36 &&
	    be32(w->intr + 24) == PPI_TYPE)
		info->vtimer_intid = PPI_BASE + be32(w->intr + 28);
	if ((w->is_gicv3 || w->is_gicv2) && info->gic_version == 0 &&
	    reg_entry(w, 0, &info->gicd_base, &sz) == 0 &&
	    reg_entry(w, 1, &info->gic_cpu_base, &sz) == 0)
		info->gic_version = w->is_gicv3 ? 3 : 2;
	w->kind = NODE_OTHER;
	w->is_xen = w->is_gicv3 = w->is_gicv2 = w->is_timer = 0;
	w->reg = w->intr = NULL;
}

/* A property of the node at depth (1: the root, 2: its children). */
static int
prop(struct walk *w, struct fdt_info *info, int depth, const char *name,
    const uint8_t *val, size_t len)
{
	if (depth == 1 && len == 4 && strcmp(name, "#address-cells") == 0)
		w->acells = be32(val);
	else if (depth == 1 && len == 4 && strcmp(name, "#size-cells") == 0)
		w->scells = be32(val);
	if (w->acells < 1 || w->acells > 2 || w->scells < 1 || w->scells > 2)
		return -UK_EBADMSG;
	if (depth != 2)
		return 0;
	if (strcmp(name, "reg") == 0) {
		w->reg = val;
		w->reg_len = len;
	} else if (strcmp(name, "interrupts") == 0) {
		w->intr = val;
		w->intr_len = len;
	} else if (strcmp(name, "compatible") == 0) {
		w->is_xen = strlist_has(val, len, "xen,xen");
		w->is_gicv3 = strlist_has(val, len, "arm,gic-v3");
		w->is_gicv2 = strlist_has(val, len, "arm,cortex-a15-gic") ||
		    strlist_has(val, len, "arm,gic-400");
		w->is_timer = strlist_has(val, len, "arm,armv8-timer") ||
		    strlist_has(val, len, "arm,armv7-timer");
	} else if (strcmp(name, "device_type") == 0 &&
	    strlist_has(val, len, "memory")) {
		w->kind = NODE_MEMORY;
	} else if (w->kind == NODE_CHOSEN && strcmp(name, "bootargs") == 0 &&
	    len > 0 && val[len - 1] == 0) {
		info->bootargs = (const char *)val;
		info->bootargs_len = len - 1;
	}
	return 0;
}

/* The name at nameoff in the strings block, or NULL if out of it. */
static const char *
prop_name(const struct walk *w, uint32_t nameoff)
{
	if (nameoff >= w->strlen ||
	    strnlen(w->str + nameoff, w->strlen - nameoff) ==
		w->strlen - nameoff)
		return NULL;
	return w->str + nameoff;
}

static int
walk(struct walk *w, struct fdt_info *info)
{
	size_t off = 0, n, len;
	int depth = 0, rc;
	const char *name;
	uint32_t tok;

	while (off + 4 <= w->slen) {
		tok = be32(w->s + off);
		off += 4;
		switch (tok) {
		case FDT_BEGIN_NODE:
			name = (const char *)w->s + off;
			n = strnlen(name, w->slen - off);
			if (n == w->slen - off)
				return -UK_EBADMSG;
			if (++depth == 2) {
				if (name_is(name, "memory"))
					w->kind = NODE_MEMORY;
				else if (name_is(name, "chosen"))
					w->kind = NODE_CHOSEN;
			}
			off += (n + 1 + 3) & ~(size_t)3;
			break;
		case FDT_END_NODE:
			if (depth == 2)
				node_end(w, info);
			if (--depth < 0)
				return -UK_EBADMSG;
			break;
		case FDT_PROP:
			if (w->slen - off < 8)
				return -UK_EBADMSG;
			len = be32(w->s + off);
			if ((name = prop_name(w, be32(w->s + off + 4))) ==
				NULL ||
			    len > w->slen - off - 8)
				return -UK_EBADMSG;
			if ((rc = prop(w, info, depth, name, w->s + off + 8,
				 len)) != 0)
				return rc;
			off += 8 + ((len + 3) & ~(size_t)3);
			break;
		case FDT_NOP:
			break;
		case FDT_END:
			return depth == 0 ? 0 : -UK_EBADMSG;
		default:
			return -UK_EBADMSG;
		}
	}
	return -UK_EBADMSG;
}

int
fdt_read(const void *blob, size_t len, struct fdt_info *info)
{
	const uint8_t *b = blob;
	struct walk w;
	uint32_t total, soff, slen, stroff, strsz;
	int rc;

	memset(info, 0, sizeof(*info));
	if (len < HDR_LEN || be32(b) != FDT_MAGIC)
		return -UK_EBADMSG;
	total = be32(b + 4);
	soff = be32(b + 8);
	stroff = be32(b + 12);
	strsz = be32(b + 32);
	slen = be32(b + 36);
	if (total > len || total < HDR_LEN || soff > total ||
	    slen > total - soff || stroff > total || strsz > total - stroff ||
	    (soff & 3) != 0)
		return -UK_EBADMSG;
	memset(&w, 0, sizeof(w));
	w.s = b + soff;
	w.slen = slen;
	w.str = (const char *)b + stroff;
	w.strlen = strsz;
	/* The spec's defaults when the root does not say. */
	w.acells = 2;
	w.scells = 1;
	if ((rc = walk(&w, info)) != 0)
		return rc;
	if (info->mem_size == 0 || info->evtchn_intid == 0)
		return -UK_ENOENT;
	return 0;
}
