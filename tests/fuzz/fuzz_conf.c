/* fuzz_conf.c -- the configuration parser: conf_parse on the input */
#include <stdlib.h>

#include "fuzz.h"
#include "jitsud.h"

/*
 * The input is a jitsud.conf(5).  conf_parse must not fault or leak
 * whatever the file holds, must keep its tables within their bounds,
 * and conf_finish and conf_clear must work after any of it, as at a
 * reload that is refused.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct errors errs;
	struct conf	     c;
	const char	    *path;
	int		     n;

	if (size > 65536 || (path = fuzz_path(data, size)) == NULL)
		return 0;
	errs.count = 0;
	conf_init(&c);
	n = conf_parse(&c, path, &errs);
	FUZZ_CHECK(n >= 0 && (size_t)n == errs.count);
	FUZZ_CHECK(c.nlisten <= CONF_LISTEN_MAX);
	FUZZ_CHECK(c.nzones <= CONF_ZONES_MAX);
	conf_finish(&c);
	FUZZ_CHECK(c.nlisten > 0);
	conf_clear(&c);
	return 0;
}
