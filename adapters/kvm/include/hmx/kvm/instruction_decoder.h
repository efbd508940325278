/* SPDX-License-Identifier: Apache-2.0 */
// Decoding of the faulting instruction for crash reports (Zydis).
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace hmx::kvm {

enum class cpu_mode { real16, protected16, protected32, long64 };

// From CR0.PE, EFER.LMA and the CS descriptor's L and D/B bits (SDM Vol. 3A 5.2.1).
cpu_mode mode_of(uint64_t cr0, uint64_t efer, bool cs_long, bool cs_db);
const char* to_string(cpu_mode mode);

// Intel syntax of the first instruction in `bytes`, e.g. "ud2" or "mov dword ptr [rax], 0x1";
// "(undecodable: ...)" if Zydis rejects the bytes, "(no code bytes)" if `bytes` is empty.
std::string decode_instruction(std::span<const uint8_t> bytes, uint64_t address, cpu_mode mode);

}  // namespace hmx::kvm
