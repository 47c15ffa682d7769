/* xs.c -- XenStore on unix: a small in-process map, no watches */
#include "common.h"

#include <stdlib.h>
#include <unistd.h>

/*
 * No xenstored here.  read/write/rm/directory work on a map of at most
 * XS_NENT nodes, so code written for Xen runs unchanged; relative paths
 * live under /local/domain/0.  Watches and transactions are not offered
 * (-UK_ENOSYS): nothing outside the process can change the map, so there
 * is nothing to wait for or to be atomic against.  The one node with a
 * meaning outside is data/status: jitsud's process backend learns of
 * readiness from the line "ready\n" on the fd named by $JITSU_READY_FD.
 */

#define XS_NENT 32
#define XS_PATH 128
#define XS_VAL	256
#define XS_HOME "/local/domain/0"

static struct {
	char path[XS_PATH];
	char val[XS_VAL];
} map[XS_NENT];

static int
full_path(const char *path, char *buf)
{
	int n;

	if (path[0] == '/')
		n = snprintf(buf, XS_PATH, "%s", path);
	else
		n = snprintf(buf, XS_PATH, XS_HOME "/%s", path);
	return n > 0 && n < XS_PATH ? 0 : -UK_EINVAL;
}

static int
find(const char *full)
{
	int i;

	for (i = 0; i < XS_NENT; i++)
		if (map[i].path[0] != '\0' && strcmp(map[i].path, full) == 0)
			return i;
	return -1;
}

int
uk_xs_read(const char *path, char *buf, size_t size)
{
	char full[XS_PATH];
	int i;

	if (full_path(path, full) != 0)
		return -UK_EINVAL;
	if ((i = find(full)) < 0)
		return -UK_ENOENT;
	if (strlen(map[i].val) >= size)
		return -UK_E2BIG;
	return (int)strlcpy(buf, map[i].val, size);
}

void
xs_status_hook(const char *value)
{
	const char *env = getenv("JITSU_READY_FD");
	char *end;
	unsigned long fd;

	if (env == NULL || strcmp(value, "ready") != 0)
		return;
	fd = strtoul(env, &end, 10);
	if (end != env && *end == '\0' && fd <= 1024)
		(void)write((int)fd, "ready\n", 6);
}

int
uk_xs_write(const char *path, const char *value)
{
	char full[XS_PATH];
	int i;

	if (full_path(path, full) != 0 || strlen(value) >= XS_VAL)
		return -UK_EINVAL;
	if ((i = find(full)) < 0)
		for (i = 0; i < XS_NENT && map[i].path[0] != '\0'; i++)
			;
	if (i == XS_NENT)
		return -UK_ENOSPC;
	(void)strlcpy(map[i].path, full, XS_PATH);
	(void)strlcpy(map[i].val, value, XS_VAL);
	if (strcmp(full, XS_HOME "/data/status") == 0)
		xs_status_hook(value);
	return 0;
}

/* path itself or below it */
static int
under(const char *p, const char *dir, size_t len)
{
	return strncmp(p, dir, len) == 0 && (p[len] == '\0' || p[len] == '/');
}

/* One process, no round trips: the writes one after the other. */
int
uk_xs_write_all(const char *const *paths, const char *const *values, size_t n)
{
	size_t i;
	int rc, err = 0;

	for (i = 0; i < n; i++)
		if ((rc = uk_xs_write(paths[i], values[i])) != 0 && err == 0)
			err = rc;
	return err;
}

/* No round trip to save: written now, the result in *p at once. */
int
uk_xs_post_write(const char *path, const char *value, struct uk_xs_post *p)
{
	int rc = uk_xs_write(path, value);

	if (p != NULL) {
		p->rc = rc;
		p->done = 1;
	} else if (rc != 0)
		printf("uk: xenstore: write of %s failed (error %d)\n", path,
		    rc);
	return 0;
}

