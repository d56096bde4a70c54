// k-means baseline (Lloyd with k-means++ seeding) on the working-size input.
// Tensor code, so it runs on the GPU as well as on the CPU.
#include <ATen/ATen.h>

#include <chrono>
#include <random>

#include "msformer/memory_check.h"
#include "msformer/runtime_info.h"
#include "msformer/segmenter.h"
#include "preprocess.h"

namespace msf {

namespace {

at::Tensor squaredDistances(const at::Tensor& x, const at::Tensor& centres) {
    // N x k: |x|^2 - 2 x.c + |c|^2, clamped at 0 against rounding.
    auto d = x.pow(2).sum(1, true) - 2 * at::mm(x, centres.t()) + centres.pow(2).sum(1).unsqueeze(0);
    return d.clamp_min(0);
}

at::Tensor kmeansPlusPlus(const at::Tensor& x, int k, std::mt19937_64& rng) {
    const int64_t n = x.size(0);
    std::vector<int64_t> chosen;
    chosen.push_back(std::uniform_int_distribution<int64_t>(0, n - 1)(rng));
    auto centres = x.index_select(0, at::tensor(chosen, at::kLong).to(x.device()));
    for (int c = 1; c < k; ++c) {
        auto d = std::get<0>(squaredDistances(x, centres).min(1)).to(at::kCPU, at::kDouble).contiguous();
        const double* p = d.data_ptr<double>();
        std::discrete_distribution<int64_t> pick(p, p + n);
        // All points equal to the centres (flat image): fall back to uniform.
        const double total = d.sum().item<double>();
        const int64_t next = total > 0 ? pick(rng) : std::uniform_int_distribution<int64_t>(0, n - 1)(rng);
        chosen.push_back(next);
        centres = x.index_select(0, at::tensor(chosen, at::kLong).to(x.device()));
    }
    return centres;
}

}  // namespace

SegmentationResult runKMeans(const ImageBuffer& image, const KMeansConfig& config) {
    const auto start = std::chrono::steady_clock::now();
    if (const auto problem = config.validate(); !problem.empty()) throw SegmentationError(problem);
    // Before any full-size work (it is on the CPU whatever the device): an image too large for the memory
    // would otherwise end with the kernel killing the process, and the app's masks with it.
    if (const auto problem = kmeansMemoryProblem(image.width, image.height, image.channels, availableMemoryBytes());
        !problem.empty())
        throw SegmentationError(problem);
    const DeviceChoice resolved = resolveDevice(config.device);
    const auto input = detail::toWorkingTensor(image, config.size, detail::torchDevice(resolved));
    const int64_t c = input.size(1);
    auto x = input.squeeze(0).reshape({c, -1}).t().contiguous().to(at::kDouble);  // N x C

    std::mt19937_64 rng(config.seed);
    auto centres = kmeansPlusPlus(x, config.k, rng);
    at::Tensor assign;
    for (int it = 0; it < config.maxIterations; ++it) {
        assign = squaredDistances(x, centres).argmin(1);
        auto sums = at::zeros_like(centres).index_add_(0, assign, x);
        auto counts = at::zeros({config.k}, x.options()).index_add_(0, assign, at::ones({x.size(0)}, x.options()));
        auto updated = at::where(counts.unsqueeze(1) > 0, sums / counts.clamp_min(1).unsqueeze(1), centres);
        const double shift = (updated - centres).pow(2).sum(1).max().item<double>();
        centres = updated;
        if (shift <= config.tolerance) break;
    }
    assign = squaredDistances(x, centres).argmin(1);

    SegmentationResult result;
    result.device = resolved == DeviceChoice::Cuda ? "cuda" : "cpu";
    result.parameters = parameterMap(config);
    result.parameters["device"] = result.device;
    result.working = detail::toLabelMap(assign.view({config.size, config.size}));
    result.original = renumberBySize(resizeNearest(result.working, image.width, image.height));
    result.clusterCount = result.original.count();  // of the delivered map (a small image can lose a label)
    result.totalMilliseconds =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return result;
}

}  // namespace msf
