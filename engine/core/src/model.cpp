#include "model.h"

#include "fused_layer_norm.h"
#include "gpu_formulations.h"
#include "precision_scope.h"

#include <ATen/ATen.h>
#include <c10/core/impl/LocalDispatchKeySet.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/nn/functional/activation.h>

namespace msf::detail {

namespace F = torch::nn::functional;
using torch::nn::Conv2dOptions;

namespace {
torch::nn::Conv2d pointwise(int64_t in, int64_t out, bool bias = true) {
    return torch::nn::Conv2d(Conv2dOptions(in, out, 1).bias(bias));
}

// 1 x C x H x W -> (H*W) x C (a view when the image is channels-last).
torch::Tensor toTokens(const torch::Tensor& nchw) {
    return nchw.permute({0, 2, 3, 1}).reshape({-1, nchw.size(1)});
}

// n x C tokens as what they are in memory: a channels-last 1 x C x n x 1 image (a view).
torch::Tensor tokensAsImage(const torch::Tensor& tokens) {
    return tokens.view({1, tokens.size(0), 1, tokens.size(1)}).permute({0, 3, 1, 2});
}

// tokens (n x C) times weight (O x C x 1 x 1) transposed, plus bias: n x O.
// On the CPU this runs as a 1x1 convolution over the tokens viewed as a
// channels-last 1 x C x n x 1 image, which LibTorch hands to oneDNN; its
// AVX-512 kernels beat the BLAS matrix product here by about 1.7x forward and
// backward (66049 x 100 -> 400: 117 -> 70 ms; 400 -> 100: 124 -> 67 ms). On
// CUDA the matrix product (cuBLAS) stays.
// `bias` may be undefined (none).
// On CUDA a bias gradient is formed as a matrix product (gpu_formulations.h),
// except under autocast, whose bfloat16 outputs the custom backward does not take.
torch::Tensor pointwise(const torch::Tensor& tokens, const torch::Tensor& weight, const torch::Tensor& bias) {
    const int64_t out = weight.size(0);
    const auto matrix = weight.view({out, weight.size(1)});
    if (bias.defined() && gpuFormulation(tokens, GpuStep::BiasByProduct) && !autocastEnabled(tokens.device().type()))
        return linearWithBiasGradientByProduct(tokens, matrix, bias);
    if (tokens.is_cuda()) return at::linear(tokens, matrix, bias);
    return toTokens(at::conv2d(tokensAsImage(tokens.contiguous()), weight.view({out, weight.size(1), 1, 1}), bias));
}

// A 1x1 convolution applied to n x C tokens: the same weights as a linear layer.
torch::Tensor linearOf(const torch::nn::Conv2d& conv, const torch::Tensor& tokens) {
    return pointwise(tokens, conv->weight, conv->bias);
}

// BatchNorm2d over the pixels of n x C tokens (training mode, running stats updated).
// On CUDA the tokens are handed over as what they are, a channels-last
// 1 x C x n x 1 image: LibTorch's CUDA backward for an n x C matrix reduces
// along the strided axis and was half of an iteration's GPU time (14.2 of
// 28.7 ms at S = 257 on an H100). On the CPU the matrix form is the faster one
// (1453 vs 1602-1778 ms per iteration here), so it stays.
torch::Tensor batchNormTokens(const torch::nn::BatchNorm2d& bn, const torch::Tensor& input) {
    const auto& o = bn->options;
    const bool asImage = input.is_cuda();
    // LibTorch's CUDA kernels take bfloat16 tokens with float32 parameters; its CPU ones want one dtype.
    const auto tokens = asImage ? input : widened(input);
    auto out = at::batch_norm(asImage ? tokensAsImage(tokens) : tokens, bn->weight, bn->bias, bn->running_mean,
                              bn->running_var, bn->is_training(), o.momentum().value_or(0.1), o.eps(),
                              at::globalContext().userEnabledCuDNN());
    return asImage ? toTokens(out) : out;
}

// The fuse layer `fuse` applied to the channel concatenation of the two
// branches, with its inputs as float32 and autocast off while it runs: the
// logits, which the argmax labels come from, stay float32 in every precision
// (bfloat16 logits, 8 significant bits, would tie between clusters).
template <typename Layer>
torch::Tensor float32Logits(const Layer& fuse, const torch::Tensor& small, const torch::Tensor& large) {
    c10::impl::ExcludeDispatchKeyGuard noAutocast(c10::autocast_dispatch_keyset);
    return fuse(at::cat({widened(small), widened(large)}, 1));
}

}  // namespace

ChannelLayerNormImpl::ChannelLayerNormImpl(int64_t channels, double eps_) : eps(eps_) {
    weight = register_parameter("weight", torch::ones({channels}));
    bias = register_parameter("bias", torch::zeros({channels}));
}

torch::Tensor ChannelLayerNormImpl::forward(const torch::Tensor& x) {
    auto mean = x.mean(1, true);
    auto centred = x - mean;
    auto var = centred.pow(2).mean(1, true);
    return centred * torch::rsqrt(var + eps) * weight.view({1, -1, 1, 1}) + bias.view({1, -1, 1, 1});
}

torch::Tensor ChannelLayerNormImpl::forwardTokens(const torch::Tensor& x) {
    // Float32 statistics under bfloat16 autocast (CUDA's autocast does this itself, the CPU's does not).
    return layerNormTokens(widened(x), weight, bias, eps);
}

EfficientAttentionImpl::EfficientAttentionImpl(int64_t dim) {
    query = register_module("query", pointwise(dim, dim));
    key = register_module("key", pointwise(dim, dim));
    value = register_module("value", pointwise(dim, dim));
    reproject = register_module("reproject", pointwise(dim, dim));
}

std::pair<torch::Tensor, torch::Tensor> EfficientAttentionImpl::forward(const torch::Tensor& x) {
    const auto b = x.size(0), d = x.size(1), h = x.size(2), w = x.size(3);
    auto q = query(x).view({b, d, h * w}).softmax(1);   // over channels
    auto k = key(x).view({b, d, h * w}).softmax(2);     // over tokens
    auto v = value(x).view({b, d, h * w});
    auto context = torch::bmm(k, v.transpose(1, 2));    // b x D x D
    auto attended = torch::bmm(context.transpose(1, 2), q);  // b x D x n
    return {reproject(attended.view({b, d, h, w})), context};
}

std::pair<torch::Tensor, torch::Tensor> EfficientAttentionImpl::forwardTokens(const torch::Tensor& x) {
    // Softmaxes in float32 under bfloat16 autocast (as CUDA's autocast does; a no-op in float32).
    auto q = widened(linearOf(query, x)).softmax(1);  // over channels
    auto v = linearOf(value, x);
    at::Tensor context;                      // D x D, = softmax_n(K) V^T of the NCHW form
    if (x.is_cuda() || gpuFormulation(x, GpuStep::NoKeyBias)) {
        // Keys computed directly as D x n (W x^T) so their softmax over the
        // tokens runs along contiguous memory: a softmax over dim 0 of n x D took
        // 85 ms on an H200 at S = 257 (column-wise reduction kernel). The key
        // bias is left out: it adds a constant to each row, which the softmax
        // over the row removes, so it changes no value and its gradient is 0
        // (adding it cost a copy of the D x n matrix and a row sum backward).
        const auto wk = key->weight.view({key->weight.size(0), key->weight.size(1)});
        auto kt = gpuFormulation(x, GpuStep::NoKeyBias) ? at::mm(wk, x.t()) : at::addmm(key->bias.unsqueeze(1), wk, x.t());
        context = at::mm(widened(kt).softmax(1), v);
    } else {
        context = at::mm(widened(linearOf(key, x)).softmax(0).t(), v);
    }
    // (G^T Q)^T = Q G: a pointwise product whose weight is G^T.
    auto attended = pointwise(q, context.t(), at::Tensor());  // n x D
    return {linearOf(reproject, attended), context.unsqueeze(0)};
}

MixFfnImpl::MixFfnImpl(int64_t dim, int64_t hidden) {
    fc1 = register_module("fc1", pointwise(dim, hidden));
    dwconv = register_module("dwconv", torch::nn::Conv2d(Conv2dOptions(hidden, hidden, 3).padding(1).groups(hidden)));
    norm = register_module("norm", ChannelLayerNorm(hidden));
    fc2 = register_module("fc2", pointwise(hidden, dim));
}

torch::Tensor MixFfnImpl::forward(const torch::Tensor& x) {
    auto h = fc1(x);  // computed once (the published code evaluates it twice)
    h = F::gelu(norm(dwconv(h) + h));
    return fc2(h);
}

namespace {

// GELU(LN(dwconv3x3(h) + h)) on n x 4D tokens read as a channels-last image.
// dwconv(h) + h is one convolution: the skip is +1 on the kernel centre (same
// value, same weight gradient; saves a pass and an add).
at::Tensor mixAndActivate(const at::Tensor& h, const at::Tensor& convWeight, const at::Tensor& convBias,
                          const at::Tensor& normWeight, const at::Tensor& normBias, double eps, int64_t height,
                          int64_t width) {
    const int64_t c = h.size(1);
    auto image = h.view({1, height, width, c}).permute({0, 3, 1, 2});
    auto centre = at::zeros({1, 1, 3, 3}, convWeight.options());
    centre.select(2, 1).select(2, 1).fill_(1.0);  // a kernel, no host-to-device copy (CUDA graphs)
    // On CUDA the bias is added to the tokens, with its gradient by product (gpu_formulations.h).
    const bool biasAfter = gpuFormulation(h, GpuStep::BiasByProduct) && !autocastEnabled(h.device().type());
    auto mixed = at::conv2d(image, convWeight + centre, biasAfter ? at::Tensor() : convBias, 1, 1, 1, c);
    auto tokens = mixed.permute({0, 2, 3, 1}).reshape({-1, c});
    if (biasAfter) tokens = addBiasWithGradientByProduct(tokens, convBias);
    return at::gelu(layerNormTokens(widened(tokens), normWeight, normBias, eps));
}

}  // namespace

torch::Tensor MixFfnImpl::forwardTokens(const torch::Tensor& x, int64_t height, int64_t width) {
    auto h = linearOf(fc1, x);  // n x 4D
    h = mixAndActivate(h, dwconv->weight, dwconv->bias, norm->weight, norm->bias, norm->eps, height, width);
    return linearOf(fc2, h);
}

TransformerBlockImpl::TransformerBlockImpl(int64_t dim, int64_t hidden) {
    norm1 = register_module("norm1", ChannelLayerNorm(dim));
    attention = register_module("attention", EfficientAttention(dim));
    norm2 = register_module("norm2", ChannelLayerNorm(dim));
    ffn = register_module("ffn", MixFfn(dim, hidden));
}

std::pair<torch::Tensor, torch::Tensor> TransformerBlockImpl::forward(torch::Tensor x) {
    auto [attended, context] = attention(norm1(x));
    x = x + attended;
    x = x + ffn(norm2(x));
    return {x, context};
}

std::pair<torch::Tensor, torch::Tensor> TransformerBlockImpl::computeTokens(torch::Tensor x, int64_t height,
                                                                            int64_t width) {
    auto [attended, context] = attention->forwardTokens(norm1->forwardTokens(x));
    x = x + attended;
    x = x + ffn->forwardTokens(norm2->forwardTokens(x), height, width);
    return {x, context};
}

namespace {
// A block that keeps only its input for the backward pass and runs its
// forward again there (activation checkpointing). The recomputation repeats
// the same kernels on the same data, so gradients are unchanged.
struct CheckpointedBlock : public torch::autograd::Function<CheckpointedBlock> {
    static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x,
                                                  at::TensorList parameters, TransformerBlockImpl* block,
                                                  int64_t height, int64_t width) {
        ctx->save_for_backward({x});
        ctx->saved_data["block"] = reinterpret_cast<int64_t>(block);
        ctx->saved_data["height"] = height;
        ctx->saved_data["width"] = width;
        at::NoGradGuard noGrad;
        auto [out, context] = block->computeTokens(x, height, width);
        return {out, context};
    }
    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grads) {
        auto* block = reinterpret_cast<TransformerBlockImpl*>(ctx->saved_data["block"].toInt());
        auto x = ctx->get_saved_variables()[0].detach().requires_grad_(true);
        const auto parameters = block->parameters();
        torch::autograd::variable_list outputs, outputGrads;
        {
            at::AutoGradMode enable(true);
            auto [out, context] = block->computeTokens(x, ctx->saved_data["height"].toInt(),
                                                       ctx->saved_data["width"].toInt());
            for (size_t i = 0; i < 2; ++i) {
                if (!grads[i].defined()) continue;  // a block's context is used by the last block only
                outputs.push_back(i == 0 ? out : context);
                outputGrads.push_back(grads[i].contiguous());  // pytorch#112006
            }
        }
        torch::autograd::variable_list inputs{x};
        inputs.insert(inputs.end(), parameters.begin(), parameters.end());
        auto g = torch::autograd::grad(outputs, inputs, outputGrads, /*retain_graph=*/false,
                                       /*create_graph=*/false, /*allow_unused=*/true);
        g.push_back(at::Tensor());  // block
        g.push_back(at::Tensor());  // height
        g.push_back(at::Tensor());  // width
        return g;
    }
};
}  // namespace

