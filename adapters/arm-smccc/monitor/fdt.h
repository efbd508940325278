/* SPDX-License-Identifier: Apache-2.0 */
// Flattened device trees (Devicetree Specification v0.4, chapter 5): the facts the monitor reads
// from QEMU's tree (RAM, CPUs) and the tree it writes for each guest.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "platform.h"

namespace hmx::arm {

struct host_facts {
  uint64_t ram_base = 0, ram_size = 0;
  unsigned cpus = 0;
  uint64_t mpidr[kMaxCpus] = {};
};

// False when `addr` holds no device tree.
bool read_host_tree(uint64_t addr, host_facts& out);

class fdt_writer {
 public:
  fdt_writer(void* buffer, size_t size);
  void begin_node(const char* name);
  void end_node();
  void prop(const char* name, const void* data, uint32_t len);
  void prop_u32(const char* name, uint32_t value);
  void prop_u32s(const char* name, const uint32_t* values, uint32_t count);
  void prop_string(const char* name, const char* value);
  // A "reg" of one <address size> pair in 2 + 2 cells.
  void prop_reg(uint64_t address, uint64_t size);
  // Ends the tree; false when it did not fit.
  bool finish();
  size_t size() const { return total_; }

 private:
  void put32(uint32_t v);
  void put_bytes(const void* data, size_t n);
  uint32_t string_offset(const char* name);

  uint8_t* buf_;
  size_t cap_;
  size_t pos_;
  size_t total_ = 0;
  bool overflow_ = false;
  char strings_[1024];
  size_t strings_len_ = 0;
};

}  // namespace hmx::arm
