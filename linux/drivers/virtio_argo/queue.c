// SPDX-License-Identifier: GPL-2.0-only
/*
 * The per-virtqueue data path of the driver transport (spec "Data path", "Flow control"): the
 * transport plays the device's part on Linux's own split virtqueue (virtio 1.2 2.7), so the
 * virtio driver above runs unchanged, and bytes move only inside messages:
 *  - pump: each new available chain is validated (HMX-VTA-096 HMX-VTA-097), measured and sent as AVAIL
 *    fragments gathered straight from its buffers by guest-physical address (HMX-VTA-038), at
 *    most VTA_BATCH per hypervisor call, within the credit (HMX-VTA-023);
 *  - USED: the device's bytes are scattered into the chain's writable buffers, bounded by the
 *    capacity recorded when the request was sent, and the used element is published after the
 *    last fragment (HMX-VTA-090 HMX-VTA-091 HMX-VTA-092 HMX-VTA-093).
 * A refused send (-EAGAIN) leaves the fragment and everything after it unsent, to be planned
 * again after the space event (HMX-VTA-080 HMX-VTA-081 HMX-VTA-082). Callers hold dev->lock.
 */
#include <linux/errno.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>
#include <uapi/linux/virtio_blk.h>

#include "vta.h"

struct vta_seg {
	u64 addr;             /* guest-physical */
	u32 len;
	bool writable;
};

typedef bool (*vta_visit_fn)(void *ctx, const struct vta_seg *s);

static u16 vq16(struct vta_vq *q, __virtio16 v)
{
	return virtio16_to_cpu(&q->dev->vdev, v);
}

/* A buffer of this domain's RAM: its pages are valid, so the linear map reaches it. */
static bool vta_ram(u64 addr, u32 len)
{
	if (!len)
		return true;
	if (addr + len < addr)
		return false;
	return pfn_valid(PHYS_PFN(addr)) && pfn_valid(PHYS_PFN(addr + len - 1));
}

static int vta_segment(const struct vring_desc *d, struct vta_vq *q, bool *seen_writable,
		       vta_visit_fn visit, void *ctx, bool *go_on)
{
	struct vta_seg s;
	u16 flags = vq16(q, d->flags);

	s.addr = virtio64_to_cpu(&q->dev->vdev, d->addr);
	s.len = virtio32_to_cpu(&q->dev->vdev, d->len);
	s.writable = flags & VRING_DESC_F_WRITE;
	/* virtio 1.2 2.7.4.2: device-writable buffers come after every readable one. */
	if (!s.writable && *seen_writable)
		return -EPROTO;
	*seen_writable |= s.writable;
	if (!vta_ram(s.addr, s.len))
		return -EPROTO;
	*go_on = visit(ctx, &s);
	return 0;
}

/*
 * Walks the chain at `head` (virtio 1.2 2.7.5.3): indices in range, no loop, INDIRECT only when
 * negotiated, never nested and never with NEXT, tables a non-zero multiple of 16 bytes.
 */
static int vta_walk(struct vta_vq *q, u16 head, vta_visit_fn visit, void *ctx)
{
	bool seen_writable = false, go_on = true;
	u16 i = head;
	u32 hops;
	int r;

	if (head >= q->num)
		return -EPROTO;
	for (hops = 0;; hops++) {
		const struct vring_desc *d;
		u16 flags;

		if (hops >= q->num)
			return -EPROTO;
		d = &q->desc[i];
		flags = vq16(q, d->flags);
		if (flags & VRING_DESC_F_INDIRECT) {
			u64 addr = virtio64_to_cpu(&q->dev->vdev, d->addr);
			u32 len = virtio32_to_cpu(&q->dev->vdev, d->len);
			const struct vring_desc *table;
			u32 n, k;
			u16 j = 0;

			if (!q->indirect || (flags & VRING_DESC_F_NEXT) || !len || len % 16 ||
			    len / 16 > HMX_VTA_MAX_QUEUE_SIZE || !vta_ram(addr, len))
				return -EPROTO;
			table = phys_to_virt(addr);
			n = len / 16;
			for (k = 0;; k++) {
				const struct vring_desc *e;

				if (k >= n)
					return -EPROTO;
				e = &table[j];
				if (vq16(q, e->flags) & VRING_DESC_F_INDIRECT)
					return -EPROTO;
				r = vta_segment(e, q, &seen_writable, visit, ctx, &go_on);
				if (r || !go_on)
					return r;
				if (!(vq16(q, e->flags) & VRING_DESC_F_NEXT))
					return 0;
				j = vq16(q, e->next);
				if (j >= n)
					return -EPROTO;
			}
		}
		r = vta_segment(d, q, &seen_writable, visit, ctx, &go_on);
		if (r || !go_on)
			return r;
		if (!(flags & VRING_DESC_F_NEXT))
			return 0;
		i = vq16(q, d->next);
		if (i >= q->num)
			return -EPROTO;
	}
}

