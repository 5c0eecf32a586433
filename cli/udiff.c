/* cli/udiff.c - a unified diff of two texts: Myers' O(ND) shortest edit script over line
 * classes, then GNU diff's boundary shifting (so that a change that could sit in several
 * places sits where `diff -u` puts it), then hunks printed as `diff -u` prints them. */
#include "udiff.h"

#include "util/alloc.h"
#include "util/err.h"

#include <stdint.h>
#include <string.h>

typedef struct line {
	const char *p;
	size_t len;   /* without the newline */
	int nl;       /* ends with a newline (only the last line of a text may not) */
} line;

typedef struct side {
	line *lines;
	size_t n;
	long *cls;        /* equivalence class of each line: equal lines, equal classes */
	char *changed;    /* n + 2 flags: changed[-1] and changed[n] are 0 (sentinels) */
} side;

static void side_free(side *s)
{
	cf_free(s->lines);
	cf_free(s->cls);
	if (s->changed)
		cf_free(s->changed - 1);
}

static int split_lines(side *s, const char *t, size_t len)
{
	size_t n = 0, i = 0;

	for (size_t j = 0; j < len; j++)
		n += t[j] == '\n';
	n += len > 0 && t[len - 1] != '\n';
	s->n = n;
	s->lines = cf_calloc(n + 1, sizeof(*s->lines));
	s->cls = cf_calloc(n + 1, sizeof(*s->cls));
	s->changed = cf_calloc(n + 2, 1);
	if (s->lines == NULL || s->cls == NULL || s->changed == NULL)
		return cf_err_set(CF_ENOMEM, "diff: out of memory");
	s->changed++;
	for (size_t start = 0; start < len; i++) {
		const char *nl = memchr(t + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - t) : len;
		s->lines[i] = (line){ t + start, end - start, nl != NULL };
		start = end + 1;
	}
	return 0;
}

static uint64_t line_hash(const line *l)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < l->len; i++)
		h = (h ^ (unsigned char)l->p[i]) * 1099511628211ULL;
	return (h ^ (uint64_t)l->nl) * 1099511628211ULL;
}

static int line_eq(const line *x, const line *y)
{
	return x->len == y->len && x->nl == y->nl && memcmp(x->p, y->p, x->len) == 0;
}

/* Numbers the distinct lines of both sides (open addressing over representatives). */
static int classify(side *a, side *b)
{
	size_t size = 16, total = a->n + b->n;
	const line **slot;
	long *id, next = 0;

	while (size < 2 * total + 2)
		size *= 2;
	slot = cf_calloc(size, sizeof(*slot));
	id = cf_calloc(size, sizeof(*id));
	if (slot == NULL || id == NULL) {
		cf_free(slot);
		cf_free(id);
		return cf_err_set(CF_ENOMEM, "diff: out of memory");
	}
	for (int s = 0; s < 2; s++) {
		side *sd = s ? b : a;
		for (size_t i = 0; i < sd->n; i++) {
			size_t h = (size_t)line_hash(&sd->lines[i]) & (size - 1);
			while (slot[h] && !line_eq(slot[h], &sd->lines[i]))
				h = (h + 1) & (size - 1);
			if (slot[h] == NULL) {
				slot[h] = &sd->lines[i];
				id[h] = next++;
			}
			sd->cls[i] = id[h];
		}
	}
	cf_free(slot);
	cf_free(id);
	return 0;
}

/* Marks a[a0..a0+n) and b[b0..b0+m) changed where a shortest edit script deletes or inserts
 * (Myers 1986, forward search, the frontier of every step kept for the way back). Beyond
 * CLI_UDIFF_MAX_EDITS edits, everything in the range is marked. */
