#include "internal/io/file_mapping.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace mscrypt::internal {
namespace {

// The live mappings the SIGBUS handler may repair. The handler reads this table without locks, so
// it is a fixed array of atomics: a slot is claimed (in_use), then its range published.
constexpr int kSlots = 64;
struct Slot {
  std::atomic<bool> in_use{false};
  std::atomic<uintptr_t> begin{0};
  std::atomic<uintptr_t> end{0};
  std::atomic<bool> damaged{false};
};
Slot g_slots[kSlots];

struct sigaction g_previous;
std::once_flag g_install_once;
bool g_installed = false;

// ForwardSignal: what would have happened to a SIGBUS that is not mscrypt's without mscrypt.
void ForwardSignal(int sig, siginfo_t* info, void* context) {
  if ((g_previous.sa_flags & SA_SIGINFO) != 0 && g_previous.sa_sigaction != nullptr) {
    g_previous.sa_sigaction(sig, info, context);
    return;
  }
  if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN) {
    g_previous.sa_handler(sig);
    return;
  }
  // Default action: restore it. A fault re-executes the instruction and dies of it; a signal sent
  // by kill() is sent again.
  struct sigaction dfl;
  std::memset(&dfl, 0, sizeof(dfl));
  dfl.sa_handler = SIG_DFL;
  sigaction(sig, &dfl, nullptr);
  if (info == nullptr || info->si_code <= 0) raise(sig);
}

void OnSigbus(int sig, siginfo_t* info, void* context) {
  const int saved_errno = errno;
  if (info != nullptr && info->si_code > 0) {  // a fault, not kill()
    const auto addr = reinterpret_cast<uintptr_t>(info->si_addr);
    for (Slot& slot : g_slots) {
      if (!slot.in_use.load(std::memory_order_acquire)) continue;
      const uintptr_t begin = slot.begin.load(std::memory_order_acquire);
      const uintptr_t end = slot.end.load(std::memory_order_acquire);
      if (addr < begin || addr >= end) continue;
      const uintptr_t page_size = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
      const uintptr_t page = addr & ~(page_size - 1);
      // The raw system call: mmap is not on POSIX's async-signal-safe list, the system call is.
      const long r = syscall(SYS_mmap, page, page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
      if (r != -1) {
        slot.damaged.store(true, std::memory_order_release);
        errno = saved_errno;
        return;  // the read is retried and sees zeros
      }
    }
  }
  errno = saved_errno;
  ForwardSignal(sig, info, context);
}

void InstallHandler() {
  struct sigaction action;
  std::memset(&action, 0, sizeof(action));
  action.sa_sigaction = OnSigbus;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
  sigemptyset(&action.sa_mask);
  g_installed = sigaction(SIGBUS, &action, &g_previous) == 0;
}

bool MappingsEnabled() {
  static const bool enabled = [] {
    const char* v = std::getenv("MSCRYPT_MMAP");
    return v == nullptr || std::strcmp(v, "0") != 0;
  }();
  return enabled;
}

}  // namespace

std::unique_ptr<FileMapping> FileMapping::Map(const InputFile& file) {
  if (!MappingsEnabled() || file.size() == 0 || file.size() > SIZE_MAX) return nullptr;
  std::call_once(g_install_once, InstallHandler);
  if (!g_installed) return nullptr;
  int slot = -1;
  for (int i = 0; i < kSlots && slot < 0; ++i) {
    bool expected = false;
    if (g_slots[i].in_use.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) slot = i;
  }
  if (slot < 0) return nullptr;
  const size_t size = static_cast<size_t>(file.size());
  void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, file.fd_, 0);
  if (p == MAP_FAILED) {
    g_slots[slot].in_use.store(false, std::memory_order_release);
    return nullptr;
  }
  (void)madvise(p, size, MADV_WILLNEED);  // read ahead of a cold file
#ifdef MADV_NOHUGEPAGE
  // Page by page: a header read would otherwise map a whole 2 MiB page-cache folio, and the pages
  // behind the decryption could not be dropped at the granularity it reads them.
  (void)madvise(p, size, MADV_NOHUGEPAGE);
#endif
  const auto begin = reinterpret_cast<uintptr_t>(p);
  g_slots[slot].damaged.store(false, std::memory_order_relaxed);
  g_slots[slot].begin.store(begin, std::memory_order_release);
  g_slots[slot].end.store(begin + size, std::memory_order_release);
  return std::unique_ptr<FileMapping>(new FileMapping(static_cast<const uint8_t*>(p), file.size(), slot));
}

void FileMapping::Drop(uint64_t offset, uint64_t size) const {
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  const uint64_t begin = (offset + page - 1) / page * page;
  const uint64_t end = std::min(offset + size, size_) / page * page;
  if (end > begin) (void)madvise(const_cast<uint8_t*>(data_) + begin, static_cast<size_t>(end - begin), MADV_DONTNEED);
}

bool FileMapping::damaged() const { return g_slots[slot_].damaged.load(std::memory_order_acquire); }

FileMapping::~FileMapping() {
  Slot& slot = g_slots[slot_];
  slot.end.store(0, std::memory_order_release);
  slot.begin.store(0, std::memory_order_release);
  munmap(const_cast<uint8_t*>(data_), static_cast<size_t>(size_));
  slot.in_use.store(false, std::memory_order_release);
}

}  // namespace mscrypt::internal