struct vta_totals {
	u32 readable;
	u32 writable;
	bool overflow;
	u64 last_writable;    /* address of the last writable byte, 0 if none */
};

static bool measure_visit(void *ctx, const struct vta_seg *s)
{
	struct vta_totals *t = ctx;
	u32 *total = s->writable ? &t->writable : &t->readable;

	if (s->len > U32_MAX - *total) {
		t->overflow = true;
		return false;
	}
	*total += s->len;
	if (s->writable && s->len)
		t->last_writable = s->addr + s->len - 1;
	return true;
}

static int vta_measure(struct vta_vq *q, u16 head, struct vta_totals *t)
{
	int r;

	memset(t, 0, sizeof(*t));
	r = vta_walk(q, head, measure_visit, t);
	if (!r && t->overflow)
		r = -EPROTO;
	return r;
}

static u16 avail_idx(struct vta_vq *q)
{
	u16 idx = vq16(q, READ_ONCE(q->avail->idx));

	virtio_rmb(true);  /* the entries before idx are visible after it */
	return idx;
}

/* The head `ahead` entries after the next unconsumed one: 0, -EAGAIN or -EPROTO. */
static int peek_at(struct vta_vq *q, u16 ahead, u16 *head)
{
	u16 pending = avail_idx(q) - q->last_avail;

	if (pending > q->num)
		return -EPROTO;  /* the driver claims more entries than the queue holds */
	if (ahead >= pending)
		return -EAGAIN;
	*head = vq16(q, READ_ONCE(q->avail->ring[(u16)(q->last_avail + ahead) % q->num]));
	return 0;
}

/* Re-arms kicks after draining (2.7.10); true if entries arrived meanwhile. */
static bool enable_kicks(struct vta_vq *q)
{
	if (q->event_idx)
		WRITE_ONCE(*(__virtio16 *)&q->used->ring[q->num],
			   cpu_to_virtio16(&q->dev->vdev, q->last_avail));
	else
		WRITE_ONCE(q->used->flags, cpu_to_virtio16(&q->dev->vdev, 0));
	virtio_mb(true);
	return avail_idx(q) != q->last_avail;
}

static void push_used(struct vta_vq *q, u16 head, u32 len)
{
	struct vring_used_elem *e = &q->used->ring[q->used_idx % q->num];

	e->id = cpu_to_virtio32(&q->dev->vdev, head);
	e->len = cpu_to_virtio32(&q->dev->vdev, len);
	q->used_idx++;
	virtio_wmb(true);  /* the element before idx (2.7.8) */
	WRITE_ONCE(q->used->idx, cpu_to_virtio16(&q->dev->vdev, q->used_idx));
}

bool vta_vq_should_interrupt(struct vta_vq *q)
{
	u16 old = q->signalled_used;

	q->signalled_used = q->used_idx;
	if (old == q->used_idx)
		return false;
	virtio_mb(true);
	if (q->event_idx)
		return vring_need_event(vq16(q, READ_ONCE(*(__virtio16 *)&q->avail->ring[q->num])),
					q->used_idx, old);
	return !(vq16(q, READ_ONCE(q->avail->flags)) & VRING_AVAIL_F_NO_INTERRUPT);
}

