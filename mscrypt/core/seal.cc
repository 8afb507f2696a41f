// Seals (docs/format.md §11): writing the sidecar with a file (the pending-seal protocol of
// docs/format.md §11.4), sealing existing files, and checking files against their seal.
#include "mscrypt/seal.h"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/read_engine.h"
#include "core/seal_internal.h"
#include "internal/crypto/primitives.h"
#include "internal/format/layout.h"
#include "internal/io/file.h"
#include "internal/parallel/parallel_for.h"

namespace mscrypt {
namespace {

using internal::InputFile;

// Layout (docs/format.md §11.1).
constexpr uint8_t kMagic[6] = {'M', 'S', 'S', 'E', 'A', 'L'};
constexpr uint8_t kVersion = 1;
constexpr char kKeyInfo[] = "mscrypt seal v1";
constexpr size_t kHeaderSize = 12;
constexpr size_t kMemberFixedSize = 1 + 1 + 2 + 8 + 4;  // role, reserved, name length, plaintext size, count
constexpr size_t kEntrySize = 4 + 16 + 32;             // block length, IV, digest
constexpr size_t kMacSize = 32;
constexpr uint64_t kMaxSealSize = uint64_t{64} << 20;
constexpr size_t kMaxMembers = 1024;
constexpr size_t kMaxName = 4096;
constexpr size_t kHashChunk = size_t{1} << 20;

struct SealedBlock {
  std::array<uint8_t, kEntrySize> entry;  // length (big-endian), IV, digest: compared as a whole
};

struct Member {
  std::string name;
  SealRole role = SealRole::kOther;
  uint64_t plaintext_size = 0;
  std::vector<SealedBlock> blocks;
};

struct Seal {
  Mode mode = Mode::kAesGcm;
  std::vector<Member> members;
};

uint8_t ModeCode(Mode mode) {
  switch (mode) {
    case Mode::kAesGcm: return 1;
    case Mode::kAesCbc: return 2;
    case Mode::kSm4Cbc: return 3;
  }
  return 0;
}

std::optional<Mode> ModeOfCode(uint8_t code) {
  for (Mode m : {Mode::kAesGcm, Mode::kAesCbc, Mode::kSm4Cbc}) {
    if (ModeCode(m) == code) return m;
  }
  return std::nullopt;
}

const char* RoleName(SealRole role) {
  switch (role) {
    case SealRole::kCheckpoint: return "a checkpoint";
    case SealRole::kMindIR: return "a MindIR model";
    case SealRole::kWeightFile: return "a MindIR weight file";
    case SealRole::kOther: break;
  }
  return "a file of no particular kind";
}

void PutBe(uint8_t* p, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i, v >>= 8) p[i] = static_cast<uint8_t>(v);
}
uint64_t GetBe(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  return v;
}

Status SealError(const std::string& message) { return Status(StatusCode::kSealMismatch, message); }

Status DeriveSealKey(const SecretBytes& key, uint8_t out[32]) {
  return internal::HkdfSha256(ByteView(key.UnsafeBytes(), key.size()),
                              ByteView(kKeyInfo, sizeof(kKeyInfo) - 1), out, 32);
}

// ScanBlocks: each block's length, IV and digest (the GCM tag, or the SHA-256 of the CBC
// ciphertext). GCM reads headers only; CBC blocks are hashed in parallel, one block per job.
StatusOr<std::vector<SealedBlock>> ScanBlocks(const InputFile& file, Mode mode, int threads) {
  std::vector<SealedBlock> out;
  std::vector<std::pair<uint64_t, size_t>> bodies;  // CBC: ciphertext offset and length per block
  const bool gcm = SpecOf(mode)->authenticated;
  uint8_t header[internal::kMaxHeaderSize];
  for (uint64_t offset = 0, index = 0; offset < file.size(); ++index) {
    const size_t available = static_cast<size_t>(std::min<uint64_t>(sizeof(header), file.size() - offset));
    MSCRYPT_RETURN_IF_ERROR(file.ReadAt(offset, MutableByteView(header, available)));
    internal::BlockFrame frame;
    MSCRYPT_RETURN_IF_ERROR(internal::ParseBlockFrame(header, available, file.size() - offset, mode, Format::kCurrent,
                                                      index, offset, &frame));
    SealedBlock b{};
    PutBe(b.entry.data(), frame.total_size(), 4);
    std::memcpy(b.entry.data() + 4, header + frame.iv_offset, internal::kIvSize);
    if (gcm) std::memcpy(b.entry.data() + 20, header + *frame.tag_offset, internal::kTagSize);
    out.push_back(b);
    bodies.emplace_back(offset + frame.header_size, frame.cipher_len);
    offset += frame.total_size();
  }
  if (gcm || out.empty()) return out;
  const int workers = std::min<int>(internal::ResolveThreads(threads), static_cast<int>(out.size()));
  std::vector<std::unique_ptr<uint8_t[]>> chunks(static_cast<size_t>(workers));
  MSCRYPT_RETURN_IF_ERROR(internal::ParallelFor(out.size(), workers, [&](size_t i, int worker) -> Status {
    std::unique_ptr<uint8_t[]>& chunk = chunks[static_cast<size_t>(worker)];
    if (!chunk) chunk.reset(new uint8_t[kHashChunk]);
    internal::Sha256 sha;
    for (size_t done = 0; done < bodies[i].second;) {
      const size_t n = std::min(kHashChunk, bodies[i].second - done);
      MSCRYPT_RETURN_IF_ERROR(file.ReadAt(bodies[i].first + done, MutableByteView(chunk.get(), n)));
      MSCRYPT_RETURN_IF_ERROR(sha.Update(ByteView(chunk.get(), n)));
      done += n;
    }
    return sha.Finish(out[i].entry.data() + 20);
  }));
  return out;
}

StatusOr<Member> DescribeFile(const InputFile& file, const std::string& name, SealRole role, const SecretBytes& key,
                              Mode mode, int threads) {
  Member m;
  m.name = name;
  m.role = role;
  MSCRYPT_ASSIGN_OR_RETURN(m.blocks, ScanBlocks(file, mode, threads));
  // Writers never repeat an IV: a repeated block means the file was assembled from copies.
  std::map<std::array<uint8_t, kEntrySize>, size_t> seen;
  for (size_t i = 0; i < m.blocks.size(); ++i) {
    const auto [it, fresh] = seen.emplace(m.blocks[i].entry, i);
    if (!fresh) {
      return Status(StatusCode::kMalformed, "block " + std::to_string(i) + " of '" + name + "' repeats block " +
                                                std::to_string(it->second) + " (same IV and tag): the file was altered; not sealed")
          .WithHint(kHintDamaged);
    }
  }
  core::FileSource src(file);
  MSCRYPT_ASSIGN_OR_RETURN(core::Plan plan, core::MakePlan(src, mode, Format::kCurrent, &key));
  m.plaintext_size = plan.plaintext_size;
  return m;
}

StatusOr<Buffer> Encode(const Seal& seal, const SecretBytes& key) {
  size_t size = kHeaderSize + kMacSize;
  for (const Member& m : seal.members) size += kMemberFixedSize + m.name.size() + m.blocks.size() * kEntrySize;
  MSCRYPT_ASSIGN_OR_RETURN(Buffer out, Buffer::Allocate(size));
  uint8_t* p = out.data();
  std::memset(p, 0, size);
  std::memcpy(p, kMagic, sizeof(kMagic));
  p[6] = kVersion;
  p[7] = ModeCode(seal.mode);
  PutBe(p + 8, seal.members.size(), 2);
  p += kHeaderSize;
  for (const Member& m : seal.members) {
    p[0] = static_cast<uint8_t>(m.role);
    PutBe(p + 2, m.name.size(), 2);
    std::memcpy(p + 4, m.name.data(), m.name.size());
    p += 4 + m.name.size();
    PutBe(p, m.plaintext_size, 8);
    PutBe(p + 8, m.blocks.size(), 4);
    p += 12;
    for (const SealedBlock& b : m.blocks) {
      std::memcpy(p, b.entry.data(), kEntrySize);
      p += kEntrySize;
    }
  }
  uint8_t mac_key[32];
  Status s = DeriveSealKey(key, mac_key);
  if (s.ok()) s = internal::HmacSha256(ByteView(mac_key, 32), ByteView(out.data(), size - kMacSize), p);
  Wipe(mac_key, sizeof(mac_key));
  if (!s.ok()) return s;
  return out;
}

// Decode checks magic, version and the HMAC, then parses (with every count bounded by the bytes
// present, so a malformed seal cannot cause a large allocation).
StatusOr<Seal> Decode(ByteView bytes, const SecretBytes& key, const std::string& what) {
  if (bytes.size < sizeof(kMagic) || std::memcmp(bytes.data, kMagic, sizeof(kMagic)) != 0) {
    return SealError(what + " is not a seal (no MSSEAL magic)");
  }
  if (bytes.size < 7 || bytes.data[6] != kVersion) {
    return Status(StatusCode::kUnsupported, what + " is seal version " +
                                                std::to_string(bytes.size < 7 ? 0 : bytes.data[6]) +
                                                "; this mscrypt reads version 1");
  }
  if (bytes.size < kHeaderSize + kMacSize) return SealError(what + " is truncated").WithHint(kHintDamaged);
  uint8_t mac_key[32], mac[32];
  Status s = DeriveSealKey(key, mac_key);
  if (s.ok()) s = internal::HmacSha256(ByteView(mac_key, 32), ByteView(bytes.data, bytes.size - kMacSize), mac);
  Wipe(mac_key, sizeof(mac_key));
  MSCRYPT_RETURN_IF_ERROR(s);
  if (!internal::ConstantTimeEqual(mac, bytes.data + bytes.size - kMacSize, kMacSize)) {
    return SealError(what + " does not authenticate under this key: it was altered, or it was made with another key")
        .WithHint(kHintDamaged);
  }
  // Authentic: what follows was written by a sealer, but is still parsed defensively.
  Seal seal;
  const std::optional<Mode> mode = ModeOfCode(bytes.data[7]);
  if (!mode) return SealError(what + " names an unknown mode");
  seal.mode = *mode;
  const size_t members = static_cast<size_t>(GetBe(bytes.data + 8, 2));
  const uint8_t* p = bytes.data + kHeaderSize;
  const uint8_t* end = bytes.data + bytes.size - kMacSize;
  if (members == 0 || members > kMaxMembers) return SealError(what + " lists no files");
  for (size_t i = 0; i < members; ++i) {
    if (end - p < 4) return SealError(what + " is malformed");
    Member m;
    m.role = static_cast<SealRole>(p[0]);
    const size_t name_len = static_cast<size_t>(GetBe(p + 2, 2));
    if (static_cast<size_t>(end - p) < 4 + name_len + 12) return SealError(what + " is malformed");
    m.name.assign(reinterpret_cast<const char*>(p + 4), name_len);
    p += 4 + name_len;
    m.plaintext_size = GetBe(p, 8);
    const uint64_t count = GetBe(p + 8, 4);
    p += 12;
    if (count > static_cast<uint64_t>(end - p) / kEntrySize) return SealError(what + " is malformed");
    m.blocks.resize(static_cast<size_t>(count));
    for (SealedBlock& b : m.blocks) {
      std::memcpy(b.entry.data(), p, kEntrySize);
      p += kEntrySize;
    }
    seal.members.push_back(std::move(m));
  }
  if (p != end) return SealError(what + " is malformed");
  return seal;
}

// Compare names the first difference between the blocks a file has and those its seal lists.
Status Compare(const std::vector<SealedBlock>& sealed, const std::vector<SealedBlock>& actual, const std::string& file) {
  std::map<std::array<uint8_t, kEntrySize>, size_t> index;
  for (size_t j = 0; j < sealed.size(); ++j) index.emplace(sealed[j].entry, j);
  size_t matched = 0;
  for (const SealedBlock& b : actual) matched += index.count(b.entry);
  if (!actual.empty() && matched == 0) {
    return SealError("the seal belongs to another file: none of the " + std::to_string(actual.size()) + " blocks of " +
                     file + " is one it lists");
  }
  std::vector<bool> used(sealed.size(), false);
  size_t expected = 0;
  uint64_t offset = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    const auto it = index.find(actual[i].entry);
    const std::string at = "block " + std::to_string(i) + " of " + file;
    Status s;
    if (it == index.end()) {
      s = i >= sealed.size()
              ? SealError(at + " is an extra block: the seal lists " + std::to_string(sealed.size()) + " blocks")
              : SealError(at + " is not one of the sealed blocks: spliced in from another file under the same key?");
    } else if (used[it->second]) {
      s = SealError(at + " duplicates block " + std::to_string(it->second));
    } else if (it->second < expected) {
      s = SealError(at + " is out of order: it is the seal's block " + std::to_string(it->second));
    } else if (it->second > expected) {
      // Skipped ahead: reordered if the expected block comes later, else missing.
      bool later = false;
      for (size_t k = i + 1; k < actual.size() && !later; ++k) later = actual[k].entry == sealed[expected].entry;
      s = later ? SealError(at + " is out of order: it is the seal's block " + std::to_string(it->second))
                : SealError("block " + std::to_string(expected) + " of " + file + " is missing: the file's block " +
                            std::to_string(i) + " is the seal's block " + std::to_string(it->second));
    }
    if (!s.ok()) return s.WithPosition(static_cast<int64_t>(i), static_cast<int64_t>(offset));
    used[it->second] = true;
    expected = it->second + 1;
    offset += GetBe(actual[i].entry.data(), 4);
  }
  if (actual.size() < sealed.size()) {
    return SealError(file + " is truncated at a block boundary: it ends after " + std::to_string(actual.size()) +
                     " of the " + std::to_string(sealed.size()) + " blocks the seal lists")
        .WithHint(kHintIncomplete)
        .WithPosition(static_cast<int64_t>(actual.size()), static_cast<int64_t>(offset));
  }
  return Status::Ok();
}

