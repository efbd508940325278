/* SPDX-License-Identifier: Apache-2.0 */
// Names and numbers shared by the emitters: identifiers per the header naming contract, C
// literals, the CPUID signature words and the SMCCC UID words / function ids.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "hmx.pb.h"

namespace hmx::specgen {

std::string upper(const std::string& s);
std::string lower(const std::string& s);
bool is_identifier(const std::string& s);

// The C++ enumerator of an error code: its `enumerator`, or the name without its leading E in
// lower case ("EINVAL" -> "inval").
std::string error_enumerator(const hmx::spec::ErrorCode& e);

// C literal with an unsigned suffix: "u" for values that fit 32 bits, "ull" otherwise (or when
// `force64`, for values used as 64-bit quantities such as MSR contents).
std::string c_unsigned(uint64_t v, bool hex, bool force64 = false);
std::string hex(uint64_t v);

// (1 << width) - 1 for width 1..64.
uint64_t field_mask(uint32_t width);

// The CPUID signature as three little-endian u32 words (EBX, ECX, EDX), the way CPUID returns a
// vendor string: byte 0 of the string is the low byte of EBX.
std::array<uint32_t, 3> signature_words(const std::string& sig);

// UUID in text form "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" -> 16 bytes in text (RFC 4122) order.
std::optional<std::array<uint8_t, 16>> parse_uuid(const std::string& text);

// SMCCC UID words W0..W3: Wn is bytes 4n..4n+3 of the UUID (text order) read as a little-endian
// u32, which is how Linux (ARM_SMCCC_VENDOR_HYP_UID_KVM_REG_0..3 for UUID_INIT(0x28b46fb6, ...)
// = 0xb66fb428, ...) and TF-A return a service UID.
std::array<uint32_t, 4> smccc_uid_words(const std::array<uint8_t, 16>& uuid);

// SMCCC function id: (fast << 31) | (smc64 << 30) | (owner << 24) | number; owner 0 means the
// service's owner.
uint32_t smccc_function_id(const hmx::spec::SmcccFunction& fn, uint32_t service_owner);

}  // namespace hmx::specgen
