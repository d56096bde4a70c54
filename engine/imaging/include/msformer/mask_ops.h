#pragma once
// Binary-mask operations on CV_8U masks (0 / 255) and CV_32S label maps.
#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace msf::mask {

cv::Mat clusterMask(const cv::Mat& labels32, int cluster);
// The 8-connected region of the cluster under `p` (empty mask if p is outside);
// `box`, if given, gets its bounding box (empty if p is outside).
cv::Mat regionAt(const cv::Mat& labels32, cv::Point p, cv::Rect* box = nullptr);
// Holes: background pixels that no 4-connected path of background joins to the image border.
cv::Mat fillHoles(const cv::Mat& mask);
// The same in place on a 0 / 255 mask whose every pixel lies in `bounds` (no pass over the rest).
void fillHolesIn(cv::Mat& mask, cv::Rect bounds);
cv::Mat keepLargestComponent(const cv::Mat& mask);
cv::Mat removeIslands(const cv::Mat& mask, int minArea);
// Morphological opening then closing with an elliptical kernel of this radius.
cv::Mat smooth(const cv::Mat& mask, int radius);
// Opening only: removes structures thinner than 2 * radius + 1.
cv::Mat smoothOpen(const cv::Mat& mask, int radius);
// The radius the app's Smooth uses on an image of this size: half a pixel of the
// 129-pixel working grid (whose steps a map upscaled from it shows), at least 2:
// 2 up to 640 pixels, 12 on a 3000-pixel X-ray, 23 on a 6000-pixel photo.
int smoothRadiusFor(cv::Size imageSize);

// The 8-connected components of a mask: `labels` (CV_32S, 0 = outside) marks
// each with its `label`. Their masks are made on demand (unionOf), in one pass
// for any number of them: a speckled 24-MP mask has thousands.
struct Component {
    int label = 0;
    int area = 0;
    bool touchesBorder = false;
    cv::Point2d centroid;
};
struct Components {
    cv::Mat labels;
    std::vector<Component> parts;
};
Components components(const cv::Mat& mask);
// 0 / 255: the pixels of these components of `labels`.
cv::Mat unionOf(const cv::Mat& labels, const std::vector<Component>& parts);

// The pixel farthest from the component's boundary (its "innermost" point).
cv::Point innermostPoint(const cv::Mat& componentMask);

int area(const cv::Mat& mask);
// How many 8-connected components the mask's non-zero pixels make (0 for an empty mask).
int regionCount(const cv::Mat& mask);
// "2 regions, 12,345 px, 86.4 mm²" ("... 12.3 cm²" from 1000 mm²; no area when a
// spacing, in mm, is not positive); "empty" for a mask without pixels. The app's
// mask panel and `msformer segment` say it alike.
std::string sizeText(const cv::Mat& mask, double spacingX, double spacingY);

}  // namespace msf::mask
