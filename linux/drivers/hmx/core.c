// SPDX-License-Identifier: GPL-2.0-only
/*
 * HMX core driver: finds HMX through the platform (spec section 3), sets up the domain's event
 * page and notification vector (spec 07-notifications), and runs operations through call
 * blocks in guest memory (HMX-MECH-021 HMX-MECH-022 HMX-MECH-023): single calls, and batches that carry several sendv in
 * one exit (spec 08-batching, DESIGN.md decision 6).
 *
 * Call blocks and their arguments live in one call area of the linear map, serialised by a
 * spinlock: a call may come from any context (the virtio-argo transport sends from its kick and
 * from the notification), and the conduits are synchronous.
 */
#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/timer.h>

#include <hmx/kernel.h>

#include "internal.h"

struct hmx_platform hmx_plat;
hmx_event_page_t *hmx_event_page;

/* Everything the hypervisor reads by guest-physical address, for one call at a time. */
struct hmx_call_area {
	hmx_call_block_t blocks[HMX_MAX_BATCH_ENTRIES];
	hmx_call_block_t batch;
	hmx_call_block_t single;
	hmx_send_addr_t addrs[HMX_MAX_BATCH_ENTRIES];
	hmx_iov_t iovs[HMX_MAX_BATCH_ENTRIES][HMX_MAXIOV];
	hmx_ring_data_t query;
	hmx_ring_data_ent_t query_ent;
};

static struct hmx_call_area *area;
static DEFINE_SPINLOCK(call_lock);
static struct hmx_core_stats stats;

/* Platforms without a notification interrupt for us: the event page is polled every tick. */
static struct timer_list poll_timer;

static void poll_events(struct timer_list *t)
{
	hmx_core_event();
	mod_timer(&poll_timer, jiffies + 1);
}

u64 hmx_gpa(const void *kaddr)
{
	return (u64)virt_to_phys((void *)kaddr);
}
EXPORT_SYMBOL_GPL(hmx_gpa);

u16 hmx_domain_id(void)
{
	return hmx_plat.domain_id;
}
EXPORT_SYMBOL_GPL(hmx_domain_id);

const char *hmx_conduit_name(void)
{
	return hmx_plat.conduit;
}
EXPORT_SYMBOL_GPL(hmx_conduit_name);

/* Runs `block` (inside the call area); call_lock held. */
static s64 run_block(hmx_call_block_t *block)
{
	int status;

	stats.calls++;
	status = hmx_plat.call(hmx_gpa(block));
	if (status)
		return status;
	return READ_ONCE(block->result);
}

static void fill_block(hmx_call_block_t *b, u32 op, u64 a0, u64 a1, u64 a2, u64 a3)
{
	b->op = op;
	b->flags = 0;
	b->result = 0;
	b->arg[0] = a0;
	b->arg[1] = a1;
	b->arg[2] = a2;
	b->arg[3] = a3;
}

s64 hmx_call_op(u32 op, u64 arg0, u64 arg1, u64 arg2, u64 arg3)
{
	unsigned long flags;
	s64 r;

	spin_lock_irqsave(&call_lock, flags);
	fill_block(&area->single, op, arg0, arg1, arg2, arg3);
	r = run_block(&area->single);
	stats.ops++;
	spin_unlock_irqrestore(&call_lock, flags);
	return r;
}

/* Fills block i of the area with the sendv `s`. -EINVAL for a malformed request. */
static int fill_send(u32 i, const struct hmx_send *s)
{
	hmx_send_addr_t *a = &area->addrs[i];
	u32 k;

	if (s->niov > HMX_MAXIOV)
		return -HMX_EINVAL;
	a->src.aport = s->src_aport;
	a->src.domain_id = HMX_DOMID_ANY;  /* the caller (spec op-sendv) */
	a->src.pad = 0;
	a->dst.aport = s->dst_aport;
	a->dst.domain_id = s->dst_domain;
	a->dst.pad = 0;
	for (k = 0; k < s->niov; k++) {
		area->iovs[i][k].iov_hnd = s->iov[k].iov_hnd;
		area->iovs[i][k].iov_len = s->iov[k].iov_len;
		area->iovs[i][k].pad = 0;
	}
	fill_block(&area->blocks[i], HMX_OP_SENDV, hmx_gpa(a), hmx_gpa(area->iovs[i]), s->niov,
		   s->message_type);
	return 0;
}

static void count_send(s64 r)
{
	if (r >= 0)
		stats.sends++;
	else if (r == -HMX_EAGAIN)
		stats.eagain++;
}