void vta_vq_init(struct vta_vq *q)
{
	memset(q->slots, 0, sizeof(*q->slots) * q->num);
	q->last_avail = q->used_idx = q->signalled_used = 0;
	q->in_flight = 0;
	q->sending = false;
	q->active = true;
}

/* Building one AVAIL fragment: the prefix, then up to HMX_VTA_MAX_IOV - 1 readable pieces. */
struct vta_gather {
	hmx_iov_t *iov;
	u32 n;
	u32 skip;             /* readable bytes before the fragment's offset */
	u32 budget;           /* data bytes the fragment may still carry */
	u32 len;
};

static bool gather_visit(void *ctx, const struct vta_seg *s)
{
	struct vta_gather *g = ctx;
	u32 take;

	if (s->writable || !g->budget || g->n == HMX_VTA_MAX_IOV)
		return false;
	if (g->skip >= s->len) {
		g->skip -= s->len;
		return true;
	}
	take = min(s->len - g->skip, g->budget);
	g->iov[g->n].iov_hnd = s->addr + g->skip;
	g->iov[g->n].iov_len = take;
	g->iov[g->n].pad = 0;
	g->n++;
	g->skip = 0;
	g->budget -= take;
	g->len += take;
	return true;
}

static int build_fragment(struct vta_vq *q, u16 head, u32 tag, u32 offset, u32 readable,
			  u32 writable, u8 *prefix, hmx_iov_t *iov, u32 *niov, u32 *len)
{
	struct vta_gather g = {
		.iov = iov, .n = 1, .skip = offset,
		.budget = q->dev->device_max_message - VTA_AVAIL_PREFIX,
	};
	int r = vta_walk(q, head, gather_visit, &g);

	if (r)
		return r;
	vta_put_header(prefix, 0, HMX_VTA_MSG_AVAIL, q->dev->dev_num, tag, VTA_AVAIL_PREFIX + g.len);
	put_unaligned_le16(q->index, prefix + 16);
	put_unaligned_le16(head, prefix + 18);
	put_unaligned_le32(0, prefix + 20);
	put_unaligned_le32(readable, prefix + 24);
	put_unaligned_le32(writable, prefix + 28);
	put_unaligned_le32(offset, prefix + 32);
	put_unaligned_le32(0, prefix + 36);
	iov[0].iov_hnd = hmx_gpa(prefix);
	iov[0].iov_len = VTA_AVAIL_PREFIX;
	iov[0].pad = 0;
	*niov = g.n;
	*len = g.len;
	return 0;
}

struct vta_planned {
	u16 head;
	bool first;
	u32 tag, readable, writable, len;
};

struct vta_pump_scratch {
	struct vta_planned plan[VTA_BATCH];
	hmx_iov_t iov[VTA_BATCH][HMX_VTA_MAX_IOV];
	struct hmx_send sends[VTA_BATCH];
};

static bool planned_head(const struct vta_planned *plan, u32 n, u16 head)
{
	u32 i;

	for (i = 0; i < n; i++)
		if (plan[i].first && plan[i].head == head)
			return true;
	return false;
}

/* Applies the first `sent` planned fragments to the real state. */
static void commit(struct vta_vq *q, const struct vta_planned *plan, u32 sent)
{
	u32 i;

	for (i = 0; i < sent; i++) {
		const struct vta_planned *p = &plan[i];

		if (p->first) {
			q->last_avail++;
			q->dev->next_tag = p->tag;
			q->slots[p->head] = (struct vta_slot){ p->tag, p->writable, 0, 0,
							       VTA_SLOT_SENDING };
			q->in_flight++;
			q->requests++;
			q->sending = true;
			q->send_head = p->head;
			q->send_offset = 0;
			q->send_readable = p->readable;
		}
		q->avail_messages++;
		q->send_offset += p->len;
		if (q->send_offset == q->send_readable) {
			q->slots[q->send_head].state = VTA_SLOT_IN_FLIGHT;
			q->sending = false;
		}
	}
}

