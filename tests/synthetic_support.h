#pragma once
// Helpers shared by tests: phantoms as engine buffers.
#include "msformer/mat_convert.h"
#include "msformer/phantoms.h"

inline msf::ImageBuffer bufferOf(const msf::phantom::Phantom& p) {
    cv::Mat f;
    p.image.convertTo(f, CV_32F, 1.0 / 255.0);
    return msf::toImageBuffer(f);
}