std::string Quoted(const std::string& s) { return "'" + s + "'"; }

std::string MemberPath(const std::string& path, const std::string& name) {
  return internal::DirName(path) + "/" + name;
}

// CheckAgainst: `path` and the files of the seal in `seal_path`.
StatusOr<SealReport> CheckAgainst(const std::string& seal_path, const InputFile* self, const std::string& path,
                                  const SecretBytes& key, Mode mode, SealRole role, int threads) {
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<InputFile> seal_file, InputFile::Open(seal_path));
  if (seal_file->size() > kMaxSealSize) return SealError(Quoted(seal_path) + " is too large to be a seal");
  MSCRYPT_ASSIGN_OR_RETURN(Buffer bytes, Buffer::Allocate(static_cast<size_t>(seal_file->size())));
  MSCRYPT_RETURN_IF_ERROR(seal_file->ReadAt(0, bytes.mutable_view()));
  MSCRYPT_ASSIGN_OR_RETURN(Seal seal, Decode(bytes.view(), key, Quoted(seal_path)));
  const Member& first = seal.members[0];
  if (role != SealRole::kOther && first.role != SealRole::kOther && first.role != role) {
    return SealError(std::string("the seal is for ") + RoleName(first.role) + ", not " + RoleName(role));
  }
  SealReport report;
  report.role = first.role;
  report.files = seal.members.size();
  for (size_t i = 0; i < seal.members.size(); ++i) {
    const Member& m = seal.members[i];
    const std::string file_path = i == 0 ? path : MemberPath(path, m.name);
    const std::string file = Quoted(i == 0 ? internal::BaseName(path) : m.name);
    // The file itself is read through the descriptor the caller decrypts from (no second open).
    std::unique_ptr<InputFile> opened;
    if (i > 0 || self == nullptr) {
      StatusOr<std::unique_ptr<InputFile>> o = InputFile::Open(file_path);
      if (!o.ok()) {
        if (o.status().os_error() == ENOENT) return SealError("the seal covers " + file + ", which is missing");
        return o.status();
      }
      opened = std::move(o).value();
    }
    const InputFile& input = opened ? *opened : *self;
    // Scanned first: a file of another mode fails here with the container's own wrong-mode error.
    MSCRYPT_ASSIGN_OR_RETURN(std::vector<SealedBlock> blocks, ScanBlocks(input, mode, threads));
    if (seal.mode != mode) {
      return SealError(std::string("the seal is for ") + ModeName(seal.mode) + " but the file is " + ModeName(mode));
    }
    MSCRYPT_RETURN_IF_ERROR(Compare(m.blocks, blocks, file));
    core::FileSource src(input);
    MSCRYPT_ASSIGN_OR_RETURN(core::Plan plan, core::MakePlan(src, mode, Format::kCurrent, &key));
    if (plan.plaintext_size != m.plaintext_size) {
      return SealError(file + " decrypts to " + std::to_string(plan.plaintext_size) + " bytes; the seal says " +
                       std::to_string(m.plaintext_size));
    }
    if (i == 0) {
      report.blocks = blocks.size();
      report.plaintext_size = plan.plaintext_size;
    } else {
      report.members.push_back(m.name);
    }
  }
  report.sealed = true;
  return report;
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

