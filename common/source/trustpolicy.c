/* common/source/trustpolicy.c - Notation trust policy documents, decoded as Go's encoding/json
 * decodes them into notation-go's trustpolicy.Document (fields matched exactly, else ignoring
 * case; null leaves a field as it was) and validated by Document.Validate's rules, in its words. */
#include "source/trustpolicy.h"

#include "util/err.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define QUOTED_MAX 600
#define DN_ATTRS_MAX 64

/* ---- decoding: the Go types' shapes, for json.Unmarshal's type errors ---- */

typedef enum { GO_STRING, GO_STRINGS, GO_POLICIES, GO_SIGVER, GO_OVERRIDE } go_shape;

typedef struct go_field {
	const char *name, *type;   /* the json name; the Go type as Go prints it */
	go_shape shape;
} go_field;

static const go_field DOCUMENT[] = {
	{ "version", "string", GO_STRING },
	{ "trustPolicies", "[]trustpolicy.TrustPolicy", GO_POLICIES },
	{ NULL, NULL, GO_STRING },
};
static const go_field POLICY[] = {
	{ "name", "string", GO_STRING },
	{ "registryScopes", "[]string", GO_STRINGS },
	{ "signatureVerification", "trustpolicy.SignatureVerification", GO_SIGVER },
	{ "trustStores", "[]string", GO_STRINGS },
	{ "trustedIdentities", "[]string", GO_STRINGS },
	{ NULL, NULL, GO_STRING },
};
static const go_field SIGVER[] = {
	{ "level", "string", GO_STRING },
	{ "override", "map[trustpolicy.ValidationType]trustpolicy.ValidationAction", GO_OVERRIDE },
	{ "verifyTimestamp", "trustpolicy.TimestampOption", GO_STRING },
	{ NULL, NULL, GO_STRING },
};

static const char *json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_TRUE: case JSON_FALSE: return "bool";
	default: return "number";
	}
}

/* The field of fields that key names: the exact name, else one equal ignoring case. */
static const go_field *field_for(const go_field *fields, const char *key)
{
	for (const go_field *f = fields; f->name; f++)
		if (strcmp(f->name, key) == 0)
			return f;
	for (const go_field *f = fields; f->name; f++)
		if (strcasecmp(f->name, key) == 0)
			return f;
	return NULL;
}

static int type_error(const json_t *v, const char *strct, const char *path, const char *type)
{
	return cf_err_set(CF_EINVAL, "json: cannot unmarshal %s into Go struct field %s.%s of type %s", json_kind(v),
			  strct, path, type);
}

static int decode_struct(const json_t *obj, const go_field *fields, const char *strct, const char *prefix);

/* v decoded into field f of struct strct (path: the json names from the document down). */
static int decode_field(const json_t *v, const go_field *f, const char *strct, const char *path)
{
	const char *elem = f->shape == GO_POLICIES ? "trustpolicy.TrustPolicy" : "string";
	size_t i;
	json_t *e;
	const char *k;

	if (json_is_null(v))
		return 0;
	switch (f->shape) {
	case GO_STRING:
		return json_is_string(v) ? 0 : type_error(v, strct, path, f->type);
	case GO_STRINGS:
	case GO_POLICIES:
		if (!json_is_array(v))
			return type_error(v, strct, path, f->type);
		json_array_foreach(v, i, e) {
			int rc = 0;
			if (json_is_null(e))
				continue;
			if (f->shape == GO_STRINGS && !json_is_string(e))
				rc = type_error(e, strct, path, elem);
			else if (f->shape == GO_POLICIES)
				rc = json_is_object(e) ? decode_struct(e, POLICY, "TrustPolicy", path)
						       : type_error(e, strct, path, elem);
			if (rc < 0)
				return rc;
		}
		return 0;
	case GO_SIGVER:
		return json_is_object(v) ? decode_struct(v, SIGVER, "SignatureVerification", path)
					 : type_error(v, strct, path, f->type);
	case GO_OVERRIDE:
		if (!json_is_object(v))
			return type_error(v, strct, path, f->type);
		json_object_foreach((json_t *)v, k, e)
			if (!json_is_null(e) && !json_is_string(e))
				return type_error(e, strct, path, "trustpolicy.ValidationAction");
		return 0;
	}
	return 0;
}

