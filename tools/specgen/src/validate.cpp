// SPDX-License-Identifier: Apache-2.0
#include "validate.h"

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "layout.h"
#include "naming.h"

namespace hmx::specgen {

namespace {

using hmx::spec::Spec;

const FieldPath kRoot;

// Reports the second and later occurrences of a key, naming the first one's location.
template <typename Key>
class Unique {
 public:
  Unique(const LoadedSpec& spec, Diags& diags, std::string what)
      : spec_(spec), diags_(diags), what_(std::move(what)) {}
  void add(const Key& key, const std::string& shown, const FieldPath& at) {
    auto [it, fresh] = seen_.emplace(key, at);
    if (fresh) return;
    const Location first = spec_.locate(it->second);
    diags_.push_back(spec_.error(at, "duplicate " + what_ + " " + shown + " (first at " +
                                         first.file + ":" + std::to_string(first.line) + ")"));
  }

 private:
  const LoadedSpec& spec_;
  Diags& diags_;
  std::string what_;
  std::map<Key, FieldPath> seen_;
};

class Validator {
 public:
  Validator(const LoadedSpec& spec, Diags& diags) : spec_(spec), s_(spec.merged()), d_(diags) {}

  void run() {
    version();
    constants();
    errors();
    structs();
    mechanisms();
    features();
    operations();
    cpuid();
    msrs();
    smccc();
    requirements();
    transport();
  }

 private:
  void err(const FieldPath& p, const std::string& msg) { d_.push_back(spec_.error(p, msg)); }

  void name(const FieldPath& p, const std::string& n) {
    if (!is_identifier(n))
      err(p.child("name"), "name '" + n + "' is not a C identifier ([A-Za-z_][A-Za-z0-9_]*)");
  }

  void one_of(const FieldPath& p, const std::string& v, std::initializer_list<const char*> allowed) {
    std::string list;
    for (const char* a : allowed) {
      if (v == a) return;
      list += std::string(list.empty() ? "" : ", ") + a;
    }
    err(p, "'" + v + "' is not one of " + list);
  }

  void version() {
    const FieldPath p = kRoot.child("version");
    if (s_.version().major() > 0xffff) err(p.child("major"), "major must fit 16 bits");
    if (s_.version().minor() > 0xffff) err(p.child("minor"), "minor must fit 16 bits");
  }

  // Constants are unique by name only: flags of different groups legitimately share values
  // (RING_EXISTS and REGISTER_FLAG_FAIL_EXIST are both 1).
  void constants() {
    Unique<std::string> names(spec_, d_, "constant name");
    for (int i = 0; i < s_.constants_size(); ++i) {
      const auto& c = s_.constants(i);
      const FieldPath p = kRoot.child("constants", i, c.name());
      name(p, c.name());
      names.add(c.name(), c.name(), p.child("name"));
      uint64_t max = ~0ull;
      if (c.type() == "u16")
        max = 0xffff;
      else if (c.type() == "u32")
        max = 0xffffffffull;
      else if (c.type() != "u64")
        err(p.child("type"), "type '" + c.type() + "' is not one of u16, u32, u64");
      if (c.value() > max) err(p.child("value"), "value " + hex(c.value()) + " does not fit " + c.type());
      if (!c.same_as().empty())
        err(p.child("same_as"), "same_as is for the transport's constants; HMX defines every value once here");
      constant_values_[c.name()] = c.value();
    }
  }

