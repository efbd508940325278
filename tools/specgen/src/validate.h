/* SPDX-License-Identifier: Apache-2.0 */
// Semantic validation of the merged spec. Every error names the file, line and field it concerns
// (through LoadedSpec::error). All errors are collected, not just the first.
#pragma once

#include "diag.h"
#include "load.h"

namespace hmx::specgen {

void validate(const LoadedSpec& spec, Diags& diags);

// ^HMX-[A-Z]+-[0-9]{3}$
bool is_requirement_id(const std::string& id);

// The RFC 2119 level keywords (MUST, SHOULD, MAY; MUST NOT counts once) in a requirement's text.
int level_keyword_count(const std::string& text);

}  // namespace hmx::specgen