static int decode_struct(const json_t *obj, const go_field *fields, const char *strct, const char *prefix)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		const go_field *f = field_for(fields, key);
		char path[256];
		int rc;

		if (f == NULL)
			continue;
		snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", f->name);
		if ((rc = decode_field(v, f, strct, path)) < 0)
			return rc;
	}
	return 0;
}

/* ---- syntax errors in Go's words: a scan as encoding/json's checkValid makes it ---- */

#define GO_MAX_DEPTH 10000

typedef struct go_scan {
	const unsigned char *s;
	size_t n, i;
	int depth;
} go_scan;

/* "invalid character 'c' <context>" at the scan's place (c as Go's quoteChar writes it), or
 * the end of input there. */
static int scan_fail(const go_scan *sc, const char *context)
{
	unsigned char c;
	char shown[8];

	if (sc->i >= sc->n)
		return cf_err_set(CF_EINVAL, "unexpected end of JSON input");
	c = sc->s[sc->i];
	if (c == '\'' || c == '\n' || c == '\t' || c == '\r')
		snprintf(shown, sizeof(shown), "\\%c", c == '\'' ? '\'' : c == '\n' ? 'n' : c == '\t' ? 't' : 'r');
	else if (c < 0x20 || c == 0x7f)
		snprintf(shown, sizeof(shown), "\\x%02x", c);
	else if (c >= 0x80)   /* a byte of a UTF-8 sequence, as Go quotes the rune it starts */
		snprintf(shown, sizeof(shown), "\\x%02x", c);
	else
		snprintf(shown, sizeof(shown), "%c", c);
	return cf_err_set(CF_EINVAL, "invalid character '%s' %s", shown, context);
}

/* The same inside a token, where Go's end of input is a space it feeds the scanner. */
static int scan_fail_token(const go_scan *sc, const char *context)
{
	if (sc->i >= sc->n)
		return cf_err_set(CF_EINVAL, "invalid character ' ' %s", context);
	return scan_fail(sc, context);
}

static void scan_space(go_scan *sc)
{
	while (sc->i < sc->n && strchr(" \t\r\n", sc->s[sc->i]) && sc->s[sc->i])
		sc->i++;
}

static int scan_digits(go_scan *sc, const char *context)
{
	if (sc->i >= sc->n || sc->s[sc->i] < '0' || sc->s[sc->i] > '9')
		return scan_fail_token(sc, context);
	while (sc->i < sc->n && sc->s[sc->i] >= '0' && sc->s[sc->i] <= '9')
		sc->i++;
	return 0;
}

static int scan_number(go_scan *sc)
{
	int rc;

	if (sc->s[sc->i] == '-')
		sc->i++;
	if (sc->i < sc->n && sc->s[sc->i] == '0')
		sc->i++;
	else if ((rc = scan_digits(sc, "in numeric literal")) < 0)
		return rc;
	if (sc->i < sc->n && sc->s[sc->i] == '.') {
		sc->i++;
		if ((rc = scan_digits(sc, "after decimal point in numeric literal")) < 0)
			return rc;
	}
	if (sc->i < sc->n && (sc->s[sc->i] == 'e' || sc->s[sc->i] == 'E')) {
		sc->i++;
		if (sc->i < sc->n && (sc->s[sc->i] == '+' || sc->s[sc->i] == '-'))
			sc->i++;
		return scan_digits(sc, "in exponent of numeric literal");
	}
	return 0;
}

