#pragma once
// Pre-annotation exports besides PNG: COCO JSON and the provenance sidecar.
#include <opencv2/core.hpp>
#include <map>
#include <string>
#include <vector>

#include "msformer/io/image.h"

namespace msf::io {

// COCO instances JSON with one image, one category and one annotation (iscrowd 0) of the mask. Its
// segmentation is polygons, one per region, each 1/4 px inside the region's outer pixel edges (COCO
// coordinates: pixel (x, y) covers [x, x+1] x [y, y+1]), so that rasterising them by pixel centres or
// by any overlap gives the mask back, one-pixel-wide parts included; a mask with holes, which polygons
// cannot hold, is written as uncompressed RLE instead (column-major counts starting with background).
struct CocoSegmentation {
    int holes = 0;             // in all masks; none: every mask written as polygons
    int runLengthImages = 0;   // masks written as RLE (those with holes)
    int images = 1;
    bool polygons() const { return holes == 0; }
    // "polygons", "run-length encoded: the mask has 2 holes, which COCO polygons cannot hold", or for
    // several images "run-length encoded for 2 of 5 images: their masks have holes, which ...".
    std::string text() const;
};
// `imageFileName` names the image (frameFileName), `frameInFile` >= 0 adds its "frame" in that file.
CocoSegmentation writeCocoJson(const std::string& path, const cv::Mat& mask, const std::string& imageFileName,
                               const std::string& label, bool overwrite, int frameInFile = -1);
// Several frames' masks in one file (a volume's slices): one image entry and one annotation per mask
// (an empty mask gets its image entry only: an image without the target).
struct CocoImage {
    std::string fileName;
    int frameInFile = -1;
    cv::Mat mask;
};
CocoSegmentation writeCocoJson(const std::string& path, const std::vector<CocoImage>& images, const std::string& label,
                               bool overwrite);
// Frames of `source` with their masks, each image named by frameFileName and frameInFile.
CocoSegmentation writeCocoJson(const std::string& path, const std::vector<FrameMask>& masks, const Image& source,
                               const std::string& label, bool overwrite);

// The number of holes in a mask (background regions enclosed by it).
int holeCount(const cv::Mat& mask);

struct Provenance {
    std::string method;                          // "msformer (default mode)", "kmeans", ...
    std::map<std::string, std::string> parameters;
    std::string clusters;                        // chosen clusters / clicks, as text
    std::string postProcessing;                  // e.g. "fill holes"
    std::string softwareVersion;
    std::string targetName = "target";  // what the mask files call the target (SEG, COCO, .seg.nrrd)
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