/* One scratch per CPU would do; the data path runs under dev->lock, so one per device does. */
static struct vta_pump_scratch *scratch_of(struct vta_vq *q)
{
	return (struct vta_pump_scratch *)(q->prefix + VTA_BATCH);
}

size_t vta_vq_scratch_bytes(void)
{
	return VTA_BATCH * VTA_AVAIL_PREFIX + sizeof(struct vta_pump_scratch);
}

/*
 * Forwards available chains until the ring is drained, the credit is used up or the device's
 * ring is full. Returns 0 (also after -EAGAIN, which sets dev->space_wait), -EPROTO for a
 * malformed chain, -EMSGSIZE beyond max_request_bytes, or the send's error.
 */
int vta_vq_pump(struct vta_vq *q)
{
	struct vta_device *dev = q->dev;
	struct vta_pump_scratch *s = scratch_of(q);

	if (!q->active)
		return 0;
	for (;;) {
		bool sending = q->sending, drained = false, stalled = false;
		u16 head = q->send_head, taken = 0;
		u32 offset = q->send_offset, readable = q->send_readable;
		u32 writable = sending ? q->slots[head].writable : 0;
		u32 tag = sending ? q->slots[head].tag : 0;
		u32 in_flight = q->in_flight, tags = dev->next_tag;
		u32 n = 0, sent;
		int stop = 0;

		while (n < VTA_BATCH) {
			bool first = false;
			u32 niov = 0, len = 0;
			int r;

			if (!sending) {
				struct vta_totals t;
				u16 h = 0;

				if (in_flight >= q->max_in_flight) {
					stalled = true;
					break;
				}
				r = peek_at(q, taken, &h);
				if (r == -EAGAIN) {
					drained = true;
					break;
				}
				if (!r)
					r = vta_measure(q, h, &t);
				if (!r && (q->slots[h].state != VTA_SLOT_FREE || planned_head(s->plan, n, h)))
					r = -EPROTO;  /* a head reused while outstanding */
				if (!r && (t.readable > q->max_request_bytes ||
					   t.writable > q->max_request_bytes))
					r = -EMSGSIZE;
				if (r) {
					stop = r;
					break;
				}
				if (++tags == 0)
					tags = 1;  /* 0 is never a tag */
				sending = first = true;
				head = h;
				offset = 0;
				readable = t.readable;
				writable = t.writable;
				tag = tags;
				taken++;
				in_flight++;
			}
			r = build_fragment(q, head, tag, offset, readable, writable, q->prefix[n],
					   s->iov[n], &niov, &len);
			if (r) {
				stop = r;
				break;
			}
			s->sends[n] = (struct hmx_send){
				.src_aport = dev->driver_aport, .dst_domain = dev->be->domain,
				.dst_aport = dev->device_aport, .message_type = HMX_VTA_MESSAGE_TYPE,
				.iov = s->iov[n], .niov = niov,
			};
			s->plan[n] = (struct vta_planned){ head, first, tag, readable, writable, len };
			n++;
			offset += len;
			if (offset == readable)
				sending = false;
		}
		sent = 0;
		if (n) {
			sent = hmx_sendv_batch(s->sends, n, dev->notify_pending);
			dev->notify_pending = false;
		}
		commit(q, s->plan, sent);
		if (sent < n) {
			s64 r = s->sends[sent].result;

			if (r == -EAGAIN) {
				q->eagain++;
				dev->space_wait = true;
				return 0;  /* resumes on the space event */
			}
			return r < 0 ? (int)r : -EIO;
		}
		if (stop)
			return stop;
		if (stalled)
			return 0;  /* resumes when a USED returns a credit */
		if (drained && !q->sending && !enable_kicks(q))
			return 0;
	}
}

struct vta_scatter {
	const struct hmx_msg *m;
	u32 src;              /* payload offset of the next byte to copy */
	u32 skip;             /* written bytes before this fragment */
	u32 len;              /* bytes left to copy */
};

