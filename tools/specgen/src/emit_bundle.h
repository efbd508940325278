/* SPDX-License-Identifier: Apache-2.0 */
// The spec bundle: the merged spec data as one JSON document, for every program and check that
// needs the data at build or run time (tests, the conformance runner, the docs checks), so that
// hmx-specgen stays the only reader of spec/*.textproto.
//
//   {"format": "hmx-spec-bundle/1", "spec": { <hmx.spec.Spec> }}
//
// `spec` holds every field of hmx.spec.Spec under its proto field name, in schema order, set or
// not (a consumer never guesses a default): numbers as JSON numbers (64-bit values exactly),
// enums by name ("MUST", "HYPERVISOR"), messages as objects, repeated fields as arrays.
#pragma once

#include <string>

#include "hmx.pb.h"

namespace hmx::specgen {

inline constexpr const char* kBundleFormat = "hmx-spec-bundle/1";

std::string emit_bundle(const hmx::spec::Spec& spec);

}  // namespace hmx::specgen
