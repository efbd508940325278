/* SPDX-License-Identifier: Apache-2.0 */
// Helpers of the hmx-specgen tests: load spec text from strings, look for a diagnostic.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "diag.h"
#include "load.h"
#include "validate.h"

namespace hmx::specgen::testing {

// Parses the (name, text) sources in order and validates the merge; returns all diagnostics.
inline Diags validate_sources(const std::vector<std::pair<std::string, std::string>>& sources,
                              LoadedSpec* out = nullptr) {
  LoadedSpec local;
  LoadedSpec& spec = out ? *out : local;
  Diags d;
  bool ok = true;
  for (const auto& [name, text] : sources) ok = spec.add_source(name, text, d) && ok;
  if (ok) validate(spec, d);
  return d;
}

inline Diags validate_text(const std::string& text) { return validate_sources({{"t.textproto", text}}); }

inline std::string dump(const Diags& d) {
  std::string s;
  for (const auto& x : d) s += "  " + x.str() + "\n";
  return s.empty() ? "  (no diagnostics)\n" : s;
}

// True when some error is at file:line, names `field` (exactly) and mentions `text`.
inline bool has(const Diags& d, const std::string& file, int line, const std::string& field,
                const std::string& text) {
  for (const auto& x : d)
    if (!x.warning && x.file == file && x.line == line && x.field == field &&
        x.message.find(text) != std::string::npos)
      return true;
  return false;
}

}  // namespace hmx::specgen::testing

#define EXPECT_DIAG(diags, file, line, field, text)                                   \
  EXPECT_TRUE(::hmx::specgen::testing::has(diags, file, line, field, text))           \
      << "expected " << file << ":" << line << ": " << field << ": ..." << text       \
      << "...\nin:\n"                                                                 \
      << ::hmx::specgen::testing::dump(diags)
