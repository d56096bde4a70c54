#pragma once
// DICOM texts as the rest of the program takes them: UTF-8.
#include <string>
#include <string_view>

class DcmItem;

namespace msf::io {

// Converts the texts of `ds` (names, descriptions, explanations, labels: PN, LO, SH, ST, LT, UT, UC), in
// place, from its Specific Character Set to UTF-8 (Latin-1 where it names none, as old exports write accented
// names without declaring them and as pydicom reads them). Where the conversion fails (a character set it does
// not know, bytes that are not of the one named), the texts stay as stored. A single character set named by a
// term that is not DICOM's ("ISO-8859-1", "ISO_IR100") is read as the term it means, else as Latin-1, and the
// returned note says so (empty otherwise).
std::string textsToUtf8(DcmItem& ds);

// Whether every byte of `text` is ASCII (below 0x80): what a DICOM text needs no character set for.
bool isAscii(std::string_view text);

// Whether any text of `ds` holds a byte beyond ASCII (which, without a Specific Character Set, a DICOM writer
// refuses as "Invalid character").
bool hasTextBeyondAscii(DcmItem& ds);

}  // namespace msf::io