std::string PendingPathFor(const std::string& path) { return SealPathFor(path) + ".next"; }

// CheckMemberNames: paths inside the sealed file's directory, within the format's bounds.
Status CheckMemberNames(const std::vector<std::string>& members) {
  if (members.size() + 1 > kMaxMembers) return InvalidArgumentError("a seal covers at most 1024 files");
  for (const std::string& name : members) {
    if (name.empty() || name.size() > kMaxName || name[0] == '/' || name.find("..") != std::string::npos) {
      return InvalidArgumentError("a sealed weight file must be named relative to the model's directory");
    }
  }
  return Status::Ok();
}

// BuildSeal describes `path` (read through `self`) and its members.
StatusOr<Buffer> BuildSeal(const InputFile& self, const std::string& path, const SecretBytes& key, Mode mode,
                           SealRole role, const std::vector<std::string>& members, int threads) {
  MSCRYPT_RETURN_IF_ERROR(CheckMemberNames(members));
  Seal seal;
  seal.mode = mode;
  MSCRYPT_ASSIGN_OR_RETURN(Member m, DescribeFile(self, internal::BaseName(path), role, key, mode, threads));
  seal.members.push_back(std::move(m));
  for (const std::string& name : members) {
    MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<InputFile> file, InputFile::Open(MemberPath(path, name)));
    MSCRYPT_ASSIGN_OR_RETURN(Member member, DescribeFile(*file, name, SealRole::kWeightFile, key, mode, threads));
    seal.members.push_back(std::move(member));
  }
  return Encode(seal, key);
}

