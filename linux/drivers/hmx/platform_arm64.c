// SPDX-License-Identifier: GPL-2.0-only
/*
 * arm64: HMX through the SMCCC vendor hypervisor service (spec 03-discovery, 04-mechanisms
 * arm_smccc_hvc, abi smccc.h): SMCCC 1.1 or later over HVC, then HMX's CALL_UID must answer
 * HMX's UID, then FEATURES gives the mechanism and feature bitmaps and the batch limit, VERSION
 * the interface version and this domain's id (every result in X0..X3). A call is one HVC with
 * the call block's guest-physical address.
 *
 * Notifications: the PPI mechanism needs the interrupt described to the kernel (device tree or
 * ACPI); until then the core polls its event page.
 */
#include <linux/arm-smccc.h>
#include <linux/errno.h>
#include <linux/module.h>

#include "internal.h"

static int arm_call(u64 gpa)
{
	struct arm_smccc_res res;

	arm_smccc_1_1_hvc(HMX_SMCCC_FN_CALL, gpa, &res);
	if (res.a0 == HMX_SMCCC_INVALID_PARAMETER)
		return -HMX_EINVAL;
	if (res.a0)
		return -HMX_ENOSYS;
	return 0;
}

int hmx_platform_probe(struct hmx_platform *p)
{
	struct arm_smccc_res res;

	if (arm_smccc_1_1_get_conduit() != SMCCC_CONDUIT_HVC ||
	    arm_smccc_get_version() < ARM_SMCCC_VERSION_1_1)
		return -ENODEV;
	arm_smccc_1_1_hvc(HMX_SMCCC_FN_CALL_UID, &res);
	if ((u32)res.a0 != HMX_SMCCC_UID_W0 || (u32)res.a1 != HMX_SMCCC_UID_W1 ||
	    (u32)res.a2 != HMX_SMCCC_UID_W2 || (u32)res.a3 != HMX_SMCCC_UID_W3)
		return -ENODEV;
	arm_smccc_1_1_hvc(HMX_SMCCC_FN_VERSION, &res);
	if (((u32)res.a0 >> 16) != HMX_VERSION_MAJOR)
		return -ENODEV;
	p->domain_id = (u16)res.a2;
	arm_smccc_1_1_hvc(HMX_SMCCC_FN_FEATURES, &res);
	if (res.a0 || !(res.a1 & HMX_MECH_ARM_SMCCC_HVC_BIT))
		return -ENODEV;
	p->features = (u32)res.a2;
	p->max_batch = (res.a2 & HMX_FEATURE_BATCH_BIT) ? (u32)res.a3 : 0;
	p->conduit = "arm-smccc-hvc";
	p->interrupts = false;
	p->call = arm_call;
	return 0;
}

int hmx_platform_start_events(void)
{
	return 0;
}

void hmx_platform_remove(void)
{
}
