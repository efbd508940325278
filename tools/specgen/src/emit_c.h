/* SPDX-License-Identifier: Apache-2.0 */
// C11 / C++20 ABI headers (abi/include/hmx/abi/*.h) following the naming contract of
// notes/contract.md: version.h errors.h constants.h structs.h ops.h mechanisms.h cpuid.h msr.h
// smccc.h and the umbrella hmx.h. Freestanding: only <stdint.h> and <stddef.h>.
#pragma once

#include "diag.h"
#include "load.h"
#include "output.h"

namespace hmx::specgen {

// Generates every header from a validated spec. Two spec items that would define the same macro
// are reported in `diags` (the header set is still returned).
FileSet emit_headers(const LoadedSpec& spec, Diags& diags);

}  // namespace hmx::specgen
