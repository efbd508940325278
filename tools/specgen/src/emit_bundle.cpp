// SPDX-License-Identifier: Apache-2.0
#include "emit_bundle.h"

#include <nlohmann/json.hpp>

namespace hmx::specgen {

namespace {

namespace pb = google::protobuf;
using json = nlohmann::ordered_json;

json message_json(const pb::Message& m);

// One value of field `f` (element `index` of a repeated field, -1 for a singular one).
json value_json(const pb::Message& m, const pb::FieldDescriptor* f, int index) {
  const pb::Reflection* r = m.GetReflection();
  const bool rep = index >= 0;
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
      return rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f);
    case pb::FieldDescriptor::CPPTYPE_INT64:
      return rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f);
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      return rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f);
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      return rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f);
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      return rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f);
    case pb::FieldDescriptor::CPPTYPE_FLOAT:
      return rep ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f);
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      return rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f);
    case pb::FieldDescriptor::CPPTYPE_ENUM:
      return (rep ? r->GetRepeatedEnum(m, f, index) : r->GetEnum(m, f))->name();
    case pb::FieldDescriptor::CPPTYPE_STRING:
      return rep ? r->GetRepeatedString(m, f, index) : r->GetString(m, f);
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      return message_json(rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f));
  }
  return nullptr;
}

json message_json(const pb::Message& m) {
  json out = json::object();
  const pb::Descriptor* d = m.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* f = d->field(i);
    if (f->is_repeated()) {
      json list = json::array();
      const int n = m.GetReflection()->FieldSize(m, f);
      for (int k = 0; k < n; ++k) list.push_back(value_json(m, f, k));
      out[f->name()] = std::move(list);
    } else {
      out[f->name()] = value_json(m, f, -1);
    }
  }
  return out;
}

}  // namespace

std::string emit_bundle(const hmx::spec::Spec& spec) {
  json root;
  root["format"] = kBundleFormat;
  root["spec"] = message_json(spec);
  return root.dump(1) + "\n";
}

}  // namespace hmx::specgen
