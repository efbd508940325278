/* SPDX-License-Identifier: GPL-2.0-only */
/* State shared by the HMX core's files (core.c: calls; ring.c: rings and events). */
#ifndef HMX_INTERNAL_H
#define HMX_INTERNAL_H

#include <linux/types.h>
#include <hmx/abi/hmx.h>
#include <hmx/kernel.h>

#include "platform.h"

extern struct hmx_platform hmx_plat;
extern hmx_event_page_t *hmx_event_page;

/* Runs one operation through the conduit: the operation's result or a negated HMX error. */
s64 hmx_call_op(u32 op, u64 arg0, u64 arg1, u64 arg2, u64 arg3);

int hmx_rings_init(void);
void hmx_rings_exit(void);
/* The receive counters of ring.c, into the core's statistics. */
void hmx_rings_stats(struct hmx_core_stats *out);
/* Takes the event page's bits and runs the callbacks of the rings concerned. */
void hmx_rings_dispatch(void);

#endif /* HMX_INTERNAL_H */
