// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-argo bus client (spec "Bus messages"): for each device domain named in `backends`, a
 * bus ring at HMX_VTA_BUS_APORT with that domain as partner, GET_DEVICES until every device is
 * listed, a connection and a Linux virtio device for each, and EVENT_DEVICE for devices that
 * come and go. A device domain that the MAC policy keeps away from us answers nothing: the
 * bus request fails and this domain simply has no device of it.
 */
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "vta.h"

#define VTA_BUS_RING_LEN (4 * 4096 - 64)
#define VTA_MAX_BACKENDS 8
#define VTA_PAGE_ENTRIES 16

static ushort backends[VTA_MAX_BACKENDS];
static int nbackends;
module_param_array(backends, ushort, &nbackends, 0444);
MODULE_PARM_DESC(backends, "HMX domain ids of the device domains to enumerate");

unsigned int vta_request_timeout_ms = 5000;
module_param_named(request_timeout_ms, vta_request_timeout_ms, uint, 0644);
MODULE_PARM_DESC(request_timeout_ms, "time-out of one control request (HMX-VTA-102 HMX-VTA-103 HMX-VTA-104)");

unsigned int vta_data_timeout_ms = 30000;
module_param_named(data_timeout_ms, vta_data_timeout_ms, uint, 0644);
MODULE_PARM_DESC(data_timeout_ms, "silence of a device with requests outstanding before it is failed");

static unsigned int bus_wait_ms = 3000;
module_param(bus_wait_ms, uint, 0444);
MODULE_PARM_DESC(bus_wait_ms, "how long a device domain's bus ring may take to appear");

unsigned int vta_ring_kib = 1024;
module_param_named(ring_kib, vta_ring_kib, uint, 0444);
MODULE_PARM_DESC(ring_kib, "size of each connection's driver ring in KiB (4..4096)");

static struct device *vta_root;
static struct vta_backend *be_list[VTA_MAX_BACKENDS];

static struct vta_device *find_device(struct vta_backend *be, u16 dev_num)
{
	struct vta_device *dev;

	list_for_each_entry(dev, &be->devices, link)
		if (dev->dev_num == dev_num)
			return dev;
	return NULL;
}

/* EVENT_DEVICE: le16 dev_num, le16 state. */
static void bus_event(struct vta_backend *be, const struct hmx_msg *m)
{
	u8 b[HMX_VTA_HEADER_SIZE + 4];
	struct vta_device *dev;
	u16 dev_num, state;

	if (m->size != sizeof(b))
		return;
	hmx_msg_copy(m, 0, b, sizeof(b));
	dev_num = get_unaligned_le16(b + 16);
	state = get_unaligned_le16(b + 18);
	if (state == HMX_VTA_DEVICE_READY) {
		schedule_work(&be->scan_work);
		return;
	}
	if (state != HMX_VTA_DEVICE_REMOVED)
		return;
	/* Runs in the notification: the list is only read here, under the bus lock's shadow. */
	list_for_each_entry(dev, &be->devices, link)
		if (dev->dev_num == dev_num) {
			vta_device_removed_event(dev);
			break;
		}
}

static void bus_message(struct hmx_kring *ring, void *ctx)
{
	struct vta_backend *be = ctx;
	struct hmx_msg m;
	struct vta_hdr h;
	bool wake = false;
	u8 b[HMX_VTA_HEADER_SIZE];
	int r;

	for (;;) {
		r = hmx_ring_peek(ring, &m);
		/* Armed before the next notification is relied on (HMX-EVENT-054..056). */
		if (r == -EAGAIN) {
			if (hmx_ring_arm(ring))
				break;
			continue;
		}
		if (r) {
			hmx_ring_discard(ring);
			(void)hmx_ring_arm(ring);
			break;
		}
		if (m.source_domain == be->domain && m.message_type == HMX_VTA_MESSAGE_TYPE &&
		    m.size >= HMX_VTA_HEADER_SIZE) {
			hmx_msg_copy(&m, 0, b, sizeof(b));
			if (vta_get_header(b, m.size, &h) && (h.flags & HMX_VTA_FLAG_BUS)) {
				if (h.msg_id == HMX_VTA_BUS_EVENT_DEVICE) {
					bus_event(be, &m);
				} else {
					spin_lock(&be->lock);
					wake |= vta_channel_response(&be->bus, &h, &m);
					spin_unlock(&be->lock);
				}
			}
		}
		hmx_ring_consume(ring, &m);
	}
	(void)hmx_notify();
	if (wake)
		wake_up(&be->bus.wq);
}

static void bus_space(struct hmx_kring *ring, void *ctx)
{
	struct vta_backend *be = ctx;

	spin_lock(&be->lock);
	be->bus.space = true;
	spin_unlock(&be->lock);
	wake_up(&be->bus.wq);
}

static const struct hmx_ring_ops bus_ops = {
	.message = bus_message,
	.space = bus_space,
};

