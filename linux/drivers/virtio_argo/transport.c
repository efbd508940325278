// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio-argo driver transport for one device (spec/transport.adoc): a Linux virtio device
 * whose configuration operations are control requests on the connection, whose virtqueues are
 * Linux's own split rings in this domain's memory with the transport playing the device's part
 * (queue.c), and whose notifications are the HMX ring events of the driver ring.
 *
 * The driver ring's handler runs from the HMX notification: it takes responses, USED messages
 * and EVENT_CONFIG, resumes the queues that got credit or space back, and calls the virtio
 * driver's callbacks (vring_interrupt) after dropping the device lock.
 */
#include <linux/device.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>

#include "vta.h"

#define VTA_DRIVER_APORT_BASE 0x56544400u  /* our connection rings: base + dev_num */
#define VTA_LIVENESS_MS 200                /* liveness check period */
#define VTA_PROBE_AFTER_MS 1000            /* quiet time with work outstanding before a probe */
#define VTA_F_NOTIFICATION_DATA 38          /* virtio 1.2 6; not named by Linux 6.1 */
#define VTA_RING_LAYOUT_BITS (BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC) | \
			      BIT_ULL(VIRTIO_RING_F_EVENT_IDX) | BIT_ULL(VIRTIO_F_RING_PACKED) | \
			      BIT_ULL(VTA_F_NOTIFICATION_DATA))

static struct vta_device *to_vta(struct virtio_device *vdev)
{
	return container_of(vdev, struct vta_device, vdev);
}

static bool vta_is_blk(const struct vta_device *dev)
{
	return dev->device_id == VIRTIO_ID_BLOCK;
}

/*
 * Enters the failed state (HMX-VTA-102 HMX-VTA-103 HMX-VTA-104): DEVICE_NEEDS_RESET, no more requests, every
 * outstanding request forgotten. dev->lock held; vta_after_fail() runs the callbacks once the
 * lock is dropped.
 */
static void vta_fail_locked(struct vta_device *dev, const char *reason)
{
	unsigned int i;

	if (dev->failed)
		return;
	dev->failed = true;
	dev->fail_reason = reason;
	dev->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	vta_channel_kill(&dev->ctl);
	for (i = 0; i < dev->nvqs; i++)
		if (dev->vqs[i])
			vta_vq_fail_outstanding(dev->vqs[i], vta_is_blk(dev));
}

static void vta_after_fail(struct vta_device *dev)
{
	dev_warn(&dev->vdev.dev, "virtio-argo: device %u of domain %u failed: %s\n", dev->dev_num,
		 dev->be->domain, dev->fail_reason);
	/*
	 * Drivers that spin on a queue (virtio_console's put_chars) stop at a broken queue, and new
	 * buffers are refused. virtio-blk's queues stay usable: they complete every request with an
	 * I/O error instead (queue.c), which its driver can take.
	 */
	if (dev->registered && !vta_is_blk(dev))
		virtio_break_device(&dev->vdev);
	wake_up(&dev->ctl.wq);
	schedule_work(&dev->config_work);
}

static void vta_fail(struct vta_device *dev, const char *reason)
{
	unsigned long flags;
	bool first;

	spin_lock_irqsave(&dev->lock, flags);
	first = !dev->failed;
	vta_fail_locked(dev, reason);
	spin_unlock_irqrestore(&dev->lock, flags);
	if (first)
		vta_after_fail(dev);
}

/* The configuration change callback also carries the failure's completions to the driver. */
static void vta_config_work(struct work_struct *work)
{
	struct vta_device *dev = container_of(work, struct vta_device, config_work);
	struct vta_vq **vqs;
	unsigned long flags;
	unsigned int i, n;
	bool failed;

	/* del_vqs cancels this work before it frees the queues. */
	spin_lock_irqsave(&dev->lock, flags);
	failed = dev->failed;
	vqs = dev->vqs;
	n = dev->nvqs;
	spin_unlock_irqrestore(&dev->lock, flags);
	if (failed)
		for (i = 0; i < n; i++)
			if (vqs[i])
				vring_interrupt(0, vqs[i]->vq);
	if (dev->registered)
		virtio_config_changed(&dev->vdev);
}

static void vta_remove_work(struct work_struct *work)
{
	struct vta_device *dev = container_of(work, struct vta_device, remove_work);
	struct vta_backend *be = dev->be;

	mutex_lock(&be->devices_mutex);
	if (!list_empty(&dev->link)) {
		list_del_init(&dev->link);
		mutex_unlock(&be->devices_mutex);
		vta_device_remove(dev);
		return;
	}
	mutex_unlock(&be->devices_mutex);
}

void vta_device_removed_event(struct vta_device *dev)
{
	vta_fail(dev, "removed by the device domain (EVENT_DEVICE REMOVED)");  /* HMX-VTA-034 */
	schedule_work(&dev->remove_work);
}

