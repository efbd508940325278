// SPDX-License-Identifier: Apache-2.0
// The vhost-user wire format a front-end speaks (QEMU docs/interop/vhost-user.rst, "Message
// Specification"): a 12-byte header {request, flags, size} in native byte order, then `size`
// payload bytes, with file descriptors riding as SCM_RIGHTS ancillary data. Only the requests
// and payloads this front-end uses are defined. Hosted.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hmx::vhost_user {

// vhost-user.rst "Front-end message types".
enum class request : uint32_t {
  get_features = 1,
  set_features = 2,
  set_owner = 3,
  set_mem_table = 5,
  set_vring_num = 8,
  set_vring_addr = 9,
  set_vring_base = 10,
  get_vring_base = 11,
  set_vring_kick = 12,
  set_vring_call = 13,
  get_protocol_features = 15,
  set_protocol_features = 16,
  get_queue_num = 17,
  set_vring_enable = 18,
  get_config = 24,
};
const char* to_string(request r);

// vhost-user.rst "Header": bits 0-1 version (1), bit 2 reply, bit 3 need_reply.
inline constexpr uint32_t kVersion = 0x1;
inline constexpr uint32_t kVersionMask = 0x3;
inline constexpr uint32_t kFlagReply = 0x4;
inline constexpr uint32_t kFlagNeedReply = 0x8;
inline constexpr uint32_t kMaxPayload = 0x1000;  // "MAX_MSG_SIZE"
inline constexpr size_t kMaxFds = 8;             // per message
inline constexpr uint32_t kMaxMemRegions = 8;    // SET_MEM_TABLE without CONFIGURE_MEM_SLOTS
inline constexpr uint32_t kMaxConfigSize = 256;  // VHOST_USER_MAX_CONFIG_SIZE

// Feature bit 30 (VHOST_USER_F_PROTOCOL_FEATURES): GET/SET_PROTOCOL_FEATURES exist, and rings
// start disabled until SET_VRING_ENABLE ("Ring states").
inline constexpr unsigned kFProtocolFeatures = 30;
// Protocol feature bits ("Protocol features").
inline constexpr unsigned kPfMq = 0;
inline constexpr unsigned kPfReplyAck = 3;
inline constexpr unsigned kPfConfig = 9;

// SET_VRING_KICK/CALL payload: bits 0-7 the queue, bit 8 "no file descriptor" (polling mode).
inline constexpr uint64_t kVringIndexMask = 0xff;
inline constexpr uint64_t kVringNoFd = 0x100;
inline constexpr uint32_t kMaxQueues = 256;

struct header {
  uint32_t request;
  uint32_t flags;
  uint32_t size;
};
static_assert(sizeof(header) == 12);

// "A vring state description".
struct vring_state {
  uint32_t index;
  uint32_t num;
};
static_assert(sizeof(vring_state) == 8);

// "A vring address description": user addresses of the front-end's mapping of the rings.
struct vring_addr {
  uint32_t index;
  uint32_t flags;
  uint64_t desc_user_addr;
  uint64_t used_user_addr;
  uint64_t avail_user_addr;
  uint64_t log_guest_addr;
};
static_assert(sizeof(vring_addr) == 40);

// "Memory region description" and "Multiple Memory regions description".
struct mem_region {
  uint64_t guest_phys_addr;
  uint64_t memory_size;
  uint64_t userspace_addr;
  uint64_t mmap_offset;
};
static_assert(sizeof(mem_region) == 32);
struct mem_table {
  uint32_t nregions;
  uint32_t padding;
  mem_region regions[kMaxMemRegions];
};
inline constexpr uint32_t mem_table_size(uint32_t nregions) { return 8 + 32 * nregions; }

// "Device config space": offset, size, flags, then `size` bytes.
struct config_header {
  uint32_t offset;
  uint32_t size;
  uint32_t flags;
};
static_assert(sizeof(config_header) == 12);

}  // namespace hmx::vhost_user
