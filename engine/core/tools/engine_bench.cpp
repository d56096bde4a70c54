// Engine-only benchmark for machines with LibTorch and nothing else (GPU boxes).
// Usage: msformer-engine-bench [--mode default|faithful] [--size S] [--iterations N]
//        [--device auto|cpu|cuda] [--channels C] [--threads T] [--seed N]
//        [--until-stop] [--reference] [--recompute|--no-recompute] [--precision fp32|tf32|bf16] [--tf32]
//        [--no-graph] [--dump FILE] [--profile TRACE.json] [--self-check]
// --until-stop keeps the early stop (a real run); --dump writes the final S x S
// label map as raw little-endian int32, for comparing devices. --profile records
// iterations 4-6 with LibTorch's Kineto profiler (CPU ops, and CUDA kernels on
// a GPU), prints the costliest ops and saves a Chrome trace where LibTorch has
// Kineto. --precision picks the matrix products' arithmetic (MsFormerConfig::precision;
// --tf32 = --precision tf32);
// --no-graph runs every CUDA iteration eagerly instead of replaying a CUDA graph;
// --reference runs the literal NCHW network (the code before the optimisation);
// --self-check runs msf::gpuSelfCheck (the CUDA path against float64) and exits 1 if a check fails.
#include <torch/csrc/autograd/profiler_kineto.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <vector>
#include <fstream>
#include <string>

#include "msformer/benchmark.h"
#include "msformer/gpu_self_check.h"
#include "msformer/runtime_info.h"
#include "msformer/segmenter.h"

namespace {
// Kineto events report microseconds in LibTorch 1.x and nanoseconds in 2.x.
template <typename E>
auto eventMicros(const E& e, int) -> decltype(e.durationNs(), double()) { return e.durationNs() / 1000.0; }
template <typename E>
double eventMicros(const E& e, long) { return static_cast<double>(e.durationUs()); }

// Prints the most expensive ops (CPU, inclusive of the ops they call) and
// device kernels, per iteration, and saves a Chrome trace where the build can.
void summarise(torch::autograd::profiler::ProfilerResult& result, int iterations, double wallMs,
               const std::string& path) {
    struct Row { double micros = 0; int count = 0; };
    std::map<std::pair<bool, std::string>, Row> rows;
    double deviceMicros = 0;
    for (const auto& e : result.events()) {
        const bool onDevice = e.deviceType() != c10::DeviceType::CPU;
        auto& row = rows[{onDevice, e.name()}];
        row.micros += eventMicros(e, 0);
        ++row.count;
        if (onDevice) deviceMicros += eventMicros(e, 0);
    }
    std::printf("profile: %d iterations, %.1f ms wall per iteration, device kernels busy %.1f ms per iteration\n",
                iterations, wallMs / iterations, deviceMicros / 1000.0 / iterations);
    for (const bool onDevice : {true, false}) {
        std::vector<std::pair<double, std::string>> sorted;
        for (const auto& [key, row] : rows)
            if (key.first == onDevice) sorted.push_back({row.micros, key.second + " (x" + std::to_string(row.count / iterations) + ")"});
        if (sorted.empty()) continue;
        std::sort(sorted.rbegin(), sorted.rend());
        std::printf("%s, ms per iteration:\n", onDevice ? "device kernels" : "CPU ops (inclusive)");
        for (size_t i = 0; i < std::min<size_t>(sorted.size(), 30); ++i)
            std::printf("  %8.2f  %.110s\n", sorted[i].first / 1000.0 / iterations, sorted[i].second.c_str());
    }
    try {
        result.save(path);
        std::printf("trace written to %s\n", path.c_str());
    } catch (const std::exception&) {
        std::printf("no trace file: this LibTorch was built without Kineto\n");
    }
}

// Records iterations 4 to 6 (the first ones include one-off set-up, and on
// CUDA the recording of the graph that iterations 3 onwards replay).
void profileIterations(int finishedIteration, msf::DeviceChoice device, const std::string& path) {
    namespace prof = torch::autograd::profiler;
    using torch::profiler::impl::ActivityType;
    using torch::profiler::impl::ProfilerConfig;
    using torch::profiler::impl::ProfilerState;
    static const ProfilerConfig config(ProfilerState::KINETO);
    static auto started = std::chrono::steady_clock::now();
    std::set<ActivityType> activities{ActivityType::CPU};
    if (msf::resolveDevice(device) == msf::DeviceChoice::Cuda) activities.insert(ActivityType::CUDA);
    if (finishedIteration == 3) {
        prof::prepareProfiler(config, activities);
        prof::enableProfiler(config, activities);
        started = std::chrono::steady_clock::now();
    } else if (finishedIteration == 6) {
        const double wallMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
        summarise(*prof::disableProfiler(), 3, wallMs, path);
    }
}
}  // namespace