/* Pumps every queue after credit or space came back; dev->lock held. */
static void vta_pump_all(struct vta_device *dev)
{
	unsigned int i;
	int r;

	if (dev->failed)
		return;
	for (i = 0; i < dev->nvqs; i++) {
		if (!dev->vqs[i])
			continue;
		r = vta_vq_pump(dev->vqs[i]);
		if (r) {
			vta_fail_locked(dev, r == -EPROTO ? "malformed descriptor chain" :
					     r == -EMSGSIZE ? "request beyond max_request_bytes" :
					     "send failed (device ring gone)");
			return;
		}
	}
}

static void vta_handle_used(struct vta_device *dev, const struct hmx_msg *m,
			    const struct vta_hdr *h, u64 *interrupt)
{
	u8 b[VTA_USED_PREFIX];
	struct vta_used u;
	struct vta_vq *q;
	bool completed;

	if (m->size < VTA_USED_PREFIX)
		return;  /* a payload of the wrong size: dropped (HMX-VTA-053 HMX-VTA-054) */
	hmx_msg_copy(m, 0, b, sizeof(b));
	if (get_unaligned_le32(b + 20))
		return;
	u.vq = get_unaligned_le16(b + 16);
	u.head = get_unaligned_le16(b + 18);
	u.written_total = get_unaligned_le32(b + 24);
	u.offset = get_unaligned_le32(b + 28);
	if (u.vq >= dev->nvqs || !dev->vqs[u.vq])
		return;
	q = dev->vqs[u.vq];
	if (vta_vq_used(q, m, h->token, &u, &completed)) {
		vta_fail_locked(dev, "the device contradicted a request (USED)");  /* HMX-VTA-090 HMX-VTA-091 HMX-VTA-092 HMX-VTA-093 */
		return;
	}
	if (completed && vta_vq_should_interrupt(q))
		*interrupt |= BIT_ULL(u.vq % 64);
}

static bool vta_handle_config_event(struct vta_device *dev, const struct hmx_msg *m)
{
	u8 b[HMX_VTA_HEADER_SIZE + 16];
	u32 status, length;

	if (m->size < sizeof(b))
		return false;
	hmx_msg_copy(m, 0, b, sizeof(b));
	status = get_unaligned_le32(b + 16);
	length = get_unaligned_le32(b + 28);
	if (length != m->size - sizeof(b))
		return false;
	dev->generation = get_unaligned_le32(b + 20);
	if (status & VIRTIO_CONFIG_S_NEEDS_RESET)
		dev->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	return true;
}

/*
 * The largest message the device may still send us: a control response or EVENT_CONFIG (at most
 * the largest configuration chunk), or a USED fragment of an outstanding request (its prefix and
 * at most its writable capacity). dev->lock held.
 */
static u32 vta_largest_incoming(struct vta_device *dev)
{
	u32 ring_max = hmx_ring_max_message(dev->ring);
	u32 largest = VTA_CONFIG_PREFIX + HMX_VTA_MAX_CONFIG_SIZE, i, k;

	for (i = 0; i < dev->nvqs; i++) {
		struct vta_vq *q = dev->vqs[i];

		if (!q)
			continue;
		for (k = 0; k < q->num; k++)
			if (q->slots[k].state != VTA_SLOT_FREE)
				largest = max(largest, VTA_USED_PREFIX + q->slots[k].writable);
	}
	return min(largest, ring_max);
}

/*
 * Whether the device may be waiting for space in our ring: only if one of its sends found too
 * little room. A pass takes messages until the ring is empty, so since the previous pass ended
 * the ring never held more than the `taken` bytes of this pass, and every send of the device
 * found at least len - taken bytes free. If its largest possible message (requests still
 * outstanding included, which covers a refused one) fits in that, none was refused, no space
 * wait is queued, and the notify that would wake one is saved: one hypervisor call per
 * completion. Otherwise the notify rides in the next batch, or goes alone.
 */
static bool vta_device_may_wait(struct vta_device *dev, u64 taken)
{
	u32 need = round_up(HMX_MESSAGE_HEADER_SIZE + vta_largest_incoming(dev), HMX_MSG_SLOT_SIZE);

	return taken + need + HMX_MSG_SLOT_SIZE > hmx_ring_len(dev->ring);
}

/* The driver's callbacks for queues completed while a kick consumed the ring (vta_notify). */
static void vta_irq_work(struct work_struct *work)
{
	struct vta_device *dev = container_of(work, struct vta_device, irq_work);
	struct vta_vq **vqs;
	unsigned long flags;
	unsigned int i, n;
	u64 mask;

	spin_lock_irqsave(&dev->lock, flags);
	mask = dev->deferred_interrupts;
	dev->deferred_interrupts = 0;
	vqs = dev->vqs;
	n = dev->nvqs;
	spin_unlock_irqrestore(&dev->lock, flags);
	for (i = 0; i < n; i++)
		if (vqs[i] && (mask & BIT_ULL(i % 64)))
			vring_interrupt(0, vqs[i]->vq);
}

/*
 * Takes every message of the driver ring. From the notification the driver's callbacks run at
 * the end; from inside a kick (`defer`) they are left to vta_irq_work, so a driver is never
 * called back from within its own virtqueue_kick().
 */
