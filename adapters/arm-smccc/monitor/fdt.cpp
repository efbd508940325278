// SPDX-License-Identifier: Apache-2.0
#include "fdt.h"

#include "arch.h"

namespace hmx::arm {

namespace {
constexpr uint32_t kMagic = 0xd00dfeed;
constexpr uint32_t kBeginNode = 1, kEndNode = 2, kProp = 3, kNop = 4, kEnd = 9;
constexpr size_t kHeaderSize = 40, kReserveMapSize = 16;

uint32_t be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
uint64_t cells(const uint8_t* p, uint32_t n) {
  uint64_t v = 0;
  for (uint32_t i = 0; i < n; ++i) v = v << 32 | be32(p + 4 * i);
  return v;
}
bool str_eq(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) ++a, ++b;
  return *a == *b;
}
void store32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24);
  p[1] = uint8_t(v >> 16);
  p[2] = uint8_t(v >> 8);
  p[3] = uint8_t(v);
}
}  // namespace

bool read_host_tree(uint64_t addr, host_facts& out) {
  const auto* base = reinterpret_cast<const uint8_t*>(static_cast<uintptr_t>(addr));
  if (be32(base) != kMagic) return false;
  const uint32_t total = be32(base + 4), off_struct = be32(base + 8), off_strings = be32(base + 12);
  const uint32_t size_strings = be32(base + 32), size_struct = be32(base + 36);
  if (off_struct >= total || size_struct > total - off_struct || off_strings >= total ||
      size_strings > total - off_strings)
    return false;
  const uint8_t* p = base + off_struct;
  const uint8_t* end = p + size_struct;
  const char* strings = reinterpret_cast<const char*>(base + off_strings);
  // Per depth: #address-cells / #size-cells for the children, and this node's properties.
  struct level {
    uint32_t ac = 2, sc = 1;
    const uint8_t* reg = nullptr;
    uint32_t reg_len = 0;
    bool memory = false, cpu = false;
  } stack[10];
  unsigned depth = 0;
  while (p + 4 <= end) {
    const uint32_t token = be32(p);
    p += 4;
    if (token == kBeginNode) {
      while (p < end && *p != 0) ++p;
      p = reinterpret_cast<const uint8_t*>((reinterpret_cast<uintptr_t>(p) + 4) & ~uintptr_t{3});
      if (++depth >= 10) return false;
      stack[depth] = level{};
    } else if (token == kEndNode) {
      if (depth == 0) return false;
      const level& n = stack[depth];
      const level& parent = stack[depth - 1];
      if (n.memory && n.reg_len >= 4 * (parent.ac + parent.sc) && out.ram_size == 0) {
        out.ram_base = cells(n.reg, parent.ac);
        out.ram_size = cells(n.reg + 4 * parent.ac, parent.sc);
      }
      if (n.cpu && n.reg_len >= 4 * parent.ac && out.cpus < kMaxCpus) out.mpidr[out.cpus++] = cells(n.reg, parent.ac);
      --depth;
    } else if (token == kProp) {
      if (p + 8 > end) return false;
      const uint32_t len = be32(p), nameoff = be32(p + 4);
      p += 8;
      if (len > static_cast<uint32_t>(end - p) || nameoff >= size_strings) return false;
      const char* name = strings + nameoff;
      level& n = stack[depth];
      if (str_eq(name, "#address-cells") && len == 4) n.ac = be32(p);
      else if (str_eq(name, "#size-cells") && len == 4) n.sc = be32(p);
      else if (str_eq(name, "reg")) n.reg = p, n.reg_len = len;
      else if (str_eq(name, "device_type")) {
        n.memory = str_eq(reinterpret_cast<const char*>(p), "memory");
        n.cpu = str_eq(reinterpret_cast<const char*>(p), "cpu");
      }
      p += (len + 3) & ~uint32_t{3};
    } else if (token == kNop) {
      continue;
    } else if (token == kEnd) {
      break;
    } else {
      return false;
    }
  }
  return out.ram_size != 0;
}

