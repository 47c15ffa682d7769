/* tapnet.c -- the NIC as a Linux TAP device (IFF_TAP | IFF_NO_PI) */
#include "unixplat.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/if.h>
#include <linux/if_tun.h>

/*
 * The device is named by uk.tap= on the command line or $UK_TAP and must
 * exist (the test creates it, up, in its namespace); we only attach.
 * Our MAC is uk.mac= or a locally administered address derived from the
 * pid.  Each read(2) of the non-blocking fd is one frame.
 *
 * Optional impairment for tests (uk.loss=PCT, uk.reorder=PCT, uk.seed=):
 * frames are dropped in both directions with the given probability, and
 * reordered by holding one back behind the next frame in its direction.
 * A held transmit frame goes out after HOLD_MAX at the latest.
 */

#define HOLD_MAX UK_MSEC(10)

static int tap_fd = -1;
static struct impair imp;
static uint8_t rx_held[UK_NET_MTU_FRAME], tx_held[UK_NET_MTU_FRAME];
static size_t rx_held_len, tx_held_len;
static int rx_release;
static uint64_t tx_held_at;

static unsigned long
key_num(const char *key)
{
	char buf[24];

	if (uk_cmdline_get(key, buf, sizeof(buf)) <= 0)
		return 0;
	return strtoul(buf, NULL, 0);
}

static int
tap_attach(const char *name)
{
	struct ifreq ifr;
	int fd;

	if ((fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0)
		return -UK_ENOENT;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	(void)strlcpy(ifr.ifr_name, name, sizeof(ifr.ifr_name));
	if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
		printf("tapnet: TUNSETIFF %s: errno %d\n", name, errno);
		close(fd);
		return -UK_EIO;
	}
	return fd;
}

int
uk_net_open(struct uk_netinfo *info)
{
	char name[IFNAMSIZ], mac[24];
	const char *env = getenv("UK_TAP");
	pid_t pid = getpid();
	int fd;

	if (tap_fd >= 0)
		return -UK_EBUSY;
	if (uk_cmdline_get("uk.tap", name, sizeof(name)) <= 0) {
		if (env == NULL ||
		    strlcpy(name, env, sizeof(name)) >= sizeof(name))
			return -UK_ENOENT;
	}
	if (uk_cmdline_get("uk.mac", mac, sizeof(mac)) > 0) {
		if (mac_parse(mac, info->mac) != 0)
			return -UK_EINVAL;
	} else {
		info->mac[0] = 0x02;
		info->mac[1] = 0x75;
		info->mac[2] = 0x6b;
		info->mac[3] = (uint8_t)(pid >> 16);
		info->mac[4] = (uint8_t)(pid >> 8);
		info->mac[5] = (uint8_t)pid;
	}
	if ((fd = tap_attach(name)) < 0)
		return fd;
	impair_init(&imp, (unsigned int)key_num("uk.loss"),
	    (unsigned int)key_num("uk.reorder"), key_num("uk.seed"));
	tap_fd = fd;
	unix_watch_fd(fd);
	return 0;
}

static int
tap_write(const void *frame, size_t len)
{
	ssize_t n;

	do
		n = write(tap_fd, frame, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? -UK_EAGAIN : -UK_EIO;
	return 0;
}

void
tapnet_flush(uint64_t now)
{
	if (tx_held_len > 0 && now >= tx_held_at) {
		(void)tap_write(tx_held, tx_held_len);
		tx_held_len = 0;
	}
}

uint64_t
tapnet_next(void)
{
	return tx_held_len > 0 ? tx_held_at : UK_FOREVER;
}

int
uk_net_send(const void *frame, size_t len)
{
	int rc;

	if (tap_fd < 0)
		return -UK_EIO;
	if (len < 14 || len > UK_NET_MTU_FRAME)
		return -UK_EINVAL;
	if (impair_roll(&imp, imp.loss))
		return 0; /* lost on the wire */
	if (tx_held_len == 0 && impair_roll(&imp, imp.reorder)) {
		memcpy(tx_held, frame, len);
		tx_held_len = len;
		tx_held_at = uk_now() + HOLD_MAX;
		return 0;
	}
	rc = tap_write(frame, len);
	tapnet_flush(0 - 1ULL); /* the held one goes after it */
	return rc;
}

/* One frame from the device: its length, -UK_EAGAIN, or -UK_E2BIG. */
static int
tap_read(void *buf, size_t size)
{
	uint8_t big[65536];
	ssize_t n;

	do
		n = read(tap_fd, big, sizeof(big));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -UK_EAGAIN;
	if ((size_t)n > size)
		return -UK_E2BIG;
	memcpy(buf, big, (size_t)n);
	return (int)n;
}

static int
take_held(void *buf)
{
	int n = (int)rx_held_len;

	memcpy(buf, rx_held, rx_held_len);
	rx_held_len = 0;
	rx_release = 0;
	return n;
}

int
uk_net_recv(void *buf, size_t size)
{
	int n;

	if (tap_fd < 0)
		return -UK_EIO;
	if (rx_release)
		return take_held(buf);
	for (;;) {
		n = tap_read(buf, size);
		if (n == -UK_EAGAIN && rx_held_len > 0)
			return take_held(buf);
		if (n < 0)
			return n;
		if (impair_roll(&imp, imp.loss))
			continue; /* lost on the wire */
		if (rx_held_len > 0) {
			rx_release = 1; /* the held one comes next */
			return n;
		}
		if (impair_roll(&imp, imp.reorder) &&
		    (size_t)n <= sizeof(rx_held)) {
			memcpy(rx_held, buf, (size_t)n);
			rx_held_len = (size_t)n;
			continue;
		}
		return n;
	}
}

int
tapnet_pending(void)
{
	struct pollfd p = { .fd = tap_fd, .events = POLLIN };

	if (tap_fd < 0)
		return 0;
	return rx_held_len > 0 || poll(&p, 1, 0) > 0;
}
