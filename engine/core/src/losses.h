#pragma once
// The three MS-Former losses (docs/method.md).
#include <ATen/core/Tensor.h>

namespace msf::detail {

// Cross-entropy of logits (1 x K x H x W, or pixels x K) against their own
// argmax (1 x H x W, or pixels).
at::Tensor selfCrossEntropy(const at::Tensor& logits, const at::Tensor& argmaxLabels);

// 1 - mean over rows of cosine(Gs[i,:], Gl[i,:]); contexts are 1 x D x D.
at::Tensor interScaleLoss(const at::Tensor& contextSmall, const at::Tensor& contextLarge);

// mean |A - I| for a square attention matrix A.
at::Tensor intraScaleLoss(const at::Tensor& attention);

}  // namespace msf::detail
