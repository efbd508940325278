// SPDX-License-Identifier: Apache-2.0
// hmx-specgen: the spec data (text-format hmx.spec.Spec files, merged in order) -> ABI headers,
// AsciiDoc tables, requirement coverage, and the Xen ABI check list.
//
// Exit codes: 0 ok; 1 --check found drift; 2 invalid spec data or coverage markers; 3 I/O error;
// 4 --require-coverage found an uncovered MUST, or --require-code-citations an uncited requirement.
#include <filesystem>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "coverage.h"
#include "diff.h"
#include "emit_adoc.h"
#include "emit_bundle.h"
#include "emit_c.h"
#include "emit_xen_checks.h"
#include "load.h"
#include "output.h"
#include "prose.h"
#include "scan_tests.h"
#include "validate.h"

using namespace hmx::specgen;

namespace {

// The source tree's spec data, in merge order; requirement files only where they exist.
std::vector<std::string> default_spec_files() {
  const std::string dir = std::string(HMX_SOURCE_DIR) + "/spec/";
  std::vector<std::string> files{dir + "hmx.textproto"};
  for (const char* f : {"transport.textproto", "requirements.textproto", "transport-requirements.textproto"})
    if (std::filesystem::exists(dir + f)) files.push_back(dir + f);
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hmx-specgen: generate the HMX ABI headers and spec tables from spec data"};
  std::vector<std::string> specs, scan, required_areas, required_citations;
  std::string source_root, prose_dir;
  std::string abi_out, adoc_out, bundle_out, coverage_out, xen_checks_out;
  bool check = false;
  // Without --spec / --abi-out: this checkout's spec data and abi/ headers (HMX_SOURCE_DIR), so
  // that a bare `hmx-specgen --check` checks the committed headers. A missing file is reported
  // like any other spec error (exit 2).
  app.add_option("--spec", specs,
                 "text-format hmx.spec.Spec file; repeat to merge in order (default: the source "
                 "tree's spec/hmx.textproto, transport.textproto, requirements.textproto, "
                 "transport-requirements.textproto)");
  app.add_option("--abi-out", abi_out,
                 "directory of the generated headers (with --check and no --spec: the source tree's "
                 "abi/include/hmx/abi)");
  app.add_option("--adoc-out", adoc_out, "directory for the AsciiDoc table fragments");
  app.add_option("--check-prose", prose_dir,
                 "directory of the chapters (spec/*.adoc): every requirement section of the data is "
                 "included once, in its anchored section under its target's title; no statement is "
                 "written by hand (exit 2 otherwise)");
  app.add_option("--bundle-out", bundle_out,
                 "write the merged spec data as JSON (the spec bundle tests, the conformance runner "
                 "and the docs checks read)");
  app.add_flag("--check", check, "compare with --abi-out instead of writing; exit 1 on drift");
  app.add_option("--scan,--scan-tests", scan,
                 "directories of sources to scan: '// covers:' markers in tests, requirement ids "
                 "cited by code (sources outside any 'tests' folder)")
      ->expected(1, -1);
  app.add_option("--source-root", source_root,
                 "name scanned files relative to this directory (the source tree) in the outputs");
  app.add_option("--coverage-json", coverage_out, "write requirement coverage as JSON");
  app.add_option("--xen-checks-out", xen_checks_out,
                 "write the (HMX, Xen) pairs of the data as X-macros for the abi.xen test");
  app.add_option("--require-coverage", required_areas,
                 "requirement areas (RING, SEND, ...) whose every MUST needs a covering test; "
                 "exit 4 listing the uncovered ones (needs --scan)")
      ->expected(1, -1);
  app.add_option("--require-code-citations", required_citations,
                 "AREA=DIR (e.g. LIB=libhmx): every requirement of the area must be cited by code "
                 "under DIR (relative to --source-root); exit 4 listing the uncited ones (needs --scan)")
      ->expected(1, -1);
  CLI11_PARSE(app, argc, argv);
  if (specs.empty()) {  // this checkout: its spec data, and with --check its committed headers
    specs = default_spec_files();
    if (check && abi_out.empty()) abi_out = std::string(HMX_SOURCE_DIR) + "/abi/include/hmx/abi";
  }
  if (check && abi_out.empty()) {
    std::cerr << "hmx-specgen: --check needs --abi-out DIR to compare with\n";
    return 3;
  }

  Diags diags;
  LoadedSpec spec;
  if (!load_files(specs, spec, diags)) {
    print(std::cerr, diags);
    return 2;
  }
  validate(spec, diags);
  FileSet headers = emit_headers(spec, diags);

  std::set<std::string> ids;
  for (const auto& r : spec.merged().requirements()) ids.insert(r.id());
  Coverage cov;
  merge_data_tests(spec.merged(), cov);
  Sites sites;
  Retired retired;
  for (const auto& r : spec.merged().deprecated_requirements()) {
    std::string next;
    for (const auto& n : r.replaced_by()) next += (next.empty() ? "" : " ") + n;
    retired[r.id()] = next.empty() ? "nothing" : next;
  }
  if (!scan.empty()) scan_dirs(scan, ids, cov, diags, &sites, source_root, &retired);
  if (!prose_dir.empty()) check_prose_dir(spec, prose_dir, diags);
  const Sites* scanned = scan.empty() ? nullptr : &sites;

  print(std::cerr, diags);
  if (has_errors(diags)) {
    size_t n = 0;
    for (const auto& d : diags) n += d.warning ? 0 : 1;
    std::cerr << "hmx-specgen: " << n << " error(s); nothing written\n";
    return 2;
  }

  int rc = 0;
  if (!abi_out.empty()) {
    if (check) {
      if (!check_against(abi_out, headers, std::cout)) {
        std::cout << "hmx-specgen: " << abi_out << " differs from the spec; regenerate it with "
                     "hmx-specgen --abi-out (never edit generated headers by hand)\n";
        rc = 1;
      }
    } else if (!write_if_changed(abi_out, headers, std::cerr)) {
      return 3;
    }
  }
  if (!adoc_out.empty()) {
    FileSet adoc = emit_adoc(spec, cov, scanned);
    adoc.merge(emit_requirement_prose(spec.merged()));
    if (!write_if_changed(adoc_out, adoc, std::cerr)) return 3;
  }
  if (!bundle_out.empty() &&
      !write_file_if_changed(bundle_out, emit_bundle(spec.merged()), std::cerr))
    return 3;
  if (!coverage_out.empty() &&
      !write_file_if_changed(coverage_out, coverage_json(spec.merged(), cov, scanned), std::cerr))
    return 3;
  if (!xen_checks_out.empty() &&
      !write_file_if_changed(xen_checks_out, emit_xen_checks(spec.merged()), std::cerr))
    return 3;
  if (!required_areas.empty()) {
    const std::set<std::string> areas(required_areas.begin(), required_areas.end());
    const auto missing = uncovered_musts(spec.merged(), cov, areas);
    for (const auto& id : missing)
      std::cout << "hmx-specgen: " << id << " is a MUST with no covering test\n";
    if (!missing.empty()) {
      std::cout << "hmx-specgen: " << missing.size() << " MUST requirement(s) uncovered\n";
      return 4;
    }
    std::cout << "hmx-specgen: every MUST of the required areas has a covering test\n";
  }
  int uncited_total = 0;
  for (const auto& spec_arg : required_citations) {
    const auto eq = spec_arg.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec_arg.size()) {
      std::cerr << "hmx-specgen: --require-code-citations wants AREA=DIR, not '" << spec_arg << "'\n";
      return 3;
    }
    const std::string area = spec_arg.substr(0, eq), dir = spec_arg.substr(eq + 1);
    for (const auto& id : uncited(spec.merged(), sites, area, dir)) {
      std::cout << "hmx-specgen: " << id << " is cited by no code under " << dir << "/\n";
      ++uncited_total;
    }
  }
  if (uncited_total > 0) {
    std::cout << "hmx-specgen: " << uncited_total << " requirement(s) without a code citation\n";
    return 4;
  }
  if (!required_citations.empty())
    std::cout << "hmx-specgen: every requirement of the required areas is cited by its code\n";
  return rc;
}