  // spec/transport.textproto: names, ids and ranges of the virtio-argo transport.
  void transport() {
    const auto& t = s_.transport();
    const FieldPath p = kRoot.child("transport");
    Unique<std::string> names(spec_, d_, "transport constant name");
    for (int i = 0; i < t.constants_size(); ++i) {
      const auto& c = t.constants(i);
      const FieldPath cp = p.child("constants", i, c.name());
      name(cp, c.name());
      names.add(c.name(), c.name(), cp.child("name"));
      uint64_t max = ~0ull;
      if (c.type() == "u8")
        max = 0xff;
      else if (c.type() == "u16")
        max = 0xffff;
      else if (c.type() == "u32")
        max = 0xffffffffull;
      else if (c.type() != "u64")
        err(cp.child("type"), "type '" + c.type() + "' is not one of u8, u16, u32, u64");
      uint64_t value = c.value();
      if (!c.same_as().empty()) {
        const auto it = constant_values_.find(c.same_as());
        if (it == constant_values_.end())
          err(cp.child("same_as"), "same_as names no constant of HMX: '" + c.same_as() + "'");
        else
          value = it->second;
        if (c.value() != 0) err(cp.child("value"), "a constant with same_as has no value of its own");
      }
      if (value > max) err(cp.child("value"), "value " + hex(value) + " does not fit " + c.type());
    }
    for (const char* field : {"messages", "bus_messages"}) {
      const auto& list = std::string(field) == "messages" ? t.messages() : t.bus_messages();
      Unique<std::string> msg_names(spec_, d_, std::string(field) == "messages" ? "message name" : "bus message name");
      Unique<uint32_t> ids(spec_, d_, std::string(field) == "messages" ? "message id" : "bus message id");
      for (int i = 0; i < list.size(); ++i) {
        const auto& m = list.Get(i);
        const FieldPath mp = p.child(field, i, m.name());
        name(mp, m.name());
        msg_names.add(m.name(), m.name(), mp.child("name"));
        ids.add(m.id(), hex(m.id()), mp.child("id"));
        one_of(mp.child("sender"), m.sender(), {"driver", "device"});
        one_of(mp.child("kind"), m.kind(), {"request", "event"});
        // virtio-msg's ranges: 0x00-0x3F requests with a response, 0x40-0x7F events; 0x80-0xBF
        // and 0xC0-0xFF the same kinds, left to buses and implementations.
        if (m.kind() == "request" && (m.id() > 0xff || (m.id() & 0x40) != 0))
          err(mp.child("id"), "a request's id lies in 0x00-0x3F or 0x80-0xBF, not " + hex(m.id()));
        if (m.kind() == "event" && (m.id() > 0xff || (m.id() & 0x40) == 0))
          err(mp.child("id"), "an event's id lies in 0x40-0x7F or 0xC0-0xFF, not " + hex(m.id()));
      }
    }
    Unique<std::string> err_names(spec_, d_, "transport error name");
    Unique<std::string> enumerators(spec_, d_, "transport error enumerator");
    std::set<uint32_t> hmx_values;
    for (const auto& e : s_.errors()) hmx_values.insert(e.value());
    for (int i = 0; i < t.errors_size(); ++i) {
      const auto& e = t.errors(i);
      const FieldPath ep = p.child("errors", i, e.name());
      name(ep, e.name());
      err_names.add(e.name(), e.name(), ep.child("name"));
      if (error_names_.count(e.name()) || hmx_values.count(e.value()))
        err(ep.child("name"), "the operations' error table (errors) already has " + e.name() +
                                  "; the transport lists only codes beyond it");
      if (e.value() == 0) err(ep.child("value"), "an error code must be positive");
      const std::string enumerator = error_enumerator(e);
      if (!is_identifier(enumerator))
        err(ep.child("name"), "the C++ enumerator '" + enumerator + "' is not an identifier; set `enumerator`");
      enumerators.add(enumerator, enumerator, ep.child("enumerator"));
    }
  }

