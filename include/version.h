/* version.h -- the release both programs report (-V) */
#ifndef JITSUD_VERSION_H
#define JITSUD_VERSION_H

#define JITSUD_VERSION "0.1.0"

#endif /* JITSUD_VERSION_H */
