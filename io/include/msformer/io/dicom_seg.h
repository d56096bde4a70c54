#pragma once
// DICOM Segmentation (binary, one segment) through DCMTK's dcmseg: writing
// and reading back.
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "msformer/io/image.h"

namespace msf::io {

struct SegDescription {
    std::string segmentLabel = "target";
    std::string algorithmName = "MS-Former Studio";
    std::string softwareVersion = "0.1.0";
};

// The mask of the current frame of a DICOM source: patient, study and frame of
// reference taken over from the source file, the source image referenced
// (Derivation Image and Referenced Series), pixel spacing, position and
// orientation copied; algorithm type SEMIAUTOMATIC. Throws IoError for a
// non-DICOM source or a failed write; never leaves a partial file.
void writeDicomSeg(const std::string& path, const cv::Mat& mask, const Image& source, const SegDescription& d,
                   bool overwrite);
// Several frames' masks (of a series' slices or a multi-frame image's frames)
// in one SEG, one SEG frame each in frame order, each referring to its source
// instance (and frame); with a plane position, indexed by position too. Throws
// IoError for a frame outside the image, a mask of another size or a frame
// given twice.
void writeDicomSeg(const std::string& path, const std::vector<FrameMask>& masks, const Image& source,
                   const SegDescription& d, bool overwrite);

// Why no DICOM SEG can be made of `source`, as text that follows "DICOM SEG" or "--export seg": "needs a
// DICOM image (this one is PNG)", "needs the source's Study Instance UID (ct.dcm has none) ...". Empty when
// one can: a SEG shares its source's study and refers to its series, class and instances by UID.
std::string segSourceProblem(const Image& source);

// Frame `frame` of a DICOM SEG as a CV_8U 0 / 255 mask (binary segmentations
// unpacked). Throws IoError.
cv::Mat readDicomSegFrame(const std::string& path, int frame = 0);

// Whether a dataset with this Modality and SOP Class UID is a DICOM
// Segmentation: pixel data, but a mask, not an image to segment.
bool isSegmentationObject(const std::string& modality, const std::string& sopClassUid);
// Whether the file is a DICOM Segmentation (reads the header only).
bool isDicomSeg(const std::string& path);

// The segments of a DICOM SEG, by segment number: number and Segment Label. Throws IoError.
std::vector<MaskLabel> dicomSegSegments(const std::string& path);

// A DICOM SEG as the reference for one image instance: the union of its
// frames (any segment, or only segment `segment` when > 0) whose Derivation Image refers to `sopInstanceUid`,
// CV_8U 0 / 255; for a multi-frame instance (`instanceFrameNumber` > 0, 1-based)
// only the references that list that frame or no frame at all. All 0 when the
// SEG refers to other instances of `allSopInstanceUids` (the image's series) or
// other frames, but not this one. Throws IoError naming the file when it refers
// to none of them (a SEG of another image) or has no references, or has no segment `segment`.
cv::Mat readDicomSegMaskFor(const std::string& path, const std::string& sopInstanceUid, int instanceFrameNumber,
                            const std::vector<std::string>& allSopInstanceUids, int segment = 0);
// The same for several instances (SOP Instance UID, frame number) from one
// read of the file: one mask each, in their order.
std::vector<cv::Mat> readDicomSegMasksFor(const std::string& path,
                                          const std::vector<std::pair<std::string, int>>& instances,
                                          const std::vector<std::string>& allSopInstanceUids, int segment = 0);

}  // namespace msf::io
