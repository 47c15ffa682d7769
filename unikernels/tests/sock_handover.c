/* sock_handover.c -- stand in for jitsud's side of the process hand-over */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

/*
 * Usage: sock_handover [-s SECONDS] RECFILE PROGRAM [ARG...]
 *
 * Starts PROGRAM with one end of a unix stream socketpair named by
 * $JITSU_SYNJITSU_FD, as jitsud's process backend does, and plays
 * jitsud: waits for "ready", sends each line of RECFILE (synrec lines)
 * and "count N", and reads "adopted K".  It prints "pid P", "ready",
 * "adopted K" on stdout as they happen, then stays as PROGRAM's parent:
 * SIGTERM and SIGINT are passed on, and it exits with PROGRAM's status
 * (128 + the signal if one killed it).
 *
 * -s SECONDS: a silent jitsud; after "ready" it sends nothing and holds
 * the socket open that long, to test that the guest does not wait.
 */

#define WAIT_MS 10000

static pid_t child = -1;

static void
forward(int sig)
{
	if (child > 0)
		kill(child, sig);
}

/* One line of our report; flushed: the test reads it while we run. */
static void
say(const char *what, const char *arg)
{
	printf("%s%s\n", what, arg);
	fflush(stdout);
}

/* One line from fd into buf (no newline); -1 on EOF or timeout. */
static int
read_line(int fd, char *buf, size_t size)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t n = 0;

	while (n + 1 < size) {
		if (poll(&p, 1, WAIT_MS) <= 0 || read(fd, buf + n, 1) != 1)
			return -1;
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	return 0;
}

static int
send_all(int fd, const char *s, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, s, len)) <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* RECFILE's lines, then the count; returns how many were sent. */
static int
send_records(int fd, const char *path)
{
	char line[4096], count[32];
	FILE *f;
	int n = 0;

	if ((f = fopen(path, "r")) == NULL) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (send_all(fd, line, strlen(line)) != 0)
			break;
		n++;
	}
	fclose(f);
	snprintf(count, sizeof(count), "count %d\n", n);
	return send_all(fd, count, strlen(count)) == 0 ? n : -1;
}

static void
start(int sv[2], char **argv)
{
	char env[16];

	if ((child = fork()) < 0) {
		perror("fork");
		exit(1);
	}
	if (child > 0)
		return;
	close(sv[0]);
	snprintf(env, sizeof(env), "%d", sv[1]);
	setenv("JITSU_SYNJITSU_FD", env, 1);
	execv(argv[0], argv);
	perror(argv[0]);
	_exit(127);
}

static void
converse(int fd, const char *recfile, int silent)
{
	char line[64], pid[16];
	int sent;

	snprintf(pid, sizeof(pid), "%d", (int)child);
	say("pid ", pid);
	if (read_line(fd, line, sizeof(line)) != 0 || strcmp(line, "ready")) {
		say("no ready line", "");
		return;
	}
	say("ready", "");
	if (silent > 0) {
		sleep((unsigned int)silent);
		return;
	}
	if ((sent = send_records(fd, recfile)) < 0) {
		say("cannot send the records", "");
		return;
	}
	if (read_line(fd, line, sizeof(line)) != 0) {
		say("no adopted line", "");
		return;
	}
	say(line, "");
}

int
main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = forward };
	int sv[2], status, silent = 0, i = 1;

	if (argc > 2 && strcmp(argv[1], "-s") == 0) {
		silent = atoi(argv[2]);
		i = 3;
	}
	if (argc - i < 2) {
		fprintf(stderr,
		    "usage: sock_handover [-s SECONDS] RECFILE "
		    "PROGRAM [ARG...]\n");
		return 2;
	}
	/* The guest's end survives exec; ours does not. */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0 ||
	    fcntl(sv[0], F_SETFD, FD_CLOEXEC) != 0) {
		perror("socketpair");
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	start(sv, argv + i + 1);
	close(sv[1]);
	converse(sv[0], argv[i], silent);
	close(sv[0]);
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
