/* image-automation-controller/imageupdate.h - ImageUpdateAutomation: the setters, the commit
 * and the push (imageupdate.c). main.c copies these rows into its kind table (the slots marked
 * there); the rows' reconcile gets the iac_ctl of controller.h as ctx. */
#ifndef IAC_IMAGEUPDATE_H
#define IAC_IMAGEUPDATE_H

#include "runtime/controller.h"

/* The ImageUpdateAutomation row: { CF_KIND_IMAGEUPDATEAUTOMATION, on_event, wants_reconcile,
 * reconcile }. */
extern const cf_kind_handler iua_handler;
/* A second ImagePolicy row, watched only: a policy whose latestRef moved enqueues the
 * automations of its namespace (Flux's automation controller watches policies the same way). */
extern const cf_kind_handler iua_policy_handler;

#endif