  void errors() {
    Unique<std::string> names(spec_, d_, "error name");
    Unique<uint32_t> values(spec_, d_, "error value");
    Unique<std::string> enumerators(spec_, d_, "error enumerator");
    for (int i = 0; i < s_.errors_size(); ++i) {
      const auto& e = s_.errors(i);
      const FieldPath p = kRoot.child("errors", i, e.name());
      name(p, e.name());
      names.add(e.name(), e.name(), p.child("name"));
      values.add(e.value(), std::to_string(e.value()), p.child("value"));
      if (e.value() == 0) err(p.child("value"), "an error code must be positive");
      const std::string enumerator = error_enumerator(e);
      if (!is_identifier(enumerator))
        err(p.child(e.enumerator().empty() ? "name" : "enumerator"),
            "the C++ enumerator '" + enumerator + "' is not an identifier; set `enumerator`");
      enumerators.add(enumerator, enumerator, p.child(e.enumerator().empty() ? "name" : "enumerator"));
      error_names_.insert(e.name());
    }
  }

  void structs() {
    Unique<std::string> names(spec_, d_, "struct name");
    for (int i = 0; i < s_.structs_size(); ++i) {
      const auto& st = s_.structs(i);
      const FieldPath p = kRoot.child("structs", i, st.name());
      name(p, st.name());
      names.add(st.name(), st.name(), p.child("name"));
      Unique<std::string> fnames(spec_, d_, "field name");
      for (int f = 0; f < st.fields_size(); ++f) {
        const FieldPath fp = p.child("fields", f, st.fields(f).name());
        name(fp, st.fields(f).name());
        fnames.add(st.fields(f).name(), st.fields(f).name(), fp.child("name"));
      }
      std::vector<LayoutIssue> issues;
      const TypeLayout l = check_layout(st, layouts_, issues);
      for (const auto& is : issues) {
        if (is.field_index < 0)
          err(p.child(is.field), is.message);
        else
          err(p.child("fields", is.field_index, st.fields(is.field_index).name()).child(is.field),
              is.message);
      }
      layouts_.emplace(st.name(), l);  // first definition wins for later references
    }
  }

  void mechanisms() {
    Unique<std::string> names(spec_, d_, "mechanism name");
    Unique<uint32_t> ids(spec_, d_, "mechanism id");
    for (int i = 0; i < s_.mechanisms_size(); ++i) {
      const auto& m = s_.mechanisms(i);
      const FieldPath p = kRoot.child("mechanisms", i, m.name());
      name(p, m.name());
      names.add(m.name(), m.name(), p.child("name"));
      ids.add(m.id(), std::to_string(m.id()), p.child("id"));
      if (m.id() > 31) err(p.child("id"), "id " + std::to_string(m.id()) + " exceeds the 32-bit mechanism bitmap");
      one_of(p.child("arch"), m.arch(), {"x86_64", "aarch64", "any"});
      one_of(p.child("kind"), m.kind(), {"call", "notification"});
      mechanism_names_.insert(m.name());
    }
  }

  void features() {
    Unique<std::string> names(spec_, d_, "feature name");
    Unique<uint32_t> bits(spec_, d_, "feature bit");
    for (int i = 0; i < s_.features_size(); ++i) {
      const auto& f = s_.features(i);
      const FieldPath p = kRoot.child("features", i, f.name());
      name(p, f.name());
      names.add(f.name(), f.name(), p.child("name"));
      bits.add(f.bit(), std::to_string(f.bit()), p.child("bit"));
      if (f.bit() > 31) err(p.child("bit"), "bit " + std::to_string(f.bit()) + " exceeds the 32-bit feature bitmap");
    }
  }

  void arg_type(const FieldPath& p, const std::string& t) {
    if (t == "u32" || t == "u64" || t == "gpa:bytes") return;
    if (t.rfind("gpa:", 0) == 0) {
      std::string target = t.substr(4);
      if (target.size() > 2 && target.compare(target.size() - 2, 2, "[]") == 0)
        target.resize(target.size() - 2);
      if (find_scalar(target) != nullptr || layouts_.count(target) != 0) return;
      err(p, "argument type '" + t + "' names '" + target + "', which is neither a scalar nor a struct");
      return;
    }
    err(p, "argument type '" + t + "' is not u32, u64, gpa:<struct>, gpa:<struct>[] or gpa:bytes");
  }

