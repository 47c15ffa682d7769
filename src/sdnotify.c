/* sdnotify.c -- systemd's notify protocol (Type=notify) without libsystemd */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jitsud.h"

/*
 * Fill *sun from $NOTIFY_SOCKET: a path, or an abstract socket when it
 * starts with '@'.  0 when unset (not run by systemd), -1 when malformed.
 */
static int
sdnotify_addr(struct sockaddr_un *sun, socklen_t *len)
{
	const char *path = getenv("NOTIFY_SOCKET");
	size_t	    n;

	if (path == NULL || *path == '\0')
		return 0;
	n = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || n >= sizeof(sun->sun_path))
		return -1;
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, n);
	if (path[0] == '@')
		sun->sun_path[0] = '\0';
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	return 1;
}

int
sdnotify(const char *state)
{
	struct sockaddr_un sun;
	socklen_t	   len;
	int		   fd, r;

	if ((r = sdnotify_addr(&sun, &len)) <= 0)
		return r;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	r = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
		(struct sockaddr *)&sun, len) == -1 ?
	    -1 :
	    1;
	close(fd);
	return r;
}

uint64_t
sdnotify_watchdog_usec(void)
{
	const char	  *usec = getenv("WATCHDOG_USEC");
	const char	  *pid = getenv("WATCHDOG_PID");
	char		  *end;
	unsigned long long v;

	if (usec == NULL)
		return 0;
	/* A watchdog meant for another process (our parent) is not ours. */
	if (pid != NULL && strtoll(pid, NULL, 10) != (long long)getpid())
		return 0;
	errno = 0;
	v = strtoull(usec, &end, 10);
	if (errno != 0 || *end != '\0' || end == usec)
		return 0;
	return v;
}
