#include "momentum_sgd.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <utility>

namespace msf::detail {

MomentumSgd::MomentumSgd(std::vector<at::Tensor> parameters, double learningRate, double momentum)
    : parameters_(std::move(parameters)),
      buffers_(parameters_.size()),
      learningRate_(learningRate),
      momentum_(momentum) {}

void MomentumSgd::zeroGrad() {
    if (parameters_.empty()) return;
    if (parameters_.front().is_cuda()) {
        for (auto& p : parameters_) p.mutable_grad().reset();
        return;
    }
    std::vector<at::Tensor> grads;
    for (auto& p : parameters_)
        if (p.grad().defined()) grads.push_back(p.grad());
    c10::NoGradGuard noGrad;
    if (!grads.empty()) at::_foreach_zero_(grads);
}

void MomentumSgd::step() {
    c10::NoGradGuard noGrad;
    std::vector<at::Tensor> params, grads, buffers, continuing, continuingGrads;
    for (size_t i = 0; i < parameters_.size(); ++i) {
        const auto& grad = parameters_[i].grad();
        if (!grad.defined()) continue;
        params.push_back(parameters_[i]);
        if (momentum_ == 0) {
            buffers.push_back(grad);
            continue;
        }
        if (!buffers_[i].defined()) {
            buffers_[i] = grad.clone().detach();
        } else {
            continuing.push_back(buffers_[i]);
            continuingGrads.push_back(grad);
        }
        buffers.push_back(buffers_[i]);
    }
    if (!continuing.empty()) {
        at::_foreach_mul_(continuing, momentum_);
        at::_foreach_add_(continuing, continuingGrads);
    }
    if (!params.empty()) at::_foreach_add_(params, buffers, -learningRate_);
}

}  // namespace msf::detail
