/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * The UML conduit of HMX: how a User-Mode Linux guest reaches its HMX hypervisor (hmx-hostd)
 * over a UNIX stream socket. UML runs as a host process, so its "hypervisor exit" is a socket
 * round trip: the guest writes the guest-physical address of a call block (hmx_call_block_t),
 * the host runs it with the reference core against the guest's memory and answers with the
 * conduit status, exactly as the MSR conduit does with one WRMSR (spec 04-mechanisms, x86_msr):
 * the operation's result is in the call block.
 *
 * The guest's memory is its physical-memory file, whose descriptor the guest hands over once,
 * in HELLO, with SCM_RIGHTS (as virtio_uml does for vhost-user back-ends); file offset == GPA.
 * The host serves [mem_start, mem_size). UML's own kernel image and break sit at the bottom of
 * that range but are not backed by the file, so the guest names only memory of its linear map
 * (page allocator, kmalloc) in calls, as virtio_uml's buffers must be. Notifications flow on a
 * second stream socket whose host end travels in HELLO too: one byte means "look at your event
 * page" (the vector of the other conduits).
 *
 * Defined by the host (apps/hmx-hostd, C++) and used by the guest driver (linux/drivers/hmx,
 * GPL-2.0 C), hence dual-licensed like the ABI headers. Fixed-size little-endian fields, no
 * padding holes.
 */
#ifndef HMX_UML_CONDUIT_H
#define HMX_UML_CONDUIT_H

#include <stdint.h>

#define HMX_UML_MAGIC 0x55584d48u /* "HMXU" */
#define HMX_UML_PROTOCOL_VERSION 1u

/* Guest -> host, first message; carries two descriptors: memory file, event socket. */
struct hmx_uml_hello {
	uint32_t magic;         /* HMX_UML_MAGIC */
	uint32_t version;       /* HMX_UML_PROTOCOL_VERSION */
	uint64_t mem_start;     /* first guest-physical byte the host serves */
	uint64_t mem_size;      /* guest-physical bytes in all; file offset == GPA */
	uint32_t vcpus;         /* 1: UML is uniprocessor */
	uint32_t reserved;      /* 0 */
};

/* Host -> guest, the answer to HELLO. */
struct hmx_uml_welcome {
	uint32_t magic;         /* HMX_UML_MAGIC */
	int32_t status;         /* 0, or a negated HMX error code: the guest has no HMX */
	uint32_t hmx_version;   /* HMX_VERSION of the host */
	uint16_t domain_id;     /* the guest's HMX domain id */
	uint16_t reserved0;     /* 0 */
	uint32_t features;      /* HMX_FEATURE_*_BIT of the host's core */
	uint32_t max_batch;     /* most entries per batch */
};

/* Guest -> host: run the call block at this guest-physical address (16-byte aligned). */
struct hmx_uml_call {
	uint64_t call_block_gpa;
};

/*
 * Host -> guest: the conduit status. 0 when the block ran (its result field holds the
 * operation's result); a negated HMX error code when the block itself was unusable (misaligned:
 * -EINVAL, outside guest memory: -EFAULT) and nothing ran: the MSR conduit's #GP(0).
 */
struct hmx_uml_reply {
	int64_t status;
};

#endif /* HMX_UML_CONDUIT_H */