static int scan_string(go_scan *sc)
{
	for (sc->i++; sc->i < sc->n; sc->i++) {
		unsigned char c = sc->s[sc->i];

		if (c == '"') {
			sc->i++;
			return 0;
		}
		if (c < 0x20)
			return scan_fail(sc, "in string literal");
		if (c != '\\')
			continue;
		if (++sc->i < sc->n && strchr("\"\\/bfnrt", sc->s[sc->i]) && sc->s[sc->i])
			continue;
		if (sc->i >= sc->n || sc->s[sc->i] != 'u')
			return scan_fail_token(sc, "in string escape code");
		for (int k = 0; k < 4; k++)
			if (++sc->i >= sc->n || !isxdigit(sc->s[sc->i]))
				return scan_fail_token(sc, "in \\u hexadecimal character escape");
	}
	return scan_fail(sc, "");
}

static int scan_literal(go_scan *sc, const char *word)
{
	for (size_t k = 0; word[k]; k++, sc->i++)
		if (sc->i >= sc->n || sc->s[sc->i] != (unsigned char)word[k]) {
			char context[64];
			snprintf(context, sizeof(context), "in literal %s (expecting '%c')", word, word[k]);
			return scan_fail_token(sc, context);
		}
	return 0;
}

static int scan_value(go_scan *sc);

/* a '{' or '[' body, the opening character taken */
static int scan_compound(go_scan *sc, int object)
{
	int rc;

	if (++sc->depth > GO_MAX_DEPTH)
		return scan_fail(sc, "exceeded max depth");
	sc->i++;
	scan_space(sc);
	if (sc->i < sc->n && sc->s[sc->i] == (object ? '}' : ']')) {
		sc->i++;
		sc->depth--;
		return 0;
	}
	for (;;) {
		if (object) {
			scan_space(sc);
			if (sc->i >= sc->n || sc->s[sc->i] != '"')
				return scan_fail(sc, "looking for beginning of object key string");
			if ((rc = scan_string(sc)) < 0)
				return rc;
			scan_space(sc);
			if (sc->i >= sc->n || sc->s[sc->i] != ':')
				return scan_fail(sc, "after object key");
			sc->i++;
		}
		if ((rc = scan_value(sc)) < 0)
			return rc;
		scan_space(sc);
		if (sc->i < sc->n && sc->s[sc->i] == ',') {
			sc->i++;
			continue;
		}
		if (sc->i < sc->n && sc->s[sc->i] == (object ? '}' : ']')) {
			sc->i++;
			sc->depth--;
			return 0;
		}
		return scan_fail(sc, object ? "after object key:value pair" : "after array element");
	}
}

static int scan_value(go_scan *sc)
{
	unsigned char c;

	scan_space(sc);
	if (sc->i >= sc->n)
		return scan_fail(sc, "");
	c = sc->s[sc->i];
	if (c == '{' || c == '[')
		return scan_compound(sc, c == '{');
	if (c == '"')
		return scan_string(sc);
	if (c == '-' || (c >= '0' && c <= '9'))
		return scan_number(sc);
	if (c == 't' || c == 'f' || c == 'n')
		return scan_literal(sc, c == 't' ? "true" : c == 'f' ? "false" : "null");
	return scan_fail(sc, "looking for beginning of value");
}

/* Go's words for what jansson refused; text Go takes but jansson does not (bytes that are not
 * UTF-8) is told in jansson's. */
static int syntax_error(const json_error_t *e, const char *text, size_t len)
{
	go_scan sc = { (const unsigned char *)text, len, 0, 0 };
	int rc = scan_value(&sc);

	if (rc < 0)
		return rc;
	scan_space(&sc);
	if (sc.i < sc.n)
		return scan_fail(&sc, "after top-level value");
	return cf_err_set(CF_EINVAL, "%s", e->text);
}

static int load(json_t **out, const char *text, size_t len)
{
	json_error_t e;
	int rc;

	if ((*out = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e)) == NULL)
		return syntax_error(&e, text, len);
	if (json_is_null(*out))
		return 0;
	if (!json_is_object(*out))
		rc = cf_err_set(CF_EINVAL, "json: cannot unmarshal %s into Go value of type trustpolicy.Document",
				json_kind(*out));
	else
		rc = decode_struct(*out, DOCUMENT, "Document", "");
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int cf_trustpolicy_decode(const char *text, size_t len)
{
	json_t *doc = NULL;
	int rc = load(&doc, text, len);

	json_decref(doc);
	return rc;
}

