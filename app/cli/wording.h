#pragma once
// "1 frame", "3 frames": counts in the command-line tool's messages.
#include <QString>

inline QString counted(long long n, const QString& singular, const QString& plural = {}) {
    return QString::number(n) + ' ' + (n == 1 ? singular : plural.isEmpty() ? singular + 's' : plural);
}
