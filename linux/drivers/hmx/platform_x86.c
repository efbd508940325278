// SPDX-License-Identifier: GPL-2.0-only
/*
 * x86-64: HMX through CPUID and the MSR conduit (spec 03-discovery, 04-mechanisms x86_msr). The
 * HMX leaves are found by scanning the hypervisor range for the signature, never at an assumed
 * base (DESIGN.md decision 2); they give the interface version, this domain's id, the mechanism
 * and feature bitmaps, and where the relocatable MSR block lives (decision 3). A call is one
 * WRMSR of the call block's guest-physical address; a refused block raises #GP, which
 * wrmsrl_safe() turns into an error.
 *
 * Notifications: the x86 vector mechanism needs an IDT vector of the kernel's own (as Hyper-V's
 * HYPERVISOR_CALLBACK_VECTOR is), which a module cannot install; the core polls its event page
 * instead.
 */
#include <linux/errno.h>
#include <linux/module.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/processor.h>

#include "internal.h"

static u32 msr_call;

static int x86_call(u64 gpa)
{
	/* #GP: misaligned, or outside guest memory (HMX-MECH-012 HMX-MECH-013 HMX-MECH-014 HMX-MECH-015 HMX-MECH-016). */
	return wrmsrl_safe(msr_call, gpa) ? -HMX_EINVAL : 0;
}

static u32 find_leaves(void)
{
	u32 base, eax, ebx, ecx, edx;

	if (!boot_cpu_has(X86_FEATURE_HYPERVISOR))
		return 0;
	for (base = HMX_CPUID_SCAN_FIRST; base <= HMX_CPUID_SCAN_LAST; base += HMX_CPUID_SCAN_STEP) {
		cpuid(base + HMX_CPUID_LEAF_IDENTITY, &eax, &ebx, &ecx, &edx);
		if (ebx == HMX_CPUID_SIGNATURE_EBX && ecx == HMX_CPUID_SIGNATURE_ECX &&
		    edx == HMX_CPUID_SIGNATURE_EDX && eax >= base + HMX_CPUID_LEAF_MSR)
			return base;
	}
	return 0;
}

int hmx_platform_probe(struct hmx_platform *p)
{
	u32 base = find_leaves(), eax, ebx, ecx, edx, mechanisms;

	if (!base)
		return -ENODEV;
	cpuid(base + HMX_CPUID_LEAF_VERSION, &eax, &ebx, &ecx, &edx);
	if (((eax >> HMX_CPUID_VERSION_EAX_MAJOR_SHIFT) & HMX_CPUID_VERSION_EAX_MAJOR_MASK) !=
	    HMX_VERSION_MAJOR)
		return -ENODEV;
	p->domain_id = (ebx >> HMX_CPUID_VERSION_EBX_DOMAIN_ID_SHIFT) &
		       HMX_CPUID_VERSION_EBX_DOMAIN_ID_MASK;
	cpuid(base + HMX_CPUID_LEAF_MECHANISMS, &mechanisms, &ebx, &ecx, &edx);
	if (!(mechanisms & HMX_MECH_X86_MSR_BIT))
		return -ENODEV;  /* vmcall/vmmcall and the Xen hypercall are not driven from here yet */
	p->features = ebx;
	p->max_batch = (ebx & HMX_FEATURE_BATCH_BIT) ? ecx : 0;
	cpuid(base + HMX_CPUID_LEAF_MSR, &eax, &ebx, &ecx, &edx);
	if (ebx < HMX_MSR_COUNT || eax % HMX_MSR_ALIGNMENT)
		return -ENODEV;
	msr_call = eax + HMX_MSR_CALL;
	p->conduit = "x86-msr";
	p->interrupts = false;
	p->call = x86_call;
	return 0;
}

int hmx_platform_start_events(void)
{
	return 0;
}

void hmx_platform_remove(void)
{
}
