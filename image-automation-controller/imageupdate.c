/* image-automation-controller/imageupdate.c - PLACEHOLDER until the ImageUpdateAutomation
 * reconciler lands (branch h-imgupd replaces this whole file): the kind is watched, not
 * reconciled. */
#include "imageupdate.h"

const cf_kind_handler iua_handler = { CF_KIND_IMAGEUPDATEAUTOMATION, NULL, NULL, NULL };
