#pragma once
// The name a mask file gives its target: a DICOM SEG's Segment Label, a COCO category, a .seg.nrrd segment.
#include <string>

namespace msf::io {

// What every writer takes: the name as given, trimmed, without control characters or backslashes (a DICOM LO
// value's delimiter), cut to 64 characters (LO's limit, at a UTF-8 character's start); "target" when nothing is left.
std::string cleanTargetName(const std::string& name);

}  // namespace msf::io
