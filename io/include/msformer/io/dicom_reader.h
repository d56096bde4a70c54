#pragma once
// DICOM reading through DCMTK (codecs: JPEG baseline/extended/lossless,
// JPEG-LS, RLE; JPEG 2000 is refused with a clear error).
#include <string>
#include <vector>

#include "msformer/io/image.h"
#include "msformer/io/load_cancel.h"

namespace msf::io {

// Monochrome frames hold the modality values (rescale applied: HU for CT) as
// CV_32F; colour (RGB, YBR_*, PALETTE COLOR) is converted to BGR 8/16-bit.
// A multi-frame file is decoded some frames at a time (about 16 MB): `cancelled` is asked between them
// (LoadCancelled when it says so), `progress` told the frames done of its Number of Frames.
Image readDicom(const std::string& path, const CancelCheck& cancelled = {}, const LoadProgress& progress = {});

struct DicomSeries {
    // The Series Instance UID; "<UID>/echo2" for one echo of a series whose images have several Echo Numbers
    // (a dual-echo MR filed as one series: its echoes at each position), "<UID>/time3" for one time point of
    // one with several Temporal Position Identifiers (DCE, perfusion), each listed as a series.
    std::string uid, description, modality;
    std::vector<std::string> files;  // sorted along the slice normal, then instance number
    long number = -1;                // Series Number; -1 when the files carry none
    long echo = 0, echoes = 1;       // which echo of how many, when a series is split by echo
    long timePoint = 0, timePoints = 1;  // ... and by time point
};

// Every image series under `dir` (recursively), told apart by Series Instance UID,
// in Series Number order (as viewers list them; series without one last).
// `cancelled` is asked before each file is read (LoadCancelled when it says so), `progress` told each file's
// header read (done of the files under `dir`).
std::vector<DicomSeries> listDicomSeries(const std::string& dir, const CancelCheck& cancelled = {},
                                         const LoadProgress& progress = {});
// `progress` is told each slice read (done of the series' files).
Image readDicomSeries(const DicomSeries& series, const CancelCheck& cancelled = {}, const LoadProgress& progress = {});
// What the DICOM files under `dir` that hold no image are ("26 DICOM files that hold no image: 20
// BasicTextSRStorage, 6 RTStructureSetStorage"; a SEG counts as a mask); empty where there are none.
std::string dicomFilesWithoutImage(const std::string& dir);
// The folder's only series, or the one with this UID, or the one holding the file `seriesOfFile`; several
// series without either is an error that lists them. `listed`: the folder's series as listDicomSeries gave
// them, so the folder is not walked again (empty: walked here).
Image readDicomFolder(const std::string& dir, const std::string& seriesUid = {}, const std::string& seriesOfFile = {},
                      const CancelCheck& cancelled = {}, const LoadProgress& progress = {},
                      const std::vector<DicomSeries>& listed = {});

// "DICM" after the 128-byte preamble: a DICOM file (Part 10), whatever its name.
bool hasDicomMagic(const std::string& path);
// .dcm/.dicom extension, the "DICM" preamble magic, or a data set stored without preamble and file meta
// (its first tag of group 0002 or 0008).
bool looksLikeDicom(const std::string& path);

// The folder whose series `path` stands for: `path` itself when it is a folder; for a DICOMDIR (the index a CD
// or USB stick of DICOM files carries, its Media Storage SOP Class "Media Storage Directory"), the folder it lies
// in, under which the files it lists are; empty for any other file.
std::string dicomFolderOf(const std::string& path);

}  // namespace msf::io
