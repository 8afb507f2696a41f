// Reader for the container vector files in tests/vectors/files/ (format: tests/vectors/README.md).
//
// BoringSSL FileTest style: paragraphs of `ATTR = value` lines, `#` comments. Parsing fails on an
// unknown attribute, a duplicated one or a line that is not `ATTR = value`; ForEachVector fails a
// record whose attributes were not all consumed by the test body, so a new attribute can never be
// silently ignored.
#ifndef MSCRYPT_TESTS_CC_VECTOR_FILE_H_
#define MSCRYPT_TESTS_CC_VECTOR_FILE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace mscrypt::testing {

class VectorRecord {
 public:
  VectorRecord(std::string source, int line) : source_(std::move(source)), line_(line) {}

  const std::string& source() const { return source_; }
  int line() const { return line_; }
  bool Has(const std::string& attr) const { return attrs_.count(attr) != 0; }
  // Get / GetBytes mark the attribute consumed; a missing attribute is a test failure.
  std::string Get(const std::string& attr);
  std::vector<uint8_t> GetBytes(const std::string& attr);
  int64_t GetInt(const std::string& attr);
  std::vector<std::string> Unconsumed() const;
  std::string Where() const { return source_ + ":" + std::to_string(line_); }

  // Set is for the parser.
  bool Set(const std::string& attr, const std::string& value);

 private:
  std::string source_;
  int line_;
  std::map<std::string, std::string> attrs_;
  std::set<std::string> consumed_;
};

// ParseVectors parses `text`; on error returns false and sets *error ("<source>:<line>: ...").
bool ParseVectors(const std::string& text, const std::string& source, std::vector<VectorRecord>* out,
                  std::string* error);

// ForEachVector reads `path`, runs `body` on every record inside a SCOPED_TRACE naming it, and
// fails any record that leaves an attribute unconsumed. Returns the number of records run.
size_t ForEachVector(const std::string& path, const std::function<void(VectorRecord&)>& body);

}  // namespace mscrypt::testing

#endif  // MSCRYPT_TESTS_CC_VECTOR_FILE_H_
