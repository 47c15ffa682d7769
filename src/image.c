/* image.c -- kernel and ramdisk images, read once at load and kept */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jitsud.h"
#include "log.h"

/*
 * The domain builder opens the kernel= file on every summon.  Reading it
 * there costs a disk read on the critical path the first time, and lets
 * an image that was fine when the zone was loaded be half-copied,
 * replaced or gone when a query comes.  So each image is read once, when
 * a zone naming it is loaded, and kept as a private copy in a tmpfs
 * folder (/run/jitsud/images): memory, not disk, and only ours.  libxl
 * is then given the copy's path.
 *
 * A copy is named by a hash of its content: a reload that names an
 * unchanged file reuses the copy without reading the file again (same
 * device, inode, size and mtime), and a changed file gets a new copy
 * (a domain builder that already opened the old one reads on).  After a
 * load that was taken, every file in the folder that no binding names
 * any more is removed, leftovers of an earlier run included.
 */

#define IMAGE_MAX_BYTES (256UL << 20) /* far above any guest kernel */

struct image {
	char	       *src;  /* the path the zone names */
	char	       *copy; /* our copy's path */
	dev_t		dev;
	ino_t		ino;
	off_t		size;
	struct timespec mtime;
	unsigned int	gen;	  /* last load that named it */
	int		features; /* image_features */
};

struct image_cache {
	char	      dir[PATH_MAX];
	struct image *img;
	size_t	      n;
	unsigned int  gen;
};