  void operations() {
    Unique<std::string> names(spec_, d_, "operation name");
    Unique<uint32_t> numbers(spec_, d_, "operation number");
    for (int i = 0; i < s_.operations_size(); ++i) {
      const auto& o = s_.operations(i);
      const FieldPath p = kRoot.child("operations", i, o.name());
      name(p, o.name());
      names.add(o.name(), o.name(), p.child("name"));
      numbers.add(o.number(), std::to_string(o.number()), p.child("number"));
      if (o.args_size() > 4)
        err(p.child("args", 4), "at most 4 arguments (arg1..arg4 of the call block); found " +
                                    std::to_string(o.args_size()));
      for (int a = 0; a < o.args_size(); ++a)
        arg_type(p.child("args", a, o.args(a).name()).child("type"), o.args(a).type());
      for (int e = 0; e < o.errors_size(); ++e)
        if (!error_names_.count(o.errors(e)))
          err(p.child("errors", e), "error '" + o.errors(e) + "' is not defined in errors");
      for (int m = 0; m < o.mechanisms_size(); ++m)
        if (!mechanism_names_.count(o.mechanisms(m)))
          err(p.child("mechanisms", m), "mechanism '" + o.mechanisms(m) + "' is not defined in mechanisms");
    }
  }

  // Bit fields of a register of `bits` bits: inside it, non-empty, non-overlapping.
  template <typename Fields>
  void bitfields(const FieldPath& p, const Fields& fields, uint32_t bits) {
    Unique<std::string> names(spec_, d_, "bit field name");
    std::vector<std::pair<uint64_t, std::string>> used(bits, {0, {}});
    for (int f = 0; f < fields.size(); ++f) {
      const auto& bf = fields.Get(f);
      const FieldPath fp = p.child("fields", f, bf.name());
      name(fp, bf.name());
      names.add(bf.name(), bf.name(), fp.child("name"));
      if (bf.width() == 0) {
        err(fp.child("width"), "width must be at least 1");
        continue;
      }
      if (uint64_t{bf.lsb()} + bf.width() > bits) {
        err(fp.child("width"), "bits " + std::to_string(bf.lsb()) + ".." +
                                   std::to_string(bf.lsb() + bf.width() - 1) + " exceed the " +
                                   std::to_string(bits) + "-bit register");
        continue;
      }
      for (uint32_t b = bf.lsb(); b < bf.lsb() + bf.width(); ++b) {
        if (used[b].first) {
          err(fp.child("lsb"), "bit " + std::to_string(b) + " overlaps field " + used[b].second);
          break;
        }
      }
      for (uint32_t b = bf.lsb(); b < bf.lsb() + bf.width(); ++b)
        if (!used[b].first) used[b] = {1, bf.name()};
    }
  }

  void cpuid() {
    if (!s_.has_cpuid()) return;
    const auto& c = s_.cpuid();
    const FieldPath p = kRoot.child("cpuid");
    bool printable = c.signature().size() == 12;
    for (unsigned char ch : c.signature())
      if (ch < 0x20 || ch > 0x7e) printable = false;
    if (!printable)
      err(p.child("signature"), "signature '" + c.signature() +
                                    "' must be exactly 12 printable ASCII bytes (EBX:ECX:EDX)");
    if (c.scan_step() == 0) {
      err(p.child("scan_step"), "scan_step must not be 0");
    } else {
      if (c.scan_first() > c.scan_last()) err(p.child("scan_last"), "scan_last is below scan_first");
      if (c.default_base() < c.scan_first() || c.default_base() > c.scan_last() ||
          (c.default_base() - c.scan_first()) % c.scan_step() != 0)
        err(p.child("default_base"), "default_base " + hex(c.default_base()) +
                                         " is not a base the scan visits (scan_first + k * scan_step)");
    }
    Unique<std::string> names(spec_, d_, "leaf name");
    Unique<uint32_t> offsets(spec_, d_, "leaf offset");
    for (int i = 0; i < c.leaves_size(); ++i) {
      const auto& l = c.leaves(i);
      const FieldPath lp = p.child("leaves", i, l.name());
      name(lp, l.name());
      names.add(l.name(), l.name(), lp.child("name"));
      offsets.add(l.offset(), std::to_string(l.offset()), lp.child("offset"));
      if (c.scan_step() != 0 && l.offset() >= c.scan_step())
        err(lp.child("offset"), "offset " + std::to_string(l.offset()) +
                                    " lies outside the block (scan_step " +
                                    std::to_string(c.scan_step()) + ")");
      Unique<std::string> regs(spec_, d_, "register");
      for (int r = 0; r < l.registers_size(); ++r) {
        const auto& reg = l.registers(r);
        const FieldPath rp = lp.child("registers", r, reg.register_());
        one_of(rp.child("register"), reg.register_(), {"eax", "ebx", "ecx", "edx"});
        regs.add(reg.register_(), reg.register_(), rp.child("register"));
        bitfields(rp, reg.fields(), 32);
      }
    }
  }

