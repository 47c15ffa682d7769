/* quietlog.h -- the silent log.c that unit tests link instead of src/log.c */
#ifndef JITSUD_QUIETLOG_H
#define JITSUD_QUIETLOG_H

/*
 * tests/unit/quietlog.c defines everything include/log.h declares but
 * log_ring_foreach (a test that needs a ring fakes its own lines).  It
 * prints nothing, counts warnings, and fatal/fatalx print their message
 * and abort, so a test that hits one fails loudly.
 */

/* log_warn and log_warnx calls since start (a test may reset it). */
extern int quietlog_warnings;

#endif /* JITSUD_QUIETLOG_H */
