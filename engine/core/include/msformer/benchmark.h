#pragma once
#include <string>
#include "msformer/config.h"

namespace msf {

struct BenchmarkResult {
    int size = 0;
    int iterations = 0;
    int channels = 0;
    double medianIterationMs = 0;  // forward + backward + step
    double minIterationMs = 0;
    double maxIterationMs = 0;
    double firstPreviewMs = 0;     // from run() to the first label map
    double totalMs = 0;
    double peakRssMb = 0;          // process peak resident set size
    std::string device;
    int threads = 0;
};

// Runs MS-Former on a generated image without early stop.
BenchmarkResult runBenchmark(MsFormerConfig config, int channels = 3);

double peakRssMegabytes();

}  // namespace msf
