// SPDX-License-Identifier: Apache-2.0
// key_value.h.
#include "hmx/host/key_value.h"

#include <charconv>

namespace hmx::host {

namespace {

key_value make_item(std::string_view item) {
  key_value kv;
  kv.item = item;
  const std::size_t eq = item.find('=');
  kv.key = item.substr(0, eq);
  if (eq != std::string_view::npos) {
    kv.value = item.substr(eq + 1);
    kv.has_value = true;
  }
  return kv;
}

}  // namespace

std::vector<key_value> split_key_values(std::string_view text, char separator, bool keep_empty,
                                        std::initializer_list<std::string_view> rest_keys) {
  std::vector<key_value> out;
  for (;;) {
    std::size_t end = text.find(separator);
    key_value kv = make_item(text.substr(0, end));
    for (std::string_view rest : rest_keys)
      if (kv.has_value && kv.key == rest) end = std::string_view::npos;
    if (end == std::string_view::npos) kv = make_item(text);
    if (!kv.item.empty() || keep_empty) out.push_back(kv);
    if (end == std::string_view::npos) return out;
    text.remove_prefix(end + 1);
  }
}

std::optional<std::string_view> find_value(const std::vector<key_value>& items, std::string_view key) {
  for (const key_value& kv : items)
    if (kv.has_value && kv.key == key) return kv.value;
  return std::nullopt;
}

std::optional<named_spec> split_named_spec(std::string_view text, std::initializer_list<std::string_view> rest_keys) {
  const std::size_t eq = text.find('=');
  if (eq == std::string_view::npos) return std::nullopt;
  named_spec s;
  s.name = text.substr(0, eq);
  const std::string_view rest = text.substr(eq + 1);
  const std::size_t comma = rest.find(',');
  s.head = rest.substr(0, comma);
  if (comma != std::string_view::npos) s.options = split_key_values(rest.substr(comma + 1), ',', true, rest_keys);
  return s;
}

std::optional<unsigned long long> parse_decimal(std::string_view text, unsigned long long max) {
  if (text.empty()) return std::nullopt;
  for (char c : text)
    if (c < '0' || c > '9') return std::nullopt;
  unsigned long long v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v > max) return std::nullopt;
  return v;
}

}  // namespace hmx::host
