#pragma once
// LayerNorm over the channels of n x C tokens: the engine's own CUDA kernels
// (cuda/layer_norm_kernels.h) where they are built (MSFORMER_CUDA_KERNELS),
// the tensor is float32 on CUDA and C suits them; at::layer_norm otherwise.
#include <ATen/core/Tensor.h>

namespace msf::detail {

at::Tensor layerNormTokens(const at::Tensor& tokens, const at::Tensor& weight, const at::Tensor& bias, double eps);

// Whether this build has the kernels.
bool layerNormKernelBuilt();

}  // namespace msf::detail
