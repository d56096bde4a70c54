// Metrics and target selection on hand-made masks.
#include <QtTest>

#include <opencv2/imgproc.hpp>

#include <cmath>

#include "msformer/mask_ops.h"
#include "msformer/metrics.h"
#include "msformer/target_selection.h"

namespace {
cv::Mat rect(int w, int h, cv::Rect r) {
    cv::Mat m = cv::Mat::zeros(h, w, CV_8U);
    m(r).setTo(255);
    return m;
}
}  // namespace

class TestMetrics : public QObject {
    Q_OBJECT
private slots:
    void overlapMetricsByHand() {
        // A: 10x10 = 100 px, B: 10x10 shifted by 5 columns: overlap 50, union 150.
        const cv::Mat a = rect(40, 20, {0, 0, 10, 10}), b = rect(40, 20, {5, 0, 10, 10});
        const auto s = msf::scoreMasks(a, b);
        QVERIFY(std::abs(s.dsc - 0.5) < 1e-12);             // 2*50/200
        QVERIFY(std::abs(s.hm - 100.0 / 150.0) < 1e-12);    // (150-50)/150
        QVERIFY(std::abs(s.xorRatio - 1.0) < 1e-12);        // (150-50)/100
        QVERIFY(std::abs(s.hd95 - 5.0) < 1e-6);             // boundaries 5 px apart
    }
    void identicalAndEmptyMasks() {
        const cv::Mat a = rect(30, 30, {5, 5, 10, 10}), none = cv::Mat::zeros(30, 30, CV_8U);
        auto s = msf::scoreMasks(a, a);
        QCOMPARE(s.dsc, 1.0);
        QCOMPARE(s.hm, 0.0);
        QCOMPARE(s.xorRatio, 0.0);
        QCOMPARE(s.hd95, 0.0);
        s = msf::scoreMasks(none, a);
        QCOMPARE(s.dsc, 0.0);
        QCOMPARE(s.xorRatio, 1.0);
        QVERIFY(std::abs(s.hd95 - std::hypot(30, 30)) < 1e-9);
        s = msf::scoreMasks(none, none);
        QCOMPARE(s.dsc, 1.0);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, msf::scoreMasks(a, cv::Mat::zeros(10, 10, CV_8U)));
    }
    void hd95IgnoresAFewOutliers() {
        cv::Mat truth = rect(200, 200, {50, 50, 100, 100});
        cv::Mat pred = truth.clone();
        pred.at<uchar>(0, 199) = 255;  // one far-away speck
        QVERIFY(msf::scoreMasks(pred, truth).hd95 < 2.0);
    }
    void fillHolesAndComponents() {
        cv::Mat ring = rect(20, 20, {2, 2, 10, 10});
        ring(cv::Rect(4, 4, 6, 6)).setTo(0);
        const cv::Mat filled = msf::mask::fillHoles(ring);
        QCOMPARE(msf::mask::area(filled), 100);
        cv::Mat two = rect(20, 20, {0, 0, 3, 3}) | rect(20, 20, {10, 10, 5, 5});
        const auto cs = msf::mask::components(two);
        QCOMPARE(int(cs.size()), 2);
        QVERIFY(cs[0].touchesBorder);
        QVERIFY(!cs[1].touchesBorder);
        QCOMPARE(msf::mask::area(msf::mask::keepLargestComponent(two)), 25);
        QCOMPARE(msf::mask::area(msf::mask::removeIslands(two, 10)), 25);
        QCOMPARE(msf::mask::innermostPoint(rect(20, 20, {10, 10, 5, 5})), cv::Point(12, 12));
    }
    void bestOverlapPicksOneCluster() {
        // Cluster 1: the target square plus a far corner blob (like a vignette).
        cv::Mat labels(40, 40, CV_32S, cv::Scalar(0));
        labels(cv::Rect(10, 10, 15, 15)).setTo(1);
        labels(cv::Rect(0, 0, 3, 3)).setTo(1);
        labels(cv::Rect(30, 30, 5, 5)).setTo(2);
        const cv::Mat truth = rect(40, 40, {10, 10, 15, 15});
        const auto best = msf::selectBestOverlap(labels, truth);
        QCOMPARE(best.clusters, std::vector<int>{1});
        const double dsc = msf::scoreMasks(best.mask, truth).dsc;
        QVERIFY(std::abs(dsc - 2.0 * 225 / (234 + 225)) < 1e-9);
        // The click protocol drops the corner: the region under the click only.
        const auto click = msf::selectByTruthClicks(labels, truth);
        QCOMPARE(msf::scoreMasks(click.mask, truth).dsc, 1.0);
        QCOMPARE(int(click.clicks.size()), 1);
        // The dilated-truth variant also cuts the corner away (it uses the truth).
        QCOMPARE(msf::scoreMasks(msf::selectBestOverlapDilatedTruth(labels, truth).mask, truth).dsc, 1.0);
    }
    void clickFillsHolesAndClicksEachComponent() {
        cv::Mat labels(40, 40, CV_32S, cv::Scalar(0));
        labels(cv::Rect(5, 5, 10, 10)).setTo(1);
        labels(cv::Rect(6, 11, 2, 2)).setTo(2);  // a hole of another cluster, off the click
        labels(cv::Rect(25, 25, 10, 10)).setTo(1);
        const cv::Mat truth = rect(40, 40, {5, 5, 10, 10}) | rect(40, 40, {25, 25, 10, 10});
        const auto s = msf::selectByTruthClicks(labels, truth);
        QCOMPARE(int(s.clicks.size()), 2);
        QCOMPARE(msf::scoreMasks(s.mask, truth).dsc, 1.0);
    }
    void autoFindsDarkEnclosedRegionsNotTheBorder() {
        // Bright body on dark air, two dark "lungs" inside; air touches the border.
        cv::Mat grey(60, 60, CV_32F, cv::Scalar(0.05));
        cv::Mat labels(60, 60, CV_32S, cv::Scalar(0));
        cv::Rect body(8, 8, 44, 44), left(14, 18, 12, 24), right(34, 18, 12, 24);
        grey(body).setTo(0.7);
        labels(body).setTo(1);
        for (auto r : {left, right}) {
            grey(r).setTo(0.1);
            labels(r).setTo(0);  // same cluster as the outside air
        }
        const cv::Mat truth = rect(60, 60, left) | rect(60, 60, right);
        const auto s = msf::selectAutomatic(labels, grey);
        QCOMPARE(s.clusters, std::vector<int>{0});
        QCOMPARE(msf::scoreMasks(s.mask, truth).dsc, 1.0);
    }
};

QTEST_APPLESS_MAIN(TestMetrics)
#include "test_metrics.moc"
