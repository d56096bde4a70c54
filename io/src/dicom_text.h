#pragma once
// DICOM texts as the rest of the program takes them: UTF-8.
class DcmItem;

namespace msf::io {

// Converts the texts of `ds` (names, descriptions, explanations, labels: PN, LO, SH, ST, LT, UT, UC), in
// place, from its Specific Character Set to UTF-8 (Latin-1 where it names none, as old exports write accented
// names without declaring them and as pydicom reads them). Where the conversion fails (a character set it does
// not know, bytes that are not of the one named), the texts stay as stored.
void textsToUtf8(DcmItem& ds);

// Whether any text of `ds` holds a byte beyond ASCII (which, without a Specific Character Set, a DICOM writer
// refuses as "Invalid character").
bool hasTextBeyondAscii(DcmItem& ds);

}  // namespace msf::io
