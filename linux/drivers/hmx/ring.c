// SPDX-License-Identifier: GPL-2.0-only
/*
 * HMX rings in this domain's memory (spec 05-rings; Argo's ring protocol): registration with a
 * frame list, the receiver's side of the ring (rx_ptr/tx_ptr, 16-byte slots, payloads that wrap),
 * and the dispatch of notifications through the event page's per-ring bits (spec
 * 07-notifications, DESIGN.md decision 5).
 *
 * Everything read from a ring is validated before use: the length comes from the registration,
 * tx_ptr and each header are loaded once and checked against it, so a corrupt ring yields
 * -EINVAL and never a read outside the ring.
 *
 * Interrupt moderation (feature EVENT_IDX, spec 07-notifications "Interrupt moderation"): a user
 * that registers with HMX_KRING_EVENT_IDX consumes until hmx_ring_arm() says the ring is empty;
 * the hypervisor then injects only for the message that covers rx_event, so messages that land
 * while the receiver is still busy with the ring raise no interrupt.
 */
#include <linux/atomic.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include <hmx/kernel.h>

#include "internal.h"

#define HMX_EVENT_BITS (sizeof(((hmx_event_page_t *)0)->ring_pending) * 8)

struct hmx_kring {
	hmx_ring_t *hdr;        /* header, then len data bytes */
	u8 *data;
	u32 len;
	u32 aport;
	u16 partner;
	u32 event_index;
	bool moderated;         /* registered with REGISTER_FLAG_EVENT_IDX */
	size_t bytes;           /* allocation size */
	const struct hmx_ring_ops *ops;
	void *ctx;
	struct list_head link;
};

/* Registered rings; callbacks run with the lock held, so none runs after unregistration. */
static DEFINE_SPINLOCK(rings_lock);
static LIST_HEAD(rings);
static struct hmx_kring *by_event[HMX_EVENT_BITS];

/* Ask for moderation where the hypervisor offers it (HMX-EVENT-053); 0 registers every ring unmoderated. */
static bool event_idx = true;
module_param(event_idx, bool, 0444);
MODULE_PARM_DESC(event_idx, "Moderate the interrupts of rings whose users ask for it, where EVENT_IDX is offered");

/* Receive statistics (hmx_get_stats): messages consumed, arms, arms that found a message. */
static atomic64_t stat_messages = ATOMIC64_INIT(0);
static atomic64_t stat_armed = ATOMIC64_INIT(0);
static atomic64_t stat_arm_raced = ATOMIC64_INIT(0);
static atomic_t stat_moderated_rings = ATOMIC_INIT(0);

static bool ring_len_valid(u32 len)
{
	return len >= HMX_MIN_RING_LEN && len <= HMX_MAX_RING_LEN && len % HMX_MSG_SLOT_SIZE == 0;
}

