#include "losses.h"

#include <ATen/ATen.h>

#include "precision_scope.h"

namespace msf::detail {

at::Tensor selfCrossEntropy(const at::Tensor& logits, const at::Tensor& argmaxLabels) {
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