Status WritePlain(const std::string& path, ByteView data) {
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<internal::AtomicFile> out, internal::AtomicFile::Create(path));
  MSCRYPT_RETURN_IF_ERROR(out->Write(data));
  return out->Commit();
}

Status Rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return internal::ErrnoError("cannot rename the seal onto", to, errno);
  const int dir = ::open(internal::DirName(to).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return Status::Ok();
}

}  // namespace

std::string SealPathFor(const std::string& path) { return path + ".msseal"; }

StatusOr<SealReport> CheckSeal(const std::string& path, const SecretBytes& key, Mode mode, SealRole role,
                               const Options& options) {
  return core::CheckSealOf(nullptr, path, key, mode, role, options);
}

Status SealFile(const std::string& path, const SecretBytes& key, Mode mode, const Options& options) {
  MSCRYPT_RETURN_IF_ERROR(CheckMemberNames(options.seal_members));
  Options read = options;
  read.seal_check = SealCheck::kSkip;
  read.format = Format::kCurrent;
  MSCRYPT_RETURN_IF_ERROR(VerifyFile(path, key, mode, read));
  for (const std::string& name : options.seal_members) {
    MSCRYPT_RETURN_IF_ERROR(VerifyFile(MemberPath(path, name), key, mode, read));
  }
  MSCRYPT_ASSIGN_OR_RETURN(std::unique_ptr<InputFile> self, InputFile::Open(path));
  MSCRYPT_ASSIGN_OR_RETURN(Buffer seal,
                           BuildSeal(*self, path, key, mode, options.seal_role, options.seal_members, options.threads));
  MSCRYPT_RETURN_IF_ERROR(WritePlain(SealPathFor(path), seal.view()));
  ::unlink(PendingPathFor(path).c_str());  // a stale pending seal of an interrupted writer
  return Status::Ok();
}

