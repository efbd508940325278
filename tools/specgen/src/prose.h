/* SPDX-License-Identifier: Apache-2.0 */
// Requirement statements in the prose come from the data: hmx-specgen writes one fragment per
// requirement section (requirements/<section>.adoc: every requirement whose `section` is that
// anchor, in data order, as "*<<ID,ID>>* text" paragraphs), and the chapter includes it where the
// statements stand:
//
//   [[op-register-ring-hyp]]
//   ==== Hypervisor requirements: register_ring
//
//   include::{gendir}/requirements/op-register-ring-hyp.adoc[]
//
// check_prose() holds the chapters to that: every section of the data is included exactly once,
// inside the section its anchor names, under a title that names its target ("Hypervisor
// requirements", "Guest requirements", "Driver requirements", "Device requirements"); no
// statement is written by hand.
#pragma once

#include <string>
#include <vector>

#include "diag.h"
#include "hmx.pb.h"
#include "load.h"
#include "output.h"

namespace hmx::specgen {

// requirements/<section>.adoc for each section of the data.
FileSet emit_requirement_prose(const hmx::spec::Spec& spec);

// The include line of a section's fragment.
std::string requirement_include(const std::string& section);

// The title a section of `target` starts with ("Hypervisor requirements").
std::string requirement_title(hmx::spec::Target target);

// Checks the chapters (name, text) against the data; problems go to `diags` at file:line.
void check_prose(const LoadedSpec& loaded,
                 const std::vector<std::pair<std::string, std::string>>& chapters, Diags& diags);

// Reads every *.adoc of `dir` (sorted) and checks them.
void check_prose_dir(const LoadedSpec& spec, const std::string& dir, Diags& diags);

}  // namespace hmx::specgen