struct hmx_kring *hmx_ring_register_flags(u32 aport, u16 partner, u32 len,
					 const struct hmx_ring_ops *ops, void *ctx,
					 unsigned int kflags)
{
	struct hmx_kring *ring;
	u64 reg_flags = HMX_REGISTER_FLAG_FAIL_EXIST;
	hmx_register_ring_t *reg;
	u64 *gfns;
	u32 npages, i;
	unsigned long flags;
	s64 r;

	if (!ring_len_valid(len))
		return ERR_PTR(-HMX_EINVAL);
	npages = DIV_ROUND_UP(len + HMX_RING_HEADER_SIZE, HMX_PAGE_SIZE);
	ring = kzalloc(sizeof(*ring), GFP_KERNEL);
	reg = kzalloc(sizeof(*reg), GFP_KERNEL);
	gfns = kcalloc(npages, sizeof(*gfns), GFP_KERNEL);
	if (!ring || !reg || !gfns) {
		r = -HMX_ENOMEM;
		goto fail;
	}
	/* Physically contiguous, so the frame list is a run; the ring starts zeroed (rx = tx = 0). */
	ring->bytes = (size_t)npages * HMX_PAGE_SIZE;
	ring->hdr = alloc_pages_exact(ring->bytes, GFP_KERNEL | __GFP_ZERO);
	if (!ring->hdr) {
		r = -HMX_ENOMEM;
		goto fail;
	}
	ring->data = (u8 *)ring->hdr + HMX_RING_HEADER_SIZE;
	ring->len = len;
	ring->aport = aport;
	ring->partner = partner;
	ring->ops = ops;
	ring->ctx = ctx;
	for (i = 0; i < npages; i++)
		gfns[i] = (hmx_gpa(ring->hdr) + (u64)i * HMX_PAGE_SIZE) >> 12;
	reg->aport = aport;
	reg->partner_id = partner;
	reg->len = len;
	/*
	 * HMX-EVENT-053: REGISTER_FLAG_EVENT_IDX only when the hypervisor offers EVENT_IDX. The
	 * header starts zeroed, so rx_event = rx_ptr = 0: the first message is announced
	 * (HMX-EVENT-047) before the user ever armed the ring.
	 */
	if ((kflags & HMX_KRING_EVENT_IDX) && event_idx &&
	    (hmx_plat.features & HMX_FEATURE_EVENT_IDX_BIT))
		reg_flags |= HMX_REGISTER_FLAG_EVENT_IDX;
	r = hmx_call_op(HMX_OP_REGISTER_RING, hmx_gpa(reg), hmx_gpa(gfns), npages, reg_flags);
	if (r)
		goto fail;
	ring->moderated = reg_flags & HMX_REGISTER_FLAG_EVENT_IDX;
	if (ring->moderated)
		atomic_inc(&stat_moderated_rings);
	ring->event_index = READ_ONCE(ring->hdr->event_index);
	spin_lock_irqsave(&rings_lock, flags);
	list_add_tail(&ring->link, &rings);
	if ((hmx_plat.features & HMX_FEATURE_EVENT_PAGE_BIT) && ring->event_index < HMX_EVENT_BITS)
		by_event[ring->event_index] = ring;
	spin_unlock_irqrestore(&rings_lock, flags);
	kfree(reg);
	kfree(gfns);
	/* A message may have landed before the ring was in the table: look once. */
	hmx_core_event();
	return ring;

fail:
	if (ring && ring->hdr)
		free_pages_exact(ring->hdr, ring->bytes);
	kfree(ring);
	kfree(reg);
	kfree(gfns);
	return ERR_PTR(r);
}
EXPORT_SYMBOL_GPL(hmx_ring_register_flags);

struct hmx_kring *hmx_ring_register(u32 aport, u16 partner, u32 len,
				   const struct hmx_ring_ops *ops, void *ctx)
{
	return hmx_ring_register_flags(aport, partner, len, ops, ctx, 0);
}
EXPORT_SYMBOL_GPL(hmx_ring_register);

void hmx_ring_unregister(struct hmx_kring *ring)
{
	hmx_unregister_ring_t *unreg;
	unsigned long flags;
	s64 r = -HMX_ENOMEM;

	if (IS_ERR_OR_NULL(ring))
		return;
	spin_lock_irqsave(&rings_lock, flags);
	list_del(&ring->link);
	if (ring->event_index < HMX_EVENT_BITS && by_event[ring->event_index] == ring)
		by_event[ring->event_index] = NULL;
	spin_unlock_irqrestore(&rings_lock, flags);
	if (ring->moderated)
		atomic_dec(&stat_moderated_rings);
	unreg = kzalloc(sizeof(*unreg), GFP_KERNEL);
	if (unreg) {
		unreg->aport = ring->aport;
		unreg->partner_id = ring->partner;
		r = hmx_call_op(HMX_OP_UNREGISTER_RING, hmx_gpa(unreg), 0, 0, 0);
		kfree(unreg);
	}
	/*
	 * The hypervisor stops writing to the frames before unregister_ring returns. If it could
	 * not be asked (no memory, or the hypervisor is gone), the frames are leaked rather than
	 * handed back while the hypervisor may still write them.
	 */
	if (r == 0 || r == -HMX_ENOENT)
		free_pages_exact(ring->hdr, ring->bytes);
	else
		pr_warn("hmx: unregister_ring aport 0x%x: %lld; ring memory kept\n", ring->aport, r);
	kfree(ring);
}
EXPORT_SYMBOL_GPL(hmx_ring_unregister);

