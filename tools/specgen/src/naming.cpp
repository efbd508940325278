// SPDX-License-Identifier: Apache-2.0
#include "naming.h"

#include <cctype>
#include <cstdio>

namespace hmx::specgen {

std::string upper(const std::string& s) {
  std::string out = s;
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string lower(const std::string& s) {
  std::string out = s;
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string error_enumerator(const hmx::spec::ErrorCode& e) {
  if (!e.enumerator().empty()) return e.enumerator();
  const std::string& n = e.name();
  return lower(n.size() > 1 && n[0] == 'E' ? n.substr(1) : n);
}

bool is_identifier(const std::string& s) {
  if (s.empty()) return false;
  if (!(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

std::string hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string c_unsigned(uint64_t v, bool as_hex, bool force64) {
  std::string s = as_hex ? hex(v) : std::to_string(v);
  return s + ((force64 || v > 0xffffffffull) ? "ull" : "u");
}

uint64_t field_mask(uint32_t width) {
  if (width >= 64) return ~0ull;
  return (1ull << width) - 1;
}

std::array<uint32_t, 3> signature_words(const std::string& sig) {
  std::array<uint32_t, 3> w{};
  for (size_t i = 0; i < 12 && i < sig.size(); ++i)
    w[i / 4] |= static_cast<uint32_t>(static_cast<unsigned char>(sig[i])) << (8 * (i % 4));
  return w;
}

std::optional<std::array<uint8_t, 16>> parse_uuid(const std::string& text) {
  if (text.size() != 36) return std::nullopt;
  std::array<uint8_t, 16> out{};
  size_t b = 0;
  for (size_t i = 0; i < 36;) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    auto nib = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    int hi = nib(text[i]), lo = nib(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[b++] = static_cast<uint8_t>(hi << 4 | lo);
    i += 2;
  }
  return out;
}

std::array<uint32_t, 4> smccc_uid_words(const std::array<uint8_t, 16>& u) {
  std::array<uint32_t, 4> w{};
  for (int n = 0; n < 4; ++n)
    w[n] = static_cast<uint32_t>(u[4 * n]) | static_cast<uint32_t>(u[4 * n + 1]) << 8 |
           static_cast<uint32_t>(u[4 * n + 2]) << 16 | static_cast<uint32_t>(u[4 * n + 3]) << 24;
  return w;
}

uint32_t smccc_function_id(const hmx::spec::SmcccFunction& fn, uint32_t service_owner) {
  const uint32_t owner = fn.owner() != 0 ? fn.owner() : service_owner;
  return (fn.fast() ? 1u << 31 : 0u) | (fn.smc64() ? 1u << 30 : 0u) | (owner & 0x3fu) << 24 |
         (fn.number() & 0xffffu);
}

}  // namespace hmx::specgen
