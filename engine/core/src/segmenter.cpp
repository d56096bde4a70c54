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

    const auto input = detail::toWorkingTensor(image, config_.size, device);
    detail::MsFormerNet net{nullptr};
    {
        detail::SeedGuard seeded(config_.seed);
        net = detail::MsFormerNet(config_, image.channels);
    }
    net->to(device);
    net->train();
    torch::optim::SGD optimizer(net->parameters(),
                                torch::optim::SGDOptions(config_.learningRate).momentum(config_.momentum));

    SegmentationResult result;
    result.device = resolved == DeviceChoice::Cuda ? "cuda" : "cpu";
    const auto& w = config_.weights;
    for (int it = 1; it <= config_.maxIterations; ++it) {
        if (cancel && cancel->cancelled()) {
            result.cancelled = true;
            break;
        }
        const auto t0 = Clock::now();
        optimizer.zero_grad();
        auto out = net->forward(input);
        auto labels = out.logits.argmax(1);
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
            auto intra = detail::intraScaleLoss(net->intraAttention(out.logits));
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
        stats.milliseconds = msSince(t0);
        result.history.push_back(stats);

        if (observer_ && !observer_(stats, detail::toLabelMap(labels))) {
            result.cancelled = true;
            break;
        }
        if (stats.labelCount <= config_.minLabels) {
            result.stoppedEarly = true;
            break;
        }
    }

    {
        torch::NoGradGuard noGrad;
        auto logits = net->forward(input).logits;
        if (!at::isfinite(logits).all().item<bool>())
            throw SegmentationError("the final logits are non-finite");
        result.working = detail::toLabelMap(logits.argmax(1));
    }
    result.original = resizeNearest(result.working, image.width, image.height);
    result.clusterCount = result.working.count();
    result.totalMilliseconds = msSince(start);
    return result;
}

}  // namespace msf
