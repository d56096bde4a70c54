#include "msformer/benchmark.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "msformer/runtime_info.h"
#include "msformer/segmenter.h"

namespace msf {

double peakRssMegabytes() {
    struct rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024.0;  // Linux reports kilobytes
}

BenchmarkResult runBenchmark(MsFormerConfig config, int channels, bool keepEarlyStop) {
    if (!keepEarlyStop) config.minLabels = 0;  // time every iteration
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
    segmenter.setObserver([&](const IterationStats&, const LabelMap&) {
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
    out.threads = runtimeInfo(config.device).threads;
    out.labels = result.working;
    return out;
}

}  // namespace msf