std::pair<torch::Tensor, torch::Tensor> TransformerBlockImpl::forwardTokens(torch::Tensor x, int64_t height,
                                                                            int64_t width) {
    // CPU only: GPU memory is not the constraint there, and the recomputation
    // would cost GPU time (the CUDA figures are measured without it).
    if (!checkpoint || !at::GradMode::is_enabled() || x.is_cuda()) return computeTokens(x, height, width);
    const auto parameters = this->parameters();
    auto out = CheckpointedBlock::apply(x, at::TensorList(parameters), this, height, width);
    return {out[0], out[1]};
}

BranchImpl::BranchImpl(int64_t inChannels, int64_t dim, int64_t hidden, int64_t stride, int blocks, bool replicateEdges) {
    auto options = Conv2dOptions(inChannels, dim, 3).stride(stride).padding(1);
    if (replicateEdges) options.padding_mode(torch::kReplicate);
    embed = register_module("embed", torch::nn::Conv2d(options));
    embedNorm = register_module("embed_norm", torch::nn::BatchNorm2d(dim));
    for (int i = 0; i < blocks; ++i) {
        blockList.push_back(register_module("block" + std::to_string(i), TransformerBlock(dim, hidden)));
        blockNorms.push_back(register_module("block_norm" + std::to_string(i), torch::nn::BatchNorm2d(dim)));
    }
}