s64 hmx_sendv(u32 src_aport, u16 dst_domain, u32 dst_aport, u32 message_type,
	      const hmx_iov_t *iov, u32 niov)
{
	struct hmx_send s = {
		.src_aport = src_aport, .dst_domain = dst_domain, .dst_aport = dst_aport,
		.message_type = message_type, .iov = iov, .niov = niov,
	};
	unsigned long flags;
	s64 r;

	spin_lock_irqsave(&call_lock, flags);
	r = fill_send(0, &s);
	if (!r) {
		r = run_block(&area->blocks[0]);
		stats.ops++;
		count_send(r);
	}
	spin_unlock_irqrestore(&call_lock, flags);
	return r;
}
EXPORT_SYMBOL_GPL(hmx_sendv);

/* Batches of at most max_batch entries, one exit each; without BATCH, one exit per entry. */
int hmx_sendv_batch(struct hmx_send *sends, u32 n, bool notify_first)
{
	u32 max = hmx_plat.max_batch ? min_t(u32, hmx_plat.max_batch, HMX_MAX_BATCH_ENTRIES) : 1;
	unsigned long flags;
	u32 done = 0;
	int err = 0;

	spin_lock_irqsave(&call_lock, flags);
	while ((done < n || notify_first) && !err) {
		u32 first = notify_first ? 1 : 0;
		u32 take = min_t(u32, n - done, max - first);
		u32 i, ran;
		s64 r;

		if (notify_first)
			fill_block(&area->blocks[0], HMX_OP_NOTIFY, 0, 0, 0, 0);
		for (i = 0; i < take; i++) {
			err = fill_send(first + i, &sends[done + i]);
			if (err) {
				sends[done + i].result = err;
				take = i;
				break;
			}
		}
		if (first + take == 0)
			break;
		if (first + take == 1) {
			r = run_block(&area->blocks[0]);
			area->blocks[0].result = r;
			ran = 1;
		} else {
			fill_block(&area->batch, HMX_OP_BATCH, hmx_gpa(area->blocks), first + take,
				   HMX_BATCH_FLAG_STOP_ON_ERROR, 0);
			r = run_block(&area->batch);
			if (r < 0) {
				/* The batch itself was refused: nothing ran. */
				if (take)
					sends[done].result = r;
				err = (int)r;
				break;
			}
			ran = (u32)r;
		}
		stats.ops += ran;
		notify_first = false;
		for (i = 0; i < take; i++) {
			if (first + i >= ran) {
				err = -HMX_EAGAIN;  /* not attempted: the batch stopped before it */
				break;
			}
			r = READ_ONCE(area->blocks[first + i].result);
			sends[done + i].result = r;
			count_send(r);
			if (r < 0) {
				err = (int)r;
				break;
			}
		}
		done += i;
	}
	spin_unlock_irqrestore(&call_lock, flags);
	return done;
}
EXPORT_SYMBOL_GPL(hmx_sendv_batch);

int hmx_notify(void)
{
	return (int)hmx_call_op(HMX_OP_NOTIFY, 0, 0, 0, 0);
}
EXPORT_SYMBOL_GPL(hmx_notify);

int hmx_null_call(void)
{
	return (int)hmx_call_op(HMX_OP_NULL, 0, 0, 0, 0);
}
EXPORT_SYMBOL_GPL(hmx_null_call);

int hmx_query_ring(u16 domain, u32 aport, u32 space_required, u16 *flags_out, u32 *max_message)
{
	unsigned long flags;
	s64 r;

	spin_lock_irqsave(&call_lock, flags);
	area->query.nent = 1;
	area->query.pad = 0;
	memset(&area->query_ent, 0, sizeof(area->query_ent));
	area->query_ent.ring.aport = aport;
	area->query_ent.ring.domain_id = domain;
	area->query_ent.space_required = space_required;
	fill_block(&area->single, HMX_OP_NOTIFY, hmx_gpa(&area->query), 0, 0, 0);
	r = run_block(&area->single);
	stats.ops++;
	if (!r) {
		if (flags_out)
			*flags_out = READ_ONCE(area->query_ent.flags);
		if (max_message)
			*max_message = READ_ONCE(area->query_ent.max_message_size);
	}
	spin_unlock_irqrestore(&call_lock, flags);
	return (int)r;
}
EXPORT_SYMBOL_GPL(hmx_query_ring);

void hmx_get_stats(struct hmx_core_stats *out)
{
	unsigned long flags;

	spin_lock_irqsave(&call_lock, flags);
	*out = stats;
	spin_unlock_irqrestore(&call_lock, flags);
	hmx_rings_stats(out);
	out->event_idx = hmx_plat.features & HMX_FEATURE_EVENT_IDX_BIT;
}
EXPORT_SYMBOL_GPL(hmx_get_stats);

/*
 * /sys/module/hmx/parameters/stats (read only): the counters above, one line, so a test can set
 * notifications taken against messages consumed (interrupt moderation, spec event-idx; the
 * injections the hypervisor skipped are its own count, HMX-EVENT-052).
 */
