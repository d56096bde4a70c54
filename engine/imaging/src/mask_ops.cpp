#include "msformer/mask_ops.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace msf::mask {

cv::Mat clusterMask(const cv::Mat& labels32, int cluster) {
    cv::Mat m = labels32 == cluster;
    return m;
}

cv::Mat regionAt(const cv::Mat& labels32, cv::Point p, cv::Rect* box) {
    cv::Mat out = cv::Mat::zeros(labels32.size(), CV_8U);
    cv::Rect region;
    if (p.x >= 0 && p.y >= 0 && p.x < labels32.cols && p.y < labels32.rows) {
        // Flooded from the click over the label map itself (8-connected, equal
        // labels), writing only the flood mask: the work follows the region,
        // not the image (a 24-MP map is not turned into a cluster mask first).
        cv::Mat flood = cv::Mat::zeros(labels32.rows + 2, labels32.cols + 2, CV_8U);
        cv::floodFill(labels32, flood, p, cv::Scalar(), &region, cv::Scalar(), cv::Scalar(),
                      8 | cv::FLOODFILL_MASK_ONLY | (255 << 8));
        flood(region + cv::Point(1, 1)).copyTo(out(region));  // the flood mask is offset by its 1-pixel frame
    }
    if (box) *box = region;
    return out;
}

cv::Mat fillHoles(const cv::Mat& mask) {
    cv::Mat filled = (mask > 0) & 255;
    fillHolesIn(filled, cv::boundingRect(filled));
    return filled;
}

void fillHolesIn(cv::Mat& mask, cv::Rect bounds) {
    // Flood the background from a 1-pixel frame around the bounds (a hole lies
    // inside them); what the flood cannot reach is a hole.
    bounds &= cv::Rect({}, mask.size());
    if (bounds.empty()) return;
    cv::Mat padded;
    cv::copyMakeBorder(mask(bounds), padded, 1, 1, 1, 1, cv::BORDER_CONSTANT, 0);
    cv::floodFill(padded, cv::Point(0, 0), 255);
    mask(bounds) |= ~padded(cv::Rect(1, 1, bounds.width, bounds.height));
}

Components components(const cv::Mat& mask) {
    Components out;
    cv::Mat stats, centroids;
    const int n = cv::connectedComponentsWithStats(mask > 0, out.labels, stats, centroids, 8, CV_32S);
    for (int i = 1; i < n; ++i) {
        Component c;
        c.label = i;
        c.area = stats.at<int>(i, cv::CC_STAT_AREA);
        const int x = stats.at<int>(i, cv::CC_STAT_LEFT), y = stats.at<int>(i, cv::CC_STAT_TOP);
        const int w = stats.at<int>(i, cv::CC_STAT_WIDTH), h = stats.at<int>(i, cv::CC_STAT_HEIGHT);
        c.touchesBorder = x == 0 || y == 0 || x + w == mask.cols || y + h == mask.rows;
        c.centroid = {centroids.at<double>(i, 0), centroids.at<double>(i, 1)};
        out.parts.push_back(c);
    }
    return out;
}

cv::Mat unionOf(const cv::Mat& labels, const std::vector<Component>& parts) {
    double maxLabel = 0;
    cv::minMaxLoc(labels, nullptr, &maxLabel);
    std::vector<uchar> keep(static_cast<size_t>(maxLabel) + 1, 0);
    for (const auto& p : parts)
        if (p.label > 0 && p.label <= maxLabel) keep[p.label] = 255;
    cv::Mat out(labels.size(), CV_8U);
    for (int y = 0; y < labels.rows; ++y) {
        const int32_t* in = labels.ptr<int32_t>(y);
        uchar* row = out.ptr<uchar>(y);
        for (int x = 0; x < labels.cols; ++x) row[x] = in[x] > 0 ? keep[in[x]] : 0;
    }
    return out;
}

cv::Mat keepLargestComponent(const cv::Mat& mask) {
    const auto cs = components(mask);
    const Component* best = nullptr;
    for (const auto& c : cs.parts)
        if (!best || c.area > best->area) best = &c;
    return best ? unionOf(cs.labels, {*best}) : cv::Mat::zeros(mask.size(), CV_8U);
}

cv::Mat removeIslands(const cv::Mat& mask, int minArea) {
    const auto cs = components(mask);
    std::vector<Component> kept;
    for (const auto& c : cs.parts)
        if (c.area >= minArea) kept.push_back(c);
    return unionOf(cs.labels, kept);
}

namespace {
cv::Mat disc(int radius) { return cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * radius + 1, 2 * radius + 1}); }
}  // namespace

cv::Mat smoothOpen(const cv::Mat& mask, int radius) {
    if (radius <= 0) return mask.clone();
    cv::Mat out;
    cv::morphologyEx(mask, out, cv::MORPH_OPEN, disc(radius));
    return out;
}

cv::Mat smooth(const cv::Mat& mask, int radius) {
    if (radius <= 0) return mask.clone();
    cv::Mat out;
    cv::morphologyEx(smoothOpen(mask, radius), out, cv::MORPH_CLOSE, disc(radius));
    return out;
}

int smoothRadiusFor(cv::Size imageSize) {
    return std::max(2, static_cast<int>(std::lround(std::max(imageSize.width, imageSize.height) / 258.0)));
}

cv::Point innermostPoint(const cv::Mat& componentMask) {
    cv::Mat padded, dist;
    // Pad so that the image border counts as boundary.
    cv::copyMakeBorder(componentMask > 0, padded, 1, 1, 1, 1, cv::BORDER_CONSTANT, 0);
    cv::distanceTransform(padded, dist, cv::DIST_L2, cv::DIST_MASK_PRECISE);
    cv::Point best;
    cv::minMaxLoc(dist, nullptr, nullptr, nullptr, &best);
    return {best.x - 1, best.y - 1};
}

int area(const cv::Mat& mask) { return cv::countNonZero(mask); }

int regionCount(const cv::Mat& mask) {
    const cv::Rect box = cv::boundingRect(mask);  // of the non-zero pixels: no labelling of the rest
    if (box.empty()) return 0;
    // 8-connected labelling, linear in the pixels whatever the mask holds. Border following (findContours
    // with a two-level hierarchy) was 5x faster on a 24-MP photo's mask of a few regions (3 vs 17 ms) but
    // grows with the square of the borders: 143 s on a 12-MP noise mask (an imported probability map),
    // which labelling counts in 54 ms. The mask panel counts on the UI thread.
    cv::Mat labels;
    return cv::connectedComponents(mask(box) > 0, labels, 8, CV_32S) - 1;
}

namespace {
std::string grouped(long long n) {  // 12345 -> "12,345"
    std::string digits = std::to_string(n), out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}
}  // namespace

std::string sizeText(const cv::Mat& mask, double spacingX, double spacingY) {
    const int pixels = area(mask);
    if (pixels == 0) return "empty";
    const int regions = regionCount(mask);
    std::string text = std::to_string(regions) + (regions == 1 ? " region, " : " regions, ") + grouped(pixels) + " px";
    if (spacingX > 0 && spacingY > 0 && std::isfinite(spacingX * spacingY)) {
        const double mm2 = pixels * spacingX * spacingY;
        char buffer[64];
        if (mm2 < 1000) std::snprintf(buffer, sizeof buffer, ", %.1f mm\u00b2", mm2);
        else std::snprintf(buffer, sizeof buffer, ", %.1f cm\u00b2", mm2 / 100);
        text += buffer;
    }
    return text;
}

}  // namespace msf::mask
