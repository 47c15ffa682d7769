/* test_fdt.c -- unit tests of the Xen on ARM device-tree reader */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <setjmp.h>
#include <cmocka.h>

#include "libuk.h"
/* By path: only xen-x86's xenarch.h may be on the unit tests' -I list. */
#include "../../platform/xen-arm/fdt.h"

/*
 * A small flattened-device-tree writer: the trees below are built the
 * way the toolstack lays out a guest's (libxl's make_* calls), token by
 * token, so each test says what tree it reads.
 */
struct tree {
	uint8_t s[2048]; /* structure block */
	size_t slen;
	char str[512]; /* strings block */
	size_t strlen;
	uint8_t blob[4096];
	size_t len;
	size_t bootargs_at; /* the bootargs PROP token's offset in blob */
};

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
tok(struct tree *t, uint32_t v)
{
	put32(t->s + t->slen, v);
	t->slen += 4;
}

static void
begin(struct tree *t, const char *name)
{
	size_t n = strlen(name) + 1;

	tok(t, 1);
	memset(t->s + t->slen, 0, (n + 3) & ~(size_t)3);
	memcpy(t->s + t->slen, name, n);
	t->slen += (n + 3) & ~(size_t)3;
}

static void
end(struct tree *t)
{
	tok(t, 2);
}

static uint32_t
name_off(struct tree *t, const char *name)
{
	size_t n = strlen(name) + 1;
	uint32_t off = (uint32_t)t->strlen;

	memcpy(t->str + t->strlen, name, n);
	t->strlen += n;
	return off;
}

static void
prop(struct tree *t, const char *name, const void *val, size_t len)
{
	tok(t, 3);
	tok(t, (uint32_t)len);
	tok(t, name_off(t, name));
	memset(t->s + t->slen, 0, (len + 3) & ~(size_t)3);
	memcpy(t->s + t->slen, val, len);
	t->slen += (len + 3) & ~(size_t)3;
}

/* A property of n big-endian cells. */
static void
prop_cells(struct tree *t, const char *name, const uint32_t *c, size_t n)
{
	uint8_t buf[64];
	size_t i;

	for (i = 0; i < n; i++)
		put32(buf + 4 * i, c[i]);
	prop(t, name, buf, 4 * n);
}

static void
prop_u32(struct tree *t, const char *name, uint32_t v)
{
	prop_cells(t, name, &v, 1);
}

/* Header (40 bytes), then the structure block, then the strings. */
static void
finish(struct tree *t)
{
	tok(t, 9);
	memset(t->blob, 0, 40);
	put32(t->blob, 0xd00dfeed);
	t->len = 40 + t->slen + t->strlen;
	put32(t->blob + 4, (uint32_t)t->len);
	put32(t->blob + 8, 40);
	put32(t->blob + 12, (uint32_t)(40 + t->slen));
	put32(t->blob + 16, 40); /* no memory reservations are read */
	put32(t->blob + 20, 17);
	put32(t->blob + 24, 16);
	put32(t->blob + 32, (uint32_t)t->strlen);
	put32(t->blob + 36, (uint32_t)t->slen);
	memcpy(t->blob + 40, t->s, t->slen);
	memcpy(t->blob + 40 + t->slen, t->str, t->strlen);
}

/* fdt_read on a copy allocated to exactly len bytes, for ASan. */
static int
read_exact(const uint8_t *blob, size_t len, struct fdt_info *fi)
{
	uint8_t *b = malloc(len + (len == 0));
	int rc;

	assert_non_null(b);
	memcpy(b, blob, len);
	rc = fdt_read(b, len, fi);
	free(b);
	return rc;
}

static const char xen_compat[] = "xen,xen-4.17\0xen,xen";

/*
 * A guest's tree as libxl makes it, 2+2 cells: an arm64 guest's on a
 * GICv3 host, or (arm32) a 32-bit guest's on a GICv2 host, with the
 * GICv2's distributor and CPU interface and the ARMv7 timer.
 */
