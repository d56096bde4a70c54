#pragma once
// Helper shared by tests that need a variant of a real DICOM file: a copy with its data set edited.
#include <dcmtk/dcmdata/dctk.h>

#include <functional>
#include <string>

// `from` saved as `to` (explicit VR little endian) with its data set edited; empty when either fails.
inline std::string editedCopy(const std::string& from, const std::string& to,
                              const std::function<void(DcmDataset*)>& edit) {
    DcmFileFormat ff;
    if (ff.loadFile(from.c_str()).bad()) return {};
    edit(ff.getDataset());
    return ff.saveFile(to.c_str(), EXS_LittleEndianExplicit).good() ? to : std::string();
}

// One series holding several echoes or time points: slices 1..`slices` of `volume` (brain_001.dcm, ...) copied
// into `folder` once per part p = 1..`parts`, as `<prefix><p>_<slice>.dcm` with `tag` (Echo Numbers, Temporal
// Position Identifier) set to p and an SOP Instance UID of their own. False when a copy fails.
inline bool writeSeriesParts(const std::string& volume, const std::string& folder, int slices, int parts,
                             const DcmTagKey& tag, const std::string& prefix) {
    for (int i = 1; i <= slices; ++i)
        for (int p = 1; p <= parts; ++p) {
            const std::string number = std::string(i < 10 ? "00" : i < 100 ? "0" : "") + std::to_string(i);
            const std::string uid = "1.2.826.0.1.3680043.9.9999." + std::to_string(tag.getElement()) + "." +
                                    std::to_string(100 * i + p);
            const std::string to = folder + "/" + prefix + std::to_string(p) + "_" + std::to_string(i) + ".dcm";
            if (editedCopy(volume + "/brain_" + number + ".dcm", to, [&](DcmDataset* ds) {
                    ds->putAndInsertString(tag, std::to_string(p).c_str());
                    ds->putAndInsertString(DCM_SOPInstanceUID, uid.c_str());
                }).empty())
                return false;
        }
    return true;
}