  void msrs() {
    if (!s_.has_msrs()) return;
    const auto& m = s_.msrs();
    const FieldPath p = kRoot.child("msrs");
    if (m.count() == 0) err(p.child("count"), "count must not be 0");
    if (m.alignment() == 0 || (m.alignment() & (m.alignment() - 1)) != 0)
      err(p.child("alignment"), "alignment " + std::to_string(m.alignment()) + " is not a power of two");
    else if (m.default_base() % m.alignment() != 0)
      err(p.child("default_base"), "default_base " + hex(m.default_base()) +
                                       " is not a multiple of the alignment " +
                                       std::to_string(m.alignment()));
    Unique<std::string> names(spec_, d_, "MSR name");
    Unique<uint32_t> offsets(spec_, d_, "MSR offset");
    for (int i = 0; i < m.msrs_size(); ++i) {
      const auto& r = m.msrs(i);
      const FieldPath rp = p.child("msrs", i, r.name());
      name(rp, r.name());
      names.add(r.name(), r.name(), rp.child("name"));
      offsets.add(r.offset(), std::to_string(r.offset()), rp.child("offset"));
      if (r.offset() >= m.count())
        err(rp.child("offset"), "offset " + std::to_string(r.offset()) +
                                    " is outside the block (count " + std::to_string(m.count()) + ")");
      one_of(rp.child("access"), r.access(), {"RO", "WO", "RW"});
      one_of(rp.child("scope"), r.scope(), {"vcpu", "domain"});
      bitfields(rp, r.fields(), 64);
    }
  }

