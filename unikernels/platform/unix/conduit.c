/* conduit.c -- uk_conduit on unix-tap: not there (-UK_ENOSYS) */
#include "libuk.h"

/*
 * unix-tap has neither XenStore's broker nor vchan, and (unlike
 * unix-sock, platform/unix-sock/conduit.c) no local stand-in; uk.h says
 * these fail, so an application built for every platform links and
 * learns at run time that it has no conduit.  No conduit is ever made,
 * so the calls on one cannot happen.
 */

int
uk_conduit_listen(const char *name, uk_conduit_accept_fn *accept_fn,
    uk_conduit_fn *fn, void *arg)
{
	(void)name;
	(void)accept_fn;
	(void)fn;
	(void)arg;
	return -UK_ENOSYS;
}

int
uk_conduit_connect(const char *name, uk_conduit_fn *fn, void *arg,
    struct uk_conduit **cp)
{
	(void)name;
	(void)fn;
	(void)arg;
	(void)cp;
	return -UK_ENOSYS;
}

long
uk_conduit_read(struct uk_conduit *c, void *buf, size_t len)
{
	(void)c;
	(void)buf;
	(void)len;
	return -UK_ENOSYS;
}

long
uk_conduit_write(struct uk_conduit *c, const void *buf, size_t len)
{
	(void)c;
	(void)buf;
	(void)len;
	return -UK_ENOSYS;
}

void
uk_conduit_set_arg(struct uk_conduit *c, void *arg)
{
	(void)c;
	(void)arg;
}

void
uk_conduit_close(struct uk_conduit *c)
{
	(void)c;
}