static void vta_take_messages(struct vta_device *dev, bool defer)
{
	struct hmx_kring *ring = dev->ring;
	bool wake = false, config = false, consumed = false, failed_now, notify;
	u64 taken = 0;
	struct vta_vq **vqs;
	unsigned int nvqs;
	u64 interrupt = 0;
	struct hmx_msg m;
	struct vta_hdr h;
	unsigned int i;
	u8 b[HMX_VTA_HEADER_SIZE];
	int r;

	spin_lock(&dev->lock);
	failed_now = dev->failed;
	for (;;) {
		r = hmx_ring_peek(ring, &m);
		/*
		 * Empty: arm rx_event before relying on the next notification (HMX-EVENT-054
		 * HMX-EVENT-055); a message that landed meanwhile is taken now (HMX-EVENT-056).
		 * Messages the hypervisor writes while this pass runs raise no interrupt.
		 */
		if (r == -EAGAIN) {
			if (hmx_ring_arm(ring))
				break;
			continue;
		}
		if (r) {
			hmx_ring_discard(ring);
			vta_fail_locked(dev, "driver ring corrupt");
			(void)hmx_ring_arm(ring);
			break;
		}
		consumed = true;
		taken += (m.next + hmx_ring_len(ring) - m.offset) % hmx_ring_len(ring);
		dev->last_rx = jiffies;
		/* Only our peer can send here; anything else is dropped (HMX-VTA-053 HMX-VTA-054). */
		if (m.source_domain == dev->be->domain && m.message_type == HMX_VTA_MESSAGE_TYPE &&
		    m.size >= HMX_VTA_HEADER_SIZE && !dev->failed) {
			hmx_msg_copy(&m, 0, b, sizeof(b));
			if (vta_get_header(b, m.size, &h) && !(h.flags & HMX_VTA_FLAG_BUS) &&
			    h.dev_num == dev->dev_num) {
				if (h.msg_id == HMX_VTA_MSG_USED)
					vta_handle_used(dev, &m, &h, &interrupt);
				else if (h.msg_id == HMX_VTA_MSG_EVENT_CONFIG)
					config |= vta_handle_config_event(dev, &m);
				else
					wake |= vta_channel_response(&dev->ctl, &h, &m);
			}
		}
		hmx_ring_consume(ring, &m);
	}
	if (consumed && vta_device_may_wait(dev, taken))
		dev->notify_pending = true;  /* rides in the next batch, or goes alone below */
	vta_pump_all(dev);
	notify = dev->notify_pending;
	dev->notify_pending = false;
	failed_now = !failed_now && dev->failed;
	/* del_vqs waits for this handler (hmx_ring_sync) before it frees these. */
	vqs = dev->vqs;
	nvqs = dev->nvqs;
	if (defer && interrupt) {
		dev->deferred_interrupts |= interrupt;
		schedule_work(&dev->irq_work);
		interrupt = 0;
	}
	spin_unlock(&dev->lock);

	if (notify)
		hmx_notify();
	if (failed_now) {
		vta_after_fail(dev);
		return;
	}
	for (i = 0; i < nvqs; i++)
		if (vqs[i] && (interrupt & BIT_ULL(i % 64)))
			vring_interrupt(0, vqs[i]->vq);
	if (wake)
		wake_up(&dev->ctl.wq);
	if (config)
		schedule_work(&dev->config_work);
}

static void vta_ring_message(struct hmx_kring *ring, void *ctx)
{
	vta_take_messages(ctx, false);
}

static void vta_ring_space(struct hmx_kring *ring, void *ctx)
{
	struct vta_device *dev = ctx;
	bool failed;

	spin_lock(&dev->lock);
	dev->ctl.space = true;
	dev->space_wait = false;
	failed = dev->failed;
	vta_pump_all(dev);
	failed = !failed && dev->failed;
	spin_unlock(&dev->lock);
	if (failed)
		vta_after_fail(dev);
	wake_up(&dev->ctl.wq);
}

static const struct hmx_ring_ops vta_ring_ops = {
	.message = vta_ring_message,
	.space = vta_ring_space,
};

/*
 * Liveness (HMX-VTA-102 HMX-VTA-103 HMX-VTA-104): with work outstanding and nothing received for a while, ask the
 * hypervisor whether the device ring still exists; with nothing received for the data time-out,
 * the device hangs. Also retries sends that wait for space, so no wait is unbounded.
 */
static void vta_liveness(struct timer_list *t)
{
	struct vta_device *dev = from_timer(dev, t, liveness);
	const char *reason = NULL;
	unsigned long flags;
	bool busy = false, probe = false;
	unsigned int i;

	spin_lock_irqsave(&dev->lock, flags);
	if (dev->failed) {
		spin_unlock_irqrestore(&dev->lock, flags);
		return;
	}
	for (i = 0; i < dev->nvqs; i++)
		if (dev->vqs[i] && dev->vqs[i]->in_flight)
			busy = true;
	busy |= dev->ctl.token != 0;
	if (!busy)
		dev->last_rx = jiffies;
	else if (time_after(jiffies, dev->last_rx + msecs_to_jiffies(vta_data_timeout_ms)))
		reason = "the device does not answer (time-out)";
	else if (time_after(jiffies, dev->last_rx + msecs_to_jiffies(VTA_PROBE_AFTER_MS)))
		probe = true;
	if (dev->space_wait)
		vta_pump_all(dev);
	spin_unlock_irqrestore(&dev->lock, flags);

	if (probe) {
		u16 rflags = 0;
		int r = hmx_query_ring(dev->be->domain, dev->device_aport, 0, &rflags, NULL);

		if (r || !(rflags & HMX_RING_EXISTS))
			reason = "the device ring vanished (device domain gone)";
	}
	if (reason)
		vta_fail(dev, reason);
	else
		mod_timer(&dev->liveness, jiffies + msecs_to_jiffies(VTA_LIVENESS_MS));
}

