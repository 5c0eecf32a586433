/* common/kustomize/kustomize_vars.c - vars (deprecated in kustomize, still common). */
#include "kustomize/kustomize_internal.h"

int kz_resolve_vars(const kctx *c, kset *s)
{
	(void)c;
	(void)s;
	return 0;
}
