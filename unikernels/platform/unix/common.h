/* common.h -- what the two unix bindings (unix-tap, unix-sock) share */
#ifndef UNIX_COMMON_H
#define UNIX_COMMON_H

#include "libuk.h"

/*
 * The libOS as an ordinary Linux process, whichever network it has:
 * console = stdout, time = CLOCK_MONOTONIC, the command line from argv,
 * the toolstack's shutdown request = SIGTERM or SIGINT, XenStore = a map
 * in the process.  common.c and xs.c implement those uk.h and libuk.h
 * calls for both bindings; each binding adds its network, its waiting
 * (plat_dispatch, plat_wait) and main().  Built with tests/unit/host.h
 * force-included: none of these files may include <string.h> or
 * <stdio.h>, whose declarations would be renamed.
 */

/* common.c */
/*
 * At start-up, from main(): takes the command line (argv[1..] joined by
 * blanks, or $UK_CMDLINE when there are no arguments), ignores SIGPIPE
 * and makes SIGTERM and SIGINT write a byte to a non-blocking self-pipe
 * (common_sigfd).  plat names the binding in the panic if the pipe
 * cannot be made.
 */
void common_init(const char *plat, int argc, char **argv);
/*
 * The self-pipe's read end (non-blocking).  The binding waits on it for
 * input and reads it; each request it reads is passed on with
 * common_shutdown_request().
 */
int common_sigfd(void);
/*
 * A shutdown request came: says so on the console and runs the
 * application's uk_on_shutdown() handler, or powers off without one.
 */
void common_shutdown_request(void);

/* xs.c */
/* Called with the new value when data/status is written. */
void xs_status_hook(const char *value);

#endif /* UNIX_COMMON_H */
