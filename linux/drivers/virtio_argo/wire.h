/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-argo wire format (spec/transport.adoc "Message format", "Bus messages", "Data path"):
 * the 16-byte common header and the data-message prefixes. Every multi-byte field is
 * little-endian (HMX-VTA-049 HMX-VTA-050); decoders check sizes exactly and reserved fields for zero
 * (HMX-VTA-053 HMX-VTA-054) and read nothing outside the bytes received.
 */
#ifndef HMX_VTA_WIRE_H
#define HMX_VTA_WIRE_H

#include <linux/types.h>
#include <asm/unaligned.h>
/*
 * The transport's numbers (version, message type, bus aport, limits, flags, message ids, device
 * states) come from the generated ABI header, unchanged (compat/ supplies <stdint.h>).
 */
#include <hmx/abi/vta.h>

/*
 * Fixed prefixes of the data and config messages (spec/transport.adoc "Data path",
 * "Configuration"): byte counts of layouts the spec gives as field lists, not as numbers.
 */
#define VTA_AVAIL_PREFIX 40u   /* header + vq, head, reserved, readable, writable, offset, reserved */
#define VTA_USED_PREFIX 32u    /* header + vq, head, reserved, written_total, offset */
#define VTA_CONFIG_PREFIX 28u  /* header + generation, offset, length */

struct vta_hdr {
	u8 flags;
	u8 msg_id;
	u16 dev_num;
	u32 token;
	u32 size;
};

struct vta_used {
	u16 vq;
	u16 head;
	u32 written_total;
	u32 offset;
};

static inline void vta_put_header(u8 *p, u8 flags, u8 msg_id, u16 dev_num, u32 token, u32 size)
{
	p[0] = HMX_VTA_VERSION;
	p[1] = flags;
	p[2] = msg_id;
	p[3] = 0;
	put_unaligned_le16(dev_num, p + 4);
	put_unaligned_le16(0, p + 6);
	put_unaligned_le32(token, p + 8);
	put_unaligned_le32(size, p + 12);
}

/*
 * May a driver receive msg_id with this RESPONSE flag? Requests come back as responses, device
 * events come as they are, anything else (unknown ids, driver events) never: as the data's
 * message lists (HMX_VTA_MESSAGE_LIST, HMX_VTA_BUS_MESSAGE_LIST) say.
 */
#define VTA_DRIVER_MAY_RECEIVE(name, sender, kind, prefix) \
	case prefix##name: \
		return (kind) == HMX_VTA_KIND_REQUEST ? response : \
		       ((sender) == HMX_VTA_SENDER_DEVICE && !response);
#define VTA_TRANSPORT_CASE(name, sender, kind) VTA_DRIVER_MAY_RECEIVE(name, sender, kind, HMX_VTA_MSG_)
#define VTA_BUS_CASE(name, sender, kind) VTA_DRIVER_MAY_RECEIVE(name, sender, kind, HMX_VTA_BUS_)

static inline bool vta_driver_may_receive(bool bus, u8 msg_id, bool response)
{
	if (bus) {
		switch (msg_id) {
			HMX_VTA_BUS_MESSAGE_LIST(VTA_BUS_CASE)
		default:
			return false;
		}
	}
	switch (msg_id) {
		HMX_VTA_MESSAGE_LIST(VTA_TRANSPORT_CASE)
	default:
		return false;
	}
}

#undef VTA_BUS_CASE
#undef VTA_TRANSPORT_CASE
#undef VTA_DRIVER_MAY_RECEIVE

/*
 * Decodes the header of `len` received bytes for a driver (HMX-VTA-053 HMX-VTA-054): version, reserved bits
 * and bytes, size equal to what arrived, and a message a device may send to a driver. Returns
 * false for anything the driver must drop.
 */
static inline bool vta_get_header(const u8 *p, u32 len, struct vta_hdr *h)
{
	bool bus;

	if (len < HMX_VTA_HEADER_SIZE || p[0] != HMX_VTA_VERSION || p[3] != 0 ||
	    get_unaligned_le16(p + 6) != 0)
		return false;
	h->flags = p[1];
	h->msg_id = p[2];
	h->dev_num = get_unaligned_le16(p + 4);
	h->token = get_unaligned_le32(p + 8);
	h->size = get_unaligned_le32(p + 12);
	if (h->flags & ~HMX_VTA_FLAGS_DEFINED || h->size != len)
		return false;
	bus = h->flags & HMX_VTA_FLAG_BUS;
	if (bus && h->dev_num != 0)
		return false;
	return vta_driver_may_receive(bus, h->msg_id, h->flags & HMX_VTA_FLAG_RESPONSE);
}

#endif /* HMX_VTA_WIRE_H */
