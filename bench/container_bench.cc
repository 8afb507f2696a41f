// container_bench: throughput of the buffer API and peak memory of the streaming file API.
//
//   container_bench [--size-mib N] [--runs N] [--threads LIST] [--modes LIST] [--tmpdir DIR]
//                   [--no-stream]
//
// For each mode (AES-128-GCM, AES-256-GCM, AES-256-CBC, SM4-CBC; key size picks AES-128/256) and
// each thread count (default "1,0": serial and one per core) it reports the best of N runs of:
//   encrypt/fresh  Encrypt(): allocates the output, the buffer cache emptied before each run, so
//                  every run pays first-touch page faults
//   encrypt/warm   EncryptInto() into a buffer that was already written once (pre-faulted)
//   decrypt/fresh  Decrypt(): allocates the output, cache emptied first (first-touch page faults)
//   decrypt/cached Decrypt() again and again: each output reuses the mapping the last one left in
//                  the buffer cache (mscrypt/bytes.h), as a process that reloads a model does
//   decrypt/warm   DecryptInto() into a pre-faulted buffer
//   decrypt/fresh_thp  DecryptInto() into a fresh mmap() with madvise(MADV_HUGEPAGE) per run:
//                  the allocation Buffer::Allocate makes, measured without the library around it
// Throughput is plaintext bytes / wall time, in GB/s (1e9 bytes, the unit `openssl speed` uses).
// Then, unless --no-stream, it writes a plaintext file of the same size and runs
// EncryptFileToFile and DecryptFileToFile in a fresh child process each (so the numbers are
// not inflated by this process's buffers), reporting the child's peak RSS (VmHWM).
//
// Output: one JSON object per line (bench/run_bench.py parses them), plus '#' comment lines.
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "mscrypt/container.h"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

struct BenchMode {
  const char* name;
  mscrypt::Mode mode;
  size_t key_size;
};

const BenchMode kModes[] = {
    {"AES-128-GCM", mscrypt::Mode::kAesGcm, 16},
    {"AES-256-GCM", mscrypt::Mode::kAesGcm, 32},
    {"AES-256-CBC", mscrypt::Mode::kAesCbc, 32},
    {"SM4-CBC", mscrypt::Mode::kSm4Cbc, 16},
};

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "container_bench: %s\n", what.c_str());
  std::exit(1);
}

void Check(const mscrypt::Status& s, const char* what) {
  if (!s.ok()) Die(std::string(what) + ": " + s.ToString());
}

mscrypt::SecretBytes KeyOf(size_t size) {
  uint8_t k[32];
  for (size_t i = 0; i < sizeof(k); ++i) k[i] = static_cast<uint8_t>(0xA0 + i);
  return mscrypt::SecretBytes(k, size);
}

// Pre-fault: write every page so later runs measure the cipher, not the kernel.
void Touch(std::vector<uint8_t>& v) { std::memset(v.data(), 0x5C, v.size()); }

// VmHWM / VmRSS from /proc/self/status, in KiB.
long ProcStatusKib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const size_t n = std::strlen(field);
  while (std::getline(in, line)) {
    if (line.compare(0, n, field) == 0 && line.size() > n && line[n] == ':') {
      return std::strtol(line.c_str() + n + 1, nullptr, 10);
    }
  }
  return -1;
}

double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Timing: wall time of the best run, plus the process CPU time (user + system, all threads)
// that run used. `openssl speed` reports per CPU-second by default, so on a shared machine
// bytes / cpu_seconds of a 1-thread run is the like-for-like single-core comparison.
struct Timing {
  double seconds = 1e300;
  double cpu_seconds = 0;
};

// Fresh: before each run (untimed), the buffer cache is emptied, so an allocating call gets new
// pages from the kernel.
void Fresh() { mscrypt::ReleaseCachedMemory(); }
void Nothing() {}

template <typename F, typename B = void (*)()>
Timing Best(int runs, F&& f, B before = Nothing) {
  Timing best;
  for (int r = 0; r < runs; ++r) {
    before();
    const double c0 = CpuSeconds();
    const auto t0 = Clock::now();
    f();
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    const double c = CpuSeconds() - c0;
    if (s < best.seconds) best = Timing{s, c};
  }
  return best;
}

