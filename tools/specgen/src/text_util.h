/* SPDX-License-Identifier: Apache-2.0 */
// Small text helpers shared by the emitters.
#pragma once

#include <string>
#include <vector>

namespace hmx::specgen {

// Greedy word wrap of `text` to lines of at most `width` characters (a longer word stays whole).
std::vector<std::string> wrap(const std::string& text, size_t width);

// A C comment block, each line prefixed by `indent`; "*/" inside the text is defused.
std::string c_comment(const std::string& text, const std::string& indent = "", size_t width = 100);

}  // namespace hmx::specgen