void hmx_ring_sync(struct hmx_kring *ring)
{
	unsigned long flags;

	/* Callbacks run with rings_lock held: taking it waits for them. */
	spin_lock_irqsave(&rings_lock, flags);
	spin_unlock_irqrestore(&rings_lock, flags);
}
EXPORT_SYMBOL_GPL(hmx_ring_sync);

u32 hmx_ring_aport(const struct hmx_kring *ring)
{
	return ring->aport;
}
EXPORT_SYMBOL_GPL(hmx_ring_aport);

u16 hmx_ring_partner(const struct hmx_kring *ring)
{
	return ring->partner;
}
EXPORT_SYMBOL_GPL(hmx_ring_partner);

u32 hmx_ring_max_message(const struct hmx_kring *ring)
{
	/* One header and one always-free slot less than the ring (spec op-notify). */
	return ring->len - HMX_MESSAGE_HEADER_SIZE - HMX_MSG_SLOT_SIZE;
}
EXPORT_SYMBOL_GPL(hmx_ring_max_message);

static u32 ring_distance(const struct hmx_kring *ring, u32 rx, u32 tx)
{
	return tx >= rx ? tx - rx : ring->len - rx + tx;
}

u32 hmx_ring_pending(struct hmx_kring *ring)
{
	u32 tx = smp_load_acquire(&ring->hdr->tx_ptr);
	u32 rx = READ_ONCE(ring->hdr->rx_ptr);

	if (tx >= ring->len || rx >= ring->len)
		return 0;
	return ring_distance(ring, rx, tx);
}
EXPORT_SYMBOL_GPL(hmx_ring_pending);

u32 hmx_ring_len(const struct hmx_kring *ring)
{
	return ring->len;
}
EXPORT_SYMBOL_GPL(hmx_ring_len);

int hmx_ring_peek(struct hmx_kring *ring, struct hmx_msg *m)
{
	u32 tx = smp_load_acquire(&ring->hdr->tx_ptr);
	u32 rx = READ_ONCE(ring->hdr->rx_ptr);
	const u8 *h;
	u32 hlen, avail, start, to_end;
	u64 span;

	if (tx >= ring->len || rx >= ring->len || tx % HMX_MSG_SLOT_SIZE || rx % HMX_MSG_SLOT_SIZE)
		return -HMX_EINVAL;
	avail = ring_distance(ring, rx, tx);
	if (!avail)
		return -HMX_EAGAIN;
	/* The header is slot aligned and len a multiple of the slot: it never wraps. */
	h = ring->data + rx;
	hlen = READ_ONCE(*(const u32 *)(h + 0));
	m->source_aport = READ_ONCE(*(const u32 *)(h + 4));
	m->source_domain = READ_ONCE(*(const u16 *)(h + 8));
	m->message_type = READ_ONCE(*(const u32 *)(h + 12));
	if (hlen < HMX_MESSAGE_HEADER_SIZE)
		return -HMX_EINVAL;
	span = round_up((u64)hlen, HMX_MSG_SLOT_SIZE);
	if (span > avail)
		return -HMX_EINVAL;
	m->offset = rx;
	m->next = (u32)((rx + span) % ring->len);
	m->size = hlen - HMX_MESSAGE_HEADER_SIZE;
	start = rx + HMX_MESSAGE_HEADER_SIZE;
	if (start == ring->len)
		start = 0;
	to_end = ring->len - start;
	m->first = ring->data + start;
	m->first_size = min(m->size, to_end);
	m->second_size = m->size - m->first_size;
	m->second = m->second_size ? ring->data : NULL;
	return 0;
}
EXPORT_SYMBOL_GPL(hmx_ring_peek);

void hmx_ring_consume(struct hmx_kring *ring, const struct hmx_msg *m)
{
	/* Release: the hypervisor may overwrite these bytes only after we read them. */
	smp_store_release(&ring->hdr->rx_ptr, m->next);
	atomic64_inc(&stat_messages);
}
EXPORT_SYMBOL_GPL(hmx_ring_consume);