/* A control request; a transport-level failure of the request fails the device. */
static int vta_call(struct vta_device *dev, u8 msg_id, const void *payload, u32 len,
		    void *resp, u32 resp_cap, u32 *resp_len)
{
	int r = vta_channel_call(&dev->ctl, msg_id, payload, len, resp, resp_cap, resp_len);

	if (r == -ETIMEDOUT)
		vta_fail(dev, "control request timed out");
	else if (r == -ECONNREFUSED || r == -ESRCH)
		vta_fail(dev, "device ring gone");
	return r;
}

/* A request whose response payload must be exactly `want` bytes. */
static int vta_call_exact(struct vta_device *dev, u8 msg_id, const void *payload, u32 len,
			  void *resp, u32 want)
{
	u32 got = 0;
	int r = vta_call(dev, msg_id, payload, len, resp, want, &got);

	if (!r && got != want)
		r = -EPROTO;
	return r;
}

/* ---- virtio_config_ops ----------------------------------------------------------------- */

static u32 config_chunk(struct vta_device *dev)
{
	u32 ring = hmx_ring_max_message(dev->ring) - VTA_CONFIG_PREFIX;
	u32 tx = dev->device_max_message - VTA_CONFIG_PREFIX;

	return min3(ring, tx, dev->ctl.resp_cap - 12);
}

/* Reads [offset, offset + len) into the cache, in chunks of one generation (HMX-VTA-070 HMX-VTA-071). */
static int vta_read_config(struct vta_device *dev, u32 offset, u32 len)
{
	u32 chunk = config_chunk(dev), attempt;
	u8 req[8], *resp = kmalloc(chunk + 12, GFP_KERNEL);
	int r = -ENOMEM;

	if (!resp)
		return r;
	for (attempt = 0; attempt < 8; attempt++) {
		u32 pos = offset, gen = 0;
		bool first = true, consistent = true;

		r = 0;
		while (pos < offset + len && !r) {
			u32 n = min(chunk, offset + len - pos), got = 0;

			put_unaligned_le32(pos, req);
			put_unaligned_le32(n, req + 4);
			r = vta_call(dev, HMX_VTA_MSG_GET_CONFIG, req, 8, resp, chunk + 12, &got);
			if (r)
				break;
			if (got != 12 + n || get_unaligned_le32(resp + 4) != pos ||
			    get_unaligned_le32(resp + 8) != n) {
				r = -EPROTO;
				break;
			}
			if (!first && get_unaligned_le32(resp) != gen)
				consistent = false;
			gen = get_unaligned_le32(resp);
			first = false;
			memcpy(dev->config + pos, resp + 12, n);
			pos += n;
		}
		if (r)
			break;
		dev->generation = gen;
		if (consistent)
			break;
	}
	kfree(resp);
	return r;
}

static void vta_get(struct virtio_device *vdev, unsigned int offset, void *buf, unsigned int len)
{
	struct vta_device *dev = to_vta(vdev);

	if (offset > dev->config_size || len > dev->config_size - offset) {
		memset(buf, 0, len);
		return;
	}
	/* A failed device answers from the last configuration it reported. */
	if (!READ_ONCE(dev->failed))
		(void)vta_read_config(dev, offset, len);
	memcpy(buf, dev->config + offset, len);
}

static void vta_set(struct virtio_device *vdev, unsigned int offset, const void *buf,
		    unsigned int len)
{
	struct vta_device *dev = to_vta(vdev);
	u32 chunk = config_chunk(dev), pos = 0, attempt;
	u8 *req, resp[12];

	if (offset > dev->config_size || len > dev->config_size - offset || READ_ONCE(dev->failed))
		return;
	req = kmalloc(12 + chunk, GFP_KERNEL);
	if (!req)
		return;
	while (pos < len) {
		u32 n = min(chunk, len - pos);

		/* SET_CONFIG names the generation we saw; a refused write is retried on a fresh one. */
		for (attempt = 0; attempt < 4; attempt++) {
			put_unaligned_le32(dev->generation, req);
			put_unaligned_le32(offset + pos, req + 4);
			put_unaligned_le32(n, req + 8);
			memcpy(req + 12, (const u8 *)buf + pos, n);
			if (vta_call_exact(dev, HMX_VTA_MSG_SET_CONFIG, req, 12 + n, resp, 12))
				goto out;
			dev->generation = get_unaligned_le32(resp);
			if (get_unaligned_le32(resp + 8) == n)
				break;
		}
		memcpy(dev->config + offset + pos, (const u8 *)buf + pos, n);
		pos += n;
	}
out:
	kfree(req);
}

