/* common/util/duration.h - Go/Kubernetes durations ("1m30s", "10m", "500ms", "1.5h"), as Flux's
 * interval and timeout fields are written. */
#ifndef CF_DURATION_H
#define CF_DURATION_H

/* Parses text into milliseconds; CF_EINVAL with a message naming the text. */
int cf_duration_parse(long *ms, const char *text);

#endif
