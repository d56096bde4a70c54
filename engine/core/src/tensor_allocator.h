#pragma once
// The CPU allocator the segmenter installs for LibTorch's tensors.
//
// Every iteration allocates and frees the same set of large tensors (tens of
// MB each at S = 257). glibc serves such blocks with mmap and unmaps them on
// free, so each op paid fresh page faults; keeping them in glibc's heap
// instead (the earlier fix) made the heap fragment and hold far more than
// was ever live at once. This allocator keeps freed large blocks in lists by
// rounded size and hands them out again: after the first iteration nothing is
// mapped or faulted in, and what it holds is the iteration's own working set.
// Small requests go to c10's aligned malloc, as LibTorch's default does.
#include <cstddef>

namespace msf::detail {

struct TensorMemoryStats {
    size_t liveBytes = 0;      // in tensors now
    size_t peakLiveBytes = 0;  // since the last resetPeak()
    size_t cachedBytes = 0;    // freed, kept for reuse
};

// Installs the allocator as LibTorch's CPU allocator (once per process; the
// LibTorch 1.x allocator interface only, a no-op elsewhere).
void installTensorAllocator();
bool tensorAllocatorInstalled();
TensorMemoryStats tensorMemoryStats();
void resetTensorMemoryPeak();
// Unmaps every cached block (after a run).
void releaseCachedTensorMemory();

}  // namespace msf::detail
