/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * /dev/hmx: HMX rings and sendv for user space (module hmx_dev), in the manner of OpenXT's argo
 * driver: a file owns at most one ring; read() returns its next message with a header naming
 * the sender; HMX_DEV_IOC_SENDV sends one message gathered from up to 8 user buffers (the kernel
 * copies them once into its own memory and the hypervisor copies them into the destination
 * ring). Errors are Linux errno values, which equal HMX's error codes. Dual-licensed like the ABI
 * headers so that programs of any license may include it.
 */
#ifndef _UAPI_HMX_DEV_H
#define _UAPI_HMX_DEV_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define HMX_DEV_MAX_IOV 8
#define HMX_DEV_MAX_SEND (1u << 20)  /* largest message HMX_DEV_IOC_SENDV takes */

struct hmx_dev_info {
	__u16 domain_id;      /* this domain's HMX id */
	__u16 reserved;
	__u32 features;       /* HMX_FEATURE_*_BIT */
	char conduit[16];     /* "uml-socket", "x86-msr", "arm-smccc-hvc" */
	__u64 calls;          /* conduit round trips so far (all users) */
	__u64 events;         /* notifications taken */
	__u64 sends;          /* sendv accepted */
	__u64 eagain;         /* sendv refused for space */
};

struct hmx_dev_ring {
	__u32 aport;          /* in */
	__u16 partner;        /* in: the one domain that may send, or 0x7ff4 (any) */
	__u16 reserved;
	__u32 len;            /* in: ring data bytes, a multiple of 16 */
	__u32 max_message;    /* out: largest payload the ring takes */
};

struct hmx_dev_iov {
	__u64 base;           /* user address */
	__u32 len;
	__u32 reserved;
};

struct hmx_dev_send {
	__u16 domain;         /* destination */
	__u16 reserved;
	__u32 aport;
	__u32 message_type;
	__u32 niov;           /* at most HMX_DEV_MAX_IOV */
	__u64 iov;            /* user address of struct hmx_dev_iov[niov] */
};

struct hmx_dev_query {
	__u16 domain;         /* in */
	__u16 flags;          /* out: HMX_RING_* (0x1 exists, 0x4 empty, 0x8 sufficient ...) */
	__u32 aport;          /* in */
	__u32 space_required; /* in */
	__u32 max_message;    /* out */
};

/* What read() returns before each payload. */
struct hmx_dev_msg {
	__u16 source_domain;
	__u16 reserved;
	__u32 source_aport;
	__u32 message_type;
	__u32 size;           /* payload bytes that follow */
};

#define HMX_DEV_IOC_MAGIC 0xB8
#define HMX_DEV_IOC_INFO _IOR(HMX_DEV_IOC_MAGIC, 0, struct hmx_dev_info)
#define HMX_DEV_IOC_REGISTER _IOWR(HMX_DEV_IOC_MAGIC, 1, struct hmx_dev_ring)
/* Returns the payload bytes sent; blocks for ring space unless the file is O_NONBLOCK. */
#define HMX_DEV_IOC_SENDV _IOW(HMX_DEV_IOC_MAGIC, 2, struct hmx_dev_send)
#define HMX_DEV_IOC_QUERY _IOWR(HMX_DEV_IOC_MAGIC, 3, struct hmx_dev_query)
/* HMX's null operation: one conduit round trip. */
#define HMX_DEV_IOC_NULL _IO(HMX_DEV_IOC_MAGIC, 4)

#endif /* _UAPI_HMX_DEV_H */
