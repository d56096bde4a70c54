#pragma once
#include <string>
#include "msformer/config.h"

namespace msf {

struct RuntimeInfo {
    std::string engineVersion;
    std::string torchVersion;
    std::string device;        // what DeviceChoice resolves to: "cpu" or "cuda (name)"
    bool cudaAvailable = false;
    int threads = 0;           // LibTorch intra-op threads
    std::string blasLibrary;   // path of the BLAS shared object loaded in this process
    std::string blasConfig;    // openblas_get_config() when OpenBLAS is loaded
};

// `threads`: the setting a run would get (0 = every core); info.threads is what
// that run uses. Changes nothing in the process.
RuntimeInfo runtimeInfo(DeviceChoice device = DeviceChoice::Auto, int threads = 0);

// Resolve Auto to Cpu/Cuda; throws SegmentationError when Cuda is forced but absent.
DeviceChoice resolveDevice(DeviceChoice device);

// Whether this CPU computes bfloat16 products natively (AVX512-BF16 or AMX-BF16).
bool cpuHasNativeBfloat16();
// The precision a run on a resolved device (Cpu or Cuda) actually uses: Auto
// resolved, and TF32 on the CPU reported as what it is there, Float32.
Precision resolvePrecision(Precision precision, DeviceChoice resolvedDevice);

// The cores this process may run on (its CPU affinity, as a container's cpuset limits it), at least 1.
int availableCores();
// The LibTorch intra-op threads a run given `threads` uses: 0 = availableCores().
// More than the cores is cut to them: OpenMP's threads spin while they wait for a
// core (8 threads on 2 cores: a run about 2x slower).
int threadsFor(int threads);
void setThreadCount(int threads);  // to threadsFor(threads)

// Makes large freed tensor blocks reusable instead of unmapped on every free:
// installs the engine's caching CPU tensor allocator (LibTorch 1.x), else
// tells glibc's malloc to keep them (set once; the segmenter calls it).
void tuneAllocatorForLargeTensors();
// Hand cached tensor blocks and freed heap memory back to the system (after a run).
void releaseFreedMemory();

}  // namespace msf
