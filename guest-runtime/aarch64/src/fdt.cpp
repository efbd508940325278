// SPDX-License-Identifier: MIT
// The facts the runtime needs from a flattened device tree (Devicetree Specification v0.4,
// chapter 5 "Flattened Devicetree (DTB) Format"): RAM banks, vCPUs, the PSCI conduit, a GICv3,
// the virtual timer's PPI, a PL011 / SBSA UART and /chosen/bootargs.
//
// Runs with the MMU off (device memory): every access is a naturally aligned byte or 32-bit load.
#include "internal.h"

namespace hmx_guest::detail {

namespace {

constexpr uint32_t kMagic = 0xd00dfeed;
constexpr uint32_t kBeginNode = 1, kEndNode = 2, kProp = 3, kNop = 4, kEnd = 9;
constexpr unsigned kMaxDepth = 8;

uint32_t be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

// A big-endian number of `cells` 32-bit cells (1 or 2).
uint64_t cells_value(const uint8_t* p, uint32_t cells) {
  uint64_t v = 0;
  for (uint32_t i = 0; i < cells; ++i) v = v << 32 | be32(p + 4 * i);
  return v;
}

bool str_eq(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) ++a, ++b;
  return *a == *b;
}

struct bytes {
  const uint8_t* data = nullptr;
  uint32_t len = 0;
};

// A "stringlist" property contains `want`.
bool list_contains(bytes list, const char* want) {
  uint32_t i = 0;
  while (i < list.len) {
    const char* s = reinterpret_cast<const char*>(list.data + i);
    if (str_eq(s, want)) return true;
    while (i < list.len && list.data[i] != 0) ++i;
    ++i;
  }
  return false;
}

struct node {
  const char* name = "";
  uint32_t address_cells = 2;  // for its children (#address-cells; default 2)
  uint32_t size_cells = 1;     // #size-cells; default 1
  bytes device_type, compatible, reg, status, interrupts, method, bootargs;
};

void take_node(const node& n, const node& parent, unsigned depth, start_info& info, bool& uart_found) {
  const uint32_t ac = parent.address_cells, sc = parent.size_cells;
  const uint32_t entry = 4 * (ac + sc);
  const bool disabled = n.status.len != 0 && !list_contains(n.status, "okay") && !list_contains(n.status, "ok");
  if (disabled) return;

  if (depth == 1 && str_eq(n.name, "chosen") && n.bootargs.len != 0)
    info.cmdline = reinterpret_cast<const char*>(n.bootargs.data);

  if (list_contains(n.device_type, "memory") && ac >= 1 && ac <= 2 && sc >= 1 && sc <= 2) {
    for (uint32_t off = 0; off + entry <= n.reg.len && g_ram_bank_count < kMaxRamBanks; off += entry) {
      const uint64_t base = cells_value(n.reg.data + off, ac);
      const uint64_t size = cells_value(n.reg.data + off + 4 * ac, sc);
      if (size != 0) g_ram_banks[g_ram_bank_count++] = {base, size};
    }
  }

  if (list_contains(n.device_type, "cpu") && ac >= 1 && ac <= 2 && n.reg.len >= 4 * ac &&
      info.cpus < HMX_GUEST_MAX_CPUS)
    info.mpidr[info.cpus++] = cells_value(n.reg.data, ac);

  if ((str_eq(n.name, "psci") || list_contains(n.compatible, "arm,psci-1.0") ||
       list_contains(n.compatible, "arm,psci-0.2")) && n.method.len != 0)
    info.psci_smc = list_contains(n.method, "smc");

  if (list_contains(n.compatible, "arm,gic-v3") && ac >= 1 && ac <= 2 && sc >= 1 && sc <= 2 &&
      n.reg.len >= 2 * entry) {
    info.gicd = cells_value(n.reg.data, ac);
    info.gicr = cells_value(n.reg.data + entry, ac);
  }

  // interrupts = <type number flags> x 4: secure physical, non-secure physical, virtual, hyp.
  if (list_contains(n.compatible, "arm,armv8-timer") && n.interrupts.len >= 36) {
    const uint32_t type = be32(n.interrupts.data + 24), number = be32(n.interrupts.data + 28);
    if (type == 1) info.vtimer_intid = number + 16;
  }

  if (!uart_found && (list_contains(n.compatible, "arm,pl011") || list_contains(n.compatible, "arm,sbsa-uart")) &&
      ac >= 1 && ac <= 2 && n.reg.len >= 4 * ac) {
    info.uart = cells_value(n.reg.data, ac);
    uart_found = true;
  }
}

}  // namespace

bool read_device_tree(uint64_t dtb, start_info& info) {
  if (dtb == 0 || (dtb & 7) != 0) return false;
  const auto* base = reinterpret_cast<const uint8_t*>(static_cast<uintptr_t>(dtb));
  if (be32(base) != kMagic) return false;
  const uint32_t total = be32(base + 4);
  const uint32_t off_struct = be32(base + 8), off_strings = be32(base + 12);
  const uint32_t size_strings = be32(base + 32), size_struct = be32(base + 36);
  if (off_struct >= total || size_struct > total - off_struct || off_strings >= total ||
      size_strings > total - off_strings)
    return false;

  const uint8_t* p = base + off_struct;
  const uint8_t* end = p + size_struct;
  const char* strings = reinterpret_cast<const char*>(base + off_strings);
  node stack[kMaxDepth + 1];
  unsigned depth = 0;  // stack[depth] is the open node; stack[0] a virtual parent of the root
  bool uart_found = false;
  info.cpus = 0;
  g_ram_bank_count = 0;

  while (p + 4 <= end) {
    const uint32_t token = be32(p);
    p += 4;
    if (token == kBeginNode) {
      const char* name = reinterpret_cast<const char*>(p);
      while (p < end && *p != 0) ++p;
      p = reinterpret_cast<const uint8_t*>((reinterpret_cast<uintptr_t>(p) + 4) & ~uintptr_t{3});
      if (depth >= kMaxDepth) return false;
      ++depth;
      stack[depth] = node{};
      stack[depth].name = name;
    } else if (token == kEndNode) {
      if (depth == 0) return false;
      take_node(stack[depth], stack[depth - 1], depth - 1, info, uart_found);
      --depth;
    } else if (token == kProp) {
      if (p + 8 > end) return false;
      const uint32_t len = be32(p), nameoff = be32(p + 4);
      p += 8;
      if (len > static_cast<uint32_t>(end - p) || nameoff >= size_strings) return false;
      const bytes value{p, len};
      const char* pname = strings + nameoff;
      node& n = stack[depth];
      if (str_eq(pname, "#address-cells") && len == 4) n.address_cells = be32(p);
      else if (str_eq(pname, "#size-cells") && len == 4) n.size_cells = be32(p);
      else if (str_eq(pname, "device_type")) n.device_type = value;
      else if (str_eq(pname, "compatible")) n.compatible = value;
      else if (str_eq(pname, "reg")) n.reg = value;
      else if (str_eq(pname, "status")) n.status = value;
      else if (str_eq(pname, "interrupts")) n.interrupts = value;
      else if (str_eq(pname, "method")) n.method = value;
      else if (str_eq(pname, "bootargs") && len > 0 && p[len - 1] == 0) n.bootargs = value;
      p += (len + 3) & ~uint32_t{3};
    } else if (token == kNop) {
      continue;
    } else if (token == kEnd) {
      break;
    } else {
      return false;
    }
  }
  if (info.cpus == 0) {
    info.cpus = 1;
    info.mpidr[0] = 0;
  }
  return true;
}

}  // namespace hmx_guest::detail
