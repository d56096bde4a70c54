#include "msformer/io/dicom_seg.h"

#include <dcmtk/dcmdata/dcspchrs.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmfg/fgderimg.h>
#include <dcmtk/dcmfg/fgfracon.h>
#include <dcmtk/dcmfg/fgpixmsr.h>
#include <dcmtk/dcmfg/fgplanor.h>
#include <dcmtk/dcmfg/fgplanpo.h>
#include <dcmtk/dcmfg/fgseg.h>
#include <dcmtk/dcmiod/iodreferences.h>
#include <dcmtk/dcmseg/segdoc.h>
#include <dcmtk/dcmseg/segment.h>
#include <dcmtk/dcmseg/segutils.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>

#include "dcmtk_setup.h"
#include "dicom_frames.h"
#include "dicom_text.h"
#include "msformer/io/atomic_write.h"
#include "msformer/io/io_error.h"

namespace msf::io {

namespace {

void check(const OFCondition& c, const std::string& path, const std::string& step) {
    if (c.bad()) throw IoError(path, "DICOM SEG: " + step + " failed: " + c.text());
}

std::string fmt(double v) {
    std::ostringstream s;
    s.precision(10);
    s << v;
    return s.str();
}

// ACR-NEMA and early DICOM files write dates as YYYY.MM.DD and times as
// HH:MM:SS, which DICOM 3 reads but forbids in new objects, so DCMTK refuses
// to save a SEG that copied them ("Value Representation violated"). The same
// value without the separators; empty (these are type 2) if still not valid.
OFString currentFormat(OFString value, char separator, bool isDate) {
    value.erase(std::remove(value.begin(), value.end(), separator), value.end());
    const OFCondition valid = isDate ? DcmDate::checkStringValue(value, "1") : DcmTime::checkStringValue(value, "1");
    return valid.good() ? value : OFString();
}

void modernizeDates(DcmSegmentation& seg) {
    OFString v;
    if (seg.getStudy().getStudyDate(v).good() && !v.empty())
        seg.getStudy().setStudyDate(currentFormat(v, '.', true), OFFalse);
    if (seg.getStudy().getStudyTime(v).good() && !v.empty())
        seg.getStudy().setStudyTime(currentFormat(v, ':', false), OFFalse);
    if (seg.getPatient().getPatientBirthDate(v).good() && !v.empty())
        seg.getPatient().setPatientBirthDate(currentFormat(v, '.', true), OFFalse);
}

}  // namespace

std::string segSourceProblem(const Image& source) {
    const auto& m = source.meta;
    if (m.format != "DICOM") return "needs a DICOM image (this one is " + m.format + ")";
    std::vector<std::string> missing;
    if (m.studyInstanceUid.empty()) missing.push_back("Study Instance UID");
    if (m.seriesInstanceUid.empty()) missing.push_back("Series Instance UID");
    if (m.sopClassUid.empty()) missing.push_back("SOP Class UID");
    std::string file = std::filesystem::path(m.sourcePath).filename().string();
    for (int f = 0; f < source.frameCount(); ++f)
        if (sopInstanceUidOf(source, f).empty()) {
            missing.push_back("SOP Instance UID");
            if (!frameFileName(source, f).empty()) file = frameFileName(source, f);
            break;
        }
    if (missing.empty()) {
        // A UID the SEG copies must be one DCMTK writes: old files have "1.2.03.4" (a component with a leading
        // zero) or UIDs over 64 characters, refused when the SEG is saved ("Value Representation violated").
        // (The Series Instance UID is copied into the references without a check.)
        std::vector<std::pair<std::string, std::string>> uids = {{"Study Instance UID", m.studyInstanceUid},
                                                                 {"SOP Class UID", m.sopClassUid}};
        if (m.hasGeometry) uids.push_back({"Frame of Reference UID", m.frameOfReferenceUid});
        for (int f = 0; f < source.frameCount(); ++f) uids.push_back({"SOP Instance UID", sopInstanceUidOf(source, f)});
        for (const auto& [name, uid] : uids)
            if (!uid.empty() && DcmUniqueIdentifier::checkStringValue(uid.c_str(), "1").bad())
                return "cannot copy the source's " + name + " \"" + uid + "\" (" + file +
                       "): not a valid UID (digits and dots, no component with a leading zero, at most 64 "
                       "characters); export PNG, NIfTI or COCO instead";
        return {};
    }
    std::string names;
    for (size_t i = 0; i < missing.size(); ++i) names += (i ? ", " : "") + missing[i];
    return "needs the source's " + names + " (" + file + " has none): a SEG shares its source's study and refers to "
           "its series and instances; export PNG, NIfTI or COCO instead";
}

namespace {
// The target's name in the SEG's character set: as given (UTF-8) where the SEG declares UTF-8 or, declaring none,
// is declared UTF-8 for it; converted where it declares another (a Latin-1 source's texts are copied as they are).
std::string labelInSegCharacterSet(const std::string& path, const std::string& label, DcmSegmentation& seg) {
    if (isAscii(label)) return label;
    OFString first, second;
    seg.getSOPCommon().getSpecificCharacterSet(first, 0);
    seg.getSOPCommon().getSpecificCharacterSet(second, 1);
    if (first.empty() && second.empty()) {
        seg.getSOPCommon().setSpecificCharacterSet("ISO_IR 192");
        return label;
    }
    if (first == "ISO_IR 192" && second.empty()) return label;
    const std::string declared = std::string(first.c_str()) + (second.empty() ? "" : "\\" + std::string(second.c_str()));
    DcmSpecificCharacterSet converter;
    OFString converted;
    if (second.empty() && converter.selectCharacterSet("ISO_IR 192", first).good() &&
        converter.convertString(label.c_str(), converted).good())
        return converted.c_str();
    throw IoError(path, "DICOM SEG: the target name \"" + label + "\" has characters that its character set (" +
                            declared + ", its source's) cannot hold; name it in those, or export another format");
}
}  // namespace

void writeDicomSeg(const std::string& path, const cv::Mat& mask, const Image& source, const SegDescription& d,
                   bool overwrite) {
    writeDicomSeg(path, std::vector<FrameMask>{{source.current, mask}}, source, d, overwrite);
}

void writeDicomSeg(const std::string& path, const std::vector<FrameMask>& masks, const Image& source,
                   const SegDescription& d, bool overwrite) {
    setUpDcmtk();
    const auto& m = source.meta;
    if (const std::string problem = segSourceProblem(source); !problem.empty())
        throw IoError(path, "DICOM SEG " + problem);
    checkFrameMasks(path, masks, source);
    checkWritable(path, overwrite);
    const std::string sourceFile =
        std::filesystem::is_directory(m.sourcePath) || m.sopInstanceUids.size() > 1 ? std::string() : m.sourcePath;
    const cv::Size size = masks.front().mask.size();

    IODGeneralEquipmentModule::EquipmentInfo equipment("MS-Former Studio", "msformer-studio", "0",
                                                       d.softwareVersion.c_str());
    ContentIdentificationMacro content("1", "MSFORMER", "MS-Former Studio pre-annotation", "");
    DcmSegmentation* raw = nullptr;
    check(DcmSegmentation::createBinarySegmentation(raw, static_cast<Uint16>(size.height), static_cast<Uint16>(size.width),
                                                    equipment, content),
          path, "creating the segmentation");
    std::unique_ptr<DcmSegmentation> seg(raw);
    // X-ray, ultrasound, photographs and old files have no Frame of Reference, or
    // no plane position in it; the SEG then has none either (its frames point at
    // the source instance and frame): DCMTK refuses to save a SEG without a Frame
    // of Reference, and one with a Frame of Reference but no plane positions.
    const bool placed = m.hasGeometry && !m.frameOfReferenceUid.empty();
    if (!placed) {
        seg->getRules()->addRule(
            new IODRule(DCM_FrameOfReferenceUID, "1", "1C", "FrameOfReferenceModule", DcmIODTypes::IE_FOR), OFTrue);
        seg->getRules()->addRule(
            new IODRule(DCM_PositionReferenceIndicator, "1", "3", "FrameOfReferenceModule", DcmIODTypes::IE_FOR), OFTrue);
        // Without Image Orientation (Patient), General Image needs Patient Orientation (type 2C): present, empty = unknown.
        seg->getRules()->addRule(
            new IODRule(DCM_PatientOrientation, "2", "2", "GeneralImageModule", DcmIODTypes::IE_IMAGE), OFTrue);
    }

    // Patient, study and frame of reference of the source.
    if (!sourceFile.empty()) {
        check(seg->importFromSourceImage(sourceFile.c_str()), path, "reading patient/study from " + sourceFile);
        modernizeDates(*seg);
        // A source naming no character set whose texts (a name, a description) go beyond ASCII, as old
        // exports write Latin-1: its texts, copied as they are, are declared Latin-1, as the reader takes them
        // (DCMTK refused to save the SEG: "Invalid character").
        OFString first, second;
        seg->getSOPCommon().getSpecificCharacterSet(first, 0);
        seg->getSOPCommon().getSpecificCharacterSet(second, 1);
        if (first.empty() && second.empty()) {
            DcmFileFormat header;
            if (header.loadFile(sourceFile.c_str(), EXS_Unknown, EGL_noChange, 4096, ERM_autoDetect).good() &&
                hasTextBeyondAscii(*header.getDataset()))
                seg->getSOPCommon().setSpecificCharacterSet("ISO_IR 100");
        }
        if (!placed) seg->getFrameOfReference().setFrameOfReferenceUID("", OFFalse);
    } else {
        seg->getPatient().setPatientID(m.patientId.c_str());
        seg->getPatient().setPatientName(m.patientName.c_str());
        // The reader gives texts in UTF-8.
        if (!isAscii(m.patientName))
            seg->getSOPCommon().setSpecificCharacterSet("ISO_IR 192");
        seg->getStudy().setStudyInstanceUID(m.studyInstanceUid.c_str());
        seg->getStudy().setStudyID(m.studyId.c_str());
        if (placed) seg->getFrameOfReference().setFrameOfReferenceUID(m.frameOfReferenceUid.c_str());
    }
    // In the SEG's character set. DCMTK's IOD classes check a segment's texts as ASCII whatever the set declared
    // ("Invalid character" on saving): a name beyond ASCII is put in once the SEG is written (below).
    const std::string label = labelInSegCharacterSet(path, d.segmentLabel, *seg);
    const bool asciiLabel = isAscii(label);
    const std::string description = "MS-Former Studio: " + label;
    seg->getSeries().setSeriesDescription(asciiLabel ? description.c_str() : "MS-Former Studio");
    seg->getSeries().setSeriesNumber("9901");

    DcmSegment* segment = nullptr;
    check(DcmSegment::create(segment, asciiLabel ? label.c_str() : "target", CodeSequenceMacro("85756007", "SCT", "Tissue"),
                             CodeSequenceMacro("85756007", "SCT", "Tissue"), DcmSegTypes::SAT_SEMIAUTOMATIC,
                             d.algorithmName.c_str()),
          path, "creating the segment");
    Uint16 segmentNumber = 0;
    check(seg->addSegment(segment, segmentNumber), path, "adding the segment");

    // Shared functional groups: geometry of the source plane.
    FGPixelMeasures measures;
    const double sx = m.spacingX > 0 ? m.spacingX : 1.0, sy = m.spacingY > 0 ? m.spacingY : 1.0;
    check(measures.setPixelSpacing((fmt(sy) + "\\" + fmt(sx)).c_str()), path, "pixel spacing");
    check(measures.setSliceThickness(fmt(m.sliceSpacing > 0 ? m.sliceSpacing : 1.0).c_str()), path, "slice thickness");
    check(seg->addForAllFrames(measures), path, "pixel measures");
    if (placed) {
        FGPlaneOrientationPatient orientation;
        const auto& o = m.imageOrientation;
        check(orientation.setImageOrientationPatient(fmt(o[0]).c_str(), fmt(o[1]).c_str(), fmt(o[2]).c_str(),
                                                     fmt(o[3]).c_str(), fmt(o[4]).c_str(), fmt(o[5]).c_str()),
              path, "orientation");
        check(seg->addForAllFrames(orientation), path, "orientation");
    }

    // Several frames of a placed source are indexed by their position too (frame order is the slice order).
    const bool byPosition = placed && masks.size() > 1;
    std::vector<FrameMask> ordered = masks;
    std::sort(ordered.begin(), ordered.end(), [](const FrameMask& x, const FrameMask& y) { return x.frame < y.frame; });
    // Per-frame groups: position, frame content, derivation from the source image.
    std::map<std::string, OFVector<Uint32>> referenced;  // source instance -> its frames referenced (none: single-frame)
    std::vector<std::string> instanceOrder;
    for (size_t rank = 0; rank < ordered.size(); ++rank) {
        const int frame = ordered[rank].frame;
        const std::string sopInstance = sopInstanceUidOf(source, frame);
        const int sourceFrame = instanceFrameNumberOf(source, frame);  // 0: a single-frame instance
        if (!referenced.count(sopInstance)) instanceOrder.push_back(sopInstance);
        auto& frames = referenced[sopInstance];
        if (sourceFrame > 0) frames.push_back(static_cast<Uint32>(sourceFrame));

        OFVector<FGBase*> perFrame;
        FGPlanePosPatient position;
        if (placed) {
            const auto p = framePosition(source, frame);
            check(position.setImagePositionPatient(fmt(p[0]).c_str(), fmt(p[1]).c_str(), fmt(p[2]).c_str()), path,
                  "position");
            perFrame.push_back(&position);
        }
        FGFrameContent frameContent;
        check(frameContent.setDimensionIndexValues(segmentNumber, 0), path, "frame content");
        if (byPosition) check(frameContent.setDimensionIndexValues(static_cast<Uint32>(rank + 1), 1), path, "frame content");
        perFrame.push_back(&frameContent);
        OFVector<ImageSOPInstanceReferenceMacro> derivation(1);
        check(derivation[0].setReferencedSOPClassUID(m.sopClassUid.c_str()), path, "source reference");
        check(derivation[0].setReferencedSOPInstanceUID(sopInstance.c_str()), path, "source reference");
        if (sourceFrame > 0)  // the frame of a multi-frame instance, else it would refer to all of them
            check(derivation[0].addReferencedFrameNumber(static_cast<Uint16>(sourceFrame)), path, "source frame");
        std::unique_ptr<FGDerivationImage> derived(
            DcmSegmentation::createDerivationImageFG(derivation, "Semi-automatic segmentation by MS-Former Studio"));
        if (!derived) throw IoError(path, "DICOM SEG: cannot describe the source image reference");
        perFrame.push_back(derived.get());

        const cv::Mat binary = (ordered[rank].mask > 0) / 255;
        std::vector<Uint8> pixels(binary.total());
        std::copy(binary.begin<uchar>(), binary.end<uchar>(), pixels.begin());
        check(seg->addFrame(pixels.data(), segmentNumber, perFrame),
              path, "adding frame " + std::to_string(ordered[rank].frame));
    }

    IODMultiframeDimensionModule& dims = seg->getDimensions();
    char dimUid[100];
    dcmGenerateUniqueIdentifier(dimUid, SITE_INSTANCE_UID_ROOT);
    check(dims.addDimensionIndex(DCM_ReferencedSegmentNumber, dimUid, DCM_SegmentIdentificationSequence,
                                 "ReferencedSegmentNumber"),
          path, "dimension index");
    if (byPosition)
        check(dims.addDimensionIndex(DCM_ImagePositionPatient, dimUid, DCM_PlanePositionSequence,
                                     "ImagePositionPatient"),
              path, "dimension index");

    IODReferences refs;
    for (const auto& sopInstance : instanceOrder)
        refs.add(new IODImageReference(m.patientId.c_str(), m.studyInstanceUid.c_str(), m.seriesInstanceUid.c_str(),
                                       sopInstance.c_str(), m.sopClassUid.c_str(), referenced[sopInstance]));
    seg->getCommonInstanceReference().addReferences(refs, m.studyInstanceUid.c_str());

    // Saved beside the target under a temporary name, then moved into place.
    const std::string tmp = temporaryPathBeside(path, ".tmp");
    OFCondition saved = seg->saveFile(tmp.c_str(), EXS_LittleEndianExplicit);
    if (saved.good() && !asciiLabel) {  // the name, in the set it declares
        DcmFileFormat written;
        DcmItem* item = nullptr;
        saved = written.loadFile(tmp.c_str());
        if (saved.good()) saved = written.loadAllDataIntoMemory();  // (written over below: nothing left to read)
        if (saved.good()) saved = written.getDataset()->findAndGetSequenceItem(DCM_SegmentSequence, item, 0);
        if (saved.good()) saved = item->putAndInsertString(DCM_SegmentLabel, label.c_str());
        if (saved.good()) saved = written.getDataset()->putAndInsertString(DCM_SeriesDescription, description.c_str());
        if (saved.good()) saved = written.saveFile(tmp.c_str(), EXS_LittleEndianExplicit);
    }
    if (saved.bad()) {
        std::error_code ec;
        std::filesystem::remove(tmp, ec);
        throw IoError(path, std::string("DICOM SEG: writing failed: ") + saved.text());
    }
    moveIntoPlace(tmp, path, overwrite);
}

namespace {

struct LoadedSeg {
    std::unique_ptr<DcmSegmentation> seg;
    Uint16 rows = 0, cols = 0;
    Uint16 maxFractional = 0;  // FRACTIONAL: the value that means 100 % (probability or occupancy)
    long frames = 0;           // Number of Frames: the pixel data's frames DCMTK holds
};

// The file is parsed once: DCMTK's segmentation object is built from the
// dataset (as DcmSegmentation::loadFile does), which also gives the
// attributes it does not expose.
LoadedSeg loadSeg(const std::string& path) {
    setUpDcmtk();
    DcmFileFormat file;
    OFCondition c = file.loadFile(path.c_str());
    DcmSegmentation* raw = nullptr;
    if (c.good() && file.getDataset()->getOriginalXfer() == EXS_RLELossless) {  // never decoded damaged (a SEGV)
        std::string why;
        if (const long bad = firstMalformedRleFrame(file.getDataset(), EXS_RLELossless, &why); bad >= 0)
            throw IoError(path, "not a readable DICOM SEG: its frame " + std::to_string(bad) + " is damaged (" + why + ")");
    }
    if (c.good()) textsToUtf8(*file.getDataset());  // its segment labels
    if (c.good()) c = DcmSegmentation::loadDataset(*file.getDataset(), raw);
    LoadedSeg s{std::unique_ptr<DcmSegmentation>(raw)};
    if (c.bad() || !s.seg) {
        // DCMTK says "Invalid Value" and not which: name the attributes a SEG must have that this file lacks.
        std::string lacks;
        if (file.getDataset())
            for (const auto& [tag, name] : {std::pair{DCM_NumberOfFrames, "Number of Frames"}, {DCM_Rows, "Rows"},
                                            {DCM_Columns, "Columns"}, {DCM_SegmentationType, "Segmentation Type"},
                                            {DCM_SegmentSequence, "Segment Sequence"},
                                            {DCM_SharedFunctionalGroupsSequence, "Shared Functional Groups Sequence"},
                                            {DCM_PerFrameFunctionalGroupsSequence, "Per-frame Functional Groups Sequence"},
                                            {DCM_PixelData, "Pixel Data"}})
                if (!file.getDataset()->tagExists(tag)) lacks += (lacks.empty() ? "" : ", ") + std::string(name);
        throw IoError(path, std::string("not a readable DICOM SEG: ") + c.text() +
                                (lacks.empty() ? std::string() : " (it has no " + lacks + ")"));
    }
    DcmDataset* ds = file.getDataset();
    ds->findAndGetUint16(DCM_Rows, s.rows);
    ds->findAndGetUint16(DCM_Columns, s.cols);
    ds->findAndGetUint16(DCM_MaximumFractionalValue, s.maxFractional);
    if (!s.rows || !s.cols) throw IoError(path, "DICOM SEG without rows and columns");
    // DCMTK's getFrame reads past its frames when there are none (Number of Frames 0 crashed it), and its
    // frame count is the functional groups', not the pixel data's: frames are asked for below this one.
    Sint32 frames = 0;
    ds->findAndGetSint32(DCM_NumberOfFrames, frames);
    if (frames < 1) throw IoError(path, "DICOM SEG without frames (Number of Frames " + std::to_string(frames) + ")");
    s.frames = frames;
    return s;
}

cv::Mat frameMask(const std::string& path, LoadedSeg& s, size_t frame) {
    if (frame >= static_cast<size_t>(s.frames))
        throw IoError(path, "DICOM SEG has no frame " + std::to_string(frame) + " (Number of Frames " +
                                std::to_string(s.frames) + ")");
    const DcmIODTypes::Frame* f = s.seg->getFrame(frame);
    if (!f) throw IoError(path, "DICOM SEG has no frame " + std::to_string(frame));
    std::unique_ptr<DcmIODTypes::Frame> unpacked;
    if (s.seg->getSegmentationType() == DcmSegTypes::ST_BINARY) {
        unpacked.reset(DcmSegUtils::unpackBinaryFrame(f, s.rows, s.cols));
        f = unpacked.get();
    }
    const size_t n = static_cast<size_t>(s.rows) * s.cols;
    if (!f || f->length < n) throw IoError(path, "DICOM SEG frame is truncated");
    cv::Mat m(s.rows, s.cols, CV_8U);
    std::copy(f->pixData, f->pixData + n, m.ptr<uchar>());
    if (!unpacked) {  // FRACTIONAL: inside from 50 % (of Maximum Fractional Value, 255 when absent)
        const int full = s.maxFractional > 0 ? s.maxFractional : 255;
        return m >= (full + 1) / 2;
    }
    return m > 0;
}

// An image a SEG frame was derived from: the SOP instance, and which of its
// frames (none listed: all of them).
struct SourceImage {
    std::string uid;
    std::vector<Uint16> frames;
    bool covers(const std::string& sopInstanceUid, int frameNumber) const {
        return uid == sopInstanceUid && (frameNumber <= 0 || frames.empty() ||
                                         std::find(frames.begin(), frames.end(), frameNumber) != frames.end());
    }
};

std::vector<SourceImage> sourceImages(DcmSegmentation& seg, size_t frame) {
    std::vector<SourceImage> sources;
    auto* derivation = dynamic_cast<FGDerivationImage*>(
        seg.getFunctionalGroups().get(static_cast<Uint32>(frame), DcmFGTypes::EFG_DERIVATIONIMAGE));
    if (!derivation) return sources;
    for (DerivationImageItem* item : derivation->getDerivationImageItems())
        for (SourceImageItem* source : item->getSourceImageItems()) {
            auto& reference = source->getImageSOPInstanceReference();
            OFString uid;
            if (reference.getReferencedSOPInstanceUID(uid).bad() || uid.empty()) continue;
            OFVector<Uint16> frames;
            reference.getReferencedFrameNumber(frames);
            sources.push_back({uid.c_str(), std::vector<Uint16>(frames.begin(), frames.end())});
        }
    return sources;
}

// The segment number frame `frame` holds (0: it names none).
int segmentOfFrame(DcmSegmentation& seg, size_t frame) {
    auto* group = dynamic_cast<FGSegmentation*>(
        seg.getFunctionalGroups().get(static_cast<Uint32>(frame), DcmFGTypes::EFG_SEGMENTATION));
    Uint16 number = 0;
    if (group) group->getReferencedSegmentNumber(number);
    return number;
}

std::vector<MaskLabel> segmentsOf(DcmSegmentation& seg) {
    std::vector<MaskLabel> segments;
    for (size_t n = 1; n <= seg.getNumberOfSegments(); ++n)
        if (DcmSegment* segment = seg.getSegment(n)) {
            OFString label;
            segment->getSegmentLabel(label);
            segments.push_back({static_cast<int>(n), label.c_str()});
        }
    return segments;
}

}  // namespace

std::vector<MaskLabel> dicomSegSegments(const std::string& path) {
    LoadedSeg s = loadSeg(path);
    return segmentsOf(*s.seg);
}

cv::Mat readDicomSegFrame(const std::string& path, int frame) {
    LoadedSeg s = loadSeg(path);
    return frameMask(path, s, static_cast<size_t>(frame));
}

bool isSegmentationObject(const std::string& modality, const std::string& sopClassUid) {
    return modality == "SEG" || sopClassUid == UID_SegmentationStorage;
}

bool isDicomSeg(const std::string& path) {
    setUpDcmtk();
    DcmFileFormat header;
    if (header.loadFile(path.c_str(), EXS_Unknown, EGL_noChange, 256).bad()) return false;
    OFString sopClass, modality;
    header.getDataset()->findAndGetOFString(DCM_SOPClassUID, sopClass);
    header.getDataset()->findAndGetOFString(DCM_Modality, modality);
    return isSegmentationObject(modality.c_str(), sopClass.c_str());
}

cv::Mat readDicomSegMaskFor(const std::string& path, const std::string& sopInstanceUid, int instanceFrameNumber,
                            const std::vector<std::string>& allSopInstanceUids, int segment) {
    return readDicomSegMasksFor(path, {{sopInstanceUid, instanceFrameNumber}}, allSopInstanceUids, segment).front();
}

std::vector<cv::Mat> readDicomSegMasksFor(const std::string& path,
                                          const std::vector<std::pair<std::string, int>>& instances,
                                          const std::vector<std::string>& allSopInstanceUids, int segment) {
    LoadedSeg s = loadSeg(path);
    if (segment > 0) {
        const std::vector<MaskLabel> segments = segmentsOf(*s.seg);
        if (std::none_of(segments.begin(), segments.end(), [segment](const MaskLabel& l) { return l.value == segment; }))
            throw IoError(path, "the DICOM SEG has no segment " + std::to_string(segment) + " (its segments: " +
                                    labelsText(segments) + ")");
    }
    std::vector<cv::Mat> masks;
    for (size_t i = 0; i < instances.size(); ++i) masks.push_back(cv::Mat::zeros(s.rows, s.cols, CV_8U));
    bool anyReference = false, refersToTheImage = false;
    for (size_t frame = 0; frame < s.seg->getNumberOfFrames(); ++frame) {
        if (segment > 0 && segmentOfFrame(*s.seg, frame) != segment) continue;
        const auto sources = sourceImages(*s.seg, frame);
        anyReference = anyReference || !sources.empty();
        cv::Mat pixels;  // unpacked once, for the first instance it covers
        for (size_t i = 0; i < instances.size(); ++i) {
            const auto& [sopInstanceUid, instanceFrameNumber] = instances[i];
            for (const auto& source : sources) {
                refersToTheImage = refersToTheImage || source.uid == sopInstanceUid;
                if (source.covers(sopInstanceUid, instanceFrameNumber)) {
                    if (pixels.empty()) pixels = frameMask(path, s, frame);
                    masks[i] |= pixels;
                    break;
                }
            }
        }
        for (const auto& source : sources)  // another slice of the image's series: refers to it, not to these
            refersToTheImage = refersToTheImage || std::find(allSopInstanceUids.begin(), allSopInstanceUids.end(),
                                                             source.uid) != allSopInstanceUids.end();
    }
    if (!anyReference)
        throw IoError(path, "the DICOM SEG does not say which images its frames belong to (no Derivation Image)");
    if (!refersToTheImage)
        throw IoError(path, "the DICOM SEG belongs to other images than this one (none of its frames refers to it)");
    return masks;
}

}  // namespace msf::io