static u32 vta_generation(struct virtio_device *vdev)
{
	return to_vta(vdev)->generation;
}

static u8 vta_get_status(struct virtio_device *vdev)
{
	return READ_ONCE(to_vta(vdev)->status);
}

static void vta_set_status(struct virtio_device *vdev, u8 status)
{
	struct vta_device *dev = to_vta(vdev);
	u8 old = dev->status;
	u8 req[4], resp[4];

	if (READ_ONCE(dev->failed))
		return;
	put_unaligned_le32(status, req);
	if (vta_call_exact(dev, HMX_VTA_MSG_SET_DEVICE_STATUS, req, 4, resp, 4))
		return;
	dev->status = get_unaligned_le32(resp);
	/* HMX-VTA-066 HMX-VTA-067: confirm that FEATURES_OK stuck. */
	if ((status & VIRTIO_CONFIG_S_FEATURES_OK) && !(old & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    !vta_call_exact(dev, HMX_VTA_MSG_GET_DEVICE_STATUS, NULL, 0, resp, 4))
		dev->status = get_unaligned_le32(resp);
}

/* Reset (HMX-VTA-100 HMX-VTA-101): forget every request first, so late USED messages are dropped. */
static void vta_reset(struct virtio_device *vdev)
{
	struct vta_device *dev = to_vta(vdev);
	unsigned long flags;
	unsigned int i;
	u8 req[4] = { 0 }, resp[4];
	bool failed;

	spin_lock_irqsave(&dev->lock, flags);
	failed = dev->failed;
	for (i = 0; i < dev->nvqs; i++)
		if (dev->vqs[i])
			vta_vq_fail_outstanding(dev->vqs[i], false);
	spin_unlock_irqrestore(&dev->lock, flags);
	if (!failed && !vta_call_exact(dev, HMX_VTA_MSG_SET_DEVICE_STATUS, req, 4, resp, 4))
		dev->status = get_unaligned_le32(resp);
	else if (!failed)
		dev->status = 0;
	/* A failed device keeps DEVICE_NEEDS_RESET: there is nobody to reset it with. */
}

static u64 vta_get_features(struct virtio_device *vdev)
{
	struct vta_device *dev = to_vta(vdev);
	u32 blocks = clamp_t(u32, dev->num_feature_bits / 32, 1, 2);
	u8 req[8], resp[16];
	u64 f;

	put_unaligned_le32(0, req);
	put_unaligned_le32(blocks, req + 4);
	if (vta_call_exact(dev, HMX_VTA_MSG_GET_DEVICE_FEATURES, req, 8, resp, 8 + 4 * blocks) ||
	    get_unaligned_le32(resp) != 0 || get_unaligned_le32(resp + 4) != blocks)
		return 0;
	f = get_unaligned_le32(resp + 8);
	if (blocks > 1)
		f |= (u64)get_unaligned_le32(resp + 12) << 32;
	dev->device_features = f;
	/* The ring-layout features are the transport's own (HMX-VTA-076 HMX-VTA-077). */
	return f | BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC) | BIT_ULL(VIRTIO_RING_F_EVENT_IDX);
}

static int vta_finalize_features(struct virtio_device *vdev)
{
	struct vta_device *dev = to_vta(vdev);
	u64 f;
	u8 req[16];

	vring_transport_features(vdev);
	if (!__virtio_test_bit(vdev, VIRTIO_F_VERSION_1))
		return -EINVAL;  /* modern only (HMX-VTA-037) */
	f = vdev->features & ~VTA_RING_LAYOUT_BITS & dev->device_features;
	put_unaligned_le32(0, req);
	put_unaligned_le32(2, req + 4);
	put_unaligned_le32((u32)f, req + 8);
	put_unaligned_le32((u32)(f >> 32), req + 12);
	return vta_call_exact(dev, HMX_VTA_MSG_SET_DRIVER_FEATURES, req, 16, NULL, 0);
}

static const char *vta_bus_name(struct virtio_device *vdev)
{
	return "hmx-virtio-argo";
}

/*
 * Some virtio drivers kick with interrupts off and then spin on the used ring until the device
 * consumed a buffer it only reads (virtio_console's put_chars, under a spinlock). Over a shared-
 * memory transport the device's write of the used ring ends that spin; here the used element is
 * written by this transport when the USED message arrives, and the notification that would tell
 * it cannot be taken with interrupts off. So a kick made with interrupts off consumes the
 * driver ring itself until the queue's read-only requests are complete (receive buffers, which
 * wait for data, are not waited for), bounded by the request time-out.
 */
static bool vta_readonly_in_flight(struct vta_vq *q)
{
	u32 i;

	for (i = 0; i < q->num; i++)
		if (q->slots[i].state != VTA_SLOT_FREE && !q->slots[i].writable)
			return true;
	return false;
}

