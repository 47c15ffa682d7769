/* fuzz.h -- what every libFuzzer harness in tests/fuzz shares */
#ifndef JITSUD_FUZZ_H
#define JITSUD_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/*
 * Each tests/fuzz/fuzz_NAME.c is one harness: libFuzzer calls
 * LLVMFuzzerTestOneInput with an input it made, the harness hands it to
 * one parser of untrusted bytes the way the daemon or the libOS does,
 * and checks the parser's documented contract.  A broken contract
 * aborts (FUZZ_CHECK), which libFuzzer reports as a crash with the input
 * kept; ASan and UBSan abort on memory and undefined-behaviour errors.
 * No harness touches the network, the clock or a global outside itself.
 */
/* Optional for libFuzzer: a harness with set-up to do defines it. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

void fuzz_fail(const char *file, int line, const char *what)
    __attribute__((noreturn));
#define FUZZ_CHECK(c)                                      \
	do {                                               \
		if (!(c))                                  \
			fuzz_fail(__FILE__, __LINE__, #c); \
	} while (0)

/*
 * Stateful harnesses read their input as a script: fuzz_take takes the
 * next n bytes (fewer at the end), fuzz_byte one byte (0 at the end).
 */
struct fuzz_in {
	const uint8_t *p;
	size_t	       left;
};

size_t	 fuzz_take(struct fuzz_in *in, const uint8_t **p, size_t n);
uint8_t	 fuzz_byte(struct fuzz_in *in);
uint16_t fuzz_u16(struct fuzz_in *in);

/*
 * fuzz_path: the input as a file, for parsers that open a path (zone
 * and config files).  The file is a memfd, named /proc/self/fd/N, so no
 * directory is written.  Returns the path (static), or NULL.
 */
const char *fuzz_path(const uint8_t *data, size_t size);

/*
 * fuzz_dns_message: r[0..len) is one whole DNS message (its counts,
 * names, compression pointing back, lengths, nothing left over), else
 * the harness fails (fuzz_dnsmsg.c).
 */
void fuzz_dns_message(const uint8_t *r, size_t len);

#endif /* JITSUD_FUZZ_H */
