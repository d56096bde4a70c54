#include "preprocess.h"

#include <ATen/ATen.h>

#include "msformer/segmenter.h"

namespace msf::detail {

at::Tensor toWorkingTensor(const ImageBuffer& image, int size, const c10::Device& device) {
    if (image.empty()) throw SegmentationError("the image is empty");
    if (image.channels != 1 && image.channels != 3)
        throw SegmentationError("the image has " + std::to_string(image.channels) + " channels; 1 or 3 are supported");
    const size_t expected = static_cast<size_t>(image.width) * image.height * image.channels;
    if (image.data.size() != expected) throw SegmentationError("the image buffer size does not match its dimensions");
    auto hwc = at::from_blob(const_cast<float*>(image.data.data()), {image.height, image.width, image.channels},
                             at::TensorOptions().dtype(at::kFloat));
    auto nchw = hwc.permute({2, 0, 1}).unsqueeze(0).contiguous();
    if (!at::isfinite(nchw).all().item<bool>()) throw SegmentationError("the image contains non-finite values");
    if (image.width != size || image.height != size) {
        const bool shrink = image.width > size || image.height > size;
        const int64_t out[2] = {size, size};
        nchw = shrink ? at::_upsample_bilinear2d_aa(nchw, at::IntArrayRef(out, 2), false)
                      : at::upsample_bilinear2d(nchw, at::IntArrayRef(out, 2), false);
    }
    return nchw.to(device).contiguous();
}

c10::Device torchDevice(DeviceChoice resolved) {
    return resolved == DeviceChoice::Cuda ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
}

LabelMap toLabelMap(const at::Tensor& labels) {
    auto cpu = labels.to(at::kCPU, at::kInt).contiguous();
    const auto h = cpu.size(-2), w = cpu.size(-1);
    LabelMap map{static_cast<int>(w), static_cast<int>(h), {}};
    const int32_t* p = cpu.data_ptr<int32_t>();
    map.labels.assign(p, p + h * w);
    return renumberBySize(map);
}

}  // namespace msf::detail