/* GET_DEVICES, page by page; connects every READY device not connected yet. */
static void bus_scan(struct vta_backend *be)
{
	unsigned long wait_until = jiffies + msecs_to_jiffies(bus_wait_ms);
	u8 req[4], *resp;
	u16 start = 0, total = 0;
	u32 got, i;
	int r;

	resp = kmalloc(8 + 16 * VTA_PAGE_ENTRIES, GFP_KERNEL);
	if (!resp)
		return;
	do {
		u16 count;

		put_unaligned_le16(start, req);
		put_unaligned_le16(VTA_PAGE_ENTRIES, req + 2);
		got = 0;
		r = vta_channel_call(&be->bus, HMX_VTA_BUS_GET_DEVICES, req, 4, resp,
				     8 + 16 * VTA_PAGE_ENTRIES, &got);
		/*
		 * The device domain registers its bus ring for us once our domain exists, which may be
		 * a moment after we came up: no ring (ECONNREFUSED) is retried for bus_wait_ms. A
		 * domain the policy keeps away from it never gets one.
		 */
		while (r == -ECONNREFUSED && time_before(jiffies, wait_until)) {
			msleep(20);
			r = vta_channel_call(&be->bus, HMX_VTA_BUS_GET_DEVICES, req, 4, resp,
					     8 + 16 * VTA_PAGE_ENTRIES, &got);
		}
		if (r) {
			pr_info("hmx-vta: domain %u: no bus (%d): no devices from it\n", be->domain, r);
			break;
		}
		count = get_unaligned_le16(resp + 2);
		total = get_unaligned_le16(resp + 4);
		if (got < 8 || get_unaligned_le16(resp) != start || count > VTA_PAGE_ENTRIES ||
		    got != 8 + 16u * count || count > total - start || (count == 0 && start < total)) {
			pr_warn("hmx-vta: domain %u: malformed GET_DEVICES response\n", be->domain);
			break;
		}
		for (i = 0; i < count; i++) {
			const u8 *e = resp + 8 + 16 * i;
			u16 dev_num = get_unaligned_le16(e);
			bool known;

			if (!dev_num || get_unaligned_le16(e + 2) != HMX_VTA_DEVICE_READY)
				continue;
			mutex_lock(&be->devices_mutex);
			known = find_device(be, dev_num) != NULL;
			mutex_unlock(&be->devices_mutex);
			if (!known)
				(void)vta_device_add(be, dev_num, get_unaligned_le32(e + 4),
						     get_unaligned_le32(e + 8));
		}
		start += count;
	} while (start < total);
	kfree(resp);
}

static void bus_scan_work(struct work_struct *work)
{
	bus_scan(container_of(work, struct vta_backend, scan_work));
}

static void backend_stop(struct vta_backend *be)
{
	struct vta_device *dev;

	be->gone = true;
	cancel_work_sync(&be->scan_work);
	for (;;) {
		mutex_lock(&be->devices_mutex);
		dev = list_first_entry_or_null(&be->devices, struct vta_device, link);
		if (dev)
			list_del_init(&dev->link);
		mutex_unlock(&be->devices_mutex);
		if (!dev)
			break;
		cancel_work_sync(&dev->remove_work);
		vta_device_remove(dev);
	}
	if (!IS_ERR_OR_NULL(be->bus_ring))
		hmx_ring_unregister(be->bus_ring);
	vta_channel_free(&be->bus);
	kfree(be);
}

static struct vta_backend *backend_start(u16 domain)
{
	struct vta_backend *be = kzalloc(sizeof(*be), GFP_KERNEL);
	int r;

	if (!be)
		return ERR_PTR(-ENOMEM);
	be->domain = domain;
	be->parent = vta_root;
	spin_lock_init(&be->lock);
	mutex_init(&be->devices_mutex);
	INIT_LIST_HEAD(&be->devices);
	INIT_WORK(&be->scan_work, bus_scan_work);
	r = vta_channel_init(&be->bus, &be->lock, domain, HMX_VTA_BUS_APORT, HMX_VTA_BUS_APORT, 0, true, 4096);
	if (r) {
		kfree(be);
		return ERR_PTR(r);
	}
	be->bus_ring = hmx_ring_register_flags(HMX_VTA_BUS_APORT, domain, VTA_BUS_RING_LEN, &bus_ops,
					       be, HMX_KRING_EVENT_IDX);
	if (IS_ERR(be->bus_ring)) {
		r = PTR_ERR(be->bus_ring);
		pr_info("hmx-vta: domain %u: bus ring refused (%d): no devices from it\n", domain, r);
		vta_channel_free(&be->bus);
		kfree(be);
		return ERR_PTR(r);
	}
	bus_scan(be);
	return be;
}

static int __init vta_init(void)
{
	int i, found = 0;

	if (vta_ring_kib < 4 || vta_ring_kib > 4096)
		return -EINVAL;
	vta_root = root_device_register("hmx-virtio-argo");
	if (IS_ERR(vta_root))
		return PTR_ERR(vta_root);
	for (i = 0; i < nbackends; i++) {
		struct vta_backend *be = backend_start(backends[i]);

		if (IS_ERR(be))
			continue;
		be_list[i] = be;
		found += !list_empty(&be->devices);
	}
	pr_info("hmx-vta: %d device domain(s) named, %d with devices\n", nbackends, found);
	return 0;
}

static void __exit vta_exit(void)
{
	int i;

	for (i = 0; i < nbackends; i++)
		if (be_list[i])
			backend_stop(be_list[i]);
	root_device_unregister(vta_root);
}

module_init(vta_init);
module_exit(vta_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("virtio-argo: virtio devices over HMX messages (driver transport)");
