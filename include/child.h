/* child.h -- what a child of jitsud that does not exec must let go of */
#ifndef CHILD_H
#define CHILD_H

/* Without /proc, descriptors below this are looked at. */
#define CHILD_FD_SCAN 4096

/*
 * In a forked child that will not exec: close every socket above
 * stderr.  Async-signal-safe.  Returns the number of descriptors looked
 * at, or -1 when /proc was not there (the fallback scan ran).
 */
int child_close_sockets(void);

#endif
