/* sock_client.c -- one HTTP GET, and what TCP saw while it ran */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

/*
 * Usage: sock_client IP PORT PATH OUTFILE [fin]
 *
 * Connects, sends "GET PATH HTTP/1.1" with Connection: close, with `fin`
 * also shuts its sending side down at once (the server then holds a FIN
 * after the request), and reads the response into OUTFILE until the
 * server closes.  Then prints one line about the connection:
 *
 *   port=P bytes=N end=eof|reset|timeout retrans=R lost=L
 *
 * port is our local port (the adopted connection must be this one),
 * retrans and lost come from TCP_INFO just before the close.
 */

#define WAIT_MS 20000

static int
dial(const char *ip, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd;

	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, ip, &sin.sin_addr) != 1 ||
	    (fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		perror("sock_client: connect");
		exit(1);
	}
	return fd;
}

/* Reads until EOF: "eof", "reset" or "timeout"; *total bytes. */
static const char *
drain(int fd, FILE *out, size_t *total)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[65536];
	ssize_t n;

	for (;;) {
		if (poll(&p, 1, WAIT_MS) <= 0)
			return "timeout";
		if ((n = read(fd, buf, sizeof(buf))) == 0)
			return "eof";
		if (n < 0)
			return errno == ECONNRESET ? "reset" : "error";
		fwrite(buf, 1, (size_t)n, out);
		*total += (size_t)n;
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_in me;
	socklen_t len = sizeof(me);
	struct tcp_info ti;
	char req[512];
	const char *end;
	size_t total = 0;
	FILE *out;
	int fd, n;

	if (argc < 5) {
		fprintf(stderr,
		    "usage: sock_client IP PORT PATH OUTFILE "
		    "[fin]\n");
		return 2;
	}
	if ((out = fopen(argv[4], "w")) == NULL) {
		perror(argv[4]);
		return 1;
	}
	fd = dial(argv[1], atoi(argv[2]));
	n = snprintf(req, sizeof(req),
	    "GET %s HTTP/1.1\r\nHost: %s\r\n"
	    "Connection: close\r\n\r\n",
	    argv[3], argv[1]);
	if (write(fd, req, (size_t)n) != n ||
	    (argc > 5 && shutdown(fd, SHUT_WR) != 0)) {
		perror("sock_client: send");
		return 1;
	}
	end = drain(fd, out, &total);
	getsockname(fd, (struct sockaddr *)&me, &len);
	len = sizeof(ti);
	memset(&ti, 0, sizeof(ti));
	getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len);
	printf("port=%u bytes=%zu end=%s retrans=%u lost=%u\n",
	    (unsigned int)ntohs(me.sin_port), total, end, ti.tcpi_total_retrans,
	    ti.tcpi_lost);
	close(fd);
	return fclose(out) == 0 ? 0 : 1;
}