int main(int argc, char** argv) {
    msf::MsFormerConfig config = msf::interactiveConfig();
    int channels = 3, iterations = 10, size = 0, threads = 0;
    unsigned long long seed = 0;
    bool untilStop = false, recompute = false, noRecompute = false, tf32 = false, noGraph = false, reference = false,
         selfCheck = false;
    const std::map<std::string, bool*> switches{{"--until-stop", &untilStop}, {"--recompute", &recompute},
                                                {"--no-recompute", &noRecompute}, {"--tf32", &tf32},
                                                {"--no-graph", &noGraph}, {"--reference", &reference},
                                                {"--self-check", &selfCheck}};
    std::string dump, profile, mode = "default";
    msf::DeviceChoice device = msf::DeviceChoice::Auto;
    std::optional<msf::Precision> precision;
    for (int i = 1; i < argc; ++i) {
        const std::string key = argv[i];
        if (const auto it = switches.find(key); it != switches.end()) {
            *it->second = true;
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
        else if (key == "--profile") profile = value;
        else if (key == "--mode") mode = value;
        else if (key == "--precision") {
            precision.emplace();
            if (!msf::parsePrecision(value, &*precision)) {
                std::fprintf(stderr, "unknown precision '%s' (fp32, tf32, bf16)\n", value.c_str());
                return 2;
            }
        }
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
    if (selfCheck) {
        bool passed = false;
        for (const auto& l : msf::gpuSelfCheck(&passed)) std::printf("%s\n", l.c_str());
        return passed ? 0 : 1;
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
    config.recomputeActivations = (config.recomputeActivations || recompute) && !noRecompute;
    config.cudaGraphs = config.cudaGraphs && !noGraph;
    config.referenceImplementation = reference;
    config.device = device;
    if (tf32) config.precision = msf::Precision::TF32;
    else if (precision) config.precision = *precision;
    try {
        std::function<void(int)> hook;
        if (!profile.empty()) hook = [&](int iteration) { profileIterations(iteration, device, profile); };
        const auto r = msf::runBenchmark(config, channels, untilStop, hook);
        const auto info = msf::runtimeInfo(config.device, config.threads);
        std::printf("mode %s, precision %s, torch %s, device %s, threads %d, blas %s\n", mode.c_str(),
                    msf::precisionName(r.precision), info.torchVersion.c_str(), info.device.c_str(), info.threads,
                    info.blasLibrary.c_str());
        std::printf("size %d, iterations %d, median %.2f ms/iteration (min %.2f, max %.2f), first preview %.1f ms, "
                    "total %.0f ms, peak RSS %.0f MB, %d labels\n",
                    r.size, r.iterations, r.medianIterationMs, r.minIterationMs, r.maxIterationMs, r.firstPreviewMs,
                    r.totalMs, r.peakRssMb, r.labels.count());
        if (r.device == "cuda")
            std::printf("cuda graph: %s\n", r.cudaGraph ? "replayed" : ("not used " + r.cudaGraphProblem).c_str());
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
