/* fuzz_file.c -- an input as a file, for parsers that take a path */
#include <sys/mman.h>
#include <stdio.h>
#include <unistd.h>

#include "fuzz.h"

/*
 * One memfd for the whole run, rewritten per input: opening
 * /proc/self/fd/N gives a fresh file description at offset 0, so the
 * parser's own fopen and fclose work as on a real file.
 */
const char *
fuzz_path(const uint8_t *data, size_t size)
{
	static int  fd = -1;
	static char path[64];

	if (fd == -1) {
		if ((fd = memfd_create("fuzz", 0)) == -1)
			return NULL;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) == -1 ||
	    (size > 0 && pwrite(fd, data, size, 0) != (ssize_t)size))
		return NULL;
	return path;
}
