#pragma once
// Whether a CPU run fits in memory, told before it starts: a working size too
// large for the machine would otherwise end in std::bad_alloc mid-run or, as
// Linux overcommits, in the kernel killing the process (and the app's masks).
#include <cstdint>
#include <string>

#include "msformer/config.h"

namespace msf {

// The memory the system can give this process now: MemAvailable, capped by the
// process's cgroup limit (v2 memory.max, v1 memory.limit_in_bytes) less its usage.
// -1 when unknown (no /proc/meminfo).
int64_t availableMemoryBytes();

// The most memory a CPU run of `config` on a width x height image adds to the
// process (tensors of the S x S optimisation, then the full-size map and its
// refinement), from peak RSS measured here (docs/measurements/run_memory.log):
// within -4% .. +20% of the measured peaks, e.g. 0.8 GB at the default S = 129, 8.4 GB at S = 513.
int64_t estimatedRunBytes(const MsFormerConfig& config, int width, int height);

// Empty when the run fits in `availableBytes` (or that is unknown, < 0); else why not:
// "working size S = 1024 needs about 32.6 GB of memory and 21.3 GB is available: choose a smaller
// working size (...; S = 917 fits, about 21.2 GB)", or, where the image's full-size map alone does
// not fit whatever S, "the 30000 x 30000 image needs about 36.3 GB ...: downscale or crop the image".
std::string memoryProblem(const MsFormerConfig& config, int width, int height, int64_t availableBytes);

// The most memory a k-means run on a width x height image of `channels` channels adds: the full-size work
// before the working-size clustering (the input's planar copy, its finiteness check) and the full-size label
// map after it, measured here (test_kmeans theMemoryEstimateCoversARunsPeak): about 9 B per pixel grey, 33 B RGB.
int64_t estimatedKMeansBytes(int width, int height, int channels);

// Empty when a k-means run fits in `availableBytes` (or that is unknown, < 0); else why not: "k-means on the
// 30000 x 30000 image needs about 31.6 GB of memory and 12.1 GB is available: downscale or crop the image ...".
std::string kmeansMemoryProblem(int width, int height, int channels, int64_t availableBytes);

}  // namespace msf
