// SPDX-License-Identifier: Apache-2.0
#include "hmx/kvm/instruction_decoder.h"

#include <Zydis/Zydis.h>

#include <fmt/format.h>

namespace hmx::kvm {

cpu_mode mode_of(uint64_t cr0, uint64_t efer, bool cs_long, bool cs_db) {
  if ((cr0 & 1) == 0) return cpu_mode::real16;
  if ((efer & (1u << 10)) != 0 && cs_long) return cpu_mode::long64;  // EFER.LMA && CS.L
  return cs_db ? cpu_mode::protected32 : cpu_mode::protected16;
}

const char* to_string(cpu_mode mode) {
  switch (mode) {
    case cpu_mode::real16: return "real mode";
    case cpu_mode::protected16: return "16-bit protected mode";
    case cpu_mode::protected32: return "32-bit protected mode";
    case cpu_mode::long64: return "64-bit mode";
  }
  return "?";
}

std::string decode_instruction(std::span<const uint8_t> bytes, uint64_t address, cpu_mode mode) {
  if (bytes.empty()) return "(no code bytes)";
  ZydisMachineMode zmode = ZYDIS_MACHINE_MODE_LONG_64;
  switch (mode) {
    case cpu_mode::real16: zmode = ZYDIS_MACHINE_MODE_REAL_16; break;
    case cpu_mode::protected16: zmode = ZYDIS_MACHINE_MODE_LEGACY_16; break;
    case cpu_mode::protected32: zmode = ZYDIS_MACHINE_MODE_LEGACY_32; break;
    case cpu_mode::long64: zmode = ZYDIS_MACHINE_MODE_LONG_64; break;
  }
  ZydisDisassembledInstruction insn;
  ZyanStatus status = ZydisDisassembleIntel(zmode, address, bytes.data(), bytes.size(), &insn);
  if (!ZYAN_SUCCESS(status)) return fmt::format("(undecodable: Zydis status {:#x})", status);
  return insn.text;
}

}  // namespace hmx::kvm
