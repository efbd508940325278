// SPDX-License-Identifier: Apache-2.0
// console.h.
#include "hmx/host/console.h"

#include "hmx/host/key_value.h"

namespace hmx::host::console {

std::optional<domain_line> split_domain(std::string_view line) {
  if (line.empty() || line.front() != '[') return std::nullopt;
  const std::size_t close = line.find("] ");
  if (close == std::string_view::npos || close == 1) return std::nullopt;
  const std::string_view name = line.substr(1, close - 1);
  if (name.find_first_of("[] ") != std::string_view::npos) return std::nullopt;
  return domain_line{name, line.substr(close + 2)};
}

std::optional<std::string_view> text_of(std::string_view line, std::string_view domain) {
  if (domain.empty()) return line;
  const std::optional<domain_line> d = split_domain(line);
  if (!d || d->domain != domain) return std::nullopt;
  return d->text;
}

std::optional<domain_result> parse_domain_result(std::string_view text) {
  constexpr std::string_view tag = "result: ";
  if (!text.starts_with(tag)) return std::nullopt;
  text.remove_prefix(tag.size());
  // The state runs up to the " (T ms after start)" the monitor appends.
  domain_result r;
  r.state = text.substr(0, text.find(" ("));
  constexpr std::string_view exited = "exited with status ";
  if (r.state.starts_with(exited)) {
    const std::optional<unsigned long long> status = parse_decimal(r.state.substr(exited.size()), 0x7fffffff);
    if (!status) return std::nullopt;
    r.end = domain_end::exited;
    r.status = static_cast<int>(*status);
    r.state = r.state.substr(0, 6);
    return r;
  }
  if (r.state == "crashed") r.end = domain_end::crashed;
  else if (r.state == "timed out") r.end = domain_end::timed_out;
  else if (r.state == "failed") r.end = domain_end::failed;
  return r;
}

const std::string* result_line::find(std::string_view key) const {
  for (const auto& [k, v] : fields)
    if (k == key) return &v;
  return nullptr;
}

std::optional<uint64_t> result_line::number(std::string_view key) const {
  const std::string* v = find(key);
  if (v == nullptr) return std::nullopt;
  return parse_decimal(*v);
}

std::map<std::string, std::string> result_line::as_map() const {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : fields) out[k] = v;
  return out;
}

std::optional<result_line> parse_result_line(std::string_view text, std::string_view tag) {
  if (!text.starts_with(tag) || !text.substr(tag.size()).starts_with(": result ")) return std::nullopt;
  result_line r;
  for (const key_value& kv : split_fields(text.substr(tag.size() + 9)))
    if (kv.has_value) r.fields.emplace_back(kv.key, kv.value);
  return r;
}

}  // namespace hmx::host::console
