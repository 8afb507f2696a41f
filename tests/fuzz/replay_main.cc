// replay_main: runs a fuzz target over corpus files without libFuzzer, so every corpus is
// replayed by plain ctest with any compiler (the role of zstd's tests/fuzz/regression_driver.c).
//
//   <target>_replay PATH...   each PATH is a file or a directory (walked recursively, in sorted
//                             order so runs are reproducible)
//
// Exits 0 after feeding every file; a target that finds a bug aborts (FUZZ_CHECK or a sanitizer),
// which ctest reports as a failure. A missing path or an empty corpus is an error too, so a
// mistyped corpus directory cannot make the test pass vacuously.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace fs = std::filesystem;

namespace {

bool ReadFile(const fs::path& path, std::vector<uint8_t>* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
    return 2;
  }
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg(argv[i]);
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      for (const auto& entry : fs::recursive_directory_iterator(arg)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
    } else if (fs::is_regular_file(arg, ec)) {
      files.push_back(arg);
    } else {
      std::fprintf(stderr, "replay: %s: no such file or directory\n", argv[i]);
      return 2;
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "replay: no corpus files found\n");
    return 2;
  }
  std::vector<uint8_t> buf;
  for (const fs::path& f : files) {
    if (!ReadFile(f, &buf)) {
      std::fprintf(stderr, "replay: cannot read %s\n", f.c_str());
      return 2;
    }
    // Copy into an exact-size heap block so ASan flags any read past the input's end.
    std::vector<uint8_t> exact(buf.begin(), buf.end());
    std::fprintf(stderr, "replay: %s (%zu bytes)\n", f.c_str(), exact.size());
    // libFuzzer never passes a null pointer, even for an empty input; neither do we.
    static const uint8_t kEmpty = 0;
    LLVMFuzzerTestOneInput(exact.empty() ? &kEmpty : exact.data(), exact.size());
  }
  std::fprintf(stderr, "replay: %zu inputs OK\n", files.size());
  return 0;
}