bool hmx_ring_arm(struct hmx_kring *ring)
{
	u32 rx = READ_ONCE(ring->hdr->rx_ptr);
	u32 tx;

	/* Acquire pairs with the hypervisor's release of tx_ptr (HMX-RING-015). */
	if (!ring->moderated)
		return smp_load_acquire(&ring->hdr->tx_ptr) == rx;
	/*
	 * HMX-EVENT-054: rx_event = rx_ptr, the next message we have not read. HMX-EVENT-055: the
	 * load of tx_ptr is ordered after that store as by a full barrier; the hypervisor stores
	 * tx_ptr, then loads rx_event (HMX-EVENT-050), so one side sees the other's store. The
	 * hypervisor is another CPU even in a UP guest: virt_mb(), never smp_mb(), which a !SMP
	 * kernel (UML) reduces to a compiler barrier.
	 */
	WRITE_ONCE(ring->hdr->rx_event, rx);
	/* Store rx_event before loading tx_ptr (HMX-EVENT-055), against the hypervisor's side. */
	virt_mb();
	tx = READ_ONCE(ring->hdr->tx_ptr);
	atomic64_inc(&stat_armed);
	if (tx == rx)
		return true;
	/* HMX-EVENT-056: a message landed meanwhile; the caller consumes instead of waiting. */
	atomic64_inc(&stat_arm_raced);
	return false;
}
EXPORT_SYMBOL_GPL(hmx_ring_arm);

void hmx_rings_stats(struct hmx_core_stats *out)
{
	out->messages = atomic64_read(&stat_messages);
	out->armed = atomic64_read(&stat_armed);
	out->arm_raced = atomic64_read(&stat_arm_raced);
	out->moderated_rings = atomic_read(&stat_moderated_rings);
}

void hmx_ring_discard(struct hmx_kring *ring)
{
	u32 tx = smp_load_acquire(&ring->hdr->tx_ptr);

	if (tx < ring->len && tx % HMX_MSG_SLOT_SIZE == 0)
		smp_store_release(&ring->hdr->rx_ptr, tx);
}
EXPORT_SYMBOL_GPL(hmx_ring_discard);

void hmx_msg_copy(const struct hmx_msg *m, u32 offset, void *dst, u32 len)
{
	u8 *d = dst;

	if (offset < m->first_size) {
		u32 n = min(len, m->first_size - offset);

		memcpy(d, m->first + offset, n);
		d += n;
		len -= n;
		offset = 0;
	} else {
		offset -= m->first_size;
	}
	if (len)
		memcpy(d, m->second + offset, len);
}
EXPORT_SYMBOL_GPL(hmx_msg_copy);

void hmx_rings_dispatch(void)
{
	struct hmx_kring *ring;
	unsigned long flags;
	u64 status = 0;
	u32 w;

	spin_lock_irqsave(&rings_lock, flags);
	if (!(hmx_plat.features & HMX_FEATURE_EVENT_PAGE_BIT)) {
		/* No event page: every ring may have news. */
		list_for_each_entry(ring, &rings, link)
			if (ring->ops->message)
				ring->ops->message(ring, ring->ctx);
		spin_unlock_irqrestore(&rings_lock, flags);
		return;
	}
	/*
	 * Take the bits before reading the rings (HMX-EVENT-030 HMX-EVENT-031): a message that lands after its
	 * ring was read sets the bit again and raises a new notification.
	 */
	if (READ_ONCE(hmx_event_page->status))
		status = xchg(&hmx_event_page->status, 0);
	for (w = 0; w < ARRAY_SIZE(hmx_event_page->ring_pending); w++) {
		u64 bits = READ_ONCE(hmx_event_page->ring_pending[w]);

		if (!bits)
			continue;
		bits = xchg(&hmx_event_page->ring_pending[w], 0);
		while (bits) {
			u32 b = __ffs64(bits);

			bits &= bits - 1;
			ring = by_event[w * 64 + b];
			if (ring && ring->ops->message)
				ring->ops->message(ring, ring->ctx);
		}
	}
	if (status & HMX_EVENT_SPACE_AVAILABLE) {
		list_for_each_entry(ring, &rings, link)
			if (ring->ops->space)
				ring->ops->space(ring, ring->ctx);
	}
	spin_unlock_irqrestore(&rings_lock, flags);
}

int hmx_rings_init(void)
{
	return 0;
}

void hmx_rings_exit(void)
{
	struct hmx_kring *ring, *tmp;

	/* Users unregister their rings before they unload; whatever is left goes now. */
	list_for_each_entry_safe(ring, tmp, &rings, link)
		hmx_ring_unregister(ring);
}
