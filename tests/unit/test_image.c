/* test_image.c -- image copies: read once, kept, re-read on change, swept */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "jitsud.h"

/* Each test gets a fresh scratch folder: src/ for images, cache/ below. */
static char top[64], srcdir[96], cachedir[96];

static void
put(const char *name, const char *content)
{
	char  path[160];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", srcdir, name);
	assert_non_null(fp = fopen(path, "w"));
	fputs(content, fp);
	fclose(fp);
}

static const char *
src(const char *name)
{
	static char path[160];

	snprintf(path, sizeof(path), "%s/%s", srcdir, name);
	return path;
}

static void
assert_content(const char *path, const char *want)
{
	char   buf[256];
	size_t n;
	FILE  *fp;

	assert_non_null(fp = fopen(path, "r"));
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

static ino_t
inode(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

/* Files in the cache folder. */
static int
nfiles(void)
{
	struct dirent *de;
	DIR	      *d;
	int	       n = 0;

	assert_non_null(d = opendir(cachedir));
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static int
setup(void **state)
{
	(void)state;
	strcpy(top, "/tmp/jt-image.XXXXXX");
	assert_non_null(mkdtemp(top));
	snprintf(srcdir, sizeof(srcdir), "%s/src", top);
	/* Two levels the cache must make itself. */
	snprintf(cachedir, sizeof(cachedir), "%s/run/images", top);
	assert_int_equal(mkdir(srcdir, 0755), 0);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static struct image_cache *
cache(void)
{
	struct image_cache *c;
	char		    err[256];

	assert_non_null(c = image_cache_new(cachedir, err, sizeof(err)));
	image_cache_begin(c);
	return c;
}

static void
test_copy_is_private_and_equal(void **state)
{
	struct image_cache *c = cache();
	const char	   *p;
	char		    err[256];
	struct stat	    st;

	(void)state;
	put("k.pvh", "kernel one");
	assert_non_null(p = image_cache_get(c, src("k.pvh"), NULL, err,
			    sizeof(err)));
	assert_true(strncmp(p, cachedir, strlen(cachedir)) == 0);
	assert_content(p, "kernel one");
	assert_int_equal(stat(cachedir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	/* The operator's file may now go: the copy is what boots. */
	assert_int_equal(unlink(src("k.pvh")), 0);
	assert_content(p, "kernel one");
	image_cache_free(c);
}

static void
test_unchanged_file_is_not_read_again(void **state)
{
	struct image_cache *c = cache();
	char		    err[256], first[PATH_MAX];
	ino_t		    ino;

	(void)state;
	put("k.pvh", "kernel one");
	strcpy(first, image_cache_get(c, src("k.pvh"), NULL, err, sizeof(err)));
	ino = inode(first);
	image_cache_begin(c);
	/* A new copy would be a new inode (written, then renamed). */
	assert_string_equal(image_cache_get(c, src("k.pvh"), NULL, err,
				sizeof(err)),
	    first);
	assert_int_equal(inode(first), ino);
	image_cache_free(c);
}

static void
test_changed_file_gets_new_copy_and_old_is_swept(void **state)
{
	struct image_cache *c = cache();
	char		    err[256], first[PATH_MAX];
	const char	   *p;

	(void)state;
	put("k.pvh", "kernel one");
	strcpy(first, image_cache_get(c, src("k.pvh"), NULL, err, sizeof(err)));
	image_cache_sweep(c);
	put("k.pvh", "kernel two, longer");
	image_cache_begin(c);
	assert_non_null(p = image_cache_get(c, src("k.pvh"), NULL, err,
			    sizeof(err)));
	assert_string_not_equal(p, first);
	assert_content(p, "kernel two, longer");
	/* Until the load is taken, the old copy still serves the old zone. */
	assert_content(first, "kernel one");
	image_cache_sweep(c);
	assert_int_equal(access(first, F_OK), -1);
	assert_int_equal(nfiles(), 1);
	image_cache_free(c);
}

static void
test_sweep_forgets_unnamed_and_leftovers(void **state)
{
	struct image_cache *c = cache();
	char		    err[256], a[PATH_MAX], stray[200];
	FILE		   *fp;

	(void)state;
	put("a.pvh", "image a");
	put("b.pvh", "image b");
	strcpy(a, image_cache_get(c, src("a.pvh"), NULL, err, sizeof(err)));
	assert_non_null(image_cache_get(c, src("b.pvh"), NULL, err,
	    sizeof(err)));
	/* What an earlier run left behind. */
	snprintf(stray, sizeof(stray), "%s/0123456789abcdef-old.pvh", cachedir);
	assert_non_null(fp = fopen(stray, "w"));
	fclose(fp);
	assert_int_equal(nfiles(), 3);
	/* The next load names only a.pvh. */
	image_cache_begin(c);
	assert_string_equal(image_cache_get(c, src("a.pvh"), NULL, err,
				sizeof(err)),
	    a);
	image_cache_sweep(c);
	assert_int_equal(nfiles(), 1);
	assert_content(a, "image a");
	image_cache_free(c);
}

static void
test_same_content_shares_one_copy(void **state)
{
	struct image_cache *c = cache();
	char		    err[256], p1[PATH_MAX], dir2[160], path2[200];
	FILE		   *fp;

	(void)state;
	put("k.pvh", "same bytes");
	snprintf(dir2, sizeof(dir2), "%s/other", srcdir);
	assert_int_equal(mkdir(dir2, 0755), 0);
	snprintf(path2, sizeof(path2), "%s/k.pvh", dir2);
	assert_non_null(fp = fopen(path2, "w"));
	fputs("same bytes", fp);
	fclose(fp);
	strcpy(p1, image_cache_get(c, src("k.pvh"), NULL, err, sizeof(err)));
	assert_string_equal(image_cache_get(c, path2, NULL, err, sizeof(err)),
	    p1);
	/* One of the two names dropped: the shared copy stays. */
	image_cache_begin(c);
	assert_non_null(image_cache_get(c, path2, NULL, err, sizeof(err)));
	image_cache_sweep(c);
	assert_content(p1, "same bytes");
	image_cache_free(c);
}

static void
test_bad_images_are_refused_with_reason(void **state)
{
	struct image_cache *c = cache();
	char		    err[256];

	(void)state;
	assert_null(image_cache_get(c, src("missing.pvh"), NULL, err,
	    sizeof(err)));
	assert_string_equal(err, "No such file or directory");
	assert_null(image_cache_get(c, srcdir, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "not a regular file"));
	put("empty.pvh", "");
	assert_null(image_cache_get(c, src("empty.pvh"), NULL, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "not a regular file"));
	assert_int_equal(nfiles(), 0);
	/* jitsud -n's check says the same, and copies nothing. */
	assert_int_equal(image_check(src("missing.pvh"), err, sizeof(err)), -1);
	assert_string_equal(err, "No such file or directory");
	assert_int_equal(image_check(src("empty.pvh"), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
	put("k.pvh", "kernel");
	assert_int_equal(image_check(src("k.pvh"), err, sizeof(err)), 0);
	assert_int_equal(nfiles(), 0);
	image_cache_free(c);
}

static void
test_unusable_folder_is_an_error(void **state)
{
	char  err[256], path[160];
	FILE *fp;

	(void)state;
	/* A file where the folder should be. */
	snprintf(path, sizeof(path), "%s/file", top);
	assert_non_null(fp = fopen(path, "w"));
	fclose(fp);
	snprintf(path, sizeof(path), "%s/file/images", top);
	assert_null(image_cache_new(path, err, sizeof(err)));
	assert_non_null(strstr(err, "Not a directory"));
}

/*
 * image_features over ELF images built here, byte by byte: the header,
 * one program header of type PT_NOTE, and the notes it covers.
 */
static size_t
le(uint8_t *p, uint64_t v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
	return n;
}

/* One note at p: namesz, descsz, type, name and a 4-byte descriptor. */
static size_t
note(uint8_t *p, const char *name, uint32_t type)
{
	size_t namesz = strlen(name) + 1, at = 0;

	at += le(p + at, namesz, 4);
	at += le(p + at, 4, 4);
	at += le(p + at, type, 4);
	memcpy(p + at, name, namesz);
	at += (namesz + 3) & ~(size_t)3;
	at += le(p + at, 1, 4);
	return at;
}

/* An ELF (wide: 64-bit) whose PT_NOTE covers the given notes; its
 * length. */
static size_t
elf(uint8_t *buf, size_t size, int wide, const char *names[], uint32_t types[],
    size_t n)
{
	size_t eh = wide ? 64 : 52, ph = wide ? 56 : 32, off = eh + ph, at, i;

	memset(buf, 0, size);
	memcpy(buf, "\177ELF", 4);
	buf[4] = wide ? 2 : 1;
	buf[5] = 1; /* little-endian */
	at = off;
	for (i = 0; i < n; i++)
		at += note(buf + at, names[i], types[i]);
	le(buf + (wide ? 32 : 28), eh, wide ? 8 : 4); /* e_phoff */
	le(buf + (wide ? 54 : 42), ph, 2);	      /* e_phentsize */
	le(buf + (wide ? 56 : 44), 1, 2);	      /* e_phnum */
	le(buf + eh, 4, 4);			      /* PT_NOTE */
	le(buf + eh + (wide ? 8 : 4), off, wide ? 8 : 4);
	le(buf + eh + (wide ? 32 : 16), at - off, wide ? 8 : 4);
	return at;
}

static void
test_features_from_the_jitsud_note(void **state)
{
	uint8_t	    buf[512];
	const char *names[] = { "Xen", "jitsud", "jitsud" };
	uint32_t    types[] = { 18, 1, 2 };
	size_t	    len;

	(void)state;
	len = elf(buf, sizeof(buf), 1, names, types, 2);
	assert_int_equal(image_features(buf, len), IMAGE_VIF_ADOPT);
	len = elf(buf, sizeof(buf), 0, names, types, 2);
	assert_int_equal(image_features(buf, len), IMAGE_VIF_ADOPT);
	/* Each note says its own; both together, both. */
	len = elf(buf, sizeof(buf), 1, names, types, 3);
	assert_int_equal(image_features(buf, len),
	    IMAGE_VIF_ADOPT | IMAGE_RECORDS_EARLY);
	types[1] = 2;
	len = elf(buf, sizeof(buf), 0, names, types, 2);
	assert_int_equal(image_features(buf, len), IMAGE_RECORDS_EARLY);
	/* Xen's notes alone, another type, another name: nothing. */
	len = elf(buf, sizeof(buf), 1, names, types, 1);
	assert_int_equal(image_features(buf, len), 0);
	types[1] = 3;
	len = elf(buf, sizeof(buf), 1, names, types, 2);
	assert_int_equal(image_features(buf, len), 0);
	names[1] = "jitsu";
	types[1] = 1;
	len = elf(buf, sizeof(buf), 1, names, types, 2);
	assert_int_equal(image_features(buf, len), 0);
}

/* The file is the operator's: every cut and every lie says nothing. */
static void
test_features_of_a_bad_image_are_none(void **state)
{
	uint8_t	    buf[512];
	const char *names[] = { "jitsud" };
	uint32_t    types[] = { 1 };
	size_t	    len, cut;

	(void)state;
	len = elf(buf, sizeof(buf), 1, names, types, 1);
	for (cut = 0; cut < len; cut++)
		assert_int_equal(image_features(buf, cut), 0);
	le(buf + 64 + 32, 1ULL << 40, 8); /* p_filesz beyond the file */
	assert_int_equal(image_features(buf, len), 0);
	len = elf(buf, sizeof(buf), 1, names, types, 1);
	le(buf + 120, 1U << 31, 4); /* the note's namesz */
	assert_int_equal(image_features(buf, len), 0);
	len = elf(buf, sizeof(buf), 1, names, types, 1);
	le(buf + 56, 0xffff, 2); /* e_phnum */
	assert_int_equal(image_features(buf, len), 0);
	buf[5] = 2; /* big-endian */
	assert_int_equal(image_features(buf, len), 0);
	assert_int_equal(image_features((const uint8_t *)"#!/bin/sh\n", 10), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_features_from_the_jitsud_note),
		cmocka_unit_test(test_features_of_a_bad_image_are_none),
		cmocka_unit_test_setup_teardown(test_copy_is_private_and_equal,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_unchanged_file_is_not_read_again, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_changed_file_gets_new_copy_and_old_is_swept, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_sweep_forgets_unnamed_and_leftovers, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_same_content_shares_one_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_bad_images_are_refused_with_reason, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_unusable_folder_is_an_error, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