std::pair<torch::Tensor, torch::Tensor> BranchImpl::forward(const torch::Tensor& x) {
    auto tokens = embedNorm(embed(x));
    torch::Tensor context;
    for (size_t i = 0; i < blockList.size(); ++i) {
        auto out = blockList[i](tokens);
        tokens = blockNorms[i](out.first);
        context = out.second;
    }
    return {tokens, context};
}

std::pair<torch::Tensor, torch::Tensor> BranchImpl::forwardTokens(const torch::Tensor& x, int64_t* height,
                                                                  int64_t* width) {
    // On CUDA the input goes in channels-last, so cuDNN returns the embedding
    // channels-last and its tokens are a contiguous n x D view. From an NCHW
    // embedding they were a transposed view, and the whole residual stream of
    // the branch stayed transposed: a strided copy before every LayerNorm and
    // strided additions, forward and backward (~40 us each at S = 257 on an
    // H100; 15 copies and 9 additions per iteration in the small branch).
    auto embedded = embed(x.is_cuda() ? x.contiguous(at::MemoryFormat::ChannelsLast) : x);
    *height = embedded.size(2);
    *width = embedded.size(3);
    auto tokens = batchNormTokens(embedNorm, toTokens(embedded));
    torch::Tensor context;
    for (size_t i = 0; i < blockList.size(); ++i) {
        auto out = blockList[i]->forwardTokens(tokens, *height, *width);
        tokens = batchNormTokens(blockNorms[i], out.first);
        context = out.second;
    }
    return {tokens, context};
}

