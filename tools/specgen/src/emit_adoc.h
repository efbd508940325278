/* SPDX-License-Identifier: Apache-2.0 */
// AsciiDoc table fragments of the spec, one file per table, for the spec site to include:
// version constants errors structs operations mechanisms features cpuid msrs smccc requirements.
// Anchors: [[struct-NAME]], [[HMX-AREA-NNN]] (requirements) and abi-<kind>-NAME for the rest
// (abi-error-EINVAL, abi-op-sendv, abi-mech-x86_msr, ...), so prose can xref any row.
#pragma once

#include "load.h"
#include "output.h"
#include "scan_tests.h"

namespace hmx::specgen {

// `coverage`: covering tests per requirement id (data tests united with scanned ones). With
// `sites`, the requirement index links each id to the code that cites it and to its tests'
// declarations (file and line, under the AsciiDoc attribute {hmx-source}).
FileSet emit_adoc(const LoadedSpec& spec, const Coverage& coverage, const Sites* sites = nullptr);

}  // namespace hmx::specgen