void Emit(const char* mode, const char* op, const char* buffer, int threads, int resolved,
          size_t bytes, Timing t) {
  std::printf(
      "{\"mode\": \"%s\", \"op\": \"%s\", \"buffer\": \"%s\", \"threads\": %d, "
      "\"resolved_threads\": %d, \"bytes\": %zu, \"seconds\": %.6f, \"cpu_seconds\": %.6f, "
      "\"gbps\": %.4f, \"gb_per_cpu_second\": %.4f}\n",
      mode, op, buffer, threads, resolved, bytes, t.seconds, t.cpu_seconds,
      static_cast<double>(bytes) / t.seconds / 1e9, static_cast<double>(bytes) / t.cpu_seconds / 1e9);
  std::fflush(stdout);
}

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

const BenchMode& FindMode(const std::string& name) {
  for (const BenchMode& m : kModes) {
    if (name == m.name) return m;
  }
  Die("unknown mode " + name);
}

// ---- Streaming child: one file operation, then print peak RSS ------------------------------

int StreamChild(const std::string& op, const std::string& src, const std::string& dst,
                const std::string& mode_name, int threads) {
  const BenchMode& m = FindMode(mode_name);
  const mscrypt::SecretBytes key = KeyOf(m.key_size);
  mscrypt::Options o;
  o.threads = threads;
  const long rss_before = ProcStatusKib("VmHWM");
  const auto t0 = Clock::now();
  if (op == "encrypt") {
    Check(mscrypt::EncryptFileToFile(src, dst, key, m.mode, o), "EncryptFileToFile");
  } else {
    Check(mscrypt::DecryptFileToFile(src, dst, key, m.mode, o), "DecryptFileToFile");
  }
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("%ld %ld %.6f\n", rss_before, ProcStatusKib("VmHWM"), s);
  return 0;
}

struct ChildResult {
  long hwm_start_kib = -1;
  long hwm_kib = -1;
  double seconds = 0;
};

