#include "losses.h"

#include <ATen/ATen.h>

namespace msf::detail {

at::Tensor selfCrossEntropy(const at::Tensor& logits, const at::Tensor& argmaxLabels) {
    return at::cross_entropy_loss(logits, argmaxLabels);
}

at::Tensor interScaleLoss(const at::Tensor& contextSmall, const at::Tensor& contextLarge) {
    auto cos = at::cosine_similarity(contextSmall.squeeze(0), contextLarge.squeeze(0), 1, 1e-8);
    return 1.0 - cos.mean();
}

at::Tensor intraScaleLoss(const at::Tensor& attention) {
    auto eye = at::eye(attention.size(0), attention.options());
    return (attention - eye).abs().mean();
}

}  // namespace msf::detail
