// Engine-only benchmark for machines with LibTorch and nothing else (GPU boxes).
// Usage: msformer-engine-bench [--size S] [--iterations N] [--device auto|cpu|cuda]
//        [--channels C] [--threads T]
#include <cstdio>
#include <cstring>
#include <string>

#include "msformer/benchmark.h"
#include "msformer/runtime_info.h"
#include "msformer/segmenter.h"

int main(int argc, char** argv) {
    msf::MsFormerConfig config;
    config.maxIterations = 10;
    int channels = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i], value = argv[i + 1];
        if (key == "--size") config.size = std::stoi(value);
        else if (key == "--iterations") config.maxIterations = std::stoi(value);
        else if (key == "--channels") channels = std::stoi(value);
        else if (key == "--threads") config.threads = std::stoi(value);
        else if (key == "--device") {
            if (!msf::parseDeviceChoice(value, &config.device)) {
                std::fprintf(stderr, "unknown device '%s'\n", value.c_str());
                return 2;
            }
        } else {
            std::fprintf(stderr, "unknown option '%s'\n", key.c_str());
            return 2;
        }
    }
    try {
        const auto info = msf::runtimeInfo(config.device);
        std::printf("torch %s, device %s, threads %d, blas %s\n", info.torchVersion.c_str(), info.device.c_str(),
                    info.threads, info.blasLibrary.c_str());
        const auto r = msf::runBenchmark(config, channels);
        std::printf("size %d, iterations %d, median %.2f ms/iteration (min %.2f, max %.2f), first preview %.1f ms, "
                    "peak RSS %.0f MB\n",
                    r.size, r.iterations, r.medianIterationMs, r.minIterationMs, r.maxIterationMs, r.firstPreviewMs,
                    r.peakRssMb);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
