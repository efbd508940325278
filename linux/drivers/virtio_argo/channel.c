// SPDX-License-Identifier: GPL-2.0-only
/*
 * Control requests of the driver transport (spec "Transport requests", "Bus messages"): one
 * request outstanding per channel, a fresh non-zero token each time (HMX-VTA-059 HMX-VTA-060 HMX-VTA-061), a response
 * taken only when its token and msg_id match. Each request is bounded by a time-out
 * (HMX-VTA-102 HMX-VTA-103 HMX-VTA-104); a send refused with -EAGAIN is sent again after the space event or a short
 * bounded wait (HMX-VTA-080 HMX-VTA-081 HMX-VTA-082), while the ring handler keeps consuming (HMX-VTA-022).
 */
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait.h>

#include "vta.h"

int vta_channel_init(struct vta_channel *ch, spinlock_t *lock, u16 peer, u32 src_aport,
		     u32 dst_aport, u16 dev_num, bool bus, u32 cap)
{
	memset(ch, 0, sizeof(*ch));
	ch->lock = lock;
	ch->peer = peer;
	ch->src_aport = src_aport;
	ch->dst_aport = dst_aport;
	ch->dev_num = dev_num;
	ch->bus = bus;
	mutex_init(&ch->mutex);
	init_waitqueue_head(&ch->wq);
	ch->tx_cap = cap;
	ch->resp_cap = cap;
	ch->tx = kmalloc(cap, GFP_KERNEL);
	ch->resp = kmalloc(cap, GFP_KERNEL);
	if (!ch->tx || !ch->resp) {
		vta_channel_free(ch);
		return -ENOMEM;
	}
	return 0;
}

void vta_channel_free(struct vta_channel *ch)
{
	kfree(ch->tx);
	kfree(ch->resp);
	ch->tx = ch->resp = NULL;
}

static int send_request(struct vta_channel *ch, u32 size, unsigned long deadline)
{
	hmx_iov_t iov = { .iov_hnd = hmx_gpa(ch->tx), .iov_len = size };
	unsigned long flags;

	for (;;) {
		s64 r;

		spin_lock_irqsave(ch->lock, flags);
		ch->space = false;
		spin_unlock_irqrestore(ch->lock, flags);
		r = hmx_sendv(ch->src_aport, ch->peer, ch->dst_aport, HMX_VTA_MESSAGE_TYPE, &iov, 1);
		if (r >= 0)
			return 0;
		if (r != -EAGAIN)
			return (int)r;
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
		wait_event_timeout(ch->wq, READ_ONCE(ch->space) || READ_ONCE(ch->dead),
				   msecs_to_jiffies(10));
		if (READ_ONCE(ch->dead))
			return -EIO;
	}
}

int vta_channel_call(struct vta_channel *ch, u8 msg_id, const void *payload, u32 len,
		     void *resp, u32 resp_cap, u32 *resp_len)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(vta_request_timeout_ms);
	u32 size = HMX_VTA_HEADER_SIZE + len;
	unsigned long flags;
	u32 token;
	int r;

	might_sleep();
	if (size > ch->tx_cap)
		return -EMSGSIZE;
	mutex_lock(&ch->mutex);
	spin_lock_irqsave(ch->lock, flags);
	if (ch->dead) {
		spin_unlock_irqrestore(ch->lock, flags);
		mutex_unlock(&ch->mutex);
		return -EIO;
	}
	token = ++ch->next_token;
	if (!token)
		token = ++ch->next_token;
	ch->token = token;
	ch->msg_id = msg_id;
	ch->done = false;
	ch->resp_len = 0;
	spin_unlock_irqrestore(ch->lock, flags);

	vta_put_header(ch->tx, ch->bus ? HMX_VTA_FLAG_BUS : 0, msg_id, ch->dev_num, token, size);
	if (len)
		memcpy(ch->tx + HMX_VTA_HEADER_SIZE, payload, len);
	r = send_request(ch, size, deadline);
	if (!r) {
		long left = (long)deadline - (long)jiffies;

		wait_event_timeout(ch->wq, READ_ONCE(ch->done) || READ_ONCE(ch->dead),
				   left > 0 ? left : 1);
		spin_lock_irqsave(ch->lock, flags);
		if (ch->done) {
			u32 n = min(ch->resp_len, resp_cap);

			if (resp && n)
				memcpy(resp, ch->resp, n);
			if (resp_len)
				*resp_len = ch->resp_len;
		} else {
			r = ch->dead ? -EIO : -ETIMEDOUT;
		}
		spin_unlock_irqrestore(ch->lock, flags);
	}
	spin_lock_irqsave(ch->lock, flags);
	ch->token = 0;
	spin_unlock_irqrestore(ch->lock, flags);
	mutex_unlock(&ch->mutex);
	return r;
}

bool vta_channel_response(struct vta_channel *ch, const struct vta_hdr *h,
			  const struct hmx_msg *m)
{
	u32 len = m->size - HMX_VTA_HEADER_SIZE;

	if (!ch->token || ch->done || h->token != ch->token || h->msg_id != ch->msg_id ||
	    len > ch->resp_cap)
		return false;  /* not the outstanding request: ignored (HMX-VTA-059 HMX-VTA-060 HMX-VTA-061) */
	hmx_msg_copy(m, HMX_VTA_HEADER_SIZE, ch->resp, len);
	ch->resp_len = len;
	ch->done = true;
	return true;
}

void vta_channel_kill(struct vta_channel *ch)
{
	ch->dead = true;
}