static void
guest_tree(struct tree *t, int with_xen_node, int arm32)
{
	const uint32_t mem[] = { 0, 0x40000000, 0, 0x400000 };
	const uint32_t gnt[] = { 0, 0x38000000, 0, 0x1000000 };
	const uint32_t irq[] = { 1, 15, 0xf08 };
	const uint32_t timer[] = { 1, 13, 0xf08, 1, 14, 0xf08, 1, 11, 0xf08, 1,
		10, 0xf08 };
	const uint32_t gic[] = { 0, 0x03001000, 0, 0x10000, 0, 0x03020000, 0,
		0x1000000 };
	const uint32_t gicv2[] = { 0, 0x03001000, 0, 0x1000, 0, 0x03002000, 0,
		0x2000 };
	static const char v2_compat[] = "arm,cortex-a15-gic\0arm,cortex-a9-gic";

	memset(t, 0, sizeof(*t));
	begin(t, "");
	prop(t, "compatible", "xen,xenvm-4.17\0xen,xenvm", 25);
	prop_u32(t, "#address-cells", 2);
	prop_u32(t, "#size-cells", 2);
	begin(t, "chosen");
	t->bootargs_at = 40 + t->slen;
	prop(t, "bootargs", "greeting=hi wait", 17);
	end(t);
	begin(t, "cpus");
	begin(t, "cpu@0");
	/* A reg deeper down is not the root's children's. */
	prop_u32(t, "reg", 0);
	end(t);
	end(t);
	begin(t, "memory@40000000");
	prop(t, "device_type", "memory", 7);
	prop_cells(t, "reg", mem, 4);
	end(t);
	begin(t, "interrupt-controller@3001000");
	if (arm32) {
		prop(t, "compatible", v2_compat, sizeof(v2_compat));
		prop_cells(t, "reg", gicv2, 8);
	} else {
		prop(t, "compatible", "arm,gic-v3", 11);
		prop_cells(t, "reg", gic, 8);
	}
	end(t);
	begin(t, "timer");
	if (arm32)
		prop(t, "compatible", "arm,armv7-timer", 16);
	else
		prop(t, "compatible", "arm,armv8-timer\0arm,armv7-timer", 32);
	prop_cells(t, "interrupts", timer, 12);
	end(t);
	if (with_xen_node) {
		begin(t, "hypervisor");
		prop(t, "compatible", xen_compat, sizeof(xen_compat));
		prop_cells(t, "reg", gnt, 4);
		prop_cells(t, "interrupts", irq, 3);
		end(t);
	}
	end(t);
	finish(t);
}

static void
xen_guest_tree(struct tree *t, int with_xen_node)
{
	guest_tree(t, with_xen_node, 0);
}

static void
test_reads_a_xen_guest_tree(void **state)
{
	struct tree t;
	struct fdt_info fi;

	(void)state;
	xen_guest_tree(&t, 1);
	assert_int_equal(read_exact(t.blob, t.len, &fi), 0);
	assert_int_equal(fi.mem_base, 0x40000000);
	assert_int_equal(fi.mem_size, 0x400000);
	assert_int_equal(fi.gnttab_base, 0x38000000);
	assert_int_equal(fi.gnttab_size, 0x1000000);
	assert_int_equal(fi.evtchn_intid, 16 + 15);
	assert_int_equal(fi.vtimer_intid, 16 + 11);
	assert_int_equal(fi.gic_version, 3);
	assert_int_equal(fi.gicd_base, 0x03001000);
	assert_int_equal(fi.gic_cpu_base, 0x03020000);
	assert_non_null(fi.bootargs);
	assert_int_equal(fi.bootargs_len, 16);
	assert_memory_equal(fi.bootargs, "greeting=hi wait", 17);
}

/* The arm32 guest's: the GICv2's two regs, the ARMv7 timer's PPI. */
static void
test_reads_an_arm32_guest_tree(void **state)
{
	struct tree t;
	struct fdt_info fi;

	(void)state;
	guest_tree(&t, 1, 1);
	assert_int_equal(read_exact(t.blob, t.len, &fi), 0);
	assert_int_equal(fi.mem_base, 0x40000000);
	assert_int_equal(fi.mem_size, 0x400000);
	assert_int_equal(fi.gnttab_base, 0x38000000);
	assert_int_equal(fi.evtchn_intid, 16 + 15);
	assert_int_equal(fi.vtimer_intid, 16 + 11);
	assert_int_equal(fi.gic_version, 2);
	assert_int_equal(fi.gicd_base, 0x03001000);
	assert_int_equal(fi.gic_cpu_base, 0x03002000);
	assert_memory_equal(fi.bootargs, "greeting=hi wait", 17);
	guest_tree(&t, 0, 1);
	assert_int_equal(read_exact(t.blob, t.len, &fi), -UK_ENOENT);
}

static void
test_one_cell_addresses(void **state)
{
	struct tree t;
	struct fdt_info fi;
	const uint32_t mem[] = { 0x40000000, 0x800000 };
	const uint32_t gnt[] = { 0x38000000, 0x1000 };
	const uint32_t irq[] = { 1, 15, 0xf08 };

	(void)state;
	memset(&t, 0, sizeof(t));
	begin(&t, "");
	prop_u32(&t, "#address-cells", 1);
	prop_u32(&t, "#size-cells", 1);
	begin(&t, "memory");
	prop_cells(&t, "reg", mem, 2);
	end(&t);
	begin(&t, "hypervisor@38000000");
	prop(&t, "compatible", xen_compat, sizeof(xen_compat));
	prop_cells(&t, "reg", gnt, 2);
	prop_cells(&t, "interrupts", irq, 3);
	end(&t);
	end(&t);
	finish(&t);
	assert_int_equal(read_exact(t.blob, t.len, &fi), 0);
	assert_int_equal(fi.mem_base, 0x40000000);
	assert_int_equal(fi.mem_size, 0x800000);
	assert_int_equal(fi.gnttab_base, 0x38000000);
	assert_int_equal(fi.gnttab_size, 0x1000);
	assert_int_equal(fi.gic_version, 0);
	assert_null(fi.bootargs);
}

static void
test_no_xen_node_is_enoent(void **state)
{
	struct tree t;
	struct fdt_info fi;

	(void)state;
	xen_guest_tree(&t, 0);
	assert_int_equal(read_exact(t.blob, t.len, &fi), -UK_ENOENT);
}