/* ---- reading the decoded document as Go would hold it ---- */

/* The value of field name in obj: the last key naming it that is not null, as Go assigns them.
 * The three structs' field names are all different, so a name says its struct. */
static const json_t *member(const json_t *obj, const char *name)
{
	const json_t *found = NULL, *v;
	const char *key;

	if (!json_is_object(obj))
		return NULL;
	for (const go_field *fs[] = { DOCUMENT, POLICY, SIGVER }, **p = fs; p < fs + 3; p++) {
		json_object_foreach((json_t *)obj, key, v) {
			const go_field *f = field_for(*p, key);
			if (f && strcmp(f->name, name) == 0 && !json_is_null(v))
				found = v;
		}
		if (found)
			break;
	}
	return found;
}

static const char *str(const json_t *obj, const char *name)
{
	const char *s = json_string_value(member(obj, name));
	return s ? s : "";
}

static size_t count(const json_t *obj, const char *name)
{
	return json_array_size(member(obj, name));
}

/* The array's i-th string ("" for null). */
static const char *item(const json_t *obj, const char *name, size_t i)
{
	const char *s = json_string_value(json_array_get(member(obj, name), i));
	return s ? s : "";
}

static int contains(const json_t *obj, const char *name, const char *want)
{
	for (size_t i = 0; i < count(obj, name); i++)
		if (strcmp(item(obj, name, i), want) == 0)
			return 1;
	return 0;
}

/* s as Go's %q prints it (ASCII escapes; other bytes as they are). */
static const char *quote(char out[QUOTED_MAX], const char *s)
{
	size_t at = 0;

	out[at++] = '"';
	for (; *s && at + 6 < QUOTED_MAX; s++) {
		unsigned char c = (unsigned char)*s;
		const char *esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n" : c == '\t' ? "\\t"
				  : c == '\r' ? "\\r" : NULL;
		if (esc)
			at += (size_t)snprintf(out + at, QUOTED_MAX - at, "%s", esc);
		else if (c < 0x20 || c == 0x7f)
			at += (size_t)snprintf(out + at, QUOTED_MAX - at, "\\x%02x", c);
		else
			out[at++] = (char)c;
	}
	out[at++] = '"';
	out[at] = '\0';
	return out;
}

/* ---- signature verification (GetVerificationLevel) ---- */

static const char *const LEVELS[] = { "strict", "permissive", "audit", "skip", NULL };
static const char *const TYPES[] = { "integrity", "authenticity", "authenticTimestamp", "expiry", "revocation", NULL };
static const char *const ACTIONS[] = { "enforce", "log", "skip", NULL };

static int one_of(const char *v, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(v, *set) == 0)
			return 1;
	return 0;
}

static int level_error(const char *name, const char *msg)
{
	char q[QUOTED_MAX];
	return cf_err_set(CF_EINVAL, "trust policy: trust policy statement %s has invalid signatureVerification: %s",
			  quote(q, name), msg);
}

static int override_check(const char *name, const char *type, const char *action)
{
	char q[QUOTED_MAX], msg[2 * QUOTED_MAX];

	if (!one_of(type, TYPES))
		snprintf(msg, sizeof(msg), "verification type %s in custom signature verification is not supported, supported values are [\"integrity\" \"authenticity\" \"authenticTimestamp\" \"expiry\" \"revocation\"]",
			 quote(q, type));
	else if (!one_of(action, ACTIONS))
		snprintf(msg, sizeof(msg), "verification action %s in custom signature verification is not supported, supported values are [\"enforce\" \"log\" \"skip\"]",
			 quote(q, action));
	else if (strcmp(type, "integrity") == 0)
		snprintf(msg, sizeof(msg), "%s verification can not be overridden in custom signature verification", quote(q, type));
	else if (strcmp(type, "revocation") != 0 && strcmp(action, "skip") == 0)
		snprintf(msg, sizeof(msg), "%s verification can not be skipped in custom signature verification", quote(q, type));
	else
		return 0;
	return level_error(name, msg);
}