  void smccc() {
    if (!s_.has_smccc()) return;
    const auto& sv = s_.smccc();
    const FieldPath p = kRoot.child("smccc");
    if (sv.owner() > 63) err(p.child("owner"), "owner (OEN) must fit 6 bits");
    if (auto u = parse_uuid(sv.uid())) {
      if (smccc_uid_words(*u)[0] == 0xffffffffu)
        err(p.child("uid"), "UID word W0 is 0xFFFFFFFF, which callers read as NOT_SUPPORTED");
    } else {
      err(p.child("uid"), "uid '" + sv.uid() + "' is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
    }
    Unique<std::string> names(spec_, d_, "SMCCC function name");
    Unique<std::tuple<uint32_t, bool, uint32_t>> numbers(spec_, d_, "SMCCC function number");
    for (int i = 0; i < sv.functions_size(); ++i) {
      const auto& f = sv.functions(i);
      const FieldPath fp = p.child("functions", i, f.name());
      name(fp, f.name());
      names.add(f.name(), f.name(), fp.child("name"));
      const uint32_t owner = f.owner() != 0 ? f.owner() : sv.owner();
      numbers.add({owner, f.smc64(), f.number()}, hex(f.number()), fp.child("number"));
      if (f.number() > 0xffff) err(fp.child("number"), "function number must fit 16 bits");
      if (f.owner() > 63) err(fp.child("owner"), "owner (OEN) must fit 6 bits");
    }
  }

  void requirements() {
    Unique<std::string> ids(spec_, d_, "requirement id");
    for (int i = 0; i < s_.requirements_size(); ++i) {
      const auto& r = s_.requirements(i);
      const FieldPath p = kRoot.child("requirements", i, r.id());
      if (!is_requirement_id(r.id()))
        err(p.child("id"), "id '" + r.id() + "' does not match HMX-<AREA>-<NNN> (^HMX-[A-Z]+-[0-9]{3}$)");
      ids.add(r.id(), r.id(), p.child("id"));
      if (r.level() == hmx::spec::LEVEL_UNSPECIFIED) err(p.child("level"), "level must be set");
      if (r.target() == hmx::spec::TARGET_UNSPECIFIED) err(p.child("target"), "target must be set");
      if (r.text().empty()) err(p.child("text"), "text must be set");
      // The generated prose states the text as it is (prose.h): plain words on one line, its
      // level keyword in capitals (RFC 2119), no cross reference.
      if (r.level() != hmx::spec::LEVEL_UNSPECIFIED) {
        std::string keyword = hmx::spec::Level_Name(r.level());
        std::replace(keyword.begin(), keyword.end(), '_', ' ');
        if (r.text().find(keyword) == std::string::npos)
          err(p.child("text"), "level " + hmx::spec::Level_Name(r.level()) + ", but the text does not say '" +
                                   keyword + "'");
      }
      if (r.text().find("<<") != std::string::npos)
        err(p.child("text"), "the text holds a cross reference ('<<'); keep requirement text plain");
      if (r.text().find('\n') != std::string::npos) err(p.child("text"), "the text is one line");
      // One requirement, one checkable condition (issue 13 defect 4): a second level keyword
      // means a second obligation that a test could pass or fail on its own.
      if (const int n = level_keyword_count(r.text()); n > 1)
        err(p.child("text"), "the text holds " + std::to_string(n) +
                                 " level keywords (MUST, SHOULD, MAY); a requirement states one "
                                 "condition: split it into one requirement per keyword");
    }
    for (int i = 0; i < s_.deprecated_requirements_size(); ++i) {
      const auto& r = s_.deprecated_requirements(i);
      const FieldPath p = kRoot.child("deprecated_requirements", i, r.id());
      if (!is_requirement_id(r.id()))
        err(p.child("id"), "id '" + r.id() + "' does not match HMX-<AREA>-<NNN> (^HMX-[A-Z]+-[0-9]{3}$)");
      ids.add(r.id(), r.id(), p.child("id"));  // never reused: a live id must not repeat it
      if (r.since().empty()) err(p.child("since"), "since must name the version that retired it");
      if (r.text().empty()) err(p.child("text"), "text must keep the retired statement");
      for (int k = 0; k < r.replaced_by_size(); ++k) {
        const std::string& next = r.replaced_by(k);
        bool live = false;
        for (const auto& q : s_.requirements()) live = live || q.id() == next;
        if (!live) err(p.child("replaced_by", k), "replaced_by names '" + next + "', which is no live requirement");
      }
    }
  }

  const LoadedSpec& spec_;
  const Spec& s_;
  Diags& d_;
  std::map<std::string, TypeLayout> layouts_;
  std::set<std::string> error_names_, mechanism_names_;
  std::map<std::string, uint64_t> constant_values_;
};

}  // namespace

int level_keyword_count(const std::string& text) {
  static const std::regex re("\\b(MUST|SHOULD|MAY)\\b");
  return static_cast<int>(std::distance(std::sregex_iterator(text.begin(), text.end(), re),
                                        std::sregex_iterator()));
}

bool is_requirement_id(const std::string& id) {
  static const std::regex re("^HMX-[A-Z]+-[0-9]{3}$");
  return std::regex_match(id, re);
}

void validate(const LoadedSpec& spec, Diags& diags) { Validator(spec, diags).run(); }

}  // namespace hmx::specgen
