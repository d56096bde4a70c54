#include "msformer/io/annotation_writers.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>

#include "msformer/io/atomic_write.h"
#include "file_checks.h"

namespace msf::io {

using nlohmann::json;

namespace {
void writeJson(const std::string& path, const json& j, bool overwrite) {
    // A text that is not UTF-8 (a file path of other bytes, a DICOM text of a character set the reader could
    // not convert) is written with U+FFFD in place of its bad bytes: it failed the whole export.
    const std::string text = j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
    writeFileAtomic(path, {text.begin(), text.end()}, overwrite);
}
}  // namespace

std::vector<int> rleCounts(const cv::Mat& mask) {
    std::vector<int> counts;
    const cv::Mat m = mask > 0;
    uchar current = 0;
    int run = 0;
    for (int x = 0; x < m.cols; ++x)
        for (int y = 0; y < m.rows; ++y) {
            const uchar v = m.at<uchar>(y, x) ? 1 : 0;
            if (v != current) {
                counts.push_back(run);
                run = 0;
                current = v;
            }
            ++run;
        }
    counts.push_back(run);
    return counts;
}

int holeCount(const cv::Mat& mask) {
    // The background's 4-connected parts (the regions' pixels are 8-connected) but the one around the
    // image: linear in the pixels (border following took minutes on a noise mask).
    cv::Mat padded, labels;  // a region touching the image's edge keeps its holes' parents
    cv::copyMakeBorder(mask > 0, padded, 1, 1, 1, 1, cv::BORDER_CONSTANT, 0);
    return cv::connectedComponents(padded == 0, labels, 4, CV_32S) - 2;  // less the label of the regions, the outside
}

namespace {
// The regions' outer outlines, 1/4 px inside their outer pixel edges.
std::vector<std::vector<cv::Point2d>> regionOutlines(const cv::Mat& mask) {
    const cv::Mat m = mask > 0;
    if (!cv::countNonZero(m)) return {};
    // Traced at twice the resolution: the half pixels' centres lie 1/4 px inside the pixels' edges.
    const cv::Rect box = cv::boundingRect(m);
    cv::Mat twice;
    cv::resize(m(box), twice, {}, 2, 2, cv::INTER_NEAREST);
    cv::copyMakeBorder(twice, twice, 1, 1, 1, 1, cv::BORDER_CONSTANT, 0);
    std::vector<std::vector<cv::Point>> contours;
    cv::findContours(twice, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
    std::vector<std::vector<cv::Point2d>> outlines;
    for (const auto& c : contours) {
        std::vector<cv::Point2d> outline;
        for (const auto& p : c) outline.push_back({box.x + (p.x - 1 + 0.5) / 2, box.y + (p.y - 1 + 0.5) / 2});
        outlines.push_back(std::move(outline));
    }
    return outlines;
}

// One mask's segmentation: polygons, or RLE when it has holes.
json cocoSegmentation(const cv::Mat& m, int holes) {
    if (holes > 0) return {{"counts", rleCounts(m)}, {"size", {m.rows, m.cols}}};
    json polygons = json::array();
    for (const auto& outline : regionOutlines(m)) {
        json poly = json::array();
        for (const auto& p : outline) {
            poly.push_back(p.x);
            poly.push_back(p.y);
        }
        polygons.push_back(poly);
    }
    return polygons;
}
}  // namespace

CocoSegmentation writeCocoJson(const std::string& path, const cv::Mat& mask, const std::string& imageFileName,
                               const std::string& label, bool overwrite, int frameInFile) {
    return writeCocoJson(path, std::vector<CocoImage>{{imageFileName, frameInFile, mask}}, label, overwrite);
}

CocoSegmentation writeCocoJson(const std::string& path, const std::vector<CocoImage>& images, const std::string& label,
                               bool overwrite) {
    CocoSegmentation written;
    written.images = static_cast<int>(images.size());
    json j;
    j["info"] = {{"description", "MS-Former Studio pre-annotation"}};
    j["images"] = json::array();
    j["categories"] = json::array({{{"id", 1}, {"name", label}}});
    j["annotations"] = json::array();
    for (size_t i = 0; i < images.size(); ++i) {
        const cv::Mat m = images[i].mask > 0;
        const int id = static_cast<int>(i) + 1, holes = holeCount(m), area = cv::countNonZero(m);
        written.holes += holes;
        written.runLengthImages += holes > 0;
        json image = {{"id", id}, {"file_name", images[i].fileName}, {"width", m.cols}, {"height", m.rows}};
        if (images[i].frameInFile >= 0) image["frame"] = images[i].frameInFile;
        j["images"].push_back(image);
        if (area == 0) continue;  // an image without the target: no annotation (an empty polygon list breaks readers)
        const cv::Rect box = cv::boundingRect(m);
        j["annotations"].push_back({{"id", static_cast<int>(j["annotations"].size()) + 1},
                                    {"image_id", id},
                                    {"category_id", 1},
                                    {"segmentation", cocoSegmentation(m, holes)},
                                    {"area", area},
                                    {"bbox", {box.x, box.y, box.width, box.height}},
                                    {"iscrowd", 0}});
    }
    writeJson(path, j, overwrite);
    return written;
}

CocoSegmentation writeCocoJson(const std::string& path, const std::vector<FrameMask>& masks, const Image& source,
                               const std::string& label, bool overwrite) {
    std::vector<CocoImage> images;
    for (const auto& fm : masks) images.push_back({frameFileName(source, fm.frame), frameInFile(source, fm.frame), fm.mask});
    return writeCocoJson(path, images, label, overwrite);
}

std::string CocoSegmentation::text() const {
    if (polygons()) return "polygons";
    if (images == 1)
        return "run-length encoded: the mask has " + std::to_string(holes) + (holes == 1 ? " hole" : " holes") +
               ", which COCO polygons cannot hold";
    return "run-length encoded for " + std::to_string(runLengthImages) + " of " + std::to_string(images) +
           " images: " + (runLengthImages == 1 ? "its mask has" : "their masks have") +
           " holes, which COCO polygons cannot hold" + (runLengthImages < images ? "; polygons for the others" : "");
}

void writeProvenanceJson(const std::string& path, const Image& source, const Provenance& p,
                         const std::map<std::string, std::string>& outputs, bool overwrite) {
    const auto& m = source.meta;
    char stamp[32];
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    json j;
    j["source"] = {{"path", m.sourcePath},
                   {"format", m.format},
                   {"modality", m.modality},
                   {"frame", source.current},
                   {"frames", source.frameCount()},
                   {"width", source.frames.empty() ? 0 : source.pixels().cols},
                   {"height", source.frames.empty() ? 0 : source.pixels().rows},
                   {"pixel_spacing_mm", {m.spacingX, m.spacingY}}};
    if (m.format == "DICOM")
        j["source"]["dicom"] = {{"study_instance_uid", m.studyInstanceUid},
                                {"series_instance_uid", m.seriesInstanceUid},
                                {"sop_instance_uid", currentSopInstanceUid(source)},
                                {"sop_class_uid", m.sopClassUid},
                                {"frame_of_reference_uid", m.frameOfReferenceUid}};
    if (isVoxelVolume(m)) {  // PNG outputs are on the shown slice: how to map them back to the voxels
        const std::string key = lowerCase(m.format);  // "nifti", "nrrd", "metaimage"
        j["source"][key] = {{"axes", m.niftiAxes.empty() ? "none (no " + voxelAxesSource(m) + ")" : m.niftiAxes},
                            {"plane", slicePlane(source)},
                            {"shown_from_stored", {{"transpose", m.niftiTurn.transpose},
                                                   {"mirror_columns", m.niftiTurn.mirrorColumns},
                                                   {"mirror_rows", m.niftiTurn.mirrorRows},
                                                   {"order", "transpose (rows j, columns i), then mirror"}}}};
    }
    if (const auto notes = loadNotes(source); !notes.empty()) j["source"]["reader_notes"] = notes;
    const auto windowJson = [](const Window& w) {
        if (w.lut)  // a file's VOI LUT: which values it maps (its entries are in the file)
            return json{{"name", w.name}, {"voi_lut_entries", w.lut->size()}, {"voi_lut_first_value", w.lutFirst}};
        return w.valid() ? json{{"name", w.name}, {"center", w.center}, {"width", w.width}}
                         : json("none (8-bit values / 255)");
    };
    if (p.frames.empty()) {
        j["window"] = windowJson(m.window);
    } else {
        j["source"].erase("frame");
        j["source"]["frames_in_mask"] = json::array();
        if (j["source"].contains("dicom")) j["source"]["dicom"].erase("sop_instance_uid");
        j["per_frame"] = json::array();
        for (const auto& f : p.frames) {
            j["source"]["frames_in_mask"].push_back(f.frame);
            json one{{"frame", f.frame}, {"window", windowJson(f.window)}, {"chosen", f.chosen}};
            if (m.format == "DICOM") one["sop_instance_uid"] = sopInstanceUidOf(source, f.frame);
            j["per_frame"].push_back(one);
        }
    }
    j["method"] = p.method;
    j["parameters"] = p.parameters;
    j["chosen"] = p.clusters;
    j["post_processing"] = p.postProcessing;
    j["target_name"] = p.targetName;
    j["software"] = {{"name", "MS-Former Studio"}, {"version", p.softwareVersion}};
    j["created_utc"] = stamp;
    j["outputs"] = outputs;
    writeJson(path, j, overwrite);
}

}  // namespace msf::io