int64_t intraPatchFor(int64_t size, int64_t shift, int64_t configured) {
    const int64_t side = size - shift;
    int64_t patch = std::min(configured, side / 2);
    return std::max<int64_t>(patch, 1);
}

MsFormerNetImpl::MsFormerNetImpl(const MsFormerConfig& c, int64_t inChannels)
    : size_(c.size), stride_(c.largeStride), shift_(c.intraShift), temperature_(c.intraTemperature) {
    const int64_t d = c.embedDim, hidden = c.ffnRatio * c.embedDim, k = c.clusters;
    small = register_module("small", Branch(inChannels, d, hidden, 1, c.blocks, c.replicateEdges));
    large = register_module("large", Branch(inChannels, d, hidden, stride_, c.blocks, c.replicateEdges));
    for (auto* branch : {&small, &large})
        for (auto& block : (*branch)->blockList) block->checkpoint = c.recomputeActivations && branch == &small;
    interpolate_ = c.interpolateUpsampling;
    upsample = register_module("upsample", pointwise(d, interpolate_ ? d : stride_ * stride_ * d, false));
    fuse = register_module("fuse", pointwise(2 * d, k, false));
    patch_ = intraPatchFor(size_, shift_, c.intraPatch);
    tokensPerSide_ = (size_ - shift_) / patch_;
    intraNorm = register_module("intra_norm", torch::nn::BatchNorm2d(k));
    intraProject = register_module("intra_project", torch::nn::Linear(k * patch_ * patch_, d));
}

