/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-argo wire format (spec/transport.adoc "Message format", "Bus messages", "Data path"):
 * constants, the 16-byte common header and the data-message prefixes. Every multi-byte field is
 * little-endian (HMX-VTA-006); decoders check sizes exactly and reserved fields for zero
 * (HMX-VTA-008) and read nothing outside the bytes received.
 */
#ifndef HMX_VTA_WIRE_H
#define HMX_VTA_WIRE_H

#include <linux/types.h>
#include <asm/unaligned.h>

#define VTA_VERSION 1
#define VTA_MESSAGE_TYPE 0x56544131u      /* "VTA1" */
#define VTA_BUS_APORT 0x56544100u
#define VTA_HEADER_SIZE 16u
#define VTA_MIN_MESSAGE_SIZE 256u
#define VTA_MAX_MESSAGE_SIZE 16777184u
#define VTA_MAX_IOV 8u
#define VTA_MAX_CONFIG_SIZE 4096u
#define VTA_MAX_FEATURE_BLOCKS 4u
#define VTA_MAX_QUEUE_SIZE 32768u
#define VTA_MAX_QUEUES 1024u

#define VTA_FLAG_RESPONSE 0x01
#define VTA_FLAG_BUS 0x02
#define VTA_FLAGS_DEFINED 0x03

/* Transport messages. */
#define VTA_MSG_GET_DEVICE_INFO 0x02
#define VTA_MSG_GET_DEVICE_FEATURES 0x03
#define VTA_MSG_SET_DRIVER_FEATURES 0x04
#define VTA_MSG_GET_CONFIG 0x05
#define VTA_MSG_SET_CONFIG 0x06
#define VTA_MSG_GET_DEVICE_STATUS 0x07
#define VTA_MSG_SET_DEVICE_STATUS 0x08
#define VTA_MSG_GET_VQUEUE 0x09
#define VTA_MSG_SET_VQUEUE 0x0A
#define VTA_MSG_RESET_VQUEUE 0x0B
#define VTA_MSG_EVENT_CONFIG 0x40
#define VTA_MSG_AVAIL 0x43
#define VTA_MSG_USED 0x44

/* Bus messages. */
#define VTA_BUS_GET_DEVICES 0x02
#define VTA_BUS_PING 0x03
#define VTA_BUS_CONNECT 0x04
#define VTA_BUS_DISCONNECT 0x05
#define VTA_BUS_EVENT_DEVICE 0x40

#define VTA_DEVICE_READY 1
#define VTA_DEVICE_REMOVED 2

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
	p[0] = VTA_VERSION;
	p[1] = flags;
	p[2] = msg_id;
	p[3] = 0;
	put_unaligned_le16(dev_num, p + 4);
	put_unaligned_le16(0, p + 6);
	put_unaligned_le32(token, p + 8);
	put_unaligned_le32(size, p + 12);
}

/*
 * Decodes the header of `len` received bytes for a driver (HMX-VTA-008): version, reserved bits
 * and bytes, size equal to what arrived, and a message a device may send to a driver. Returns
 * false for anything the driver must drop.
 */
static inline bool vta_get_header(const u8 *p, u32 len, struct vta_hdr *h)
{
	bool bus, response;

	if (len < VTA_HEADER_SIZE || p[0] != VTA_VERSION || p[3] != 0 ||
	    get_unaligned_le16(p + 6) != 0)
		return false;
	h->flags = p[1];
	h->msg_id = p[2];
	h->dev_num = get_unaligned_le16(p + 4);
	h->token = get_unaligned_le32(p + 8);
	h->size = get_unaligned_le32(p + 12);
	if (h->flags & ~VTA_FLAGS_DEFINED || h->size != len)
		return false;
	bus = h->flags & VTA_FLAG_BUS;
	response = h->flags & VTA_FLAG_RESPONSE;
	if (bus) {
		if (h->dev_num != 0)
			return false;
		if (h->msg_id == VTA_BUS_EVENT_DEVICE)
			return !response;
		return response && h->msg_id >= VTA_BUS_GET_DEVICES && h->msg_id <= VTA_BUS_DISCONNECT;
	}
	if (h->msg_id == VTA_MSG_EVENT_CONFIG || h->msg_id == VTA_MSG_USED)
		return !response;
	return response && h->msg_id >= VTA_MSG_GET_DEVICE_INFO && h->msg_id <= VTA_MSG_RESET_VQUEUE;
}

#endif /* HMX_VTA_WIRE_H */
