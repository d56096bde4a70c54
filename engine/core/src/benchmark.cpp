#include "msformer/benchmark.h"

#include <ATen/ATen.h>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

#include "msformer/runtime_info.h"
#include "msformer/segmenter.h"

namespace msf {

double peakRssMegabytes() {
    struct rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024.0;  // Linux reports kilobytes
}

double measureMatmulGflops(const MsFormerConfig& config) {
    const auto device = resolveDevice(config.device) == DeviceChoice::Cuda ? at::Device(at::kCUDA, 0) : at::Device(at::kCPU);
    setThreadCount(config.threads);
    const int64_t n = 2048;
    // Drawn on the CPU: the device's generator is not touched.
    auto a = at::rand({n, n}).to(device), b = at::rand({n, n}).to(device);
    std::vector<double> seconds;
    for (int i = 0; i < 6; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        auto c = at::mm(a, b);
        (void)c.sum().item<float>();  // waits for the device
        if (i > 0) seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(seconds.begin(), seconds.end());
    return 2.0 * n * n * n / seconds[seconds.size() / 2] / 1e9;
}

BenchmarkResult runBenchmark(MsFormerConfig config, int channels, bool keepEarlyStop,
                             const std::function<void(int)>& afterIteration) {
    if (!keepEarlyStop) {  // time every iteration
        config.minLabels = 0;
        config.stableIterations = 0;
    }
    const int s = config.size;
    ImageBuffer image{s, s, channels, std::vector<float>(static_cast<size_t>(s) * s * channels)};
    // A disc on a gradient: a little structure, deterministic.
    for (int y = 0; y < s; ++y)
        for (int x = 0; x < s; ++x) {
            const double r = std::hypot(x - s / 2.0, y - s / 2.0) / s;
            for (int c = 0; c < channels; ++c)
                image.data[(static_cast<size_t>(y) * s + x) * channels + c] =
                    static_cast<float>(r < 0.25 ? 0.2 + 0.1 * c : 0.6 + 0.3 * x / s);
        }

    BenchmarkResult out;
    out.size = s;
    out.channels = channels;
    const auto start = std::chrono::steady_clock::now();
    bool first = true;
    Segmenter segmenter(config);
    segmenter.setObserver([&](const IterationStats& stats, const LabelMap&) {
        if (afterIteration) afterIteration(stats.iteration);
        if (first) {
            out.firstPreviewMs =
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
            first = false;
        }
        return true;
    });
    const auto result = segmenter.run(image);
    std::vector<double> times;
    for (const auto& h : result.history) times.push_back(h.milliseconds);
    std::sort(times.begin(), times.end());
    out.iterations = static_cast<int>(times.size());
    if (!times.empty()) {
        const size_t n = times.size();
        out.medianIterationMs = n % 2 ? times[n / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]);
        out.minIterationMs = times.front();
        out.maxIterationMs = times.back();
    }
    out.totalMs = result.totalMilliseconds;
    out.peakRssMb = peakRssMegabytes();
    out.device = result.device;
    out.cudaGraph = result.cudaGraph;
    out.precision = result.precision;
    out.cudaGraphProblem = result.cudaGraphProblem;
    out.threads = threadsFor(config.threads);
    out.labels = result.working;
    out.gflopPerIteration = modelFlopsPerIteration(config, channels) / 1e9;
    if (out.medianIterationMs > 0) out.achievedGflops = out.gflopPerIteration / (out.medianIterationMs / 1000.0);
    out.matmulGflops = measureMatmulGflops(config);
    return out;
}

double modelFlopsPerIteration(const MsFormerConfig& c, int channels) {
    const double d = c.embedDim, h = c.ffnRatio * c.embedDim, k = c.clusters, s = c.size;
    const double n = s * s;
    const double side = std::floor((s - 1) / c.largeStride) + 1, m = side * side;
    auto branch = [&](double tokens) {
        double f = tokens * d * channels * 9 * 2;           // patch embedding conv 3x3
        const double block = 4 * tokens * d * d * 2         // q, k, v, reprojection
                             + 2 * tokens * d * d * 2       // context and attended
                             + 2 * tokens * d * h * 2       // fc1, fc2
                             + tokens * h * 9 * 2;          // depthwise 3x3
        return f + c.blocks * block;
    };
    double forward = branch(n) + branch(m);
    forward += c.interpolateUpsampling ? n * d * d * 2 : m * d * (c.largeStride * c.largeStride * d) * 2;
    forward += n * 2 * d * k * 2;                            // fusion to K logits
    const double patch = std::min<double>(c.intraPatch, std::floor((s - c.intraShift) / 2));
    const double tokens = std::pow(std::floor((s - c.intraShift) / std::max(1.0, patch)), 2);
    forward += 2 * tokens * k * patch * patch * d * 2 + tokens * tokens * d * 2;  // intra-scale head
    return 3 * forward;
}

}  // namespace msf