static void vta_complete_inline(struct vta_device *dev, struct vta_vq *q)
{
	/* jiffies stand still with interrupts off; the clocksource does not. */
	u64 start = ktime_get_ns(), deadline = start + (u64)vta_request_timeout_ms * NSEC_PER_MSEC;
	u64 next_probe = start + (u64)VTA_PROBE_AFTER_MS * NSEC_PER_MSEC / 10;

	for (;;) {
		bool waiting;
		u64 now;

		spin_lock(&dev->lock);
		waiting = !dev->failed && q->active && vta_readonly_in_flight(q);
		spin_unlock(&dev->lock);
		if (!waiting)
			return;
		vta_take_messages(dev, true);
		cpu_relax();
		now = ktime_get_ns();
		if (now > deadline) {
			vta_fail(dev, "the device does not complete a transmission (time-out)");
			return;
		}
		/* The liveness timer cannot run meanwhile: ask about the device ring here. */
		if (now > next_probe) {
			u16 flags = 0;

			next_probe = now + (u64)VTA_PROBE_AFTER_MS * NSEC_PER_MSEC / 10;
			if (hmx_query_ring(dev->be->domain, dev->device_aport, 0, &flags, NULL) ||
			    !(flags & HMX_RING_EXISTS)) {
				vta_fail(dev, "the device ring vanished (device domain gone)");
				return;
			}
		}
	}
}

static bool vta_notify(struct virtqueue *vq)
{
	struct vta_vq *q = vq->priv;
	struct vta_device *dev = q->dev;
	bool failed_now = false, ok = true;
	unsigned long flags;
	int r;

	spin_lock_irqsave(&dev->lock, flags);
	if (dev->failed) {
		/* A failed virtio-blk queue completes new requests with I/O errors (queue.c). */
		ok = q->active;
		if (q->active)
			vta_vq_fail_outstanding(q, true);
	} else {
		r = vta_vq_pump(q);
		if (r) {
			vta_fail_locked(dev, r == -EPROTO ? "malformed descriptor chain" :
					     r == -EMSGSIZE ? "request beyond max_request_bytes" :
					     "send failed (device ring gone)");
			failed_now = true;
		}
	}
	spin_unlock_irqrestore(&dev->lock, flags);
	if (failed_now)
		vta_after_fail(dev);
	else if (dev->failed && ok)
		schedule_work(&dev->config_work);  /* delivers the error completions */
	else if (irqs_disabled())
		vta_complete_inline(dev, q);
	return ok;
}

static void vta_free_vq(struct vta_vq *q)
{
	if (q->vq)
		vring_del_virtqueue(q->vq);
	kfree(q->slots);
	kfree(q->prefix);
	kfree(q);
}

static void vta_del_vqs(struct virtio_device *vdev)
{
	struct vta_device *dev = to_vta(vdev);
	struct vta_vq **vqs;
	unsigned long flags;
	unsigned int i, n;

	spin_lock_irqsave(&dev->lock, flags);
	vqs = dev->vqs;
	n = dev->nvqs;
	for (i = 0; i < n; i++)
		if (vqs[i])
			vta_vq_fail_outstanding(vqs[i], false);
	dev->vqs = NULL;
	dev->nvqs = 0;
	spin_unlock_irqrestore(&dev->lock, flags);
	hmx_ring_sync(dev->ring);  /* no notification still runs on the old queues */
	cancel_work_sync(&dev->config_work);
	cancel_work_sync(&dev->irq_work);
	for (i = 0; i < n; i++)
		if (vqs[i])
			vta_free_vq(vqs[i]);
	kfree(vqs);
}

/* GET_VQUEUE, a Linux split ring of the size the device allows, SET_VQUEUE (HMX-VTA-083 HMX-VTA-084 HMX-VTA-085). */
static struct vta_vq *vta_setup_vq(struct vta_device *dev, unsigned int index,
				   vq_callback_t *callback, const char *name, bool ctx)
{
	u8 req[16], info[24], res[16];
	u32 max_size, max_in_flight, max_request_bytes, granted;
	struct vta_vq *q;
	int r;

	put_unaligned_le32(index, req);
	r = vta_call_exact(dev, HMX_VTA_MSG_GET_VQUEUE, req, 4, info, 24);
	if (r)
		return ERR_PTR(r);
	max_size = get_unaligned_le32(info + 4);
	max_in_flight = get_unaligned_le32(info + 12);
	max_request_bytes = get_unaligned_le32(info + 16);
	if (get_unaligned_le32(info) != index || !max_size || max_size > HMX_VTA_MAX_QUEUE_SIZE ||
	    !max_in_flight)
		return ERR_PTR(-ENOENT);
	q = kzalloc(sizeof(*q), GFP_KERNEL);
	if (!q)
		return ERR_PTR(-ENOMEM);
	q->dev = dev;
	q->index = index;
	q->vq = vring_create_virtqueue(index, min_t(u32, max_size, 256), SMP_CACHE_BYTES,
				       &dev->vdev, true, true, ctx, vta_notify, callback, name);
	if (!q->vq) {
		r = -ENOMEM;
		goto fail;
	}
	q->num = virtqueue_get_vring_size(q->vq);
	q->desc = virtqueue_get_vring(q->vq)->desc;
	q->avail = virtqueue_get_vring(q->vq)->avail;
	q->used = virtqueue_get_vring(q->vq)->used;
	q->indirect = virtio_has_feature(&dev->vdev, VIRTIO_RING_F_INDIRECT_DESC);
	q->event_idx = virtio_has_feature(&dev->vdev, VIRTIO_RING_F_EVENT_IDX);
	q->slots = kcalloc(q->num, sizeof(*q->slots), GFP_KERNEL);
	q->prefix = kmalloc(vta_vq_scratch_bytes(), GFP_KERNEL);
	if (!q->slots || !q->prefix) {
		r = -ENOMEM;
		goto fail;
	}
	put_unaligned_le32(index, req);
	put_unaligned_le32(q->num, req + 4);
	put_unaligned_le32(0, req + 8);
	put_unaligned_le32(0, req + 12);
	r = vta_call_exact(dev, HMX_VTA_MSG_SET_VQUEUE, req, 16, res, 16);
	if (r)
		goto fail;
	granted = get_unaligned_le32(res + 8);
	if (get_unaligned_le32(res) != index || get_unaligned_le32(res + 4) != q->num || !granted) {
		r = -EINVAL;
		goto fail;
	}
	q->max_in_flight = min3(granted, max_in_flight, (u32)q->num);
	q->max_request_bytes = max_request_bytes;
	q->vq->priv = q;
	vta_vq_init(q);
	return q;
fail:
	vta_free_vq(q);
	return ERR_PTR(r);
}

