// ParallelFor: run independent per-block jobs on a few threads, deterministically.
#ifndef MSCRYPT_INTERNAL_PARALLEL_PARALLEL_FOR_H_
#define MSCRYPT_INTERNAL_PARALLEL_PARALLEL_FOR_H_

#include <cstddef>
#include <functional>

#include "mscrypt/status.h"

namespace mscrypt::internal {

// ResolveThreads maps Options::threads (0 = one per core) to a count in [1, 64].
int ResolveThreads(int requested);

// ParallelFor calls job(i, worker) for every i in [0, n) on up to `threads` threads (the calling
// thread is one of them). `worker` is in [0, threads) and identifies per-thread scratch. After a
// job fails no new jobs start; the error returned is the one with the lowest index, so the
// result does not depend on scheduling.
Status ParallelFor(size_t n, int threads, const std::function<Status(size_t i, int worker)>& job);

}  // namespace mscrypt::internal

#endif  // MSCRYPT_INTERNAL_PARALLEL_PARALLEL_FOR_H_
