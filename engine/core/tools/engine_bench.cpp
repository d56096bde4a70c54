// Engine-only benchmark for machines with LibTorch and nothing else (GPU boxes).
// Usage: msformer-engine-bench [--mode default|faithful] [--size S] [--iterations N]
//        [--device auto|cpu|cuda] [--channels C] [--threads T] [--seed N]
//        [--until-stop] [--dump FILE]
// --until-stop keeps the early stop (a real run); --dump writes the final S x S
// label map as raw little-endian int32, for comparing devices.
#include <cstdio>
#include <fstream>
#include <string>

#include "msformer/benchmark.h"
#include "msformer/runtime_info.h"
#include "msformer/segmenter.h"

int main(int argc, char** argv) {
    msf::MsFormerConfig config = msf::interactiveConfig();
    int channels = 3, iterations = 10, size = 0, threads = 0;
    unsigned long long seed = 0;
    bool untilStop = false;
    std::string dump, mode = "default";
    msf::DeviceChoice device = msf::DeviceChoice::Auto;
    for (int i = 1; i < argc; ++i) {
        const std::string key = argv[i];
        if (key == "--until-stop") {
            untilStop = true;
            continue;
        }
        if (i + 1 >= argc) {
            std::fprintf(stderr, "option %s needs a value\n", key.c_str());
            return 2;
        }
        const std::string value = argv[++i];
        if (key == "--size") size = std::stoi(value);
        else if (key == "--iterations") iterations = std::stoi(value);
        else if (key == "--channels") channels = std::stoi(value);
        else if (key == "--threads") threads = std::stoi(value);
        else if (key == "--seed") seed = std::stoull(value);
        else if (key == "--dump") dump = value;
        else if (key == "--mode") mode = value;
        else if (key == "--device") {
            if (!msf::parseDeviceChoice(value, &device)) {
                std::fprintf(stderr, "unknown device '%s'\n", value.c_str());
                return 2;
            }
        } else {
            std::fprintf(stderr, "unknown option '%s'\n", key.c_str());
            return 2;
        }
    }
    if (mode == "faithful") config = msf::faithfulConfig();
    else if (mode != "default") {
        std::fprintf(stderr, "unknown mode '%s'\n", mode.c_str());
        return 2;
    }
    if (size) config.size = size;
    config.maxIterations = iterations;
    config.threads = threads;
    config.seed = seed;
    config.device = device;
    try {
        const auto r = msf::runBenchmark(config, channels, untilStop);
        const auto info = msf::runtimeInfo(config.device);
        std::printf("mode %s, torch %s, device %s, threads %d, blas %s\n", mode.c_str(), info.torchVersion.c_str(),
                    info.device.c_str(), info.threads, info.blasLibrary.c_str());
        std::printf("size %d, iterations %d, median %.2f ms/iteration (min %.2f, max %.2f), first preview %.1f ms, "
                    "total %.0f ms, peak RSS %.0f MB, %d labels\n",
                    r.size, r.iterations, r.medianIterationMs, r.minIterationMs, r.maxIterationMs, r.firstPreviewMs,
                    r.totalMs, r.peakRssMb, r.labels.count());
        if (!dump.empty()) {
            std::ofstream f(dump, std::ios::binary);
            f.write(reinterpret_cast<const char*>(r.labels.labels.data()),
                    static_cast<std::streamsize>(r.labels.labels.size() * sizeof(int32_t)));
            if (!f) {
                std::fprintf(stderr, "%s: cannot write\n", dump.c_str());
                return 1;
            }
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
