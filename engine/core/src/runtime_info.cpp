#include "msformer/runtime_info.h"

#include "tensor_allocator.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <dlfcn.h>
#include <link.h>
#include <malloc.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <string>
#include <thread>

#ifdef __linux__
#include <sched.h>
#endif

#include "msformer/segmenter.h"
#include "seeding.h"

#ifndef MSFORMER_VERSION
#define MSFORMER_VERSION "dev"
#endif

namespace msf {

namespace detail {
namespace {
std::mutex& seedMutex() {
    static std::mutex m;
    return m;
}
}  // namespace

SeedGuard::SeedGuard(uint64_t seed) : lock_(seedMutex()) {
    at::manual_seed(seed);
}
}  // namespace detail

namespace {

// First loaded shared object whose file name names a BLAS implementation.
int findBlas(struct dl_phdr_info* info, size_t, void* data) {
    auto* out = static_cast<std::string*>(data);
    if (!info->dlpi_name || !*info->dlpi_name) return 0;
    std::string name = info->dlpi_name;
    const auto slash = name.rfind('/');
    const std::string base = slash == std::string::npos ? name : name.substr(slash + 1);
    if (base.find("blas") == std::string::npos && base.find("mkl_rt") == std::string::npos) return 0;
    if (base.find("cublas") != std::string::npos) return 0;
    char resolved[PATH_MAX];
    *out = realpath(name.c_str(), resolved) ? std::string(resolved) : name;
    return 1;
}

}  // namespace

DeviceChoice resolveDevice(DeviceChoice device) {
    const bool cuda = torch::cuda::is_available();
    if (device == DeviceChoice::Cuda && !cuda)
        throw SegmentationError("CUDA was requested but no CUDA device is available (this LibTorch build: " +
                                std::string(TORCH_VERSION) + ")");
    if (device == DeviceChoice::Auto) return cuda ? DeviceChoice::Cuda : DeviceChoice::Cpu;
    return device;
}

bool cpuHasNativeBfloat16() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512bf16") || __builtin_cpu_supports("amx-bf16");
#else
    return false;
#endif
}

Precision resolvePrecision(Precision precision, DeviceChoice resolvedDevice) {
    const bool cuda = resolvedDevice == DeviceChoice::Cuda;
    if (precision == Precision::TF32 && !cuda) return Precision::Float32;  // what a CPU computes
    if (precision != Precision::Auto) return precision;
    if (cuda) return Precision::TF32;
    return cpuHasNativeBfloat16() ? Precision::BFloat16 : Precision::Float32;
}

int availableCores() {
#ifdef __linux__
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
#endif
    return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

int threadsFor(int threads) {
    // LibTorch's own default here is one thread per physical core as it
    // guesses them; 0 means every core this process may run on.
    const int cores = availableCores();
    return threads <= 0 ? cores : std::min(threads, cores);
}

void setThreadCount(int threads) {
    threads = threadsFor(threads);
    if (at::get_num_threads() != threads) at::set_num_threads(threads);
}

void tuneAllocatorForLargeTensors() {
    // Every activation here is tens of MB; glibc serves such blocks with mmap
    // and returns them on free, so each op pays fresh page faults (measured:
    // LayerNorm + GELU forward and backward on 66049 x 400 floats 153 ms ->
    // 41 ms once freed blocks are reused). The caching tensor allocator reuses
    // them without fragmenting glibc's heap (src/tensor_allocator.h); where it
    // is not available (LibTorch 2.x), glibc is told to keep them in the heap.
    static const bool once = [] {
        detail::installTensorAllocator();
        if (!detail::tensorAllocatorInstalled()) {
            mallopt(M_MMAP_MAX, 0);
            mallopt(M_TRIM_THRESHOLD, 1 << 30);
        }
        return true;
    }();
    (void)once;
}

void releaseFreedMemory() {
    detail::releaseCachedTensorMemory();
    malloc_trim(0);
}

RuntimeInfo runtimeInfo(DeviceChoice device, int threads) {
    RuntimeInfo info;
    info.engineVersion = MSFORMER_VERSION;
    info.torchVersion = TORCH_VERSION;
    info.cudaAvailable = torch::cuda::is_available();
    try {
        info.device = resolveDevice(device) == DeviceChoice::Cuda ? "cuda" : "cpu";
    } catch (const SegmentationError& e) {
        info.device = std::string("unavailable: ") + e.what();
    }
    info.threads = threadsFor(threads);  // what a run will use, not set here (a run may be going on)
    dl_iterate_phdr(findBlas, &info.blasLibrary);
    if (info.blasLibrary.empty()) info.blasLibrary = "none found among loaded libraries";
    using ConfigFn = char* (*)();
    if (auto fn = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_config"))) {
        info.blasConfig = fn();
        using CoreFn = char* (*)();
        if (auto core = reinterpret_cast<CoreFn>(dlsym(RTLD_DEFAULT, "openblas_get_corename"))) {
            info.blasConfig += std::string(" core=") + core();
        }
    }
    return info;
}

}  // namespace msf