fdt_writer::fdt_writer(void* buffer, size_t size)
    : buf_(static_cast<uint8_t*>(buffer)), cap_(size), pos_(kHeaderSize + kReserveMapSize) {
  if (cap_ < pos_) overflow_ = true;
  else memset(buf_, 0, pos_);
}

void fdt_writer::put32(uint32_t v) {
  if (pos_ + 4 > cap_) {
    overflow_ = true;
    return;
  }
  store32(buf_ + pos_, v);
  pos_ += 4;
}

void fdt_writer::put_bytes(const void* data, size_t n) {
  const size_t padded = (n + 3) & ~size_t{3};
  if (pos_ + padded > cap_) {
    overflow_ = true;
    return;
  }
  memcpy(buf_ + pos_, data, n);
  memset(buf_ + pos_ + n, 0, padded - n);
  pos_ += padded;
}

uint32_t fdt_writer::string_offset(const char* name) {
  for (size_t off = 0; off < strings_len_; off += strlen(strings_ + off) + 1)
    if (str_eq(strings_ + off, name)) return static_cast<uint32_t>(off);
  const size_t n = strlen(name) + 1;
  if (strings_len_ + n > sizeof strings_) {
    overflow_ = true;
    return 0;
  }
  memcpy(strings_ + strings_len_, name, n);
  strings_len_ += n;
  return static_cast<uint32_t>(strings_len_ - n);
}

void fdt_writer::begin_node(const char* name) {
  put32(kBeginNode);
  put_bytes(name, strlen(name) + 1);
}

void fdt_writer::end_node() { put32(kEndNode); }

void fdt_writer::prop(const char* name, const void* data, uint32_t len) {
  const uint32_t off = string_offset(name);
  put32(kProp);
  put32(len);
  put32(off);
  put_bytes(data, len);
}

void fdt_writer::prop_u32(const char* name, uint32_t value) { prop_u32s(name, &value, 1); }

void fdt_writer::prop_u32s(const char* name, const uint32_t* values, uint32_t count) {
  uint8_t tmp[64];
  if (count * 4 > sizeof tmp) {
    overflow_ = true;
    return;
  }
  for (uint32_t i = 0; i < count; ++i) store32(tmp + 4 * i, values[i]);
  prop(name, tmp, count * 4);
}

void fdt_writer::prop_string(const char* name, const char* value) {
  prop(name, value, static_cast<uint32_t>(strlen(value) + 1));
}

void fdt_writer::prop_reg(uint64_t address, uint64_t size) {
  const uint32_t v[4] = {uint32_t(address >> 32), uint32_t(address), uint32_t(size >> 32), uint32_t(size)};
  prop_u32s("reg", v, 4);
}

bool fdt_writer::finish() {
  put32(kEnd);
  const size_t off_struct = kHeaderSize + kReserveMapSize;
  const size_t size_struct = pos_ - off_struct;
  const size_t off_strings = pos_;
  if (pos_ + strings_len_ > cap_) overflow_ = true;
  if (overflow_) return false;
  memcpy(buf_ + pos_, strings_, strings_len_);
  pos_ += strings_len_;
  total_ = pos_;
  store32(buf_ + 0, kMagic);
  store32(buf_ + 4, uint32_t(total_));
  store32(buf_ + 8, uint32_t(off_struct));
  store32(buf_ + 12, uint32_t(off_strings));
  store32(buf_ + 16, uint32_t(kHeaderSize));  // off_mem_rsvmap: one empty entry
  store32(buf_ + 20, 17);                     // version
  store32(buf_ + 24, 16);                     // last_comp_version
  store32(buf_ + 28, 0);                      // boot_cpuid_phys
  store32(buf_ + 32, uint32_t(strings_len_));
  store32(buf_ + 36, uint32_t(size_struct));
  return true;
}

}  // namespace hmx::arm