namespace core {

StatusOr<SealReport> CheckSealOf(const InputFile* self, const std::string& path, const SecretBytes& key, Mode mode,
                                 SealRole role, const Options& options) {
  if (options.seal_check == SealCheck::kSkip || options.format != Format::kCurrent) return SealReport{};
  const std::string seal_path = SealPathFor(path), pending = PendingPathFor(path);
  const bool have_seal = Exists(seal_path), have_pending = Exists(pending);
  if (!have_seal && !have_pending) {
    if (options.seal_check == SealCheck::kRequire) {
      return SealError("a seal is required but " + Quoted(seal_path) + " does not exist");
    }
    return SealReport{};
  }
  StatusOr<SealReport> main = have_seal ? CheckAgainst(seal_path, self, path, key, mode, role, options.threads)
                                        : StatusOr<SealReport>(SealError(Quoted(seal_path) + " does not exist"));
  if (main.ok() || !have_pending) return main;
  // A writer stopped between linking the file and renaming its pending seal (docs/format.md §11.4): the pending
  // seal describes the new file.
  StatusOr<SealReport> next = CheckAgainst(pending, self, path, key, mode, role, options.threads);
  if (next.ok()) return next;
  return main;
}

void AttachSeal(internal::OutputOptions* out, const std::string& dst, const SecretBytes& key, Mode mode,
                const Options& options) {
  if (!options.write_seal) return;
  auto shared_key = std::make_shared<SecretBytes>(key.Clone());
  const SealRole role = options.seal_role;
  const std::vector<std::string> members = options.seal_members;
  const int threads = options.threads;
  // 1. Before the file is linked: its seal goes to "<dst>.msseal.next".
  out->before_link = [=](const InputFile& written) -> Status {
    MSCRYPT_ASSIGN_OR_RETURN(Buffer seal, BuildSeal(written, dst, *shared_key, mode, role, members, threads));
    return WritePlain(PendingPathFor(dst), seal.view());
  };
  // 2. After: the pending seal replaces the old one. Readers accept either seal that matches.
  out->after_link = [dst]() { return Rename(PendingPathFor(dst), SealPathFor(dst)); };
}

}  // namespace core
}  // namespace mscrypt
