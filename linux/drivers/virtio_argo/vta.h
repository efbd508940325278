/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-argo driver transport for Linux (spec/transport.adoc): the virtio devices a device
 * domain offers on its bus become Linux virtio devices; their virtqueues stay in this domain's
 * memory and every byte crosses inside HMX messages. Internal declarations of the module.
 */
#ifndef HMX_VTA_H
#define HMX_VTA_H

#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <linux/virtio.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <hmx/kernel.h>

#include "wire.h"

/*
 * Where control requests go and their answers come back: a device's connection (device ring)
 * or a device domain's bus. One request is outstanding at a time (HMX-VTA-059 HMX-VTA-060 HMX-VTA-061); a response is
 * taken only if its token and msg_id are those of the outstanding request.
 */
struct vta_channel {
	u16 peer;                 /* the device domain */
	u32 src_aport;            /* our ring */
	u32 dst_aport;            /* the peer's ring */
	u16 dev_num;              /* 0 on the bus */
	bool bus;
	spinlock_t *lock;         /* guards the fields below the mutex */
	struct mutex mutex;       /* one request at a time */
	u32 token;                /* outstanding request, 0: none */
	u8 msg_id;
	bool done;
	bool dead;                /* failed: requests fail at once */
	bool space;               /* a space event arrived since the last -EAGAIN */
	u32 resp_len;
	u32 next_token;
	wait_queue_head_t wq;
	u8 *tx;                   /* request message (linear map: sent by address) */
	u32 tx_cap;
	u8 *resp;                 /* response payload */
	u32 resp_cap;
};

int vta_channel_init(struct vta_channel *ch, spinlock_t *lock, u16 peer, u32 src_aport,
		     u32 dst_aport, u16 dev_num, bool bus, u32 cap);
void vta_channel_free(struct vta_channel *ch);
/*
 * Sends a request and waits for its response; copies the response payload (at most resp_cap
 * bytes) and its length. Process context. 0, -ETIMEDOUT, -EIO (the channel is dead) or the
 * send's error (-ECONNREFUSED, -EACCES, ...).
 */
int vta_channel_call(struct vta_channel *ch, u8 msg_id, const void *payload, u32 len,
		     void *resp, u32 resp_cap, u32 *resp_len);
/* From the ring handler, *ch->lock held: takes a response; true if it completed the request. */
bool vta_channel_response(struct vta_channel *ch, const struct vta_hdr *h,
			  const struct hmx_msg *m);
/* Ends waiting callers (the channel died); *ch->lock held. */
void vta_channel_kill(struct vta_channel *ch);

/* Driver-side record of one request, indexed by its head (HMX-VTA-023, -029). */
struct vta_slot {
	u32 tag;              /* 0 when free */
	u32 writable;         /* capacity recorded when sent: bounds the scatter */
	u32 received;         /* USED bytes received so far */
	u32 written;          /* written_total of the first USED fragment */
	u8 state;
};

enum { VTA_SLOT_FREE = 0, VTA_SLOT_SENDING, VTA_SLOT_IN_FLIGHT, VTA_SLOT_RECEIVING };

#define VTA_BATCH 16      /* AVAIL fragments planned and sent per hypervisor call */

/* A virtqueue whose device part the transport plays (spec "The rings stay in the driver"). */
struct vta_vq {
	struct virtqueue *vq;
	struct vta_device *dev;
	u16 index;
	u16 num;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	bool indirect;
	bool event_idx;
	u16 last_avail;
	u16 used_idx;
	u16 signalled_used;
	u32 max_in_flight;
	u32 max_request_bytes;
	u32 in_flight;
	struct vta_slot *slots;
	bool sending;
	u16 send_head;
	u32 send_offset;
	u32 send_readable;
	bool active;
	u8 (*prefix)[VTA_AVAIL_PREFIX];  /* AVAIL headers (linear map), then the pump's scratch */
	u64 requests, avail_messages, used_messages, completions, stale_used, eagain;
};

struct vta_backend;

/* One device of a device domain's bus and its connection (HMX-VTA-044 HMX-VTA-045). */
struct vta_device {
	struct virtio_device vdev;
	struct vta_backend *be;
	struct list_head link;
	u16 dev_num;
	u32 device_id;
	u32 vendor_id;
	u32 driver_aport;
	struct hmx_kring *ring;          /* driver ring: responses, USED, EVENT_CONFIG */
	u32 device_aport;
	u32 device_max_message;
	bool connected;
	bool registered;

	spinlock_t lock;                 /* the data path and the state below */
	bool failed;
	const char *fail_reason;
	bool notify_pending;             /* we consumed: wake the device's space wait */
	bool space_wait;                 /* a send saw -EAGAIN */
	u8 status;
	u32 generation;
	u32 next_tag;
	unsigned long last_rx;           /* jiffies of the last message from the device */
	unsigned long last_progress;     /* jiffies of the last completion or idle moment */

	struct vta_channel ctl;          /* control requests on the connection */

	u64 device_features;             /* blocks 0 and 1 */
	u32 num_feature_bits;
	u32 config_size;
	u32 max_virtqueues;
	u8 *config;                      /* last configuration read (served once failed) */

	struct vta_vq **vqs;
	unsigned int nvqs;

	struct timer_list liveness;
	struct work_struct config_work;
	struct work_struct remove_work;
	struct work_struct irq_work;      /* callbacks of completions taken inside a kick */
	u64 deferred_interrupts;
};

/* A device domain serving this domain (HMX-VTA-042 HMX-VTA-043). */
struct vta_backend {
	u16 domain;
	struct device *parent;
	struct hmx_kring *bus_ring;
	spinlock_t lock;
	struct vta_channel bus;
	struct mutex devices_mutex;
	struct list_head devices;
	struct work_struct scan_work;
	bool gone;
};

/* transport.c */
int vta_device_add(struct vta_backend *be, u16 dev_num, u32 device_id, u32 vendor_id);
void vta_device_remove(struct vta_device *dev);
void vta_device_removed_event(struct vta_device *dev);

/* queue.c: the data path, dev->lock held */
void vta_vq_init(struct vta_vq *q);
int vta_vq_pump(struct vta_vq *q);
int vta_vq_used(struct vta_vq *q, const struct hmx_msg *m, u32 tag, const struct vta_used *u,
		bool *completed);
bool vta_vq_should_interrupt(struct vta_vq *q);
void vta_vq_fail_outstanding(struct vta_vq *q, bool complete_with_error);
/* Bytes of q->prefix: the AVAIL headers, then the pump's scratch. */
size_t vta_vq_scratch_bytes(void);

/* bus.c */
extern unsigned int vta_request_timeout_ms;
extern unsigned int vta_data_timeout_ms;
extern unsigned int vta_ring_kib;

#endif /* HMX_VTA_H */
