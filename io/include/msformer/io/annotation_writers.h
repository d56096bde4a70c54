#pragma once
// Pre-annotation exports besides PNG: COCO JSON and the provenance sidecar.
#include <opencv2/core.hpp>
#include <map>
#include <string>
#include <vector>

#include "msformer/io/image.h"

namespace msf::io {

// COCO instances JSON with one image, one category and two annotations of the
// mask: polygons (outer contours, iscrowd 0) and uncompressed RLE (column-major
// counts starting with background, iscrowd 1), as CVAT / Label Studio import.
void writeCocoJson(const std::string& path, const cv::Mat& mask, const std::string& imageFileName,
                   const std::string& label, bool overwrite);

struct Provenance {
    std::string method;                          // "msformer (default mode)", "kmeans", ...
    std::map<std::string, std::string> parameters;
    std::string clusters;                        // chosen clusters / clicks, as text
    std::string postProcessing;                  // e.g. "fill holes"
    std::string softwareVersion;
    // A file holding several frames' masks (a volume's NIfTI, a multi-frame SEG):
    // each frame's window and chosen clusters. Empty: the source's current frame.
    struct Frame {
        int frame = 0;
        Window window;
        std::string chosen;
    };
    std::vector<Frame> frames;
};

// JSON sidecar: source file, its DICOM UIDs, frame, window, method and every
// parameter, chosen clusters, post-processing, software version, time (UTC).
// With `p.frames`, "frames_in_mask" lists them instead of "frame", and
// "per_frame" gives each one's window, choice (and SOP Instance UID).
void writeProvenanceJson(const std::string& path, const Image& source, const Provenance& p,
                         const std::map<std::string, std::string>& outputs, bool overwrite);

// COCO-style RLE counts of a mask (column-major, first count = zeros).
std::vector<int> rleCounts(const cv::Mat& mask);

}  // namespace msf::io