static int mark_edits(side *a, side *b, size_t a0, size_t n, size_t b0, size_t m)
{
	long max = (long)(n + m), dmax = max < CLI_UDIFF_MAX_EDITS ? max : CLI_UDIFF_MAX_EDITS;
	long off = dmax + 1, *v = cf_calloc((size_t)(2 * dmax + 3), sizeof(*v)), *trace = NULL, found = -1;
	size_t trace_cap = 0;

	if (v == NULL)
		return cf_err_set(CF_ENOMEM, "diff: out of memory");
	for (long d = 0; d <= dmax && found < 0; d++) {
		size_t base = (size_t)(d * (d + 1) / 2);
		if (base + (size_t)d + 1 > trace_cap) {
			size_t cap = trace_cap ? trace_cap * 2 : 1024;
			long *t;
			while (cap < base + (size_t)d + 1)
				cap *= 2;
			if ((t = cf_realloc(trace, cap * sizeof(*t))) == NULL) {
				cf_free(v);
				cf_free(trace);
				return cf_err_set(CF_ENOMEM, "diff: out of memory");
			}
			trace = t;
			trace_cap = cap;
		}
		for (long k = -d; k <= d; k += 2) {
			long x = (k == -d || (k != d && v[off + k - 1] < v[off + k + 1])) ? v[off + k + 1] : v[off + k - 1] + 1;
			long y = x - k;
			while (x < (long)n && y < (long)m && a->cls[a0 + (size_t)x] == b->cls[b0 + (size_t)y]) {
				x++;
				y++;
			}
			v[off + k] = x;
			trace[base + (size_t)((k + d) / 2)] = x;
			if (x >= (long)n && y >= (long)m)
				found = d;
		}
	}
	if (found < 0) {
		memset(a->changed + a0, 1, n);
		memset(b->changed + b0, 1, m);
	} else {
		long x = (long)n, y = (long)m;
		for (long d = found; d > 0; d--) {
			const long *prev = trace + (size_t)((d - 1) * d / 2);
			long k = x - y, pk, px;
			int down = k == -d || (k != d && prev[(k - 1 + d - 1) / 2] < prev[(k + 1 + d - 1) / 2]);
			pk = down ? k + 1 : k - 1;
			px = prev[(pk + d - 1) / 2];
			if (down)
				b->changed[b0 + (size_t)(px - pk)] = 1;
			else
				a->changed[a0 + (size_t)px] = 1;
			x = px;
			y = px - pk;
		}
	}
	cf_free(v);
	cf_free(trace);
	return 0;
}

/* GNU diff's shift_boundaries (analyze.c): slides each run of changes as far down as it goes,
 * merging with runs it meets, then back up to line up with a run in the other file. */
static void shift_boundaries(side *s, side *other)
{
	char *changed = s->changed, *other_changed = other->changed;
	const long *equivs = s->cls;
	long i = 0, j = 0, i_end = (long)s->n;

	for (;;) {
		long runlength, start, corresponding;

		while (i < i_end && !changed[i]) {
			while (other_changed[j++])
				;
			i++;
		}
		if (i == i_end)
			break;
		start = i;
		while (changed[++i])
			;
		while (other_changed[j])
			j++;
		do {
			runlength = i - start;
			while (start && equivs[start - 1] == equivs[i - 1]) {
				changed[--start] = 1;
				changed[--i] = 0;
				while (changed[start - 1])
					start--;
				while (other_changed[--j])
					;
			}
			corresponding = other_changed[j - 1] ? i : i_end;
			while (i != i_end && equivs[start] == equivs[i]) {
				changed[start++] = 0;
				changed[i++] = 1;
				while (changed[i])
					i++;
				while (other_changed[++j])
					corresponding = i;
			}
		} while (runlength != i - start);
		while (corresponding < i) {
			changed[--start] = 1;
			changed[--i] = 0;
			while (other_changed[--j])
				;
		}
	}
}

typedef struct change {
	size_t l0, l1, del, ins;
} change;

static int put_line(cf_buf *out, char mark, const line *l)
{
	int rc = cf_buf_putc(out, mark);

	if (rc == 0)
		rc = cf_buf_append(out, l->p, l->len);
	if (rc == 0)
		rc = cf_buf_puts(out, l->nl ? "\n" : "\n\\ No newline at end of file\n");
	return rc;
}

/* "start,count" as diff -u writes a range: a single line is its number, an empty range is
 * the number of the line before it with ",0". */
static int put_range(cf_buf *out, size_t first, size_t end)
{
	if (end == first)
		return cf_buf_printf(out, "%zu,0", first);
	if (end == first + 1)
		return cf_buf_printf(out, "%zu", first + 1);
	return cf_buf_printf(out, "%zu,%zu", first + 1, end - first);
}