static int vta_find_vqs(struct virtio_device *vdev, unsigned int nvqs, struct virtqueue *vqs[],
			vq_callback_t *callbacks[], const char * const names[], const bool *ctx,
			struct irq_affinity *desc)
{
	struct vta_device *dev = to_vta(vdev);
	struct vta_vq **qs = kcalloc(nvqs, sizeof(*qs), GFP_KERNEL);
	unsigned long flags;
	unsigned int i, index = 0;

	if (!qs)
		return -ENOMEM;
	for (i = 0; i < nvqs; i++) {
		struct vta_vq *q;

		vqs[i] = NULL;
		if (!names[i])
			continue;
		q = vta_setup_vq(dev, index++, callbacks[i], names[i], ctx ? ctx[i] : false);
		if (IS_ERR(q)) {
			unsigned int k;

			for (k = 0; k < i; k++)
				if (qs[k])
					vta_free_vq(qs[k]);
			kfree(qs);
			return PTR_ERR(q);
		}
		qs[q->index] = q;
		vqs[i] = q->vq;
	}
	spin_lock_irqsave(&dev->lock, flags);
	dev->vqs = qs;
	dev->nvqs = index;
	spin_unlock_irqrestore(&dev->lock, flags);
	return 0;
}

static void vta_synchronize_cbs(struct virtio_device *vdev)
{
	hmx_ring_sync(to_vta(vdev)->ring);
}

static const struct virtio_config_ops vta_config_ops = {
	.get = vta_get,
	.set = vta_set,
	.generation = vta_generation,
	.get_status = vta_get_status,
	.set_status = vta_set_status,
	.reset = vta_reset,
	.find_vqs = vta_find_vqs,
	.del_vqs = vta_del_vqs,
	.synchronize_cbs = vta_synchronize_cbs,
	.get_features = vta_get_features,
	.finalize_features = vta_finalize_features,
	.bus_name = vta_bus_name,
};

/* ---- connection and registration ------------------------------------------------------- */

static void vta_release(struct device *d)
{
	struct vta_device *dev = container_of(d, struct vta_device, vdev.dev);

	vta_channel_free(&dev->ctl);
	kfree(dev->config);
	kfree(dev);
}

/* CONNECT on the bus (HMX-VTA-046 HMX-VTA-047 HMX-VTA-048): our ring first, then the device's answer. */
static int vta_connect(struct vta_device *dev)
{
	struct vta_backend *be = dev->be;
	u8 req[16], resp[16];
	u32 got = 0, error;
	int r;

	put_unaligned_le16(dev->dev_num, req);
	put_unaligned_le16(0, req + 2);
	put_unaligned_le32(dev->driver_aport, req + 4);
	put_unaligned_le32(hmx_ring_max_message(dev->ring), req + 8);
	put_unaligned_le32(0, req + 12);
	r = vta_channel_call(&be->bus, HMX_VTA_BUS_CONNECT, req, 16, resp, 16, &got);
	if (r)
		return r;
	if (got != 16 || get_unaligned_le16(resp) != dev->dev_num)
		return -EPROTO;
	error = get_unaligned_le32(resp + 4);
	if (error)
		return -(int)min_t(u32, error, 4095);
	dev->device_aport = get_unaligned_le32(resp + 8);
	dev->device_max_message = get_unaligned_le32(resp + 12);
	if (dev->device_max_message < HMX_VTA_MIN_MESSAGE_SIZE ||
	    dev->device_max_message > HMX_VTA_MAX_MESSAGE_SIZE)
		return -EPROTO;
	dev->ctl.dst_aport = dev->device_aport;
	dev->connected = true;
	return 0;
}

