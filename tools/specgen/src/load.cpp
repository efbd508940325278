// SPDX-License-Identifier: Apache-2.0
#include "load.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include <google/protobuf/io/tokenizer.h>

namespace hmx::specgen {

namespace pb = google::protobuf;

FieldPath FieldPath::child(std::string field, int index, std::string label) const {
  FieldPath p = *this;
  p.steps_.push_back({std::move(field), index, std::move(label)});
  return p;
}

std::string FieldPath::str() const {
  std::string s;
  for (const auto& st : steps_) {
    if (!s.empty()) s += ".";
    s += st.field;
    if (st.index >= 0) s += "[" + (st.label.empty() ? std::to_string(st.index) : st.label) + "]";
  }
  return s;
}

namespace {

class Collector : public pb::io::ErrorCollector {
 public:
  Collector(std::string file, Diags& diags) : file_(std::move(file)), diags_(diags) {}
  void AddError(int line, pb::io::ColumnNumber column, const std::string& message) override {
    diags_.push_back({file_, line + 1, column + 1, "", "parse error: " + message, false});
  }
  void AddWarning(int line, pb::io::ColumnNumber column, const std::string& message) override {
    diags_.push_back({file_, line + 1, column + 1, "", message, true});
  }

 private:
  std::string file_;
  Diags& diags_;
};

// The parser records one location per field occurrence, so the elements of a list
// `errors: ["A", "B"]` share the location of `errors`. This finds element `skip` (0-based) of the
// list starting at the field name at (line, column), both 1-based; unchanged if not a list.
void refine_list_element(const std::string& text, int skip, int& line, int& column) {
  size_t pos = 0;
  for (int l = 1; l < line && pos != std::string::npos; ++l) {
    pos = text.find('\n', pos);
    if (pos != std::string::npos) ++pos;
  }
  if (pos == std::string::npos) return;
  pos += static_cast<size_t>(column - 1);
  const size_t colon = text.find_first_of(":[{", pos);
  if (colon == std::string::npos || text[colon] == '{') return;
  const size_t open = text.find_first_not_of(" \t\r\n:", colon);
  if (open == std::string::npos || text[open] != '[') return;
  auto skip_space = [&](size_t p) {
    while (p < text.size()) {
      if (text[p] == '#') {
        p = text.find('\n', p);
        if (p == std::string::npos) return text.size();
      } else if (!std::isspace(static_cast<unsigned char>(text[p]))) {
        return p;
      }
      ++p;
    }
    return p;
  };
  size_t p = skip_space(open + 1);
  for (int k = 0; k < skip && p < text.size(); ++k) {
    char quote = 0;
    int depth = 0;
    for (; p < text.size(); ++p) {
      const char c = text[p];
      if (quote) {
        if (c == '\\') ++p;
        else if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '{' || c == '<') {
        ++depth;
      } else if (c == '}' || c == '>') {
        --depth;
      } else if (c == ']' && depth == 0) {
        return;  // fewer elements than expected
      } else if (c == ',' && depth == 0) {
        break;
      }
    }
    p = skip_space(p + 1);
  }
  if (p >= text.size()) return;
  line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(p), '\n'));
  size_t bol = p;
  while (bol > 0 && text[bol - 1] != '\n') --bol;
  column = static_cast<int>(p - bol) + 1;
}

struct Cursor {
  const pb::Message* msg;
  const pb::TextFormat::ParseInfoTree* tree;
  size_t file;
};

}  // namespace

bool LoadedSpec::add_source(const std::string& name, const std::string& text, Diags& diags) {
  SourceFile src;
  src.name = name;
  src.text = text;
  src.spec = std::make_unique<hmx::spec::Spec>();
  src.tree = std::make_unique<pb::TextFormat::ParseInfoTree>();
  Collector collector(name, diags);
  pb::TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  parser.WriteLocationsTo(src.tree.get());
  const size_t before = diags.size();
  bool ok = parser.ParseFromString(text, src.spec.get());
  if (ok && diags.size() == before) {
    merged_.MergeFrom(*src.spec);
    files_.push_back(std::move(src));
    return true;
  }
  if (diags.size() == before) diags.push_back({name, 0, 0, "", "cannot parse", false});
  return false;
}