/* One hunk: changes ch[0..nch), with context lines around them. */
static int put_hunk(cf_buf *out, const side *a, const side *b, const change *ch, size_t nch, size_t context)
{
	size_t before = ch[0].l0 < context ? ch[0].l0 : context;
	size_t first0 = ch[0].l0 - before, first1 = ch[0].l1 - before;
	size_t tail0 = ch[nch - 1].l0 + ch[nch - 1].del, tail1 = ch[nch - 1].l1 + ch[nch - 1].ins;
	size_t after = a->n - tail0 < context ? a->n - tail0 : context;
	size_t i = first0, c = 0;
	int rc;

	if ((rc = cf_buf_puts(out, "@@ -")) < 0 || (rc = put_range(out, first0, tail0 + after)) < 0 ||
	    (rc = cf_buf_puts(out, " +")) < 0 || (rc = put_range(out, first1, tail1 + after)) < 0 ||
	    (rc = cf_buf_puts(out, " @@\n")) < 0)
		return rc;
	while (rc == 0 && i < tail0 + after) {
		if (c < nch && i == ch[c].l0) {
			for (size_t k = 0; rc == 0 && k < ch[c].del; k++)
				rc = put_line(out, '-', &a->lines[i++]);
			for (size_t k = 0; rc == 0 && k < ch[c].ins; k++)
				rc = put_line(out, '+', &b->lines[ch[c].l1 + k]);
			c++;
		} else {
			rc = put_line(out, ' ', &a->lines[i++]);
		}
	}
	/* insertions at the very end of a (nothing of a left to walk over) */
	for (; rc == 0 && c < nch; c++)
		for (size_t k = 0; rc == 0 && k < ch[c].ins; k++)
			rc = put_line(out, '+', &b->lines[ch[c].l1 + k]);
	return rc;
}

/* The changes in order, grouped into hunks as diff does: changes less than 2*context+1
 * unchanged lines apart share a hunk. */
static int put_hunks(cf_buf *out, const side *a, const side *b, size_t context)
{
	change *ch = cf_calloc(a->n + b->n + 1, sizeof(*ch));
	size_t nch = 0, i0 = 0, i1 = 0;
	int rc = 0;

	if (ch == NULL)
		return cf_err_set(CF_ENOMEM, "diff: out of memory");
	while (i0 < a->n || i1 < b->n) {
		if (a->changed[i0] || b->changed[i1]) {
			change c = { i0, i1, 0, 0 };
			while (a->changed[i0])
				i0++;
			while (b->changed[i1])
				i1++;
			c.del = i0 - c.l0;
			c.ins = i1 - c.l1;
			ch[nch++] = c;
		} else {
			i0++;
			i1++;
		}
	}
	for (size_t s = 0, e; rc == 0 && s < nch; s = e) {
		for (e = s + 1; e < nch && ch[e].l0 - (ch[e - 1].l0 + ch[e - 1].del) < 2 * context + 1; e++)
			;
		rc = put_hunk(out, a, b, ch + s, e - s, context);
	}
	cf_free(ch);
	return rc;
}

int cli_udiff(cf_buf *out, const char *a, size_t alen, const char *b, size_t blen,
	      const char *label_a, const char *label_b, int context)
{
	side sa = { 0 }, sb = { 0 };
	size_t head = 0, tail = 0;
	int rc;

	if (alen == blen && memcmp(a, b, alen) == 0)
		return 0;
	if ((rc = split_lines(&sa, a, alen)) < 0 || (rc = split_lines(&sb, b, blen)) < 0 || (rc = classify(&sa, &sb)) < 0)
		goto out;
	while (head < sa.n && head < sb.n && sa.cls[head] == sb.cls[head])
		head++;
	while (tail < sa.n - head && tail < sb.n - head && sa.cls[sa.n - 1 - tail] == sb.cls[sb.n - 1 - tail])
		tail++;
	if ((rc = mark_edits(&sa, &sb, head, sa.n - head - tail, head, sb.n - head - tail)) < 0)
		goto out;
	shift_boundaries(&sa, &sb);
	shift_boundaries(&sb, &sa);
	if ((rc = cf_buf_printf(out, "--- %s\n+++ %s\n", label_a, label_b)) < 0 ||
	    (rc = put_hunks(out, &sa, &sb, context < 0 ? 0 : (size_t)context)) < 0)
		goto out;
	rc = 1;
out:
	side_free(&sa);
	side_free(&sb);
	return rc;
}
