/* SPDX-License-Identifier: MIT */
// PVH start-of-day structures (Xen xen/include/public/arch-x86/hvm/start_info.h, version 1).
// Plain layout structs: the loader (hmx-kvm's pvh_loader, QEMU's pvh.bin) writes them, the guest
// reads them at CPL3.
#ifndef HMX_GUEST_PVH_H
#define HMX_GUEST_PVH_H

#include <stdint.h>

#define HMX_PVH_START_MAGIC 0x336ec578u     // "xEn3" with the 0x80 bit of the "E" set
#define HMX_PVH_MEMMAP_TYPE_RAM 1u

struct hmx_pvh_start_info {
  uint32_t magic;
  uint32_t version;
  uint32_t flags;
  uint32_t nr_modules;
  uint64_t modlist_paddr;
  uint64_t cmdline_paddr;
  uint64_t rsdp_paddr;
  uint64_t memmap_paddr;   // version >= 1
  uint32_t memmap_entries; // version >= 1
  uint32_t reserved;
};

struct hmx_pvh_memmap_entry {
  uint64_t addr;
  uint64_t size;
  uint32_t type;
  uint32_t reserved;
};

#ifdef __cplusplus
static_assert(sizeof(hmx_pvh_start_info) == 56, "hvm_start_info layout");
static_assert(sizeof(hmx_pvh_memmap_entry) == 24, "hvm_memmap_table_entry layout");
#endif

#endif
