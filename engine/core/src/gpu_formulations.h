#pragma once
// Steps that the loop and the network compute in another, equivalent
// arrangement on CUDA, where LibTorch's default kernels for them are slow
// (H100 profile at S = 257, docs/measurements/gpu/). Each gives the same
// values and gradients as the CPU's arrangement, to float rounding;
// test_engine_internals forces them on the CPU and compares in float64, and
// test_segmenter runs the loop's order on the CPU.
//
// For measurement, MSFORMER_GPU_ABLATE=name,name... turns steps off by name
// (the names below); scripts/gpu_check.sh times each one off in turn.
#include <ATen/core/Tensor.h>

namespace msf::detail {

enum class GpuStep {
    RunAhead,            // "run-ahead": queue iteration i + 1 before reading iteration i (segmenter.cpp)
    BiasByProduct,       // "bias-product": bias gradients as ones(1 x n) dY, not a column sum
    NoKeyBias,           // "key-bias": leave out the attention's key bias (it changes no value)
    GatherCrossEntropy,  // "gather-ce": the self cross-entropy by gathering log-probabilities
    OneIntraProduct,     // "intra-product": both intra-scale token sets through one product
    LayerNormKernel,     // "layernorm-kernel": the engine's own LayerNorm kernels (fused_layer_norm.h)
};

// Whether `step` is on (not ablated).
bool gpuStepEnabled(GpuStep step);
// True for `step` on CUDA tensors, and on every tensor while forced (tests),
// unless ablated.
bool gpuFormulation(const at::Tensor& t, GpuStep step);
void forceGpuFormulations(bool on);

// tokens (n x C) W^T + b, as at::linear, except that the backward pass forms
// the bias gradient as the product ones(1 x n) dY instead of LibTorch's
// column sum of dY (a reduction across rows that ran at a quarter of the
// memory bandwidth: about 1 ms of an 11.7 ms iteration). `weight` is O x C.
at::Tensor linearWithBiasGradientByProduct(const at::Tensor& tokens, const at::Tensor& weight, const at::Tensor& bias);

// tokens (n x C) + bias, with the bias gradient formed the same way (the
// depthwise convolution's bias, which cuDNN's path adds in a separate pass anyway).
at::Tensor addBiasWithGradientByProduct(const at::Tensor& tokens, const at::Tensor& bias);

}  // namespace msf::detail
