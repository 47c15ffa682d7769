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
	assert_non_null(p = image_cache_get(c, src("k.pvh"), err, sizeof(err)));
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
	strcpy(first, image_cache_get(c, src("k.pvh"), err, sizeof(err)));
	ino = inode(first);
	image_cache_begin(c);
	/* A new copy would be a new inode (written, then renamed). */
	assert_string_equal(image_cache_get(c, src("k.pvh"), err, sizeof(err)),
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
	strcpy(first, image_cache_get(c, src("k.pvh"), err, sizeof(err)));
	image_cache_sweep(c);
	put("k.pvh", "kernel two, longer");
	image_cache_begin(c);
	assert_non_null(p = image_cache_get(c, src("k.pvh"), err, sizeof(err)));
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
	strcpy(a, image_cache_get(c, src("a.pvh"), err, sizeof(err)));
	assert_non_null(image_cache_get(c, src("b.pvh"), err, sizeof(err)));
	/* What an earlier run left behind. */
	snprintf(stray, sizeof(stray), "%s/0123456789abcdef-old.pvh", cachedir);
	assert_non_null(fp = fopen(stray, "w"));
	fclose(fp);
	assert_int_equal(nfiles(), 3);
	/* The next load names only a.pvh. */
	image_cache_begin(c);
	assert_string_equal(image_cache_get(c, src("a.pvh"), err, sizeof(err)),
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
	strcpy(p1, image_cache_get(c, src("k.pvh"), err, sizeof(err)));
	assert_string_equal(image_cache_get(c, path2, err, sizeof(err)), p1);
	/* One of the two names dropped: the shared copy stays. */
	image_cache_begin(c);
	assert_non_null(image_cache_get(c, path2, err, sizeof(err)));
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
	assert_null(image_cache_get(c, src("missing.pvh"), err, sizeof(err)));
	assert_string_equal(err, "No such file or directory");
	assert_null(image_cache_get(c, srcdir, err, sizeof(err)));
	assert_non_null(strstr(err, "not a regular file"));
	put("empty.pvh", "");
	assert_null(image_cache_get(c, src("empty.pvh"), err, sizeof(err)));
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
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
