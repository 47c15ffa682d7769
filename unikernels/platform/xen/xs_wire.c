/* xs_wire.c -- XenStore wire messages: encode requests, check replies */
#include "xenplat.h"

/*
 * Pure functions: bytes in, bytes or verdicts out.  Everything received
 * comes from xenstored through shared memory and is checked before use.
 */

int
xs_encode(void *buf, size_t cap, uint32_t type, uint32_t req_id, uint32_t tx_id,
    const char *const *strs, size_t n, int last_nul)
{
	struct xsd_sockmsg hdr;
	char *p = (char *)buf + XS_HDR_LEN;
	size_t i, len, payload = 0;

	for (i = 0; i < n; i++)
		payload += strlen(strs[i]) + (i + 1 < n || last_nul ? 1 : 0);
	if (payload > XENSTORE_PAYLOAD_MAX || XS_HDR_LEN + payload > cap)
		return -UK_E2BIG;
	for (i = 0; i < n; i++) {
		len = strlen(strs[i]) + (i + 1 < n || last_nul ? 1 : 0);
		memcpy(p, strs[i], len);
		p += len;
	}
	hdr.type = type;
	hdr.req_id = req_id;
	hdr.tx_id = tx_id;
	hdr.len = (uint32_t)payload;
	memcpy(buf, &hdr, XS_HDR_LEN);
	return (int)(XS_HDR_LEN + payload);
}

int
xs_decode_header(const void *buf, struct xsd_sockmsg *hdr)
{
	memcpy(hdr, buf, XS_HDR_LEN);
	if (hdr->len > XENSTORE_PAYLOAD_MAX || hdr->type >= XS_TYPE_COUNT)
		return -UK_EBADMSG;
	return 0;
}

static const struct {
	const char *name;
	int num;
} xs_errors[] = {
	/* clang-format off */
	{ "EINVAL", UK_EINVAL },	{ "EACCES", UK_EACCES },
	{ "EEXIST", UK_EEXIST },	{ "EISDIR", UK_EINVAL },
	{ "ENOENT", UK_ENOENT },	{ "ENOMEM", UK_ENOMEM },
	{ "ENOSPC", UK_ENOSPC },	{ "EIO", UK_EIO },
	{ "ENOTEMPTY", UK_ENOTEMPTY },	{ "ENOSYS", UK_ENOSYS },
	{ "EROFS", UK_EROFS },		{ "EBUSY", UK_EBUSY },
	{ "EAGAIN", UK_EAGAIN },	{ "EISCONN", UK_EISCONN },
	{ "E2BIG", UK_E2BIG },		{ "EPERM", UK_EPERM },
	{ "EQUOTA", UK_EDQUOT },
	/* clang-format on */
};

int
xs_errno(const char *payload, size_t len)
{
	size_t i, n;

	/* The name comes NUL-terminated; tolerate a missing NUL. */
	n = strnlen(payload, len);
	for (i = 0; i < sizeof(xs_errors) / sizeof(xs_errors[0]); i++)
		if (strlen(xs_errors[i].name) == n &&
		    memcmp(xs_errors[i].name, payload, n) == 0)
			return xs_errors[i].num;
	return UK_EIO;
}

int
xs_watch_event(const char *payload, size_t len, const char **path,
    const char **token)
{
	size_t plen = strnlen(payload, len), tlen;

	if (plen == len)
		return -UK_EBADMSG;
	tlen = strnlen(payload + plen + 1, len - plen - 1);
	if (plen + 1 + tlen == len)
		return -UK_EBADMSG;
	*path = payload;
	*token = payload + plen + 1;
	return 0;
}

int
xs_directory_count(const char *payload, size_t len)
{
	size_t off = 0, n;
	int count = 0;

	while (off < len) {
		n = strnlen(payload + off, len - off);
		if (off + n == len)
			return -UK_EBADMSG; /* last name lacks its NUL */
		off += n + 1;
		count++;
	}
	return count;
}

int
xs_tx_id(const char *payload, size_t len, uint32_t *tx)
{
	uint64_t v = 0;
	size_t i, n = strnlen(payload, len);

	/* Decimal digits and their NUL; 0 would mean "no transaction". */
	if (n == 0 || n == len || n > 10 || payload[0] == '0')
		return -UK_EBADMSG;
	for (i = 0; i < n; i++) {
		if (payload[i] < '0' || payload[i] > '9')
			return -UK_EBADMSG;
		v = v * 10 + (uint64_t)(payload[i] - '0');
	}
	if (v > 0xffffffffu)
		return -UK_EBADMSG;
	*tx = (uint32_t)v;
	return 0;
}