/* *skip says whether the level skips verification. */
static int signature_check(const json_t *st, const char *name, int *skip)
{
	const json_t *sv = member(st, "signatureVerification"), *over = member(sv, "override"), *v;
	const char *level = str(sv, "level"), *ts = str(sv, "verifyTimestamp"), *key;
	char q[QUOTED_MAX], msg[2 * QUOTED_MAX];
	int rc;

	if (*level == '\0')
		return level_error(name, "signature verification level is empty or missing in the trust policy statement");
	if (!one_of(level, LEVELS)) {
		snprintf(msg, sizeof(msg), "invalid signature verification level %s", quote(q, level));
		return level_error(name, msg);
	}
	*skip = strcmp(level, "skip") == 0;
	if (json_object_size(over) > 0 && *skip) {
		snprintf(msg, sizeof(msg), "signature verification level %s can't be used to customize signature verification", quote(q, level));
		return level_error(name, msg);
	}
	json_object_foreach((json_t *)over, key, v)
		if ((rc = override_check(name, key, json_string_value(v) ? json_string_value(v) : "")) < 0)
			return rc;
	if (*ts && strcmp(ts, "always") != 0 && strcmp(ts, "afterCertExpiry") != 0) {
		snprintf(msg, sizeof(msg), "verifyTimestamp must be \"always\" or \"afterCertExpiry\", but got %s", quote(q, ts));
		return level_error(name, msg);
	}
	return 0;
}

/* ---- trust stores and identities ---- */

static int store_name_ok(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
		      *s == '.' || *s == '-'))
			return 0;
	return 1;
}

static int stores_check(const json_t *st, const char *name)
{
	static const char *const STORE_TYPES[] = { "ca", "signingAuthority", "tsa", NULL };
	char qn[QUOTED_MAX], qv[QUOTED_MAX], qt[QUOTED_MAX];

	for (size_t i = 0; i < count(st, "trustStores"); i++) {
		const char *v = item(st, "trustStores", i), *colon = strchr(v, ':');
		char type[QUOTED_MAX];

		if (colon == NULL)
			return cf_err_set(CF_EINVAL, "trust policy: trust policy statement %s has malformed trust store value %s. The required format is <TrustStoreType>:<TrustStoreName>",
					  quote(qn, name), quote(qv, v));
		snprintf(type, sizeof(type), "%.*s", (int)(colon - v), v);
		if (!one_of(type, STORE_TYPES))
			return cf_err_set(CF_EINVAL, "trust policy: trust policy statement %s uses an unsupported trust store type %s in trust store value %s",
					  quote(qn, name), quote(qt, type), quote(qv, v));
		if (!store_name_ok(colon + 1))
			return cf_err_set(CF_EINVAL, "trust policy: trust policy statement %s uses an unsupported trust store name %s in trust store value %s. Named store name needs to follow [a-zA-Z0-9_.-]+ format",
					  quote(qn, name), quote(qt, colon + 1), quote(qv, v));
	}
	return 0;
}

static void trim(char *s)
{
	size_t n = strlen(s), start = 0;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	while (s[start] == ' ' || s[start] == '\t')
		start++;
	memmove(s, s + start, n - start + 1);
}

/* An RFC 4514 distinguished name as attribute type -> value (dn, an object); notation's rules:
 * single-valued RDNs, each type once (S is ST), C, ST and O present. */