static int vta_device_info(struct vta_device *dev)
{
	u8 info[24];
	int r = vta_call_exact(dev, HMX_VTA_MSG_GET_DEVICE_INFO, NULL, 0, info, 24);

	if (r)
		return r;
	dev->num_feature_bits = get_unaligned_le32(info + 8);
	dev->config_size = get_unaligned_le32(info + 12);
	dev->max_virtqueues = get_unaligned_le32(info + 16);
	if (get_unaligned_le32(info) != dev->device_id || dev->num_feature_bits % 32 ||
	    dev->num_feature_bits > 32 * HMX_VTA_MAX_FEATURE_BLOCKS ||
	    dev->config_size > HMX_VTA_MAX_CONFIG_SIZE || !dev->max_virtqueues ||
	    dev->max_virtqueues > HMX_VTA_MAX_QUEUES)
		return -EPROTO;
	dev->config = kzalloc(max_t(u32, dev->config_size, 1), GFP_KERNEL);
	return dev->config ? 0 : -ENOMEM;
}

int vta_device_add(struct vta_backend *be, u16 dev_num, u32 device_id, u32 vendor_id)
{
	struct vta_device *dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	u32 ring_len = vta_ring_kib * 1024 - HMX_RING_HEADER_SIZE;
	int r;

	if (!dev)
		return -ENOMEM;
	dev->be = be;
	dev->dev_num = dev_num;
	dev->device_id = device_id;
	dev->vendor_id = vendor_id;
	dev->driver_aport = VTA_DRIVER_APORT_BASE + dev_num;
	INIT_LIST_HEAD(&dev->link);
	spin_lock_init(&dev->lock);
	INIT_WORK(&dev->config_work, vta_config_work);
	INIT_WORK(&dev->remove_work, vta_remove_work);
	INIT_WORK(&dev->irq_work, vta_irq_work);
	timer_setup(&dev->liveness, vta_liveness, 0);
	dev->last_rx = jiffies;
	r = vta_channel_init(&dev->ctl, &dev->lock, be->domain, dev->driver_aport, 0, dev_num,
			     false, HMX_VTA_MAX_CONFIG_SIZE + 64);
	if (r)
		goto fail;
	/* HMX-VTA-046 HMX-VTA-047 HMX-VTA-048: our ring exists, partner the device domain, before CONNECT. */
	/* Moderated where offered: vta_take_messages() arms rx_event (spec event-idx). */
	dev->ring = hmx_ring_register_flags(dev->driver_aport, be->domain, ring_len, &vta_ring_ops,
					    dev, HMX_KRING_EVENT_IDX);
	if (IS_ERR(dev->ring)) {
		r = PTR_ERR(dev->ring);
		dev->ring = NULL;
		goto fail;
	}
	r = vta_connect(dev);
	if (!r)
		r = vta_device_info(dev);
	if (r)
		goto fail;
	mod_timer(&dev->liveness, jiffies + msecs_to_jiffies(VTA_LIVENESS_MS));
	dev->vdev.id.device = device_id;
	dev->vdev.id.vendor = vendor_id;
	dev->vdev.config = &vta_config_ops;
	dev->vdev.dev.parent = be->parent;
	dev->vdev.dev.release = vta_release;
	mutex_lock(&be->devices_mutex);
	list_add_tail(&dev->link, &be->devices);
	mutex_unlock(&be->devices_mutex);
	r = register_virtio_device(&dev->vdev);
	if (r) {
		pr_err("hmx-vta: domain %u device %u: register_virtio_device: %d\n", be->domain,
		       dev_num, r);
		mutex_lock(&be->devices_mutex);
		list_del_init(&dev->link);
		mutex_unlock(&be->devices_mutex);
		del_timer_sync(&dev->liveness);
		hmx_ring_unregister(dev->ring);
		put_device(&dev->vdev.dev);
		return r;
	}
	dev->registered = true;
	pr_info("hmx-vta: domain %u device %u (virtio id %u) connected: device ring 0x%x, largest message %u\n",
		be->domain, dev_num, device_id, dev->device_aport, dev->device_max_message);
	return 0;
fail:
	pr_err("hmx-vta: domain %u device %u: connection failed: %d\n", be->domain, dev_num, r);
	del_timer_sync(&dev->liveness);
	if (dev->ring)
		hmx_ring_unregister(dev->ring);
	vta_channel_free(&dev->ctl);
	kfree(dev->config);
	kfree(dev);
	return r;
}

/* Removal: the driver lets go (reset, del_vqs), DISCONNECT, then our ring goes. */
void vta_device_remove(struct vta_device *dev)
{
	u8 req[4];

	get_device(&dev->vdev.dev);  /* unregistering drops the registration's reference */
	if (dev->registered)
		unregister_virtio_device(&dev->vdev);
	del_timer_sync(&dev->liveness);
	cancel_work_sync(&dev->config_work);
	cancel_work_sync(&dev->irq_work);
	if (dev->connected && !READ_ONCE(dev->failed)) {
		put_unaligned_le16(dev->dev_num, req);
		put_unaligned_le16(0, req + 2);
		(void)vta_channel_call(&dev->be->bus, HMX_VTA_BUS_DISCONNECT, req, 4, NULL, 0, NULL);
	}
	hmx_ring_unregister(dev->ring);
	dev->ring = NULL;
	put_device(&dev->vdev.dev);
}
