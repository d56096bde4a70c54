#pragma once
// A reference for region and hole counts, independent of OpenCV's labelling and border following: a plain
// breadth-first flood over the pixels equal to `inside` (non-zero or zero), 4- or 8-connected.
#include <opencv2/core.hpp>

#include <queue>

// The parts of `mask`'s non-zero (inside = true) or zero pixels; with `skipEdgeParts`, those that touch the
// image's edge are not counted (the background around the regions, when counting holes).
inline int floodCount(const cv::Mat& mask, bool inside, int connectivity, bool skipEdgeParts = false) {
    cv::Mat seen = cv::Mat::zeros(mask.size(), CV_8U);
    const auto member = [&](int y, int x) { return (mask.at<uchar>(y, x) != 0) == inside; };
    int parts = 0;
    for (int y0 = 0; y0 < mask.rows; ++y0)
        for (int x0 = 0; x0 < mask.cols; ++x0) {
            if (seen.at<uchar>(y0, x0) || !member(y0, x0)) continue;
            bool touchesEdge = false;
            std::queue<cv::Point> todo;
            todo.push({x0, y0});
            seen.at<uchar>(y0, x0) = 1;
            while (!todo.empty()) {
                const cv::Point p = todo.front();
                todo.pop();
                touchesEdge |= p.x == 0 || p.y == 0 || p.x == mask.cols - 1 || p.y == mask.rows - 1;
                for (int dy = -1; dy <= 1; ++dy)
                    for (int dx = -1; dx <= 1; ++dx) {
                        if ((dx == 0 && dy == 0) || (connectivity == 4 && dx != 0 && dy != 0)) continue;
                        const int x = p.x + dx, y = p.y + dy;
                        if (x < 0 || y < 0 || x >= mask.cols || y >= mask.rows || seen.at<uchar>(y, x) || !member(y, x)) continue;
                        seen.at<uchar>(y, x) = 1;
                        todo.push({x, y});
                    }
            }
            parts += !(skipEdgeParts && touchesEdge);
        }
    return parts;
}
