/* SPDX-License-Identifier: Apache-2.0 */
// Loading the spec: parse each text-format file of hmx.spec.Spec, keep its parse-location tree,
// merge the files in order (MergeFrom), and map any field of the merged message back to the file,
// line and column it came from.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/text_format.h>

#include "diag.h"
#include "hmx.pb.h"

namespace hmx::specgen {

// A field of the merged Spec, e.g. structs[3].fields[1].offset. `label` (an element's name) only
// makes the printed path readable: structs[call_block].fields[result].offset.
struct PathStep {
  std::string field;
  int index = -1;  // element of a repeated field; -1 for a singular field
  std::string label;
};

class FieldPath {
 public:
  FieldPath() = default;
  FieldPath child(std::string field, int index = -1, std::string label = {}) const;
  std::string str() const;
  const std::vector<PathStep>& steps() const { return steps_; }

 private:
  std::vector<PathStep> steps_;
};

struct SourceFile {
  std::string name;
  std::unique_ptr<hmx::spec::Spec> spec;
  std::unique_ptr<google::protobuf::TextFormat::ParseInfoTree> tree;
  std::string text;
};

struct Location {
  std::string file;
  int line = 0;    // 1-based, 0 when unknown
  int column = 0;  // 1-based, 0 when unknown
};

class LoadedSpec {
 public:
  // Parses one source; parse errors go to `diags` with line:column. Returns false on errors.
  bool add_source(const std::string& name, const std::string& text, Diags& diags);
  // Reads and parses a file; an unreadable file is an error.
  bool add_file(const std::string& path, Diags& diags);

  const hmx::spec::Spec& merged() const { return merged_; }
  const std::vector<SourceFile>& files() const { return files_; }

  // Where a field of the merged message was written: the deepest step of `path` found in the
  // sources (a missing field is reported at its parent element).
  Location locate(const FieldPath& path) const;
  Diag error(const FieldPath& path, std::string message) const;
  // Whether the number at `path` was written as a hexadecimal literal in its source, so the
  // headers render each value the way the spec's author wrote it (0x7FF4 vs 16).
  bool written_in_hex(const FieldPath& path) const;

 private:
  hmx::spec::Spec merged_;
  std::vector<SourceFile> files_;
};

// Convenience: load all files in order; false when any failed to parse.
bool load_files(const std::vector<std::string>& paths, LoadedSpec& out, Diags& diags);

}  // namespace hmx::specgen
