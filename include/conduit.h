/* conduit.h -- the conduit rendezvous (conduit(7)): names, requests, state */
#ifndef JITSUD_CONDUIT_H
#define JITSUD_CONDUIT_H

#include <stddef.h>

#define CONDUIT_NAME_MAX  253 /* presentation form, without the final dot */
#define CONDUIT_LABEL_MAX 63

/*
 * conduit_name: check the n bytes at s as a conduit name (conduit(7):
 * letter-digit-hyphen labels of 1 to 63 characters, not starting or
 * ending with a hyphen, at most 253 characters without an optional
 * final dot) and write it in canonical form, lower case without the
 * final dot, to out[CONDUIT_NAME_MAX + 1].  Returns 0, or -1 (out then
 * holds nothing of use).  s need not be NUL-terminated.
 */
int conduit_name(const char *s, size_t n, char *out);

#endif /* JITSUD_CONDUIT_H */