ForwardOutput MsFormerNetImpl::forward(const torch::Tensor& x) {
    int64_t hs, ws, hl, wl;
    auto [smallTokens, contextSmall] = small->forwardTokens(x, &hs, &ws);
    auto [largeTokens, contextLarge] = large->forwardTokens(x, &hl, &wl);
    const int64_t d = largeTokens.size(1), r = stride_;
    const auto fuseTokens = [this](const torch::Tensor& t) { return linearOf(fuse, t); };
    if (interpolate_) {
        // Bilinear x r on the channels-last view of the tokens, crop, then project.
        auto grid = largeTokens.view({1, hl, wl, d}).permute({0, 3, 1, 2});
        const int64_t upSize[2] = {hl * r, wl * r};
        auto up = at::upsample_bilinear2d(grid, at::IntArrayRef(upSize, 2), false)
                      .narrow(2, 0, size_)
                      .narrow(3, 0, size_)
                      .permute({0, 2, 3, 1})
                      .reshape({size_ * size_, d});
        auto logits = float32Logits(fuseTokens, smallTokens, linearOf(upsample, up));
        return {logits, contextSmall, contextLarge};
    }
    // Pixel shuffle in token layout: channel c*r*r + i*r + j of grid cell (y, x)
    // goes to pixel (r*y + i, r*x + j), channel c; then crop to S x S.
    auto up = linearOf(upsample, largeTokens)
                  .view({hl, wl, d, r, r})
                  .permute({0, 3, 1, 4, 2})
                  .reshape({hl * r, wl * r, d})
                  .narrow(0, 0, size_)
                  .narrow(1, 0, size_)
                  .reshape({size_ * size_, d});
    auto logits = float32Logits(fuseTokens, smallTokens, up);  // (S*S) x K
    return {logits, contextSmall, contextLarge};
}

torch::Tensor MsFormerNetImpl::intraAttention(const torch::Tensor& tokenLogits) {
    auto y = batchNormTokens(intraNorm, tokenLogits).view({size_, size_, -1});
    const int64_t k = y.size(2), n = tokensPerSide_, p = patch_, side = n * p;
    // The patches of the crop at `offset` as n x n x K x P x P (a view): each
    // patch flattened as K x P x P, the order of the NCHW form.
    auto patches = [&](int64_t offset) {
        auto crop = y.narrow(0, offset, side).narrow(1, offset, side);  // side x side x K
        return crop.reshape({n, p, n, p, k}).permute({0, 2, 4, 1, 3});
    };
    torch::Tensor shifted, unshifted;
    if (gpuFormulation(y, GpuStep::OneIntraProduct)) {
        // Both token sets gathered in one copy and through one product: the
        // D x K*P*P weight (41 MB at S = 257) is read once, and its gradient is
        // one product instead of two and their sum.
        auto both = intraProject(at::stack({patches(shift_), patches(0)}).view({2 * n * n, k * p * p}));
        shifted = both.narrow(0, 0, n * n);
        unshifted = both.narrow(0, n * n, n * n);
    } else {
        shifted = intraProject(patches(shift_).reshape({n * n, k * p * p}));
        unshifted = intraProject(patches(0).reshape({n * n, k * p * p}));
    }
    return torch::softmax(widened(torch::mm(shifted, unshifted.t())) / temperature_, 1);
}

ForwardOutput MsFormerNetImpl::forwardReference(const torch::Tensor& x) {
    auto [smallTokens, contextSmall] = small(x);
    auto [largeTokens, contextLarge] = large(x);
    const int64_t upSize[2] = {largeTokens.size(2) * stride_, largeTokens.size(3) * stride_};
    auto up = interpolate_ ? upsample(at::upsample_bilinear2d(largeTokens, at::IntArrayRef(upSize, 2), false))
                           : at::pixel_shuffle(upsample(largeTokens), stride_);
    up = up.narrow(2, 0, size_).narrow(3, 0, size_);
    auto logits = float32Logits([this](const torch::Tensor& t) { return fuse(t); }, smallTokens, up.contiguous());
    return {logits, contextSmall, contextLarge};
}

torch::Tensor MsFormerNetImpl::intraAttentionReference(const torch::Tensor& logits) {
    auto y = intraNorm(logits);
    const int64_t k = y.size(1), n = tokensPerSide_, p = patch_, side = n * p;
    auto tokens = [&](int64_t offset) {
        auto crop = y.narrow(2, offset, side).narrow(3, offset, side);  // 1 x K x side x side
        auto patches = crop.reshape({k, n, p, n, p}).permute({1, 3, 0, 2, 4}).reshape({n * n, k * p * p});
        return intraProject(patches);  // n^2 x D
    };
    auto shifted = tokens(shift_);
    auto unshifted = tokens(0);
    return torch::softmax(torch::mm(shifted, unshifted.t()) / temperature_, 1);
}

}  // namespace msf::detail