ChildResult RunChild(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  std::string self = "/proc/self/exe";
  argv.push_back(self.data());
  std::vector<std::string> copy = args;
  for (std::string& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  int fds[2];
  if (pipe(fds) != 0) Die("pipe failed");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  pid_t pid;
  char exe[4096];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n <= 0) Die("readlink /proc/self/exe failed");
  exe[n] = '\0';
  if (posix_spawn(&pid, exe, &fa, nullptr, argv.data(), environ) != 0) Die("posix_spawn failed");
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  std::string out;
  char buf[256];
  ssize_t r;
  while ((r = read(fds[0], buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(r));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) Die("streaming child failed");
  ChildResult res;
  std::istringstream is(out);
  is >> res.hwm_start_kib >> res.hwm_kib >> res.seconds;
  return res;
}

void WriteFile(const std::string& path, const std::vector<uint8_t>& data) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr || std::fwrite(data.data(), 1, data.size(), f) != data.size() || std::fclose(f) != 0) {
    Die("cannot write " + path);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "--stream-child") {
    if (argc != 7) Die("usage: --stream-child encrypt|decrypt SRC DST MODE THREADS");
    return StreamChild(argv[2], argv[3], argv[4], argv[5], std::atoi(argv[6]));
  }
  size_t size_mib = 1024;
  int runs = 3;
  std::string threads_arg = "1,0";
  std::string modes_arg = "AES-128-GCM,AES-256-GCM,AES-256-CBC,SM4-CBC";
  std::string tmpdir = "/tmp";
  bool stream = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) Die("missing value for " + a);
      return argv[++i];
    };
    if (a == "--size-mib") size_mib = std::strtoul(next().c_str(), nullptr, 10);
    else if (a == "--runs") runs = std::atoi(next().c_str());
    else if (a == "--threads") threads_arg = next();
    else if (a == "--modes") modes_arg = next();
    else if (a == "--tmpdir") tmpdir = next();
    else if (a == "--no-stream") stream = false;
    else Die("unknown argument " + a + " (see the comment at the top of container_bench.cc)");
  }
  if (size_mib == 0 || runs < 1) Die("--size-mib and --runs must be positive");
  const size_t size = size_mib << 20;
  const unsigned hw = std::thread::hardware_concurrency();

  std::printf("# container_bench: %zu MiB, best of %d runs, hardware_concurrency=%u\n", size_mib, runs, hw);
  std::vector<uint8_t> plaintext(size);
  for (size_t i = 0; i < size; ++i) plaintext[i] = static_cast<uint8_t>(i * 2654435761u >> 13);

  for (const std::string& mode_name : Split(modes_arg)) {
    const BenchMode& m = FindMode(mode_name);
    if (!mscrypt::IsModeAvailable(m.mode)) {
      std::printf("# %s: not available in the linked OpenSSL, skipped\n", m.name);
      continue;
    }
    const mscrypt::SecretBytes key = KeyOf(m.key_size);
    mscrypt::StatusOr<uint64_t> ct_size = mscrypt::EncryptedSize(m.mode, size);
    Check(ct_size.status(), "EncryptedSize");
    std::vector<uint8_t> ciphertext(static_cast<size_t>(*ct_size));
    std::vector<uint8_t> warm_out(size);
    Touch(ciphertext);
    Touch(warm_out);
    for (const std::string& t : Split(threads_arg)) {
      mscrypt::Options o;
      o.threads = std::atoi(t.c_str());
      const int resolved = o.threads == 0 ? static_cast<int>(hw) : o.threads;

      Timing s = Best(runs, [&] {
        mscrypt::StatusOr<mscrypt::Buffer> r = mscrypt::Encrypt(plaintext, key, m.mode, o);
        Check(r.status(), "Encrypt");
      }, Fresh);
      Emit(m.name, "encrypt", "fresh", o.threads, resolved, size, s);
      s = Best(runs, [&] {
        size_t n = 0;
        Check(mscrypt::EncryptInto(plaintext, key, m.mode,
                                   mscrypt::MutableByteView(ciphertext.data(), ciphertext.size()), &n, o),
              "EncryptInto");
      });
      Emit(m.name, "encrypt", "warm", o.threads, resolved, size, s);

      const auto decrypt = [&] {
        auto r = mscrypt::Decrypt(ciphertext, key, m.mode, o);
        Check(r.status(), "Decrypt");
        if (r->size() != size) Die("Decrypt returned the wrong size");
      };
      s = Best(runs, decrypt, Fresh);
      Emit(m.name, "decrypt", "fresh", o.threads, resolved, size, s);
      decrypt();  // leaves its output in the buffer cache
      s = Best(runs, decrypt);
      Emit(m.name, "decrypt", "cached", o.threads, resolved, size, s);
      s = Best(runs, [&] {
        size_t n = 0;
        Check(mscrypt::DecryptInto(ciphertext, key, m.mode,
                                   mscrypt::MutableByteView(warm_out.data(), warm_out.size()), &n, o),
              "DecryptInto");
      });
      Emit(m.name, "decrypt", "warm", o.threads, resolved, size, s);
      s = Best(runs, [&] {
        void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) Die("mmap failed");
        madvise(p, size, MADV_HUGEPAGE);  // best effort; THP may be disabled
        size_t n = 0;
        Check(mscrypt::DecryptInto(ciphertext, key, m.mode,
                                   mscrypt::MutableByteView(static_cast<uint8_t*>(p), size), &n, o),
              "DecryptInto");
        munmap(p, size);
      });
      Emit(m.name, "decrypt", "fresh_thp", o.threads, resolved, size, s);
      if (std::memcmp(warm_out.data(), plaintext.data(), size) != 0) Die("round trip mismatch");
    }
  }

  if (stream) {
    // Peak RSS of the streaming file paths, each in a fresh process.
    const std::string base = tmpdir + "/mscrypt_bench_" + std::to_string(getpid());
    const std::string pt_path = base + ".bin", ct_path = base + ".enc", out_path = base + ".dec";
    WriteFile(pt_path, plaintext);
    std::vector<uint8_t>().swap(plaintext);
    for (const std::string& t : Split(threads_arg)) {
      const int threads = std::atoi(t.c_str());
      const int resolved = threads == 0 ? static_cast<int>(hw) : threads;
      for (const char* mode_name : {"AES-256-GCM", "AES-256-CBC"}) {
        ChildResult e = RunChild({"--stream-child", "encrypt", pt_path, ct_path, mode_name, t});
        ChildResult d = RunChild({"--stream-child", "decrypt", ct_path, out_path, mode_name, t});
        for (auto [op, r] : {std::pair<const char*, ChildResult>{"encrypt_file", e}, {"decrypt_file", d}}) {
          std::printf(
              "{\"mode\": \"%s\", \"op\": \"%s\", \"buffer\": \"stream\", \"threads\": %d, "
              "\"resolved_threads\": %d, \"bytes\": %zu, \"seconds\": %.6f, \"gbps\": %.4f, "
              "\"peak_rss_mib\": %.1f, \"startup_rss_mib\": %.1f}\n",
              mode_name, op, threads, resolved, size, r.seconds, static_cast<double>(size) / r.seconds / 1e9,
              r.hwm_kib / 1024.0, r.hwm_start_kib / 1024.0);
        }
      }
    }
    std::remove(pt_path.c_str());
    std::remove(ct_path.c_str());
    std::remove(out_path.c_str());
  }
  return 0;
}
