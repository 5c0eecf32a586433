/* image-automation-controller/msgtemplate.h - spec.git.commit.messageTemplate: the part of Go's
 * text/template that Flux's documented templates use, over the data Flux gives them.
 *
 * Supported: text with {{ }} actions and {{- -}} trimming, template comments, pipelines with
 * `|`, fields (.A.B, $var.A, $, .), string/number/bool literals, parenthesised pipelines,
 * `$x := ...` / `$x = ...`, if / else if / else / end, range (with `$k, $v :=` or `$v :=`,
 * and else) / end, with / else / end, and the functions print, println, len, not, and, or,
 * eq, ne, and from Sprig lower, upper, title, trim, contains, hasPrefix, hasSuffix, replace,
 * join, quote, trunc. Anything else (printf, define, template, block, other functions) is an
 * error naming the template, the line and the construct, rather than a wrong message. */
#ifndef IAC_MSGTEMPLATE_H
#define IAC_MSGTEMPLATE_H

#include <jansson.h>

#include "util/buf.h"

/* Flux's commit message when spec.git.commit.messageTemplate is empty. */
#define IUA_MSG_DEFAULT_TEMPLATE "Update from image update automation"
/* The longest message a template may make. */
#define IUA_MSG_MAX (256u * 1024u)

/* The data a template sees, as Flux's TemplateData: .AutomationObject (prints "ns/name";
 * .Name, .Namespace), .Changed {.FileChanges, .Objects, .Changes}, .Updated {.Images, .Files,
 * .Objects} (v1beta1's, deprecated in Flux, kept), .Values (messageTemplateValues, may be
 * NULL). changes is the setters' records (setters.h) each with "file" added. *out is the
 * caller's. 0 or CF_ENOMEM. */
int iua_msg_data(json_t **out, const char *ns, const char *name, const json_t *changes, const json_t *values);

/* Parses tpl (name appears in errors, as Go's "template: name:line: ...") and executes it on
 * data, appending to out. CF_EINVAL for a template that does not parse or fails to execute
 * (out holds what was made before), CF_ETOOBIG past IUA_MSG_MAX, CF_ENOMEM. */
int iua_msg_render(cf_buf *out, const char *tpl, const char *name, const json_t *data);

#endif
