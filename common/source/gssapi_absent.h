/* common/source/gssapi_absent.h - the GSS-API functions libgit2 refers to, for a link without
 * Kerberos (gssapi_absent.c: why they are never called, and which binaries link them). */
#ifndef CF_GSSAPI_ABSENT_H
#define CF_GSSAPI_ABSENT_H

/* How many GSS-API calls reached these functions in this process (tests: none should). */
unsigned long cf_gssapi_calls(void);

#endif
