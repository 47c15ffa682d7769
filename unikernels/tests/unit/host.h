/* host.h -- build libOS modules as host code for unit tests (-include'd) */
#ifndef UK_HOST_H
#define UK_HOST_H

/*
 * The libOS defines the libc subset under the ISO names.  Linked into a
 * host program those would replace glibc's for everyone (cmocka, ASan's
 * interceptors), so the tests build them under a ukt_ prefix instead.
 * Test files use cmocka's assertions, never the host's string functions.
 */
#define memcpy	  ukt_memcpy
#define memmove	  ukt_memmove
#define memset	  ukt_memset
#define memcmp	  ukt_memcmp
#define memchr	  ukt_memchr
#define strlen	  ukt_strlen
#define strnlen	  ukt_strnlen
#define strcmp	  ukt_strcmp
#define strncmp	  ukt_strncmp
#define strchr	  ukt_strchr
#define strrchr	  ukt_strrchr
#define strlcpy	  ukt_strlcpy
#define strtoul	  ukt_strtoul
#define printf	  ukt_printf
#define vprintf	  ukt_vprintf
#define snprintf  ukt_snprintf
#define vsnprintf ukt_vsnprintf

#endif /* UK_HOST_H */
