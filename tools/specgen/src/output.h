/* SPDX-License-Identifier: Apache-2.0 */
// Generated files as (file name -> content) sets, and writing them without touching unchanged
// files (so a rebuild after an unrelated spec edit recompiles nothing).
#pragma once

#include <map>
#include <ostream>
#include <string>

namespace hmx::specgen {

using FileSet = std::map<std::string, std::string>;

// Writes each file into `dir` (created if missing) unless its content is already equal.
// Returns false (with a message on `err`) when a file cannot be written.
bool write_if_changed(const std::string& dir, const FileSet& files, std::ostream& err);

bool write_file_if_changed(const std::string& path, const std::string& content, std::ostream& err);

// The content of a file, or nullopt-like empty + false when it does not exist.
bool read_file(const std::string& path, std::string& content);

}  // namespace hmx::specgen
