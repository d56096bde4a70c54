#include "losses.h"

#include <ATen/ATen.h>

#include "gpu_formulations.h"
#include "precision_scope.h"

namespace msf::detail {

at::Tensor selfCrossEntropy(const at::Tensor& logits, const at::Tensor& argmaxLabels) {
    // On CUDA, for n x K logits: LibTorch's NLL loss runs forward and backward
    // in a single thread block (60 and 70 us for 66049 pixels on an H100);
    // picking the target's log-probability and averaging is the same value.
    if (gpuFormulation(logits, GpuStep::GatherCrossEntropy) && logits.dim() == 2)
        return -at::log_softmax(logits, 1).gather(1, argmaxLabels.unsqueeze(1)).mean();
    return at::cross_entropy_loss(logits, argmaxLabels);
}

at::Tensor interScaleLoss(const at::Tensor& contextSmall, const at::Tensor& contextLarge) {
    // Float32 under bfloat16 autocast (no-op otherwise).
    auto cos = at::cosine_similarity(widened(contextSmall.squeeze(0)), widened(contextLarge.squeeze(0)), 1, 1e-8);
    return 1.0 - cos.mean();
}

at::Tensor intraScaleLoss(const at::Tensor& attention) {
    auto eye = at::eye(attention.size(0), attention.options());
    return (attention - eye).abs().mean();
}

}  // namespace msf::detail
