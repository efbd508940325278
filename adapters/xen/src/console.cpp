// SPDX-License-Identifier: Apache-2.0
// Reading Xen's console (console.h).
#include "hmx/xen/console.h"

#include <charconv>

namespace hmx::xen {

namespace {

constexpr std::string_view kXen = "(XEN) ";

bool take_prefix(std::string_view& s, std::string_view prefix) {
  if (s.substr(0, prefix.size()) != prefix) return false;
  s.remove_prefix(prefix.size());
  return true;
}

// Decimal digits at the start of s, consumed.
std::optional<int> take_int(std::string_view& s) {
  int v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || v < 0) return std::nullopt;
  s.remove_prefix(static_cast<size_t>(r.ptr - s.data()));
  return v;
}

}  // namespace

console_line classify_console_line(std::string_view line) {
  std::string_view s = line;
  if (take_prefix(s, kXen)) {
    std::string_view rest = s;
    if (take_prefix(rest, "DOM")) {
      const std::optional<int> id = take_int(rest);
      if (id && take_prefix(rest, ": ")) return {*id, rest};
      if (id && rest == ":") return {*id, {}};
    }
    return {console_line::xen, s};
  }
  std::string_view rest = s;
  if (take_prefix(rest, "(d")) {
    const std::optional<int> id = take_int(rest);
    if (id && take_prefix(rest, ") ")) return {*id, rest};
  }
  return {console_line::xen, line};
}

std::optional<int> parse_exit_line(std::string_view text) {
  if (!take_prefix(text, exit_line_prefix)) return std::nullopt;
  const std::optional<int> v = take_int(text);
  if (!v || !text.empty()) return std::nullopt;
  return v;
}

std::string parse_xen_version_banner(std::string_view line) {
  std::string_view s = line;
  (void)take_prefix(s, kXen);
  if (!take_prefix(s, "Xen version ")) return {};
  const size_t end = s.find(' ');
  return std::string(s.substr(0, end));
}

std::optional<module_load> parse_module_load(std::string_view line) {
  std::string_view s = line;
  if (!take_prefix(s, kXen) || !take_prefix(s, "Loading d")) return std::nullopt;
  const std::optional<int> id = take_int(s);
  if (!id || !take_prefix(s, " kernel from boot module @ ")) return std::nullopt;
  unsigned long long a = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), a, 16);
  if (r.ec != std::errc() || r.ptr == s.data()) return std::nullopt;
  return module_load{*id, a};
}

std::optional<std::string> vpl011_line_joiner::add(std::string_view piece) {
  partial_ += piece;
  if (piece.size() == vpl011_piece_length) {
    waiting_ = true;
    return std::nullopt;
  }
  waiting_ = false;
  std::string line = std::move(partial_);
  partial_.clear();
  return line;
}

std::optional<std::string> vpl011_line_joiner::finish() {
  if (!waiting_) return std::nullopt;
  waiting_ = false;
  std::string line = std::move(partial_);
  partial_.clear();
  return line;
}

bool is_fatal_xen_line(std::string_view line) {
  std::string_view s = line;
  if (!take_prefix(s, kXen) || classify_console_line(line).domain != console_line::xen) return false;
  return s.find("Panic on CPU") != std::string_view::npos ||
         s.find("Domain 0 crashed") != std::string_view::npos ||
         s.find("Hardware Dom0 crashed") != std::string_view::npos ||
         s.find("Hardware Dom0 shutdown") != std::string_view::npos;
}

}  // namespace hmx::xen
