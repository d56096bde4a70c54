#include "msformer/segmenter.h"

#include <ATen/ATen.h>
#include <torch/optim/sgd.h>
#include <torch/utils.h>

#include <chrono>
#include <cmath>
#include <mutex>

#include "losses.h"
#include "model.h"
#include "msformer/runtime_info.h"
#include "preprocess.h"
#include "seeding.h"

namespace msf {

namespace {
using Clock = std::chrono::steady_clock;
double msSince(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

int distinctLabels(const at::Tensor& labels) {
    return static_cast<int>(std::get<0>(at::_unique(labels.flatten(), false, false)).numel());
}
}  // namespace

Segmenter::Segmenter(MsFormerConfig config) : config_(std::move(config)) {}
Segmenter::~Segmenter() = default;

SegmentationResult Segmenter::run(const ImageBuffer& image, const CancelFlag* cancel) {
    const auto start = Clock::now();
    if (const auto problem = config_.validate(); !problem.empty()) throw SegmentationError(problem);
    const DeviceChoice resolved = resolveDevice(config_.device);
    const auto device = detail::torchDevice(resolved);
    setThreadCount(config_.threads);
    tuneAllocatorForLargeTensors();
    struct ReleaseOnExit {
        ~ReleaseOnExit() { releaseFreedMemory(); }
    } release;

    auto input = detail::toWorkingTensor(image, config_.size, device);
    if (config_.standardizeInput) input = (input - input.mean()) / (input.std() + 1e-6);
    detail::MsFormerNet net{nullptr};
    {
        detail::SeedGuard seeded(config_.seed);
        net = detail::MsFormerNet(config_, image.channels);
    }
    net->to(device);
    net->train();
    torch::optim::SGD optimizer(net->parameters(),
                                torch::optim::SGDOptions(config_.learningRate).momentum(config_.momentum));

    const bool reference = config_.referenceImplementation;
    const int64_t side = config_.size;
    const int minLabelArea = static_cast<int>(config_.minLabelAreaFraction * side * side);
    const int mergeArea = static_cast<int>(config_.mergeRegionsBelowFraction * side * side);
    auto cleanUp = [mergeArea](LabelMap map) { return mergeArea > 1 ? mergeSmallRegions(map, mergeArea) : map; };
    SegmentationResult result;
    result.device = resolved == DeviceChoice::Cuda ? "cuda" : "cpu";
    const auto& w = config_.weights;
    at::Tensor previousLabels;
    int stableRun = 0;
    for (int it = 1; it <= config_.maxIterations; ++it) {
        if (cancel && cancel->cancelled()) {
            result.cancelled = true;
            break;
        }
        const auto t0 = Clock::now();
        optimizer.zero_grad();
        auto out = reference ? net->forwardReference(input) : net->forward(input);
        auto labels = out.logits.argmax(1);  // (S*S) or 1 x S x S
        IterationStats stats;
        stats.iteration = it;
        auto total = at::zeros({}, out.logits.options());
        if (config_.useCe) {
            auto ce = detail::selfCrossEntropy(out.logits, labels);
            total = total + w.ce * ce;
            stats.lossCe = ce.item<double>();
        }
        if (config_.useInter) {
            auto inter = detail::interScaleLoss(out.contextSmall, out.contextLarge);
            total = total + w.inter * inter;
            stats.lossInter = inter.item<double>();
        }
        if (config_.useIntra) {
            auto intra = detail::intraScaleLoss(reference ? net->intraAttentionReference(out.logits)
                                                          : net->intraAttention(out.logits));
            total = total + w.intra * intra;
            stats.lossIntra = intra.item<double>();
        }
        stats.lossTotal = total.item<double>();
        if (!std::isfinite(stats.lossTotal)) {
            throw SegmentationError("the loss became non-finite at iteration " + std::to_string(it) +
                                    " (ce " + std::to_string(stats.lossCe) + ", inter " +
                                    std::to_string(stats.lossInter) + ", intra " +
                                    std::to_string(stats.lossIntra) + ")");
        }
        total.backward();
        optimizer.step();
        stats.labelCount = distinctLabels(labels);
        if (previousLabels.defined()) {
            stats.changedFraction = labels.ne(previousLabels).to(at::kFloat).mean().item<double>();
            stableRun = stats.changedFraction < config_.stableChangeFraction ? stableRun + 1 : 0;
        }
        previousLabels = labels;
        // The map is copied to the CPU and renumbered once, for both uses below.
        const LabelMap map = minLabelArea > 1 || observer_ ? detail::toLabelMap(labels.view({side, side})) : LabelMap{};
        const int significant = minLabelArea > 1 ? countLabelsAtLeast(map, minLabelArea) : stats.labelCount;
        stats.milliseconds = msSince(t0);
        result.history.push_back(stats);

        if (observer_ && !observer_(stats, cleanUp(map))) {
            result.cancelled = true;
            break;
        }
        if (significant <= config_.minLabels ||
            (config_.stableIterations > 0 && stableRun >= config_.stableIterations)) {
            result.stoppedEarly = true;
            break;
        }
    }

    {
        torch::NoGradGuard noGrad;
        auto logits = reference ? net->forwardReference(input).logits : net->forward(input).logits;
        if (!at::isfinite(logits).all().item<bool>())
            throw SegmentationError("the final logits are non-finite");
        result.working = cleanUp(detail::toLabelMap(logits.argmax(1).view({side, side})));
    }
    result.original = resizeNearest(result.working, image.width, image.height);
    if (config_.refineRadius > 0) {
        // One working pixel covers this many original pixels.
        const double scale = std::max(image.width, image.height) / static_cast<double>(config_.size);
        const int passes = static_cast<int>(std::ceil(config_.refineRadius * scale));
        result.original = refineBoundaries(mergeSimilarNeighbours(result.original, image, config_.mergeColourTolerance),
                                           image, passes);
        if (mergeArea > 1) {
            const double areaScale = static_cast<double>(image.width) * image.height / (side * side);
            result.original = mergeSmallRegions(result.original, static_cast<int>(mergeArea * areaScale));
        }
    }
    result.clusterCount = result.working.count();
    result.totalMilliseconds = msSince(start);
    return result;
}

}  // namespace msf