static int dn_parse(json_t *dn, const char *text)
{
	char q[QUOTED_MAX], type[1024] = "", value[1024] = "";
	size_t tn = 0, vn = 0, attrs = 0;
	int in_value = 0, multi = 0;

	if (strstr(text, "=#"))
		return cf_err_set(CF_EINVAL, "unsupported distinguished name (DN) %s: notation does not support x509.subject identities containing \"=#\"",
				  quote(q, text));
	for (const char *p = text;; p++) {
		int end = *p == '\0', sep = *p == ',' || *p == '+' || *p == ';';

		if (!end && !sep) {
			int escaped = *p == '\\' && p[1];
			if (escaped)
				p++;
			if (!in_value && *p == '=' && !escaped)
				in_value = 1;
			else if ((in_value ? vn : tn) + 1 >= sizeof(value))   /* never cut (UTF-8, duplicates) */
				return cf_err_set(CF_EINVAL, "distinguished name (DN) %s has an RDN attribute longer than %zu bytes",
						  quote(q, text), sizeof(value) - 1);
			else if (in_value)
				value[vn++] = *p;
			else
				type[tn++] = *p;
			continue;
		}
		if (end && tn == 0 && vn == 0 && !in_value && attrs == 0)
			break;   /* the empty DN */
		type[tn] = value[vn] = '\0';
		trim(type);
		trim(value);
		if (!in_value || *type == '\0')
			return cf_err_set(CF_EINVAL, "parsing distinguished name (DN) %s failed with err: DN ended with incomplete type, value pair. A valid DN must contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum, and follow RFC 4514 standard",
					  quote(q, text));
		if (multi)
			return cf_err_set(CF_EINVAL, "distinguished name (DN) %s has multi-valued RDN attributes, remove multi-valued RDN attributes as they are not supported",
					  quote(q, text));
		if (strcmp(type, "S") == 0)
			strcpy(type, "ST");
		if (*(json_string_value(json_object_get(dn, type)) ? json_string_value(json_object_get(dn, type)) : "") ||
		    ++attrs > DN_ATTRS_MAX) {
			char qt[QUOTED_MAX];
			return cf_err_set(CF_EINVAL, "distinguished name (DN) %s has duplicate RDN attribute for %s, DN can only have unique RDN attributes",
					  quote(q, text), quote(qt, type));
		}
		if (json_object_set_new(dn, type, json_string(value)) < 0)
			return cf_err_set(CF_EINVAL, "distinguished name (DN) %s: RDN attribute %s is not valid UTF-8",
					  quote(q, text), type);
		multi = *p == '+';
		tn = vn = 0;
		in_value = 0;
		if (end)
			break;
	}
	for (const char *const *f = (const char *const[]){ "C", "ST", "O", NULL }; *f; f++) {
		const char *v = json_string_value(json_object_get(dn, *f));
		char qf[QUOTED_MAX];
		if (v == NULL || *v == '\0')
			return cf_err_set(CF_EINVAL, "distinguished name (DN) %s has no mandatory RDN attribute for %s, it must contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum",
					  quote(q, text), quote(qf, *f));
	}
	return 0;
}

/* Whether every attribute of a has the same value in b. */
static int dn_subset(const json_t *a, const json_t *b)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)a, key, v) {
		const char *w = json_string_value(json_object_get(b, key));
		if (strcmp(json_string_value(v), w ? w : "") != 0)
			return 0;
	}
	return 1;
}

static int overlap_check(const char *name, const json_t *dns, const json_t *raws)
{
	char qn[QUOTED_MAX], q1[QUOTED_MAX], q2[QUOTED_MAX];

	for (size_t i = 0; i < json_array_size(dns); i++)
		for (size_t j = 0; j < json_array_size(dns); j++)
			if (i != j && dn_subset(json_array_get(dns, i), json_array_get(dns, j)))
				return cf_err_set(CF_EINVAL, "trust policy: trust policy statement %s has overlapping x509 trustedIdentities, %s overlaps with %s",
						  quote(qn, name), quote(q1, json_string_value(json_array_get(raws, i))),
						  quote(q2, json_string_value(json_array_get(raws, j))));
	return 0;
}