static int stats_get(char *buf, const struct kernel_param *kp)
{
	struct hmx_core_stats s;

	hmx_get_stats(&s);
	return sysfs_emit(buf,
			  "calls %llu ops %llu sends %llu eagain %llu events %llu messages %llu armed %llu arm_raced %llu event_idx %s moderated_rings %u\n",
			  s.calls, s.ops, s.sends, s.eagain, s.events, s.messages, s.armed,
			  s.arm_raced, s.event_idx ? "offered" : "not-offered", s.moderated_rings);
}

static const struct kernel_param_ops stats_ops = {
	.get = stats_get,
};
module_param_cb(stats, &stats_ops, NULL, 0444);
MODULE_PARM_DESC(stats, "HMX counters (read only)");

void hmx_core_event(void)
{
	unsigned long flags;

	spin_lock_irqsave(&call_lock, flags);
	stats.events++;
	spin_unlock_irqrestore(&call_lock, flags);
	hmx_rings_dispatch();
}

static int __init hmx_init(void)
{
	s64 r;
	int err;

	/* HMX error codes are Linux errno values (so callers may return them as they are). */
	BUILD_BUG_ON(HMX_EAGAIN != EAGAIN || HMX_EACCES != EACCES || HMX_ECONNREFUSED != ECONNREFUSED);
	BUILD_BUG_ON(HMX_EMSGSIZE != EMSGSIZE || HMX_EINVAL != EINVAL || HMX_ESRCH != ESRCH);
	BUILD_BUG_ON(HMX_ENODEV != ENODEV || HMX_EBUSY != EBUSY || HMX_EOPNOTSUPP != EOPNOTSUPP);
	BUILD_BUG_ON(offsetof(struct hmx_call_area, blocks) % HMX_CALL_BLOCK_ALIGN);
	BUILD_BUG_ON(sizeof(hmx_call_block_t) % HMX_CALL_BLOCK_ALIGN);

	err = hmx_platform_probe(&hmx_plat);
	if (err) {
		pr_info("hmx: HMX not present (%d)\n", err);
		return err;
	}
	area = (void *)__get_free_pages(GFP_KERNEL | __GFP_ZERO, get_order(sizeof(*area)));
	hmx_event_page = (void *)get_zeroed_page(GFP_KERNEL);
	err = -ENOMEM;
	if (!area || !hmx_event_page)
		goto fail;
	err = hmx_rings_init();
	if (err)
		goto fail;
	if (hmx_plat.features & HMX_FEATURE_EVENT_PAGE_BIT) {
		/* HMX-EVENT-026 HMX-EVENT-027 HMX-EVENT-028 HMX-EVENT-029: the page is zero before it is enabled. */
		r = hmx_call_op(HMX_OP_SET_EVENT_PAGE,
				hmx_gpa(hmx_event_page) | (HMX_MSR_EVENT_PAGE_ENABLE_MASK <<
							    HMX_MSR_EVENT_PAGE_ENABLE_SHIFT), 0, 0, 0);
		if (r) {
			pr_err("hmx: set_event_page failed: %lld\n", r);
			err = (int)r;
			goto fail_rings;
		}
	}
	if (hmx_plat.interrupts && (hmx_plat.features & HMX_FEATURE_VECTOR_BIT)) {
		r = hmx_call_op(HMX_OP_SET_VECTOR, 0,
				(u64)hmx_plat.vector << HMX_MSR_VECTOR_VECTOR_SHIFT, 0, 0);
		if (r) {
			pr_err("hmx: set_vector failed: %lld\n", r);
			err = (int)r;
			goto fail_rings;
		}
	}
	err = hmx_platform_start_events();
	if (err)
		goto fail_rings;
	if (!hmx_plat.interrupts) {
		timer_setup(&poll_timer, poll_events, 0);
		mod_timer(&poll_timer, jiffies + 1);
	}
	pr_info("hmx: domain %u over %s, features 0x%x, batch %u, %s\n", hmx_plat.domain_id,
		hmx_plat.conduit, hmx_plat.features, hmx_plat.max_batch,
		hmx_plat.interrupts ? "interrupts" : "polled events");
	return 0;

fail_rings:
	hmx_rings_exit();
fail:
	hmx_platform_remove();
	free_page((unsigned long)hmx_event_page);
	if (area)
		free_pages((unsigned long)area, get_order(sizeof(*area)));
	return err;
}

static void __exit hmx_exit(void)
{
	if (!hmx_plat.interrupts)
		del_timer_sync(&poll_timer);
	hmx_rings_exit();
	if (hmx_plat.features & HMX_FEATURE_EVENT_PAGE_BIT)
		(void)hmx_call_op(HMX_OP_SET_EVENT_PAGE, 0, 0, 0, 0);
	hmx_platform_remove();
	free_page((unsigned long)hmx_event_page);
	free_pages((unsigned long)area, get_order(sizeof(*area)));
}

module_init(hmx_init);
module_exit(hmx_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("HMX: hypervisor-mediated data exchange, core driver");