/* FNV-1a, 64 bits: names copies, not a security boundary. */
static uint64_t
image_hash(const uint8_t *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (len-- > 0) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* mkdir -p, the last component private. */
static int
mkdir_p(const char *dir)
{
	char  path[PATH_MAX];
	char *p;

	strcpy(path, dir);
	for (p = path + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(path, 0755) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(path, 0700) == -1 && errno != EEXIST ? -1 : 0;
}

struct image_cache *
image_cache_new(const char *dir, char *err, size_t errlen)
{
	struct image_cache *c;

	if (strlen(dir) >= sizeof(c->dir)) {
		/* Bounded: a 32-bit GCC (armhf) warns that an unbounded
		 * %s of a string known to be long may pass INT_MAX. */
		snprintf(err, errlen, "%.200s...: path too long", dir);
		return NULL;
	}
	if (mkdir_p(dir) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	strcpy(c->dir, dir);
	return c;
}

void
image_cache_free(struct image_cache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->img[i].src);
		free(c->img[i].copy);
	}
	free(c->img);
	free(c);
}

void
image_cache_begin(struct image_cache *c)
{
	c->gen++;
}

static int
same_file(const struct image *im, const struct stat *st)
{
	return im->dev == st->st_dev && im->ino == st->st_ino &&
	    im->size == st->st_size && im->mtime.tv_sec == st->st_mtim.tv_sec &&
	    im->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* Reads all of fd (size bytes, as fstat said) into a new buffer. */
static uint8_t *
read_all(int fd, size_t size, char *err, size_t errlen)
{
	uint8_t *buf;
	size_t	 got = 0;
	ssize_t	 n;

	if ((buf = malloc(size > 0 ? size : 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	while (got < size) {
		if ((n = read(fd, buf + got, size - got)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			snprintf(err, errlen, "%s",
			    n == 0 ? "file shrank while read" :
				     strerror(errno));
			free(buf);
			return NULL;
		}
		got += (size_t)n;
	}
	return buf;
}

/* Writes buf to path through a temporary name, so no half copy exists. */
static int
write_copy(const char *path, const uint8_t *buf, size_t len, char *err,
    size_t errlen)
{
	char	tmp[PATH_MAX + 8];
	size_t	off = 0;
	ssize_t n;
	int	fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) ==
	    -1)
		goto fail;
	while (off < len) {
		if ((n = write(fd, buf + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			close(fd);
			goto fail;
		}
		off += (size_t)n;
	}
	if (close(fd) == -1 || rename(tmp, path) == -1)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "cannot keep a copy in %s: %s", tmp,
	    strerror(errno));
	unlink(tmp);
	return -1;
}

/* What any image must be, kept or only checked (jitsud -n). */
static int
image_usable(const struct stat *st, char *err, size_t errlen)
{
	if (!S_ISREG(st->st_mode) || st->st_size == 0 ||
	    (uint64_t)st->st_size > IMAGE_MAX_BYTES) {
		snprintf(err, errlen, "not a regular file of 1 byte to %lu MiB",
		    IMAGE_MAX_BYTES >> 20);
		return -1;
	}
	return 0;
}

int
image_check(const char *src, char *err, size_t errlen)
{
	struct stat st;

	if (stat(src, &st) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	return image_usable(&st, err, errlen);
}

/* Little-endian fields of an ELF header, at p (bounds checked by the
 * caller). */
static uint64_t
image_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

/* The notes in buf[off, off+len): what a "jitsud" note says. */
static int
image_notes(const uint8_t *buf, uint64_t off, uint64_t len)
{
	const size_t name_len = sizeof(IMAGE_NOTE_NAME);
	uint64_t     namesz, descsz, type, at = 0;
	int	     features = 0;

	while (len - at >= 12) {
		namesz = image_le(buf + off + at, 4);
		descsz = image_le(buf + off + at + 4, 4);
		type = image_le(buf + off + at + 8, 4);
		at += 12;
		/* Name and descriptor, each padded to 4 bytes. */
		if (namesz > len - at || ((namesz + 3) & ~3ULL) > len - at)
			break;
		if (namesz == name_len &&
		    memcmp(buf + off + at, IMAGE_NOTE_NAME, name_len) == 0) {
			if (type == IMAGE_NOTE_VIF_ADOPT)
				features |= IMAGE_VIF_ADOPT;
			else if (type == IMAGE_NOTE_RECORDS_EARLY)
				features |= IMAGE_RECORDS_EARLY;
		}
		at += (namesz + 3) & ~3ULL;
		if (descsz > len - at || ((descsz + 3) & ~3ULL) > len - at)
			break;
		at += (descsz + 3) & ~3ULL;
	}
	return features;
}

/*
 * The program headers' PT_NOTE segments, as a loader sees them (the
 * note is in the segment Xen's own notes are in).  Every offset and
 * size is checked against len: the file is the operator's.
 */
int
image_features(const uint8_t *buf, size_t len)
{
	uint64_t phoff, phentsize, phnum, i, off, sz, p;
	int	 wide, features = 0;

	if (len < 52 || memcmp(buf, "\177ELF", 4) != 0 || buf[5] != 1)
		return 0; /* not ELF, or not little-endian */
	if (buf[4] == 2 && len >= 64) {
		wide = 1;
		phoff = image_le(buf + 32, 8);
		phentsize = image_le(buf + 54, 2);
		phnum = image_le(buf + 56, 2);
	} else if (buf[4] == 1) {
		wide = 0;
		phoff = image_le(buf + 28, 4);
		phentsize = image_le(buf + 42, 2);
		phnum = image_le(buf + 44, 2);
	} else
		return 0;
	if (phentsize < (wide ? 56U : 32U) || phoff > len ||
	    phnum > (len - phoff) / phentsize)
		return 0;
	for (i = 0; i < phnum; i++) {
		p = phoff + i * phentsize;
		if (image_le(buf + p, 4) != 4) /* PT_NOTE */
			continue;
		off = image_le(buf + p + (wide ? 8 : 4), wide ? 8 : 4);
		sz = image_le(buf + p + (wide ? 32 : 16), wide ? 8 : 4);
		if (off > len || sz > len - off)
			continue;
		features |= image_notes(buf, off, sz);
	}
	return features;
}

/* Reads src (already open as fd, described by st) and keeps a copy. */
static int
image_take(struct image_cache *c, struct image *im, int fd,
    const struct stat *st, char *err, size_t errlen)
{
	const char *base;
	uint8_t	   *buf;
	char	    path[PATH_MAX];
	int	    n, features;

	if (image_usable(st, err, errlen) == -1)
		return -1;
	if ((buf = read_all(fd, (size_t)st->st_size, err, errlen)) == NULL)
		return -1;
	base = strrchr(im->src, '/');
	base = base != NULL ? base + 1 : im->src;
	n = snprintf(path, sizeof(path), "%s/%016llx-%.64s", c->dir,
	    (unsigned long long)image_hash(buf, (size_t)st->st_size), base);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		snprintf(err, errlen, "image cache path too long");
		free(buf);
		return -1;
	}
	n = write_copy(path, buf, (size_t)st->st_size, err, errlen);
	features = image_features(buf, (size_t)st->st_size);
	free(buf);
	if (n == -1)
		return -1;
	free(im->copy);
	if ((im->copy = strdup(path)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	im->features = features;
	im->dev = st->st_dev;
	im->ino = st->st_ino;
	im->size = st->st_size;
	im->mtime = st->st_mtim;
	log_debug("image %s: kept as %s (%lld bytes)", im->src, im->copy,
	    (long long)im->size);
	return 0;
}

static struct image *
image_find(struct image_cache *c, const char *src)
{
	struct image *im;
	size_t	      i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->img[i].src, src) == 0)
			return &c->img[i];
	if ((im = reallocarray(c->img, c->n + 1, sizeof(*im))) == NULL)
		return NULL;
	c->img = im;
	im = &c->img[c->n];
	memset(im, 0, sizeof(*im));
	if ((im->src = strdup(src)) == NULL)
		return NULL;
	c->n++;
	return im;
}

const char *
image_cache_get(struct image_cache *c, const char *src, int *features,
    char *err, size_t errlen)
{
	struct image *im;
	struct stat   st;
	int	      fd, rc = 0;

	if ((im = image_find(c, src)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((fd = open(src, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		if (fd != -1)
			close(fd);
		return NULL;
	}
	if (im->copy == NULL || !same_file(im, &st) ||
	    access(im->copy, R_OK) == -1)
		rc = image_take(c, im, fd, &st, err, errlen);
	close(fd);
	if (rc == -1)
		return NULL;
	im->gen = c->gen;
	if (features != NULL)
		*features = im->features;
	return im->copy;
}

/* Is path the copy of an image of the current load? */
static int
copy_in_use(const struct image_cache *c, const char *path)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->img[i].copy != NULL && strcmp(c->img[i].copy, path) == 0)
			return 1;
	return 0;
}

void
image_cache_sweep(struct image_cache *c)
{
	struct dirent *de;
	DIR	      *d;
	char	       path[PATH_MAX];
	size_t	       i = 0;

	while (i < c->n) {
		if (c->img[i].gen == c->gen) {
			i++;
			continue;
		}
		free(c->img[i].src);
		free(c->img[i].copy);
		c->img[i] = c->img[--c->n];
	}
	/*
	 * The folder, not the table, is what is swept: it also holds the
	 * copies replaced by a changed file and those a previous run left.
	 */
	if ((d = opendir(c->dir)) == NULL) {
		log_warn("image cache: %s", c->dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    snprintf(path, sizeof(path), "%s/%s", c->dir, de->d_name) >=
			(int)sizeof(path))
			continue;
		if (!copy_in_use(c, path) && unlink(path) == -1 &&
		    errno != ENOENT)
			log_warn("image cache: %s", path);
	}
	closedir(d);
}