static int identity_check(const char *name, const char *id, json_t *dns, json_t *raws)
{
	const char *colon = strchr(id, ':');
	char qn[QUOTED_MAX], qi[QUOTED_MAX];
	json_t *dn;

	if (*id == '\0')
		return cf_err_set(CF_EINVAL, "trust policy: trust policy statement %s has an empty trusted identity", quote(qn, name));
	if (strcmp(id, "*") == 0)
		return 0;
	if (colon == NULL)
		return cf_err_set(CF_EINVAL, "trust policy: trust policy statement %s has trusted identity %s missing separator",
				  quote(qn, name), quote(qi, id));
	if ((size_t)(colon - id) != strlen("x509.subject") || strncmp(id, "x509.subject", (size_t)(colon - id)) != 0)
		return 0;   /* other identity kinds are a plugin's */
	if (colon[1] == '\0')
		return cf_err_set(CF_EINVAL, "trust policy: trust policy statement %s has trusted identity %s without an identity value",
				  quote(qn, name), quote(qi, id));
	dn = json_object();
	if (dn_parse(dn, colon + 1) < 0) {
		char why[1024];
		snprintf(why, sizeof(why), "%s", cf_err_msg());
		json_decref(dn);
		return cf_err_set(CF_EINVAL, "trust policy: trust policy statement %s has trusted identity %s with invalid identity value: %s",
				  quote(qn, name), quote(qi, id), why);
	}
	json_array_append_new(dns, dn);
	json_array_append_new(raws, json_string(id));
	return 0;
}

static int identities_check(const json_t *st, const char *name)
{
	json_t *dns = json_array(), *raws = json_array();
	char qn[QUOTED_MAX];
	int rc = 0;

	if (count(st, "trustedIdentities") > 1 && contains(st, "trustedIdentities", "*"))
		rc = cf_err_set(CF_EINVAL, "trust policy: trust policy statement %s uses a wildcard trusted identity '*', a wildcard identity cannot be used in conjunction with other values",
				quote(qn, name));
	for (size_t i = 0; rc == 0 && i < count(st, "trustedIdentities"); i++)
		rc = identity_check(name, item(st, "trustedIdentities", i), dns, raws);
	if (rc == 0)
		rc = overlap_check(name, dns, raws);
	json_decref(dns);
	json_decref(raws);
	return rc;
}

/* validatePolicyCore */
static int statement_check(const json_t *st)
{
	const char *name = str(st, "name");
	size_t stores = count(st, "trustStores"), ids = count(st, "trustedIdentities");
	char qn[QUOTED_MAX];
	int skip = 0, rc;

	if (*name == '\0')
		return cf_err_set(CF_EINVAL, "trust policy: a trust policy statement is missing a name, every statement requires a name");
	if ((rc = signature_check(st, name, &skip)) < 0)
		return rc;
	if (skip)
		return stores || ids ? cf_err_set(CF_EINVAL, "trust policy: trust policy statement %s is set to skip signature verification but configured with trust stores and/or trusted identities, remove them if signature verification needs to be skipped",
						  quote(qn, name)) : 0;
	if (stores == 0 || ids == 0)
		return cf_err_set(CF_EINVAL, "trust policy: trust policy statement %s is either missing trust stores or trusted identities, both must be specified",
				  quote(qn, name));
	if ((rc = stores_check(st, name)) < 0)
		return rc;
	return identities_check(st, name);
}

/* ---- registry scopes ---- */

/* [a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])? labels joined by '.', then an optional :port */
static int domain_ok(const char *s, size_t n)
{
	size_t i = 0;

	for (;;) {
		size_t start = i;
		while (i < n && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			i++;
		if (i == start || s[start] == '-' || s[i - 1] == '-')
			return 0;
		if (i < n && s[i] == '.') {
			i++;
			continue;
		}
		break;
	}
	if (i < n && s[i] == ':') {
		size_t digits = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == digits)
			return 0;
	}
	return i == n;
}

/* path components of [a-z0-9]+ runs joined by '.', '_', '__' or any number of '-', by '/' */
static int repository_ok(const char *s)
{
	int prev_alnum = 0;

	for (const char *p = s; *p; p++) {
		int alnum = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9');

		if (alnum) {
			prev_alnum = 1;
			continue;
		}
		if (!prev_alnum)
			return 0;
		if (*p == '_' && p[1] == '_')
			p++;
		else if (*p == '-')
			while (p[1] == '-')
				p++;
		else if (*p != '.' && *p != '_' && *p != '/')
			return 0;
		prev_alnum = 0;
	}
	return prev_alnum;
}

