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

RuntimeInfo runtimeInfo(DeviceChoice device = DeviceChoice::Auto);

// Resolve Auto to Cpu/Cuda; throws SegmentationError when Cuda is forced but absent.
DeviceChoice resolveDevice(DeviceChoice device);

// Whether this CPU computes bfloat16 products natively (AVX512-BF16 or AMX-BF16).
bool cpuHasNativeBfloat16();
// The precision a run on a resolved device (Cpu or Cuda) actually uses: Auto
// resolved, and TF32 on the CPU reported as what it is there, Float32.
Precision resolvePrecision(Precision precision, DeviceChoice resolvedDevice);

void setThreadCount(int threads);

// Makes large freed tensor blocks reusable instead of unmapped on every free:
// installs the engine's caching CPU tensor allocator (LibTorch 1.x), else
// tells glibc's malloc to keep them (set once; the segmenter calls it).
void tuneAllocatorForLargeTensors();
// Hand cached tensor blocks and freed heap memory back to the system (after a run).
void releaseFreedMemory();  // 0: every core (hardware_concurrency)

}  // namespace msf
