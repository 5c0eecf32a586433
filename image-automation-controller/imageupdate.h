/* image-automation-controller/imageupdate.h - ImageUpdateAutomation: the setters, the commit
 * and the push (imageupdate.c). main.c copies this row into its kind table (the slot marked
 * there); the row's reconcile gets the iac_ctl of controller.h as ctx. */
#ifndef IAC_IMAGEUPDATE_H
#define IAC_IMAGEUPDATE_H

#include "runtime/controller.h"

/* The ImageUpdateAutomation row: { CF_KIND_IMAGEUPDATEAUTOMATION, on_event, wants_reconcile,
 * reconcile }. */
extern const cf_kind_handler iua_handler;

#endif
