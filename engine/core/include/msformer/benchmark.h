#pragma once
#include <functional>
#include <string>
#include "msformer/config.h"
#include "msformer/image_buffer.h"

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
    Precision precision = Precision::Float32;  // the one used (Auto resolved)
    bool cudaGraph = false;        // iterations replayed from a CUDA graph
    std::string cudaGraphProblem;  // why recording one failed, if it did
    int threads = 0;
    LabelMap labels;               // the final S x S label map
    double gflopPerIteration = 0;  // modelFlopsPerIteration / 1e9
    double achievedGflops = 0;     // gflopPerIteration / median seconds
    double matmulGflops = 0;       // a 2048^3 float matrix product, same run and threads
};

// Floating-point operations of one iteration: 3 x the forward pass's matrix
// products and convolutions (backward ~ 2 x forward); element-wise work not counted.
double modelFlopsPerIteration(const MsFormerConfig& config, int channels);

// GFLOP/s of a large single-precision matrix product on the configured device
// (median of 5), the machine's practical peak for the ratio above.
double measureMatmulGflops(const MsFormerConfig& config);

// Runs MS-Former on a generated image (a disc on a gradient); without early
// stop unless `keepEarlyStop`. `afterIteration`, if set, is called with the
// iteration number once each iteration's map is ready (e.g. to start and stop
// a profiler around the steady-state iterations).
BenchmarkResult runBenchmark(MsFormerConfig config, int channels = 3, bool keepEarlyStop = false,
                             const std::function<void(int)>& afterIteration = {});

double peakRssMegabytes();

}  // namespace msf
