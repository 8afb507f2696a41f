#include "internal/parallel/parallel_for.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace mscrypt::internal {

int ResolveThreads(int requested) {
  constexpr int kMaxThreads = 64;
  if (requested <= 0) {
    const unsigned hw = std::thread::hardware_concurrency();
    requested = hw == 0 ? 1 : static_cast<int>(hw);
  }
  return std::min(requested, kMaxThreads);
}

Status ParallelFor(size_t n, int threads, const std::function<Status(size_t, int)>& job) {
  const int workers = static_cast<int>(std::min<size_t>(n, static_cast<size_t>(std::max(threads, 1))));
  if (workers <= 1) {
    for (size_t i = 0; i < n; ++i) MSCRYPT_RETURN_IF_ERROR(job(i, 0));
    return Status::Ok();
  }
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  size_t first_error_index = n;
  Status first_error;
  auto run = [&](int worker) {
    while (!failed.load(std::memory_order_relaxed)) {
      const size_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= n) return;
      Status s = job(i, worker);
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (i < first_error_index) {
          first_error_index = i;
          first_error = std::move(s);
        }
        failed.store(true, std::memory_order_relaxed);
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(workers - 1));
  try {
    for (int w = 1; w < workers; ++w) pool.emplace_back(run, w);
  } catch (const std::system_error&) {
    // Could not start more threads: the ones we have (at least this one) finish the work.
  }
  run(0);
  for (auto& t : pool) t.join();
  return first_error_index < n ? first_error : Status::Ok();
}

}  // namespace mscrypt::internal
