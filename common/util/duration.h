/* common/util/duration.h - Go/Kubernetes durations ("1m30s", "10m", "500ms", "1.5h"), as Flux's
 * interval and timeout fields are written, and RFC 3339 timestamps. */
#ifndef CF_DURATION_H
#define CF_DURATION_H

/* Parses text into milliseconds; CF_EINVAL with a message naming the text. */
int cf_duration_parse(long *ms, const char *text);

#define CF_DURATION_MAX 64
/* ms as Go's time.Duration.String() writes it, which is how flux prints its intervals:
 * "0s", "500ms", "1.5s", "1m0s", "1h30m0s". Negative values get a leading "-". */
void cf_duration_format(char out[CF_DURATION_MAX], long ms);

#define CF_TIME_MAX 40
/* The UTC time now in RFC 3339 with frac_digits (0, 3, 6 or 9) digits of the second:
 * "2026-01-02T03:04:05Z", "...05.123Z" (logs), "...05.123456Z" (a Lease's MicroTime),
 * "...05.123456789Z" (requestedAt, events). */
void cf_time_rfc3339(char out[CF_TIME_MAX], int frac_digits);
/* Parses an RFC 3339 time ("2026-01-02T03:04:05Z", a fraction, or an offset "+02:00") into
 * seconds since the epoch (UTC); CF_EINVAL when text is not one. */
int cf_time_parse_rfc3339(long long *secs, const char *text);

#endif
