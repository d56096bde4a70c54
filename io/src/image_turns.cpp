#include "image_turns.h"

namespace msf::io {

cv::Mat turnedBy(const cv::Mat& m, int turn) {
    cv::Mat out = m;
    if (turn & 4) cv::transpose(m, out);
    if ((turn & 3) != 0) {
        cv::Mat flipped;
        cv::flip(out, flipped, (turn & 3) == 1 ? 0 : (turn & 3) == 2 ? 1 : -1);
        out = flipped;
    }
    return out;
}

int turnBetween(const cv::Mat& from, const cv::Mat& to) {
    for (int turn = 0; turn < 8; ++turn) {
        const cv::Mat t = turnedBy(from, turn);
        if (t.size() == to.size() && t.type() == to.type() && cv::norm(t, to, cv::NORM_INF) == 0) return turn;
    }
    return -1;
}

}  // namespace msf::io
