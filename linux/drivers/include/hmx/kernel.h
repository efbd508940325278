/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The HMX core driver's kernel API (module hmx): rings, sendv (single and batched), notify,
 * ring queries and event callbacks. Other modules (the virtio-argo transport, the character
 * device) build on it; it hides which conduit reaches the hypervisor (UML socket, x86 MSR,
 * Arm SMCCC).
 *
 * Error values are negated HMX error codes (abi/include/hmx/abi/errors.h); they equal Linux's
 * errno values (checked at build time in core.c), so -EAGAIN is -HMX_EAGAIN.
 *
 * Addresses handed to the hypervisor are guest-physical: iov entries carry hmx_gpa() of kernel
 * memory from the linear map (kmalloc, page allocator), never of vmalloc or module memory.
 */
#ifndef HMX_KERNEL_H
#define HMX_KERNEL_H

#include <linux/types.h>
#include <hmx/abi/hmx.h>

struct hmx_kring;

struct hmx_ring_ops {
	/* Messages arrived in the ring. Runs from the notification (interrupt or poll timer). */
	void (*message)(struct hmx_kring *ring, void *ctx);
	/* A space wait of this domain completed: a send that failed with -EAGAIN may be retried. */
	void (*space)(struct hmx_kring *ring, void *ctx);
};

/*
 * Registers a ring of `len` data bytes (a multiple of 16, at least 48) at `aport`, that only
 * `partner` may send to (HMX_DOMID_ANY: any domain the policy allows). Process context.
 * Returns the ring or an ERR_PTR (the hypervisor's -EACCES, -ECONNREFUSED, ...).
 */
struct hmx_kring *hmx_ring_register(u32 aport, u16 partner, u32 len,
				   const struct hmx_ring_ops *ops, void *ctx);
/*
 * hmx_ring_register() with flags. HMX_KRING_EVENT_IDX: moderate the ring's interrupts by its
 * rx_event where the hypervisor offers EVENT_IDX (spec 07-notifications, HMX-EVENT-053); the
 * user then consumes until hmx_ring_arm() returns true before it waits for the next ->message
 * (HMX-EVENT-054 HMX-EVENT-056). Without the offer (or with hmx.event_idx=0) the ring is
 * registered as hmx_ring_register() does it, and hmx_ring_arm() only checks for emptiness.
 */
#define HMX_KRING_EVENT_IDX	0x1u
struct hmx_kring *hmx_ring_register_flags(u32 aport, u16 partner, u32 len,
					 const struct hmx_ring_ops *ops, void *ctx,
					 unsigned int kflags);
/*
 * Arms a moderated ring for its next message: rx_event = rx_ptr, a full barrier, tx_ptr again.
 * True: the ring is empty and the next message raises a notification, so the caller may wait.
 * False: a message arrived (or the ring is corrupt): peek again instead of waiting. Call it
 * where hmx_ring_peek() returned -EAGAIN, under whatever serialises the ring's consumers.
 */
bool hmx_ring_arm(struct hmx_kring *ring);
/* Unregisters and frees the ring; no callback runs for it after this returns. Process context. */
void hmx_ring_unregister(struct hmx_kring *ring);

/* Returns once every notification callback that may be running has returned. */
void hmx_ring_sync(struct hmx_kring *ring);

u32 hmx_ring_aport(const struct hmx_kring *ring);
u16 hmx_ring_partner(const struct hmx_kring *ring);
/* Largest payload the ring accepts (what a peer learns from a notify query). */
u32 hmx_ring_max_message(const struct hmx_kring *ring);

/* One received message, in place in the ring: the payload may wrap at the ring's end. */
struct hmx_msg {
	u16 source_domain;
	u32 source_aport;
	u32 message_type;
	u32 size;            /* payload bytes */
	const u8 *first;     /* payload [0, first_size) */
	u32 first_size;
	const u8 *second;    /* payload [first_size, size) when it wraps */
	u32 second_size;
	u32 offset;          /* ring offset of the header */
	u32 next;            /* rx_ptr after this message */
};

/* The message at rx_ptr: 0, -EAGAIN (empty) or -EINVAL (the ring holds garbage). */
int hmx_ring_peek(struct hmx_kring *ring, struct hmx_msg *msg);
/* Releases the peeked message to the hypervisor (rx_ptr = msg->next). */
void hmx_ring_consume(struct hmx_kring *ring, const struct hmx_msg *msg);
/* Bytes of messages waiting in the ring (headers and padding included); 0 if corrupt. */
u32 hmx_ring_pending(struct hmx_kring *ring);
/* Ring data bytes (the registered len). */
u32 hmx_ring_len(const struct hmx_kring *ring);
/* Drops everything waiting (after -EINVAL). */
void hmx_ring_discard(struct hmx_kring *ring);
/* Copies payload bytes [offset, offset + len) of a message (bounds are the caller's). */
void hmx_msg_copy(const struct hmx_msg *msg, u32 offset, void *dst, u32 len);

/* One sendv: iov[i].iov_hnd are guest-physical addresses (hmx_gpa()). */
struct hmx_send {
	u32 src_aport;
	u16 dst_domain;
	u32 dst_aport;
	u32 message_type;
	const hmx_iov_t *iov;
	u32 niov;            /* at most HMX_MAXIOV */
	s64 result;          /* out: payload bytes sent, or a negated HMX error code */
};

/* One message; returns the payload bytes sent or a negated HMX error code. Any context. */
s64 hmx_sendv(u32 src_aport, u16 dst_domain, u32 dst_aport, u32 message_type,
	      const hmx_iov_t *iov, u32 niov);
/*
 * Several messages in one hypervisor call where the platform batches (DESIGN.md decision 6),
 * in order, stopping at the first failure so nothing overtakes a refused message. With
 * `notify_first` a notify (waking senders waiting for our rings) rides in the same call.
 * Returns how many sends were accepted; each entry's result is set for those attempted.
 */
int hmx_sendv_batch(struct hmx_send *sends, u32 n, bool notify_first);
/* Wakes senders waiting for space in our rings (after consuming). Any context. */
int hmx_notify(void);
/*
 * Asks the hypervisor about a ring of another domain: flags (HMX_RING_EXISTS, ...) and the
 * largest message it takes. Returns 0 or a negated HMX error code.
 */
int hmx_query_ring(u16 domain, u32 aport, u32 space_required, u16 *flags, u32 *max_message);
/* HMX_OP_NULL: the conduit's round trip. */
int hmx_null_call(void);

u16 hmx_domain_id(void);
const char *hmx_conduit_name(void);
u64 hmx_gpa(const void *kaddr);

struct hmx_core_stats {
	u64 calls;      /* conduit round trips */
	u64 ops;        /* operations run (batch entries counted) */
	u64 events;     /* notifications taken */
	u64 sends;      /* sendv accepted */
	u64 eagain;     /* sendv refused for space */
	u64 messages;   /* messages consumed from our rings */
	u64 armed;      /* hmx_ring_arm() of moderated rings (before waiting) */
	u64 arm_raced;  /* ... that found a message instead (HMX-EVENT-056) */
	u32 moderated_rings; /* rings registered with REGISTER_FLAG_EVENT_IDX now */
	bool event_idx; /* the hypervisor offers EVENT_IDX */
};
void hmx_get_stats(struct hmx_core_stats *out);

#endif /* HMX_KERNEL_H */
