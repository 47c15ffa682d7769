/* child.c -- what a child of jitsud that does not exec must let go of */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"

/*
 * libxl forks helpers that never exec (a domain's destroy runs
 * xc_domain_destroy in a child), so they keep a copy of every open
 * descriptor, CLOEXEC or not.  A helper that hangs then holds jitsud's
 * sockets past jitsud's own end: its DNS sockets (bound with
 * SO_REUSEPORT, so the next jitsud binds beside them and the kernel
 * hands a share of the queries to a process that never reads them),
 * its control socket, its packet sockets (the bridge stays
 * promiscuous), its clients' TCP connections.  The helpers need no
 * socket of ours: libxl's own XenStore connection is dropped in the
 * child by libxl, the save helper talks over pipes, and the hypervisor
 * is reached through device files.  So every socket goes, and nothing
 * else.
 *
 * Only async-signal-safe calls: the parent has other threads, so the
 * child may run no code that takes a lock one of them held (no
 * opendir, no malloc): getdents64 straight into a buffer on the stack.
 */

struct child_dirent {
	uint64_t       d_ino;
	int64_t	       d_off;
	unsigned short d_reclen;
	unsigned char  d_type;
	char	       d_name[];
};

static int
child_fd_of(const char *name)
{
	int fd = 0;

	if (*name == '\0')
		return -1;
	for (; *name != '\0'; name++) {
		if (*name < '0' || *name > '9' || fd > 1000000)
			return -1;
		fd = fd * 10 + (*name - '0');
	}
	return fd;
}

static void
child_close_if_socket(int fd, int keep)
{
	struct stat st;

	if (fd > 2 && fd != keep && fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode))
		close(fd);
}

int
child_close_sockets(void)
{
	char		     buf[4096] __attribute__((aligned(8)));
	struct child_dirent *d;
	long		     n, off;
	int		     dir, fd, closed = 0;

	/* /proc/self/fd's own descriptor is listed too: keep it open. */
	if ((dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		/* No /proc: every descriptor the limit allows, as a last resort. */
		for (fd = 3; fd < CHILD_FD_SCAN; fd++)
			child_close_if_socket(fd, -1);
		return -1;
	}
	while ((n = syscall(SYS_getdents64, dir, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n; off += d->d_reclen) {
			d = (struct child_dirent *)(void *)(buf + off);
			if ((fd = child_fd_of(d->d_name)) >= 0) {
				child_close_if_socket(fd, dir);
				closed++;
			}
		}
	}
	close(dir);
	return closed;
}