static bool scatter_visit(void *ctx, const struct vta_seg *s)
{
	struct vta_scatter *c = ctx;
	u32 take;

	if (!c->len)
		return false;
	if (!s->writable)
		return true;
	if (c->skip >= s->len) {
		c->skip -= s->len;
		return true;
	}
	take = min(s->len - c->skip, c->len);
	hmx_msg_copy(c->m, c->src, phys_to_virt(s->addr + c->skip), take);
	c->src += take;
	c->len -= take;
	c->skip = 0;
	return true;
}

int vta_vq_used(struct vta_vq *q, const struct hmx_msg *m, u32 tag, const struct vta_used *u,
		bool *completed)
{
	struct vta_slot *slot;
	struct vta_scatter c;
	u32 data_len = m->size - VTA_USED_PREFIX;

	*completed = false;
	q->used_messages++;
	if (!q->active)
		return 0;
	if (u->head >= q->num)
		return -EPROTO;
	slot = &q->slots[u->head];
	if (!tag || slot->tag != tag || slot->state == VTA_SLOT_FREE) {
		q->stale_used++;  /* its request was reset: dropped (HMX-VTA-098 HMX-VTA-099) */
		return 0;
	}
	if (slot->state == VTA_SLOT_SENDING)
		return -EPROTO;  /* completed before it was fully sent */
	if (slot->state == VTA_SLOT_IN_FLIGHT) {
		if (u->offset || u->written_total > slot->writable)
			return -EPROTO;
		slot->written = u->written_total;
		slot->state = VTA_SLOT_RECEIVING;
	} else if (u->written_total != slot->written || u->offset != slot->received) {
		return -EPROTO;  /* fragments arrive in order and agree on the total (HMX-VTA-027) */
	}
	if (data_len > slot->written - slot->received)
		return -EPROTO;
	c = (struct vta_scatter){ .m = m, .src = VTA_USED_PREFIX, .skip = slot->received,
				  .len = data_len };
	if (data_len && vta_walk(q, u->head, scatter_visit, &c))
		return -EPROTO;
	slot->received += data_len;
	if (slot->received < slot->written)
		return 0;
	push_used(q, u->head, slot->written);
	*slot = (struct vta_slot){};
	q->in_flight--;
	q->completions++;
	*completed = true;
	return 0;
}

/*
 * Failure (HMX-VTA-100 HMX-VTA-101, -033): every outstanding request is forgotten, so no later USED reaches
 * a buffer. With `complete_with_error` (a virtio-blk device, whose Linux driver has no way to
 * take back a buffer the device never completed) each outstanding and each newly available
 * chain is completed with VIRTIO_BLK_S_IOERR in its last writable byte, the request's status
 * byte, and no device data: the block layer sees I/O errors instead of waiting forever.
 */
void vta_vq_fail_outstanding(struct vta_vq *q, bool complete_with_error)
{
	u16 head;
	u32 i;

	if (complete_with_error) {
		for (i = 0; i < q->num; i++) {
			struct vta_totals t;

			if (q->slots[i].state == VTA_SLOT_FREE)
				continue;
			if (!vta_measure(q, i, &t) && t.last_writable)
				*(u8 *)phys_to_virt(t.last_writable) = VIRTIO_BLK_S_IOERR;
			push_used(q, i, t.last_writable ? 1 : 0);
		}
		while (!peek_at(q, 0, &head)) {
			struct vta_totals t;

			q->last_avail++;
			if (!vta_measure(q, head, &t) && t.last_writable)
				*(u8 *)phys_to_virt(t.last_writable) = VIRTIO_BLK_S_IOERR;
			push_used(q, head, t.last_writable ? 1 : 0);
		}
	}
	memset(q->slots, 0, sizeof(*q->slots) * q->num);
	q->in_flight = 0;
	q->sending = false;
	q->active = complete_with_error;  /* a failed blk queue keeps failing new chains */
}
