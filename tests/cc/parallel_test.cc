// Thread counts and concurrent callers: output never depends on scheduling (docs/format.md §2.4).
#include "internal/parallel/parallel_for.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "mscrypt/container.h"
#include "test_util.h"

namespace mscrypt::testing {
namespace {

// Many small blocks (several Encrypt calls concatenated): parallelism is per block.
struct Multi {
  std::vector<uint8_t> pt, ct;
  std::vector<size_t> starts;
};

Multi MakeMulti(Mode mode, const std::vector<uint8_t>& key, size_t blocks, uint64_t seed) {
  Multi m;
  for (size_t i = 0; i < blocks; ++i) {
    auto p = PseudoRandom(100 + i * 37, seed + i);
    auto iv = PseudoRandom(16, seed * 1000 + i);
    auto b = SealWithIv(mode, key, iv, p);
    m.starts.push_back(m.ct.size());
    m.pt.insert(m.pt.end(), p.begin(), p.end());
    m.ct.insert(m.ct.end(), b.begin(), b.end());
  }
  return m;
}

TEST(Parallel, ThreadCountsGiveIdenticalOutput) {
  const auto kb = KeyBytes(16);
  for (Mode mode : AllModes()) {
    const Multi m = MakeMulti(mode, kb, 23, 5);
    for (int threads : {0, 1, 2, 7, 64, 1000}) {
      Options o;
      o.threads = threads;
      auto out = Decrypt(m.ct, MakeKey(kb), mode, o);
      ASSERT_OK(out);
      EXPECT_EQ(ToVec(*out), m.pt) << ModeName(mode) << " threads=" << threads;
      EXPECT_OK(Verify(m.ct, MakeKey(kb), mode, o));
    }
  }
}

TEST(Parallel, FirstFailingBlockIsReportedWhateverTheThreadCount) {
  const auto kb = KeyBytes(16);
  Multi m = MakeMulti(Mode::kAesGcm, kb, 12, 9);
  m.ct[m.starts[9] + 50] ^= 1;  // ciphertext of block 9
  m.ct[m.starts[4] + 50] ^= 1;  // ciphertext of block 4
  for (int threads : {1, 2, 3, 7}) {
    Options o;
    o.threads = threads;
    for (int rep = 0; rep < 5; ++rep) {
      EXPECT_TRUE(StatusAt(Decrypt(m.ct, MakeKey(kb), Mode::kAesGcm, o).status(), StatusCode::kAuthenticationFailed, 4,
                           static_cast<int64_t>(m.starts[4])))
          << "threads=" << threads;
    }
  }
}

TEST(Parallel, ConcurrentCallersFromManyThreads) {
  constexpr int kThreads = 6;
  std::vector<Multi> inputs;
  std::vector<std::vector<uint8_t>> keys;
  for (int t = 0; t < kThreads; ++t) {
    keys.push_back(KeyBytes(t % 3 == 2 ? 16 : 16 + 8 * (t % 3), static_cast<uint8_t>(t)));
    inputs.push_back(MakeMulti(AllModes()[static_cast<size_t>(t) % 3], keys.back(), 9, static_cast<uint64_t>(t)));
  }
  std::atomic<int> failures{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < kThreads; ++t) {
    pool.emplace_back([&, t] {
      const Mode mode = AllModes()[static_cast<size_t>(t) % 3];
      const SecretBytes key = MakeKey(keys[static_cast<size_t>(t)]);
      Options o;
      o.threads = 1 + t % 3;
      for (int rep = 0; rep < 30; ++rep) {
        auto out = Decrypt(inputs[static_cast<size_t>(t)].ct, key, mode, o);
        if (!out.ok() || ToVec(*out) != inputs[static_cast<size_t>(t)].pt) ++failures;
        // Interleave encryption and a wrong-key failure on the same thread.
        StatusOr<Buffer> ct = Encrypt(inputs[static_cast<size_t>(t)].pt, key, mode, o);
        if (!ct.ok()) {
          ++failures;
          continue;
        }
        auto back = Decrypt(ct->view(), key, mode, o);
        if (!back.ok() || ToVec(*back) != inputs[static_cast<size_t>(t)].pt) ++failures;
        // A wrong key must never yield the plaintext (GCM: always kAuthenticationFailed; CBC's
        // padding check lets ~1/256 wrong keys through, to garbage).
        auto wrong = Decrypt(ct->view(), MakeKey(KeyBytes(key.size(), 0xEE)), mode, o);
        if (mode == Mode::kAesGcm ? wrong.status().code() != StatusCode::kAuthenticationFailed
                                  : wrong.ok() && ToVec(*wrong) == inputs[static_cast<size_t>(t)].pt) {
          ++failures;
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(ParallelFor, RunsEveryIndexOnceAndClampsThreads) {
  for (int threads : {1, 2, 5}) {
    std::vector<std::atomic<int>> hits(100);
    ASSERT_OK(internal::ParallelFor(hits.size(), threads, [&](size_t i, int worker) {
      EXPECT_GE(worker, 0);
      EXPECT_LT(worker, threads);
      ++hits[i];
      return Status::Ok();
    }));
    for (auto& h : hits) EXPECT_EQ(h.load(), 1);
  }
  EXPECT_OK(internal::ParallelFor(0, 4, [](size_t, int) { return Status(StatusCode::kInternal, "never called"); }));
  EXPECT_EQ(internal::ResolveThreads(1), 1);
  EXPECT_EQ(internal::ResolveThreads(7), 7);
  EXPECT_EQ(internal::ResolveThreads(1000), 64);
  EXPECT_GE(internal::ResolveThreads(0), 1);
  EXPECT_LE(internal::ResolveThreads(0), 64);
}

}  // namespace
}  // namespace mscrypt::testing
