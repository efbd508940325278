/* SPDX-License-Identifier: Apache-2.0 */
// Where an installed hmx-conformance finds what it reads at run time. The build bakes in the
// paths of the build tree; an installed copy (cmake --install, the hmx-tools package, a dpkg -x
// root) finds its data relative to its own executable instead, so the prefix can move:
//   <prefix>/bin/hmx-conformance, <prefix>/bin/hmx-kvm
//   <prefix>/share/hmx/spec/spec.json (the spec bundle; the data files beside it are hmx-specgen's)
//   <prefix>/share/hmx/conformance/policy.textproto
//   <prefix>/share/hmx/guests/*.elf
//   <prefix>/share/doc/hmx/site/index.html
// (cmake/HmxInstall.cmake writes that layout.)
#pragma once

#include <string>

#include "targets.h"

namespace conformance::runner {

// The prefix this executable was installed into (the parent of its bin/ directory) when
// <prefix>/share/hmx/spec/spec.json exists beside it; "" when it runs from a build
// tree. `exe` is the executable's path (/proc/self/exe).
std::string installed_prefix(const std::string& exe);

// Points the defaults of `o`, `spec_dir` and `spec_site` at the installed layout under `prefix`
// (the site is share/doc/hmx/site/index.html, from the hmx-doc package). The transport target's
// test programs are not installed: vta_tests becomes "".
void use_installed_layout(const std::string& prefix, target_options& o, std::string& spec_dir,
                          std::string& spec_site);

}  // namespace conformance::runner