static int scope_format_check(const char *scope)
{
	const char *slash = strchr(scope, '/');
	char q[QUOTED_MAX];

	if (strlen(scope) > 1 && strchr(scope, '*'))
		return cf_err_set(CF_EINVAL, "registry scope %s with wild card(s) is not valid, make sure it is a fully qualified repository without the scheme, protocol or tag. For example domain.com/my/repository or a local scope like local/myOCILayout",
				  quote(q, scope));
	if (slash == NULL || slash == scope || slash[1] == '\0' || !domain_ok(scope, (size_t)(slash - scope)) ||
	    !repository_ok(slash + 1))
		return cf_err_set(CF_EINVAL, "registry scope %s is not valid, make sure it is a fully qualified repository without the scheme, protocol or tag. For example domain.com/my/repository or a local scope like local/myOCILayout",
				  quote(q, scope));
	return 0;
}

static int scopes_check(const json_t *policies)
{
	json_t *seen = json_object(), *st;
	char q[QUOTED_MAX];
	size_t i;
	int rc = 0;

	json_array_foreach(policies, i, st) {
		const char *name = str(st, "name");
		size_t n = count(st, "registryScopes");

		if (n == 0)
			rc = cf_err_set(CF_EINVAL, "trust policy statement %s has zero registry scopes, it must specify registry scopes with at least one value",
					quote(q, name));
		else if (n > 1 && contains(st, "registryScopes", "*"))
			rc = cf_err_set(CF_EINVAL, "trust policy statement %s uses wildcard registry scope '*', a wildcard scope cannot be used in conjunction with other scope values",
					quote(q, name));
		for (size_t j = 0; rc == 0 && j < n; j++) {
			const char *scope = item(st, "registryScopes", j);
			if (strcmp(scope, "*") != 0 && (rc = scope_format_check(scope)) < 0)
				break;
			json_object_set_new(seen, scope, json_integer(json_integer_value(json_object_get(seen, scope)) + 1));
		}
		if (rc < 0)
			break;
	}
	if (rc == 0) {
		const char *scope;
		json_t *n;
		json_object_foreach(seen, scope, n)
			if (json_integer_value(n) > 1) {
				rc = cf_err_set(CF_EINVAL, "registry scope %s is present in multiple trust policy statements, one registry scope value can only be associated with one statement",
						quote(q, scope));
				break;
			}
	}
	json_decref(seen);
	return rc;
}

static int document_check(const json_t *doc)
{
	const json_t *policies = member(doc, "trustPolicies"), *st;
	const char *version = str(doc, "version");
	json_t *names;
	char q[QUOTED_MAX];
	size_t i;
	int rc = 0;

	if (*version == '\0')
		return cf_err_set(CF_EINVAL, "trust policy document has empty version, version must be specified");
	if (strcmp(version, "1.0") != 0)
		return cf_err_set(CF_EINVAL, "trust policy document uses unsupported version %s", quote(q, version));
	if (json_array_size(policies) == 0)
		return cf_err_set(CF_EINVAL, "trust policy document can not have zero trust policy statements");
	names = json_object();
	json_array_foreach(policies, i, st) {
		const char *name = str(st, "name");
		if (json_object_get(names, name)) {
			rc = cf_err_set(CF_EINVAL, "multiple trust policy statements use the same name %s, statement names must be unique",
					quote(q, name));
			break;
		}
		if ((rc = statement_check(st)) < 0)
			break;
		json_object_set_new(names, name, json_true());
	}
	json_decref(names);
	return rc < 0 ? rc : scopes_check(policies);
}

int cf_trustpolicy_check(const char *text, size_t len, int *decoded)
{
	json_t *doc = NULL;
	int rc;

	*decoded = 0;
	if ((rc = load(&doc, text, len)) < 0)
		return rc;
	*decoded = 1;
	rc = document_check(doc);
	json_decref(doc);
	return rc;
}
