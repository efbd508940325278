/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * How the HMX core reaches its hypervisor on one platform (spec 03-discovery, 04-mechanisms):
 * probe, the call conduit, and how notifications arrive. One implementation is linked per
 * architecture: platform_uml.c (UNIX socket to hmx-hostd), platform_x86.c (CPUID probe, MSR
 * conduit), platform_arm64.c (SMCCC probe, hvc conduit).
 */
#ifndef HMX_PLATFORM_H
#define HMX_PLATFORM_H

#include <linux/types.h>

struct hmx_platform {
	const char *conduit;  /* for logs: "uml-socket", "x86-msr", "arm-smccc-hvc" */
	u16 domain_id;
	u32 features;         /* HMX_FEATURE_*_BIT */
	u32 max_batch;        /* 0 without HMX_FEATURE_BATCH */
	/*
	 * True when the platform calls hmx_core_event() on each notification (after the core set
	 * the vector register to `vector`); false: the core polls its event page.
	 */
	bool interrupts;
	u8 vector;
	/* Runs the call block at `gpa`: 0 when it ran (result in the block), else the conduit's
	 * negated error (the block was unusable or the hypervisor is gone). Any context. */
	int (*call)(u64 gpa);
};

/* Finds HMX; -ENODEV when this machine offers none. Process context. */
int hmx_platform_probe(struct hmx_platform *p);
/* Starts delivering notifications (after the core registered its event page and vector). */
int hmx_platform_start_events(void);
void hmx_platform_remove(void);

/* The core's notification entry: reads the event page and runs the ring callbacks. */
void hmx_core_event(void);

#endif /* HMX_PLATFORM_H */