/*
 * Every shorter length the caller may claim: the header's total size
 * then exceeds it, and nothing past it is read (ASan watches the copy,
 * allocated to exactly that length).
 */
static void
test_every_truncation_is_refused(void **state)
{
	struct tree t;
	struct fdt_info fi;
	uint8_t *b;
	size_t n;
	int arm32;

	(void)state;
	for (arm32 = 0; arm32 <= 1; arm32++) {
		guest_tree(&t, 1, arm32);
		for (n = 0; n < t.len; n++) {
			b = malloc(n + 1);
			assert_non_null(b);
			memcpy(b, t.blob, n);
			assert_int_equal(fdt_read(b, n, &fi), -UK_EBADMSG);
			free(b);
		}
	}
}

/*
 * A tree whose header still claims the whole size but whose structure
 * block is cut anywhere: each cut is refused or read within bounds.
 */
static void
test_every_cut_structure_stays_inside(void **state)
{
	struct tree t;
	struct fdt_info fi;
	uint8_t *b;
	size_t n;
	int rc, arm32;

	(void)state;
	for (arm32 = 0; arm32 <= 1; arm32++) {
		guest_tree(&t, 1, arm32);
		for (n = 0; n < t.slen; n += 4) {
			b = malloc(40 + n);
			assert_non_null(b);
			memcpy(b, t.blob, 40 + n);
			put32(b + 4, (uint32_t)(40 + n));
			put32(b + 36, (uint32_t)n);
			put32(b + 12, (uint32_t)(40 + n)); /* no strings */
			put32(b + 32, 0);
			rc = fdt_read(b, 40 + n, &fi);
			assert_true(rc == -UK_EBADMSG || rc == -UK_ENOENT);
			free(b);
		}
	}
}

static void
test_bad_headers_are_refused(void **state)
{
	struct tree t;
	struct fdt_info fi;

	(void)state;
	xen_guest_tree(&t, 1);
	put32(t.blob, 0xd00dfeee);
	assert_int_equal(read_exact(t.blob, t.len, &fi), -UK_EBADMSG);
	xen_guest_tree(&t, 1);
	put32(t.blob + 36, (uint32_t)t.len); /* structure past the end */
	assert_int_equal(read_exact(t.blob, t.len, &fi), -UK_EBADMSG);
	xen_guest_tree(&t, 1);
	put32(t.blob + 32, (uint32_t)t.len); /* strings past the end */
	assert_int_equal(read_exact(t.blob, t.len, &fi), -UK_EBADMSG);
	xen_guest_tree(&t, 1);
	put32(t.blob + 8, 42); /* misaligned structure block */
	assert_int_equal(read_exact(t.blob, t.len, &fi), -UK_EBADMSG);
}

/*
 * A property naming a string past the strings block, one longer than
 * what is left of the structure block (the chosen node's bootargs, which
 * the reader does look at), an unknown token.
 */
static void
test_bad_properties_are_refused(void **state)
{
	struct tree t;
	struct fdt_info fi;
	size_t at;

	(void)state;
	xen_guest_tree(&t, 1);
	at = t.bootargs_at;
	put32(t.blob + at + 8, (uint32_t)t.strlen + 5);
	assert_int_equal(read_exact(t.blob, t.len, &fi), -UK_EBADMSG);
	xen_guest_tree(&t, 1);
	put32(t.blob + at + 4, (uint32_t)(t.len - at));
	assert_int_equal(read_exact(t.blob, t.len, &fi), -UK_EBADMSG);
	xen_guest_tree(&t, 1);
	put32(t.blob + at + 4, 0xfffffff0);
	assert_int_equal(read_exact(t.blob, t.len, &fi), -UK_EBADMSG);
	xen_guest_tree(&t, 1);
	put32(t.blob + at, 7);
	assert_int_equal(read_exact(t.blob, t.len, &fi), -UK_EBADMSG);
}

static void
test_bad_cell_counts_are_refused(void **state)
{
	struct tree t;
	struct fdt_info fi;
	const uint32_t mem[] = { 0, 0x40000000, 0, 0x400000 };

	(void)state;
	memset(&t, 0, sizeof(t));
	begin(&t, "");
	prop_u32(&t, "#address-cells", 3);
	begin(&t, "memory");
	prop_cells(&t, "reg", mem, 4);
	end(&t);
	end(&t);
	finish(&t);
	assert_int_equal(read_exact(t.blob, t.len, &fi), -UK_EBADMSG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_a_xen_guest_tree),
		cmocka_unit_test(test_reads_an_arm32_guest_tree),
		cmocka_unit_test(test_one_cell_addresses),
		cmocka_unit_test(test_no_xen_node_is_enoent),
		cmocka_unit_test(test_every_truncation_is_refused),
		cmocka_unit_test(test_every_cut_structure_stays_inside),
		cmocka_unit_test(test_bad_headers_are_refused),
		cmocka_unit_test(test_bad_properties_are_refused),
		cmocka_unit_test(test_bad_cell_counts_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
