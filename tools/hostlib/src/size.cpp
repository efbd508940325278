// SPDX-License-Identifier: Apache-2.0
// parse_size (size.h): the digits are checked here, the unit goes through CLI11's AsSizeValue so
// that a size means the same in a spec string as in a CLI11 option.
#include "hmx/host/size.h"

#include <CLI/CLI.hpp>

#include <charconv>
#include <stdexcept>
#include <string>

#include "hmx/host/key_value.h"

namespace hmx::host {

uint64_t parse_size(std::string_view text, uint64_t bare_unit) {
  const auto bad = [&](const std::string& why) {
    return std::invalid_argument("bad size '" + std::string(text) + "': " + why);
  };
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) throw bad("expected a decimal number with an optional unit (K, M, G, ...)");
  std::string_view number = text.substr(0, digits);
  const std::string_view unit = text.substr(digits);
  for (char c : unit)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) throw bad("unexpected character after the number");
  const std::optional<unsigned long long> n = parse_decimal(number);
  if (!n) throw bad("number too large");
  if (unit.empty()) {
    if (bare_unit != 0 && *n > UINT64_MAX / bare_unit) throw bad("does not fit in 64 bits");
    return *n * bare_unit;
  }
  // CLI11 reads the number with strtoull base 0 ("010" is octal there): hand it plain decimal.
  std::string value = std::to_string(*n) + std::string(unit);
  try {
    const std::string error = CLI::AsSizeValue(false)(value);
    if (!error.empty()) throw bad(error);
  } catch (const CLI::ValidationError& e) {
    throw bad(e.what());
  }
  uint64_t bytes = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), bytes);
  if (ec != std::errc() || end != value.data() + value.size()) throw bad("unreadable result '" + value + "'");
  return bytes;
}

}  // namespace hmx::host
