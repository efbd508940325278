/* SPDX-License-Identifier: MIT */
// virtio 1.x numbers the transport and the bundled devices use. Section numbers refer to the
// virtio 1.2 specification (OASIS virtio-v1.2-cs01). Freestanding.
#pragma once

#include <cstdint>

namespace hmx::virtio_argo::virtio {

// 2.1 Device Status Field.
inline constexpr uint8_t STATUS_ACKNOWLEDGE = 1;
inline constexpr uint8_t STATUS_DRIVER = 2;
inline constexpr uint8_t STATUS_DRIVER_OK = 4;
inline constexpr uint8_t STATUS_FEATURES_OK = 8;
inline constexpr uint8_t STATUS_DEVICE_NEEDS_RESET = 64;
inline constexpr uint8_t STATUS_FAILED = 128;

// 6 Reserved Feature Bits (bit numbers).
inline constexpr unsigned F_INDIRECT_DESC = 28;
inline constexpr unsigned F_EVENT_IDX = 29;
inline constexpr unsigned F_VERSION_1 = 32;
inline constexpr unsigned F_ACCESS_PLATFORM = 33;
inline constexpr unsigned F_RING_PACKED = 34;
inline constexpr unsigned F_IN_ORDER = 35;
inline constexpr unsigned F_ORDER_PLATFORM = 36;
inline constexpr unsigned F_NOTIFICATION_DATA = 38;
inline constexpr unsigned F_NOTIF_CONFIG_DATA = 39;
inline constexpr unsigned F_RING_RESET = 40;

constexpr uint64_t bit(unsigned n) { return uint64_t{1} << n; }

// Bits that describe the ring layout itself. Under virtio-argo the rings exist only in the
// driver's memory, so the driver transport implements these locally and never forwards them
// (HMX-VTA-076 HMX-VTA-077).
inline constexpr uint64_t RING_LAYOUT_FEATURES =
    bit(F_INDIRECT_DESC) | bit(F_EVENT_IDX) | bit(F_RING_PACKED) | bit(F_NOTIFICATION_DATA);

// Device-independent bits a virtio-argo device never offers, whatever its device model claims:
// it never accesses driver memory and takes no notification data (HMX-VTA-111), and it completes
// requests as they finish rather than in AVAIL order, so IN_ORDER is never negotiated and the
// order promise of HMX-VTA-110 never applies.
inline constexpr uint64_t NEVER_OFFERED_FEATURES =
    bit(F_ACCESS_PLATFORM) | bit(F_ORDER_PLATFORM) | bit(F_NOTIF_CONFIG_DATA) | bit(F_IN_ORDER);

// 2.7.5 The Virtqueue Descriptor Table.
inline constexpr uint16_t DESC_F_NEXT = 1;
inline constexpr uint16_t DESC_F_WRITE = 2;
inline constexpr uint16_t DESC_F_INDIRECT = 4;
// 2.7.6 / 2.7.8 ring flags.
inline constexpr uint16_t AVAIL_F_NO_INTERRUPT = 1;
inline constexpr uint16_t USED_F_NO_NOTIFY = 1;

// 5 Device Types.
inline constexpr uint32_t ID_BLOCK = 2;
inline constexpr uint32_t ID_CONSOLE = 3;

// 5.2 Block Device.
inline constexpr unsigned BLK_F_SIZE_MAX = 1;
inline constexpr unsigned BLK_F_SEG_MAX = 2;
inline constexpr unsigned BLK_F_RO = 5;
inline constexpr unsigned BLK_F_BLK_SIZE = 6;
inline constexpr unsigned BLK_F_FLUSH = 9;
inline constexpr unsigned BLK_F_MQ = 12;
inline constexpr uint32_t BLK_T_IN = 0;
inline constexpr uint32_t BLK_T_OUT = 1;
inline constexpr uint32_t BLK_T_FLUSH = 4;
inline constexpr uint32_t BLK_T_GET_ID = 8;
inline constexpr uint8_t BLK_S_OK = 0;
inline constexpr uint8_t BLK_S_IOERR = 1;
inline constexpr uint8_t BLK_S_UNSUPP = 2;
inline constexpr uint32_t BLK_SECTOR_SIZE = 512;
inline constexpr uint32_t BLK_ID_BYTES = 20;
inline constexpr uint32_t BLK_REQ_HEADER = 16;  // le32 type, le32 reserved, le64 sector
// struct virtio_blk_config offsets used here.
inline constexpr uint32_t BLK_CFG_CAPACITY = 0;   // le64, in 512-byte sectors
inline constexpr uint32_t BLK_CFG_SIZE_MAX = 8;   // le32
inline constexpr uint32_t BLK_CFG_SEG_MAX = 12;   // le32
inline constexpr uint32_t BLK_CFG_BLK_SIZE = 20;  // le32
inline constexpr uint32_t BLK_CFG_NUM_QUEUES = 34;  // le16
inline constexpr uint32_t BLK_CFG_SIZE = 36;

// 5.3 Console Device.
inline constexpr unsigned CONSOLE_F_SIZE = 0;
inline constexpr unsigned CONSOLE_F_EMERG_WRITE = 2;
inline constexpr uint32_t CONSOLE_CFG_COLS = 0;      // le16
inline constexpr uint32_t CONSOLE_CFG_ROWS = 2;      // le16
inline constexpr uint32_t CONSOLE_CFG_MAX_PORTS = 4; // le32
inline constexpr uint32_t CONSOLE_CFG_EMERG_WR = 8;  // le32, write-only
inline constexpr uint32_t CONSOLE_CFG_SIZE = 12;
inline constexpr uint16_t CONSOLE_RX_QUEUE = 0;
inline constexpr uint16_t CONSOLE_TX_QUEUE = 1;

}  // namespace hmx::virtio_argo::virtio
