/* tests/unit/test_leader.c - the pure decisions of leader election (runtime/leader). */
#include "test.h"
#include "runtime/leader.h"
#include "util/err.h"

#include <string.h>

static void lease_valid(void)
{
	static const struct { long observed, lease, now; int valid; } rows[] = {
		{ 0, 35000, 0, 1 },          /* just seen */
		{ 0, 35000, 34999, 1 },      /* within the duration */
		{ 0, 35000, 35000, 0 },      /* exactly expired */
		{ 1000, 35000, 40000, 0 },   /* long expired */
		{ 39000, 1000, 39500, 1 },   /* a released lease (1 s) still valid for a moment */
		{ 39000, 1000, 40001, 0 },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		CHECK(cf_lease_valid(rows[i].observed, rows[i].lease, rows[i].now) == rows[i].valid);
}

static void may_take(void)
{
	CHECK(cf_lease_may_take(NULL, "me", 1));      /* no holder */
	CHECK(cf_lease_may_take("", "me", 1));        /* released */
	CHECK(cf_lease_may_take("me", "me", 1));      /* ours: renew */
	CHECK(!cf_lease_may_take("other", "me", 1));  /* held by another, current */
	CHECK(cf_lease_may_take("other", "me", 0));   /* held by another, expired */
	CHECK(!cf_lease_may_take("me_x", "me", 1));   /* a prefix is not the identity */
}

static void lost(void)
{
	CHECK(!cf_leader_lost(0, 30000, 29999));
	CHECK(cf_leader_lost(0, 30000, 30000));
	CHECK(cf_leader_lost(5000, 30000, 60000));
	CHECK(!cf_leader_lost(55000, 30000, 60000));   /* renewed lately */
}

static void durations(void)
{
	cf_leader_opts o = cf_leader_flags;   /* Flux's defaults: 35s, 30s, 5s */

	CHECK(o.enable == 0 && o.lease_ms == 35000 && o.renew_deadline_ms == 30000 && o.retry_ms == 5000);
	CHECK(o.release_on_cancel == 1);
	CHECK(cf_leader_check(&o) == 0);
	o.lease_ms = 30000;
	CHECK(cf_leader_check(&o) == CF_EINVAL);
	CHECK(strstr(cf_err_msg(), "--leader-election-lease-duration") != NULL);
	o.lease_ms = 35000;
	o.retry_ms = 25000;   /* 1.2 x 25s = 30s: not below the deadline */
	CHECK(cf_leader_check(&o) == CF_EINVAL);
	CHECK(strstr(cf_err_msg(), "--leader-election-retry-period") != NULL);
	o.retry_ms = 24000;
	CHECK(cf_leader_check(&o) == 0);
}

static const cf_test_case tests[] = {
	{ "lease_valid", lease_valid },
	{ "may_take", may_take },
	{ "lost", lost },
	{ "durations", durations },
};
CF_TEST_MAIN(tests)
