#include "vector_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "test_util.h"

namespace mscrypt::testing {
namespace {

const std::set<std::string>& KnownAttributes() {
  static const std::set<std::string> kKnown = {"NAME", "MODE", "FORMAT", "KEY", "IV", "PT", "CT",
                                               "RESULT", "BLOCK_INDEX", "BYTE_OFFSET",
                                               "PASSPHRASE", "LOG_N", "R", "P", "SALT", "NONCE", "ENVELOPE",
                                               "FILE", "ROLE", "SEAL"};
  return kKnown;
}

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

}  // namespace

std::string VectorRecord::Get(const std::string& attr) {
  auto it = attrs_.find(attr);
  if (it == attrs_.end()) {
    ADD_FAILURE() << Where() << ": missing attribute " << attr;
    return "";
  }
  consumed_.insert(attr);
  return it->second;
}

std::vector<uint8_t> VectorRecord::GetBytes(const std::string& attr) {
  const std::string v = Get(attr);
  try {
    return FromHex(v);
  } catch (const std::exception& e) {
    ADD_FAILURE() << Where() << ": attribute " << attr << " is not hex: " << e.what();
    return {};
  }
}

int64_t VectorRecord::GetInt(const std::string& attr) {
  const std::string v = Get(attr);
  try {
    size_t used = 0;
    const long long n = std::stoll(v, &used);
    if (used == v.size()) return n;
  } catch (const std::exception&) {
  }
  ADD_FAILURE() << Where() << ": attribute " << attr << " is not an integer: " << v;
  return -1;
}

std::vector<std::string> VectorRecord::Unconsumed() const {
  std::vector<std::string> out;
  for (const auto& kv : attrs_) {
    if (consumed_.count(kv.first) == 0) out.push_back(kv.first);
  }
  return out;
}

bool VectorRecord::Set(const std::string& attr, const std::string& value) {
  return attrs_.emplace(attr, value).second;
}

bool ParseVectors(const std::string& text, const std::string& source, std::vector<VectorRecord>* out,
                  std::string* error) {
  std::istringstream in(text);
  std::string line;
  int lineno = 0;
  bool open = false;
  while (std::getline(in, line)) {
    ++lineno;
    const std::string t = Trim(line);
    if (!t.empty() && t[0] == '#') continue;
    if (t.empty()) {
      open = false;
      continue;
    }
    const size_t eq = t.find('=');
    if (eq == std::string::npos) {
      *error = source + ":" + std::to_string(lineno) + ": expected 'ATTR = value', got '" + t + "'";
      return false;
    }
    const std::string attr = Trim(t.substr(0, eq));
    const std::string value = Trim(t.substr(eq + 1));
    if (KnownAttributes().count(attr) == 0) {
      *error = source + ":" + std::to_string(lineno) + ": unknown attribute '" + attr + "'";
      return false;
    }
    if (!open) {
      out->emplace_back(source, lineno);
      open = true;
    }
    if (!out->back().Set(attr, value)) {
      *error = source + ":" + std::to_string(lineno) + ": duplicate attribute '" + attr + "'";
      return false;
    }
  }
  return true;
}

size_t ForEachVector(const std::string& path, const std::function<void(VectorRecord&)>& body) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    ADD_FAILURE() << "cannot open vector file " << path;
    return 0;
  }
  std::stringstream ss;
  ss << f.rdbuf();
  std::vector<VectorRecord> records;
  std::string error;
  if (!ParseVectors(ss.str(), path, &records, &error)) {
    ADD_FAILURE() << error;
    return 0;
  }
  for (VectorRecord& r : records) {
    SCOPED_TRACE(r.Where() + (r.Has("NAME") ? " " + r.Get("NAME") : std::string()));
    body(r);
    for (const std::string& attr : r.Unconsumed()) {
      ADD_FAILURE() << r.Where() << ": attribute " << attr << " was not consumed by the test";
    }
  }
  return records.size();
}

}  // namespace mscrypt::testing
