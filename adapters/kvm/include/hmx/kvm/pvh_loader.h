/* SPDX-License-Identifier: Apache-2.0 */
// PVH ELF loader (Xen docs/misc/pvh.pandoc "x86/HVM direct boot ABI").
//
// Loads the PT_LOAD segments of an ELF image at their physical addresses, finds the entry in the
// XEN_ELFNOTE_PHYS32_ENTRY note (type 18, owner "Xen"), and writes a version 1 hvm_start_info
// with a one-entry RAM memory map and a command line into a reserved low page. Malformed or
// non-PVH images are rejected with pvh_error before any guest memory is written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "hmx/kvm/guest_memory.h"

namespace hmx::kvm {

class pvh_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Boot page layout (below the image, above the real-mode IVT/BDA).
inline constexpr uint64_t kStartInfoGpa = 0x6000;
inline constexpr uint64_t kMemmapGpa = kStartInfoGpa + 0x40;
inline constexpr uint64_t kCmdlineGpa = kStartInfoGpa + 0x100;
inline constexpr uint64_t kBootPageEnd = kStartInfoGpa + 0x1000;
inline constexpr std::size_t kMaxCmdline = kBootPageEnd - kCmdlineGpa - 1;

struct pvh_image {
  uint32_t entry = 0;        // 32-bit physical entry point from the note
  uint64_t load_low = 0;     // lowest loaded GPA
  uint64_t load_high = 0;    // one past the highest loaded GPA (memsz included)
};

// Validates `file` as a PVH image that fits `memory`, then copies its segments in (zero-filling
// memsz beyond filesz). Throws pvh_error with a message that names the problem.
pvh_image load_pvh_image(std::span<const std::byte> file, guest_memory& memory);

// Writes hvm_start_info (magic 0x336ec578, version 1), a memory map with one RAM entry covering
// all guest memory, and `cmdline` into the boot page. Returns the start_info GPA (for EBX).
uint64_t write_start_info(guest_memory& memory, std::string_view cmdline);

// Reads a whole file; throws pvh_error naming the path on failure.
std::vector<std::byte> read_image_file(const std::string& path);

}  // namespace hmx::kvm
