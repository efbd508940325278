/* SPDX-License-Identifier: Apache-2.0 */
#include "install_layout.h"

#include <filesystem>
#include <system_error>

#include "spec_data.h"

namespace conformance::runner {

namespace fs = std::filesystem;

std::string installed_prefix(const std::string& exe) {
  std::error_code ec;
  const fs::path self = fs::canonical(exe, ec);
  if (ec) return "";
  const fs::path bin = self.parent_path();
  if (bin.filename() != "bin") return "";
  const fs::path prefix = bin.parent_path();
  if (!fs::is_regular_file(prefix / "share/hmx/spec" / kSpecBundleName, ec)) return "";
  return prefix.string();
}

void use_installed_layout(const std::string& prefix, target_options& o, std::string& spec_dir,
                          std::string& spec_site) {
  const fs::path p(prefix);
  const fs::path data = p / "share/hmx";
  spec_dir = (data / "spec").string();
  o.policy_file = (data / "conformance/policy.textproto").string();
  o.image_dir = (data / "guests").string();
  spec_site = (p / "share/doc/hmx/site/index.html").string();
  std::error_code ec;
  const fs::path kvm = p / "bin/hmx-kvm";
  o.hmx_kvm = fs::is_regular_file(kvm, ec) ? kvm.string() : "";
  o.vta_tests.clear();
  o.vta_kvm_tests.clear();
  o.vta_sources.clear();
}

}  // namespace conformance::runner