bool LoadedSpec::add_file(const std::string& path, Diags& diags) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags.push_back({path, 0, 0, "", "cannot open file", false});
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return add_source(path, ss.str(), diags);
}

Location LoadedSpec::locate(const FieldPath& path) const {
  Location best;
  std::vector<Cursor> cursors;
  for (size_t i = 0; i < files_.size(); ++i)
    cursors.push_back({files_[i].spec.get(), files_[i].tree.get(), i});
  if (!files_.empty()) best.file = files_.front().name;

  auto record = [&](size_t file, const pb::TextFormat::ParseLocation& loc) {
    if (loc.line < 0) return;
    best.file = files_[file].name;
    best.line = loc.line + 1;
    best.column = loc.column + 1;
  };

  for (const auto& step : path.steps()) {
    if (cursors.empty()) break;
    const pb::Descriptor* desc = cursors.front().msg->GetDescriptor();
    const pb::FieldDescriptor* fd = desc->FindFieldByName(step.field);
    if (fd == nullptr) break;
    const bool is_msg = fd->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE;
    std::vector<Cursor> next;
    if (fd->is_repeated()) {
      // Repeated fields concatenate across files: element i lives in exactly one file.
      int idx = step.index;
      for (const auto& c : cursors) {
        const pb::Reflection* r = c.msg->GetReflection();
        const int n = r->FieldSize(*c.msg, fd);
        if (idx < n) {
          if (c.tree != nullptr) {
            auto loc = c.tree->GetLocation(fd, idx);
            int k = idx;
            while (loc.line < 0 && k > 0) loc = c.tree->GetLocation(fd, --k);
            record(c.file, loc);
            if (loc.line >= 0 && k < idx && !is_msg)
              refine_list_element(files_[c.file].text, idx - k, best.line, best.column);
          }
          if (is_msg)
            next.push_back({&r->GetRepeatedMessage(*c.msg, fd, idx),
                            c.tree ? c.tree->GetTreeForNested(fd, idx) : nullptr, c.file});
          break;
        }
        idx -= n;
      }
    } else {
      // Singular fields: a later file overrides an earlier one, so the last occurrence wins;
      // nested messages keep every file that wrote them.
      for (const auto& c : cursors) {
        const pb::Reflection* r = c.msg->GetReflection();
        if (c.tree != nullptr) record(c.file, c.tree->GetLocation(fd, -1));
        if (is_msg && r->HasField(*c.msg, fd))
          next.push_back({&r->GetMessage(*c.msg, fd),
                          c.tree ? c.tree->GetTreeForNested(fd, -1) : nullptr, c.file});
      }
    }
    cursors = std::move(next);
  }
  return best;
}

Diag LoadedSpec::error(const FieldPath& path, std::string message) const {
  Location loc = locate(path);
  return Diag{loc.file, loc.line, loc.column, path.str(), std::move(message), false};
}

bool LoadedSpec::written_in_hex(const FieldPath& path) const {
  const Location loc = locate(path);
  if (loc.line == 0 || path.steps().empty()) return false;
  const std::string& leaf = path.steps().back().field;
  for (const auto& f : files_) {
    if (f.name != loc.file) continue;
    // Find the line, then the literal after "<leaf>:" at the recorded column.
    size_t pos = 0;
    for (int l = 1; l < loc.line && pos != std::string::npos; ++l) {
      pos = f.text.find('\n', pos);
      if (pos != std::string::npos) ++pos;
    }
    if (pos == std::string::npos) return false;
    pos += static_cast<size_t>(loc.column - 1);
    if (f.text.compare(pos, leaf.size(), leaf) != 0) return false;
    pos += leaf.size();
    while (pos < f.text.size() && (f.text[pos] == ' ' || f.text[pos] == ':' || f.text[pos] == '\t'))
      ++pos;
    return pos + 1 < f.text.size() && f.text[pos] == '0' &&
           (f.text[pos + 1] == 'x' || f.text[pos + 1] == 'X');
  }
  return false;
}

bool load_files(const std::vector<std::string>& paths, LoadedSpec& out, Diags& diags) {
  bool ok = true;
  for (const auto& p : paths) ok = out.add_file(p, diags) && ok;
  return ok;
}

}  // namespace hmx::specgen