/* Read now, as the write above. */
int
uk_xs_post_read(const char *path, char *buf, size_t size, struct uk_xs_post *p)
{
	p->rc = uk_xs_read(path, buf, size);
	p->done = 1;
	return 0;
}

int
uk_xs_post_wait(struct uk_xs_post *p)
{
	return p->done ? p->rc : -UK_EIO;
}

/* The same for reads: each answered before the next is asked. */
int
uk_xs_read_all(const char *const *paths, char *const *bufs, const size_t *sizes,
    int *rcs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		rcs[i] = uk_xs_read(paths[i], bufs[i], sizes[i]);
	return 0;
}

int
uk_xs_rm(const char *path)
{
	char full[XS_PATH];
	size_t len;
	int i, n = 0;

	if (full_path(path, full) != 0)
		return -UK_EINVAL;
	len = strlen(full);
	for (i = 0; i < XS_NENT; i++)
		if (map[i].path[0] != '\0' && under(map[i].path, full, len)) {
			map[i].path[0] = '\0';
			n++;
		}
	return n > 0 ? 0 : -UK_ENOENT;
}

/* Appends name (up to '/') unless already listed; -1 if it does not fit. */
static int
add_child(char *buf, size_t size, size_t *used, const char *name)
{
	const char *slash = strchr(name, '/');
	size_t len = slash != NULL ? (size_t)(slash - name) : strlen(name);
	size_t off;

	for (off = 0; off < *used; off += strlen(buf + off) + 1)
		if (strlen(buf + off) == len &&
		    memcmp(buf + off, name, len) == 0)
			return 0;
	if (*used + len + 1 > size)
		return -1;
	memcpy(buf + *used, name, len);
	buf[*used + len] = '\0';
	*used += len + 1;
	return 1;
}

int
uk_xs_directory(const char *path, char *buf, size_t size)
{
	char full[XS_PATH];
	size_t len, used = 0;
	int i, rc, n = 0;

	if (full_path(path, full) != 0)
		return -UK_EINVAL;
	len = strlen(full);
	for (i = 0; i < XS_NENT; i++) {
		if (map[i].path[0] == '\0' || !under(map[i].path, full, len) ||
		    map[i].path[len] != '/')
			continue;
		if ((rc = add_child(buf, size, &used, map[i].path + len + 1)) <
		    0)
			return -UK_E2BIG;
		n += rc;
	}
	return n;
}

int
uk_xs_watch(struct uk_xs_watch *w, const char *path, uk_xs_watch_fn *fn,
    void *arg)
{
	(void)w;
	(void)path;
	(void)fn;
	(void)arg;
	return -UK_ENOSYS;
}

int
uk_xs_unwatch(struct uk_xs_watch *w)
{
	(void)w;
	return -UK_ENOSYS;
}

int
uk_xs_transaction_start(uint32_t *tx)
{
	(void)tx;
	return -UK_ENOSYS;
}

int
uk_xs_transaction_end(uint32_t tx, int commit)
{
	(void)commit;
	return tx == UK_XS_NOTX ? -UK_EINVAL : -UK_ENOENT;
}

/* No transaction can exist: only UK_XS_NOTX is a valid id. */
int
uk_xs_tx_read(uint32_t tx, const char *path, char *buf, size_t size)
{
	return tx == UK_XS_NOTX ? uk_xs_read(path, buf, size) : -UK_ENOENT;
}

int
uk_xs_tx_write(uint32_t tx, const char *path, const char *value)
{
	return tx == UK_XS_NOTX ? uk_xs_write(path, value) : -UK_ENOENT;
}

int
uk_xs_tx_rm(uint32_t tx, const char *path)
{
	return tx == UK_XS_NOTX ? uk_xs_rm(path) : -UK_ENOENT;
}

int
uk_xs_tx_directory(uint32_t tx, const char *path, char *buf, size_t size)
{
	return tx == UK_XS_NOTX ? uk_xs_directory(path, buf, size) : -UK_ENOENT;
}
