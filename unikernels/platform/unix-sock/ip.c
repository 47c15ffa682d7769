/* ip.c -- uk_ip_up: the address jitsud already gave eth0, checked */
#include "sockplat.h"
#include "net.h"

#include <ifaddrs.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <netinet/in.h>

/*
 * Nothing is configured here: jitsud's process backend set eth0's
 * address, MAC and default route before exec.  uk_ip_up() still reads
 * and checks the same keys as on Xen, so an image behaves the same on
 * both, and then makes sure an interface really holds that address (a
 * listener could not bind to it otherwise).  The process backend passes
 * the binding's cmdline as argv, without xl's jitsu.* words, but puts
 * them in the environment: a key missing from the command line is taken
 * from there (jitsu.ip from $JITSU_IP with jitsud's /24, jitsu.gw from
 * $JITSU_GW, jitsu.name from $JITSU_NAME).
 */

static uint32_t local_ip;
static int ip_up;

uint32_t
ip_local(void)
{
	return local_ip;
}

/* key from the command line, else $env; -UK_ENOENT if neither. */
static int
key_or_env(const char *key, const char *env, char *buf, size_t size)
{
	const char *v;
	int rc;

	if ((rc = uk_cmdline_get(key, buf, size)) != -UK_ENOENT)
		return rc;
	if ((v = getenv(env)) == NULL || *v == '\0')
		return -UK_ENOENT;
	return strlcpy(buf, v, size) < size ? (int)strlen(buf) : -UK_E2BIG;
}

static int
ip_config(struct uk_ipinfo *info)
{
	char buf[24];
	int rc;

	memset(info, 0, sizeof(*info));
	if (key_or_env("jitsu.ip", "JITSU_IP", buf, sizeof(buf)) < 0 ||
	    addr_cidr(buf, &info->ip, &info->mask) != 0)
		return -UK_EINVAL;
	rc = key_or_env("jitsu.gw", "JITSU_GW", buf, sizeof(buf));
	if (rc != -UK_ENOENT && (rc < 0 || uk_ip_parse(buf, &info->gw) != 0))
		return -UK_EINVAL;
	if (key_or_env("jitsu.name", "JITSU_NAME", info->name,
		sizeof(info->name)) < 0)
		info->name[0] = '\0';
	return 0;
}

/* The MAC of the interface named ifname, if getifaddrs lists it. */
static void
ip_mac(const struct ifaddrs *all, const char *ifname, uint8_t mac[6])
{
	const struct ifaddrs *a;
	const struct sockaddr_ll *ll;

	for (a = all; a != NULL; a = a->ifa_next) {
		if (a->ifa_addr == NULL ||
		    a->ifa_addr->sa_family != AF_PACKET ||
		    strcmp(a->ifa_name, ifname) != 0)
			continue;
		ll = (const struct sockaddr_ll *)(const void *)a->ifa_addr;
		if (ll->sll_halen == 6)
			memcpy(mac, ll->sll_addr, 6);
		return;
	}
}

/* 0 and the MAC if an interface holds ip, else -UK_ENOENT. */
static int
ip_find(uint32_t ip, uint8_t mac[6])
{
	struct ifaddrs *all, *a;
	const struct sockaddr_in *sin;
	int rc = -UK_ENOENT;

	if (getifaddrs(&all) != 0)
		return -UK_EIO;
	for (a = all; a != NULL; a = a->ifa_next) {
		if (a->ifa_addr == NULL || a->ifa_addr->sa_family != AF_INET)
			continue;
		sin = (const struct sockaddr_in *)(const void *)a->ifa_addr;
		if (ntohl(sin->sin_addr.s_addr) == ip) {
			ip_mac(all, a->ifa_name, mac);
			rc = 0;
			break;
		}
	}
	freeifaddrs(all);
	return rc;
}

int
uk_ip_up(struct uk_ipinfo *out)
{
	struct uk_ipinfo info;
	int rc;

	if (ip_up)
		return -UK_EBUSY;
	if ((rc = ip_config(&info)) != 0)
		return rc;
	if ((rc = ip_find(info.ip, info.mac)) != 0) {
		printf("unix-sock: no interface holds %u.%u.%u.%u (jitsud's "
		       "process backend configures eth0 before exec)\n",
		    info.ip >> 24, (info.ip >> 16) & 0xff,
		    (info.ip >> 8) & 0xff, info.ip & 0xff);
		return rc;
	}
	local_ip = info.ip;
	ip_up = 1;
	if (out != NULL)
		*out = info;
	return 0;
}
