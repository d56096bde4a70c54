// Metrics and target selection on hand-made masks.
#include <QtTest>

#include <opencv2/imgproc.hpp>

#include <cmath>

#include "msformer/mask_ops.h"
#include "flood_count.h"
#include "msformer/mat_convert.h"
#include "msformer/metrics.h"
#include "msformer/slice_interpolation.h"
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
    void aLabelMapViewSharesTheLabelsAndReadsAsTheCopy() {
        msf::LabelMap map{5, 3, {0, 1, 1, 2, 2, 0, 0, 1, 2, 2, 3, 3, 3, 3, 3}};
        const cv::Mat view = msf::viewOf(map), copy = msf::toMat(map);
        QCOMPARE(view.type(), CV_32S);
        QCOMPARE(view.size(), cv::Size(5, 3));
        QCOMPARE(cv::norm(view, copy, cv::NORM_INF), 0.0);
        QCOMPARE(view.ptr<int32_t>(), map.labels.data());  // no copy: the map's own storage
        QCOMPARE(cv::countNonZero(msf::selectByClicks(view, {cv::Point(1, 0)}).mask), 3);  // the region of 1s at (1..2, 0), (1, 1)
        QVERIFY(msf::viewOf(msf::LabelMap{}).empty());
    }
    void overlapMetricsByHand() {
        // A: 10x10 = 100 px, B: 10x10 shifted by 5 columns: overlap 50, union 150.
        const cv::Mat a = rect(40, 20, {0, 0, 10, 10}), b = rect(40, 20, {5, 0, 10, 10});
        const auto s = msf::scoreMasks(a, b);
        QVERIFY(std::abs(s.dsc - 0.5) < 1e-12);             // 2*50/200
        QVERIFY(std::abs(s.hm - 100.0 / 150.0) < 1e-12);    // (150-50)/150
        QVERIFY(std::abs(s.xorRatio - 1.0) < 1e-12);        // (150-50)/100
        QVERIFY(std::abs(s.hd95 - 5.0) < 1e-6);             // boundaries 5 px apart
        const auto overlap = msf::scoreOverlap(a, b);       // the same without the distance
        QCOMPARE(overlap.dsc, s.dsc);
        QCOMPARE(overlap.hm, s.hm);
        QCOMPARE(overlap.xorRatio, s.xorRatio);
        QCOMPARE(overlap.hd95, 0.0);
    }
    void overlapScoresReadAnyNonZeroAsInside() {
        // scoreOverlap counts in one pass over 8-bit masks: the same scores as
        // scoreMasks on random masks holding other values than 255, on views
        // into larger images, and on other types.
        cv::RNG rng(5);
        for (int trial = 0; trial < 10; ++trial) {
            cv::Mat a(70, 90, CV_8U), b(70, 90, CV_8U);
            rng.fill(a, cv::RNG::UNIFORM, 0, 3);  // 0, 1, 2: two thirds inside
            rng.fill(b, cv::RNG::UNIFORM, 0, 2);
            const cv::Rect roi(3, 5, 61, 40);
            for (const auto& [pa, pb] : {std::pair{a, b}, std::pair{a(roi), b(roi)}}) {
                const auto fast = msf::scoreOverlap(pa, pb), full = msf::scoreMasks(pa, pb);
                QCOMPARE(fast.dsc, full.dsc);
                QCOMPARE(fast.hm, full.hm);
                QCOMPARE(fast.xorRatio, full.xorRatio);
            }
            cv::Mat a32;
            a.convertTo(a32, CV_32S);
            QCOMPARE(msf::scoreOverlap(a32, b).dsc, msf::scoreOverlap(a, b).dsc);
        }
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, msf::scoreOverlap(cv::Mat::zeros(4, 4, CV_8U), cv::Mat::zeros(4, 5, CV_8U)));
    }
    void bestOverlapCountsEveryLabel() {
        // Counted per label id; a tie goes to the lower id.
        cv::Mat labels(4, 6, CV_32S, cv::Scalar(7));
        labels(cv::Rect(0, 0, 2, 4)).setTo(5);
        labels(cv::Rect(2, 0, 2, 4)).setTo(2);
        QCOMPARE(msf::selectBestOverlap(labels, rect(6, 4, {0, 0, 4, 4})).clusters, std::vector<int>{2});  // 8 and 8
        QCOMPARE(msf::selectBestOverlap(labels, rect(6, 4, {1, 0, 5, 4})).clusters, std::vector<int>{2});  // 4, 8, 8
        QCOMPARE(msf::selectBestOverlap(labels, rect(6, 4, {0, 0, 3, 4})).clusters, std::vector<int>{5});  // 8 and 4
        QCOMPARE(msf::selectBestOverlap(labels, rect(6, 4, {4, 0, 2, 4})).clusters, std::vector<int>{7});
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
    void hd95InMillimetresFollowsThePixelSize() {
        // No pixel size: no mm figure. Square pixels: the pixel figure scaled.
        const cv::Mat a = rect(60, 40, {10, 10, 40, 20});
        QVERIFY(std::isnan(msf::scoreMasks(a, a).hd95Mm));
        const cv::Mat right = rect(60, 40, {14, 10, 40, 20}), down = rect(60, 40, {10, 13, 40, 20});
        auto s = msf::scoreMasks(a, right, 0.7, 0.7);
        QVERIFY(std::abs(s.hd95 - 4.0) < 1e-6);
        QVERIFY(std::abs(s.hd95Mm - 2.8) < 1e-5);
        // Pixels 0.5 mm across and 2 mm down: a box moved 4 columns is 2 mm off, one moved 3 rows 6 mm (every
        // point of the leading and trailing edges), though both are 3-4 px off.
        s = msf::scoreMasks(a, right, 0.5, 2.0);
        QVERIFY2(std::abs(s.hd95Mm - 2.0) < 1e-5, qPrintable(QString::number(s.hd95Mm)));
        s = msf::scoreMasks(a, down, 0.5, 2.0);
        QVERIFY(std::abs(s.hd95 - 3.0) < 1e-6);
        QVERIFY2(std::abs(s.hd95Mm - 6.0) < 1e-5, qPrintable(QString::number(s.hd95Mm)));
        // Turning the masks and their spacings a quarter turn changes nothing.
        cv::RNG rng(3);
        for (int trial = 0; trial < 5; ++trial) {
            cv::Mat p = cv::Mat::zeros(50, 70, CV_8U), t = cv::Mat::zeros(50, 70, CV_8U);
            for (int i = 0; i < 3; ++i) {
                cv::circle(p, {rng.uniform(10, 60), rng.uniform(10, 40)}, rng.uniform(3, 12), 255, cv::FILLED);
                cv::circle(t, {rng.uniform(10, 60), rng.uniform(10, 40)}, rng.uniform(3, 12), 255, cv::FILLED);
            }
            const double mm = msf::scoreMasks(p, t, 0.4, 1.7).hd95Mm;
            QVERIFY(mm > 0);
            QVERIFY(std::abs(msf::scoreMasks(p.t(), t.t(), 1.7, 0.4).hd95Mm - mm) < 1e-4);
        }
        // One empty: the image's diagonal in mm.
        s = msf::scoreMasks(cv::Mat::zeros(40, 60, CV_8U), a, 0.5, 2.0);
        QVERIFY(std::abs(s.hd95Mm - std::hypot(30.0, 80.0)) < 1e-9);
        QCOMPARE(msf::scoreMasks(cv::Mat::zeros(40, 60, CV_8U), cv::Mat::zeros(40, 60, CV_8U), 0.5, 2.0).hd95Mm, 0.0);
    }
    void benchmarkHd95InMillimetres() {
        // Figures only: scoreMasks with a pixel size on a disc against a tilted ellipse, square pixels (the
        // distance transform's distances, scaled) and 0.5 x 2 mm ones (every boundary pair measured), median of 3.
        for (int n : {512, 1024, 2048}) {
            cv::Mat a = cv::Mat::zeros(n, n, CV_8U), b = a.clone();
            cv::circle(a, {n / 2, n / 2}, n / 3, 255, cv::FILLED);
            cv::ellipse(b, {n / 2 + n / 50, n / 2}, {n / 3, n / 4}, 10, 0, 360, 255, cv::FILLED);
            for (const auto& [sx, sy] : {std::pair{0.5, 0.5}, std::pair{0.5, 2.0}}) {
                std::vector<qint64> ms;
                double mm = 0;
                for (int r = 0; r < 3; ++r) {
                    QElapsedTimer t;
                    t.start();
                    mm = msf::scoreMasks(a, b, sx, sy).hd95Mm;
                    ms.push_back(t.elapsed());
                }
                std::sort(ms.begin(), ms.end());
                QVERIFY(mm > 0);
                qInfo("%d x %d, %.1f x %.1f mm pixels: HD95 %.1f mm in %lld ms", n, n, sx, sy, mm,
                      static_cast<long long>(ms[1]));
            }
        }
    }
    void fillHolesAndComponents() {
        cv::Mat ring = rect(20, 20, {2, 2, 10, 10});
        ring(cv::Rect(4, 4, 6, 6)).setTo(0);
        const cv::Mat filled = msf::mask::fillHoles(ring);
        QCOMPARE(msf::mask::area(filled), 100);
        cv::Mat two = rect(20, 20, {0, 0, 3, 3}) | rect(20, 20, {10, 10, 5, 5});
        const auto cs = msf::mask::components(two);
        QCOMPARE(int(cs.parts.size()), 2);
        QVERIFY(cs.parts[0].touchesBorder);
        QVERIFY(!cs.parts[1].touchesBorder);
        QCOMPARE(msf::mask::area(msf::mask::unionOf(cs.labels, {cs.parts[1]})), 25);
        QCOMPARE(cv::countNonZero(msf::mask::unionOf(cs.labels, cs.parts) != two), 0);
        // Thousands of specks around a lesion (each used to get its own
        // full-size mask: a speckled 24-MP mask ran out of memory).
        cv::Mat specks = cv::Mat::zeros(600, 800, CV_8U);
        cv::circle(specks, {400, 300}, 80, 255, cv::FILLED);
        for (int y = 3; y < 600; y += 8)
            for (int x = 3; x < 800; x += 8)
                if (std::hypot(x - 400, y - 300) > 90) specks.at<uchar>(y, x) = 255;
        QVERIFY(msf::mask::components(specks).parts.size() > 7000);
        const cv::Mat lesion = msf::mask::removeIslands(specks, 50);
        QCOMPARE(cv::countNonZero(lesion != msf::mask::keepLargestComponent(specks)), 0);
        QCOMPARE(msf::mask::components(lesion).parts.size(), size_t(1));
        QVERIFY(lesion.at<uchar>(300, 400) && !lesion.at<uchar>(3, 3));
        QCOMPARE(msf::mask::area(msf::mask::keepLargestComponent(two)), 25);
        QCOMPARE(msf::mask::area(msf::mask::removeIslands(two, 10)), 25);
        QCOMPARE(msf::mask::innermostPoint(rect(20, 20, {10, 10, 5, 5})), cv::Point(12, 12));
        // The count the app shows: 8-connected, any non-zero value, counted within the mask's bounds.
        QCOMPARE(msf::mask::regionCount(cv::Mat::zeros(20, 20, CV_8U)), 0);
        QCOMPARE(msf::mask::regionCount(two), 2);
        QCOMPARE(msf::mask::regionCount(ring), 1);
        cv::Mat islandInHole = ring.clone();
        islandInHole.at<uchar>(6, 6) = 255;
        QCOMPARE(msf::mask::regionCount(islandInHole), 2);
        QCOMPARE(msf::mask::regionCount(specks), int(msf::mask::components(specks).parts.size()));
        cv::Mat diagonal = cv::Mat::zeros(20, 20, CV_8U);
        diagonal.at<uchar>(5, 5) = 1;
        diagonal.at<uchar>(6, 6) = 7;  // touches (5, 5) at a corner
        diagonal.at<uchar>(19, 0) = 255;
        QCOMPARE(msf::mask::regionCount(diagonal), 2);
        // A noise mask (an imported probability map thresholded): the count a plain flood gives. (It took
        // border following 143 s on a 12-MP one, on the UI thread; labelling takes 54 ms.)
        cv::Mat noise(150, 200, CV_8U);
        cv::theRNG().state = 7;
        cv::randu(noise, 0, 255);
        noise = noise > 165;  // 35%: below 8-connected percolation, so many regions
        const int floods = floodCount(noise, true, 8);
        QVERIFY2(floods > 100, qPrintable(QString::number(floods)));
        QCOMPARE(msf::mask::regionCount(noise), floods);
        // What the app's panel and the CLI say of a mask's size.
        QCOMPARE(msf::mask::sizeText(cv::Mat::zeros(20, 20, CV_8U), 1, 1), std::string("empty"));
        QCOMPARE(msf::mask::sizeText(two, 0, 0), std::string("2 regions, 34 px"));
        QCOMPARE(msf::mask::sizeText(two, 0.5, 2.0), std::string("2 regions, 34 px, 34.0 mm\u00b2"));
        QCOMPARE(msf::mask::sizeText(two, std::nan(""), 1.0), std::string("2 regions, 34 px"));
        QCOMPARE(msf::mask::sizeText(cv::Mat(100, 123, CV_8U, cv::Scalar(255)), 0.7, 0.7),
                 std::string("1 region, 12,300 px, 60.3 cm\u00b2"));
        // Random masks (nested rings, diagonal touches, islands in holes) against OpenCV's labelling.
        cv::RNG rng(7);
        for (int trial = 0; trial < 20; ++trial) {
            cv::Mat noise(60, 80, CV_8U);
            rng.fill(noise, cv::RNG::UNIFORM, 0, 100);
            const cv::Mat random = noise < 30 + 2 * trial;
            cv::Mat labels;
            QCOMPARE(msf::mask::regionCount(random), cv::connectedComponents(random, labels, 8, CV_32S) - 1);
        }
    }
    void smoothRemovesSpursAndNotchesAtTheImagesScale() {
        // A disc with a thin spur sticking out and a thin notch cut in: smoothing removes both
        // and leaves the disc (area within 1%).
        cv::Mat disc = cv::Mat::zeros(200, 200, CV_8U);
        cv::circle(disc, {100, 100}, 50, 255, cv::FILLED);
        cv::Mat shape = disc.clone();
        shape(cv::Rect(148, 99, 40, 3)).setTo(255);  // spur to the right, 3 px thick
        shape(cv::Rect(52, 99, 20, 3)).setTo(0);     // notch from the left, 3 px wide
        const cv::Mat smoothed = msf::mask::smooth(shape, 2);
        QVERIFY(!smoothed.at<uchar>(100, 175) && smoothed.at<uchar>(100, 60));
        QVERIFY(std::abs(msf::mask::area(smoothed) - msf::mask::area(disc)) < msf::mask::area(disc) / 100);
        QCOMPARE(cv::countNonZero(msf::mask::smooth(shape, 0) != shape), 0);
        // The app's radius follows the image size, so a spur as thick as a working-grid step
        // (3000 / 129 = 23 px) goes on a 3000 x 2000 X-ray, where a fixed 2 px left it.
        QCOMPARE(msf::mask::smoothRadiusFor({512, 512}), 2);
        QCOMPARE(msf::mask::smoothRadiusFor({3000, 2000}), 12);
        QCOMPARE(msf::mask::smoothRadiusFor({4000, 6000}), 23);
        cv::Mat large = cv::Mat::zeros(2000, 3000, CV_8U);
        cv::circle(large, {1500, 1000}, 600, 255, cv::FILLED);
        large(cv::Rect(2090, 990, 200, 20)).setTo(255);  // a 20 px spur
        QVERIFY(msf::mask::smooth(large, 2).at<uchar>(1000, 2250));
        QVERIFY(!msf::mask::smooth(large, msf::mask::smoothRadiusFor(large.size())).at<uchar>(1000, 2250));
    }
    void regionAndHolesMatchTheirDefinitions() {
        // regionAt floods from the click and fillHoles works inside the mask's
        // bounding box: on random maps they give what the definitions give
        // (the 8-connected component under the click; every background pixel
        // that no 4-connected path joins to the image border).
        cv::RNG rng(11);
        for (int trial = 0; trial < 20; ++trial) {
            cv::Mat noise(48, 64, CV_32F), labels;
            rng.fill(noise, cv::RNG::UNIFORM, 0, 1);
            cv::GaussianBlur(noise, noise, {0, 0}, 1.5);
            noise.convertTo(labels, CV_32S, 6, -2.4);  // a few labels in blobs and specks
            const cv::Point p(rng.uniform(0, 64), rng.uniform(0, 48));
            cv::Mat cc;
            cv::connectedComponents(labels == labels.at<int32_t>(p), cc, 8, CV_32S);
            const cv::Mat region = msf::mask::regionAt(labels, p);
            QCOMPARE(cv::countNonZero(region != (cc == cc.at<int32_t>(p))), 0);

            cv::Mat background = region == 0, bg;
            const int n = cv::connectedComponents(background, bg, 4, CV_32S);
            std::vector<bool> reachesBorder(n, false);
            for (int y = 0; y < bg.rows; ++y)
                for (int x = 0; x < bg.cols; ++x)
                    if (x == 0 || y == 0 || x + 1 == bg.cols || y + 1 == bg.rows) reachesBorder[bg.at<int32_t>(y, x)] = true;
            cv::Mat expected = region.clone();
            for (int y = 0; y < bg.rows; ++y)
                for (int x = 0; x < bg.cols; ++x)
                    if (background.at<uchar>(y, x) && !reachesBorder[bg.at<int32_t>(y, x)]) expected.at<uchar>(y, x) = 255;
            QCOMPARE(cv::countNonZero(msf::mask::fillHoles(region) != expected), 0);
            // Several clicks: the union of their regions, holes filled (filled within the regions' bounds).
            const cv::Point q(rng.uniform(0, 64), rng.uniform(0, 48)), outside(64, 3);
            const cv::Mat both = msf::mask::fillHoles(region | msf::mask::regionAt(labels, q));
            QCOMPARE(cv::countNonZero(msf::selectByClicks(labels, {p, q, outside}).mask != both), 0);
        }
        QCOMPARE(cv::countNonZero(msf::mask::fillHoles(cv::Mat::zeros(5, 5, CV_8U))), 0);
    }
    void aPickIsCarriedOverFromTheNeighbouringSlicesMask() {
        // Cluster 1 has two discs, A (with a cluster-2 hole) and B; the previous
        // slice's mask covers A shifted by a pixel and under half of B: A and its
        // hole (inside the mask too) are picked, B and the background it grazes are not.
        cv::Mat labels(30, 40, CV_32S, cv::Scalar(0));
        cv::circle(labels, {10, 15}, 6, 1, cv::FILLED);
        cv::circle(labels, {10, 15}, 2, 2, cv::FILLED);
        cv::circle(labels, {30, 15}, 6, 1, cv::FILLED);
        cv::Mat prior = cv::Mat::zeros(labels.size(), CV_8U);
        cv::circle(prior, {11, 15}, 6, 255, cv::FILLED);
        prior(cv::Rect(24, 9, 6, 13)).setTo(255);  // the left 6 columns: under half of B
        cv::Mat expected = cv::Mat::zeros(labels.size(), CV_8U);
        cv::circle(expected, {10, 15}, 6, 255, cv::FILLED);
        const auto s = msf::selectLikeMask(labels, prior);
        QCOMPARE(cv::countNonZero(s.mask != expected), 0);
        QCOMPARE(s.clusters, (std::vector<int>{1, 2}));
        // Half inside is enough; nothing under an empty mask; sizes must agree.
        const auto most = msf::selectLikeMask(labels, prior, 0.25);
        QVERIFY(cv::countNonZero(most.mask(cv::Rect(24, 9, 13, 13))) > 100);  // B as well now
        QCOMPARE(cv::countNonZero(msf::selectLikeMask(labels, cv::Mat::zeros(labels.size(), CV_8U)).mask), 0);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, msf::selectLikeMask(labels, cv::Mat::zeros(5, 5, CV_8U)));
    }
    void theSlicesBetweenTwoMasksMorphFromOneToTheOther() {
        // The signed distance is negative inside, positive outside, +-0.5 at the pixels either side of the outline.
        const cv::Mat square = rect(20, 20, {5, 5, 10, 10});
        const cv::Mat d = msf::mask::signedDistance(square);
        QCOMPARE(d.at<float>(5, 5), -0.5f);
        QCOMPARE(d.at<float>(5, 4), 0.5f);
        QCOMPARE(d.at<float>(9, 9), -4.5f);    // 5 px from the nearest outside pixel (row 4)
        QCOMPARE(d.at<float>(10, 0), 4.5f);
        // A disc of radius 10 to one of radius 20 over three slices: radii about 12.5, 15, 17.5, in order.
        cv::Mat small = cv::Mat::zeros(60, 60, CV_8U), large = small.clone();
        cv::circle(small, {30, 30}, 10, 255, cv::FILLED);
        cv::circle(large, {30, 30}, 20, 255, cv::FILLED);
        const auto grown = msf::mask::masksBetween(small, large, 3);
        QCOMPARE(int(grown.size()), 3);
        int previous = cv::countNonZero(small);
        for (int i = 0; i < 3; ++i) {
            const double r = 10 + 2.5 * (i + 1), area = cv::countNonZero(grown[i]);
            QVERIFY2(std::abs(area - CV_PI * r * r) < 0.05 * CV_PI * r * r,
                     qPrintable(QString("slice %1: %2 px, a disc of radius %3 has %4").arg(i).arg(area).arg(r).arg(CV_PI * r * r)));
            QCOMPARE(cv::countNonZero(grown[i] & ~large), 0);  // nested between the two
            QCOMPARE(cv::countNonZero(small & ~grown[i]), 0);
            QVERIFY(area > previous);
            previous = int(area);
        }
        // The same mask either side gives it back on every slice between.
        for (const cv::Mat& m : msf::mask::masksBetween(small, small, 4)) QCOMPARE(cv::countNonZero(m != small), 0);
        // A disc of radius 10 moving by 8 px: half way, about that disc half way along (blending distances flattens a
        // moving shape across its motion: 0.94 DSC here).
        cv::Mat left = cv::Mat::zeros(40, 60, CV_8U), right = left.clone(), middle = left.clone();
        cv::circle(left, {26, 20}, 10, 255, cv::FILLED);
        cv::circle(right, {34, 20}, 10, 255, cv::FILLED);
        cv::circle(middle, {30, 20}, 10, 255, cv::FILLED);
        const cv::Mat moved = msf::mask::masksBetween(left, right, 1)[0];
        QVERIFY2(msf::scoreMasks(moved, middle).dsc > 0.9, qPrintable(QString::number(msf::scoreMasks(moved, middle).dsc)));
        const cv::Moments m = cv::moments(moved, true);
        QVERIFY(std::abs(m.m10 / m.m00 - 30) < 0.5);
        // A region in one mask only shrinks away towards the other slice; two regions joining
        // make one between them.
        cv::Mat one = left.clone(), two = left.clone();
        cv::circle(two, {50, 20}, 6, 255, cv::FILLED);
        const auto vanishing = msf::mask::masksBetween(two, one, 3);
        QVERIFY(cv::countNonZero(vanishing[0](cv::Rect(40, 0, 20, 40))) > 0);
        QVERIFY(cv::countNonZero(vanishing[0](cv::Rect(40, 0, 20, 40))) < cv::countNonZero(two(cv::Rect(40, 0, 20, 40))));
        QCOMPARE(cv::countNonZero(vanishing[2](cv::Rect(40, 0, 20, 40))), 0);
        // Which slices of a volume get filled: those between two slices with pixels (an empty mask is none),
        // from the nearest such slice on each side; nothing beyond the last.
        const cv::Mat none = cv::Mat::zeros(small.size(), CV_8U);
        const auto filled = msf::mask::fillBetweenSlices({{0, small}, {1, none}, {3, large}, {4, small}, {7, none}});
        QCOMPARE(int(filled.size()), 2);
        for (int i = 0; i < 2; ++i) {
            QCOMPARE(filled[i].frame, i + 1);
            QCOMPARE(filled[i].from, 0);
            QCOMPARE(filled[i].to, 3);
            QCOMPARE(cv::countNonZero(filled[i].mask != msf::mask::masksBetween(small, large, 2)[i]), 0);
        }
        QVERIFY(msf::mask::fillBetweenSlices({{2, small}, {5, none}}).empty());
        // Nothing between neighbours; sizes must agree.
        QVERIFY(msf::mask::masksBetween(small, large, 0).empty());
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, msf::mask::masksBetween(small, left, 1));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, msf::mask::masksBetween(small, large, -1));
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
    void autoOnALargePhotoMatchesTheFullSizeChoice() {
        // A 3000 x 2000 "dermoscopy photo": skin, a dark lesion with a ragged
        // outline, dark corners and a hair from the lesion to the border. Judged
        // on a reduced copy (the full-size openings took 15 s on a 24-MP photo),
        // the mask is the same cluster, on its full-size pixels, as when judged
        // at full size.
        const cv::Size size(3000, 2000);
        cv::Mat grey(size, CV_32F, cv::Scalar(0.7)), labels(size, CV_32S, cv::Scalar(0));
        cv::Mat lesion = cv::Mat::zeros(size, CV_8U);
        cv::ellipse(lesion, {1400, 1000}, {520, 380}, 20, 0, 360, 255, cv::FILLED);
        for (int a = 0; a < 360; a += 15)  // ragged: small bumps and bites along the outline
            cv::circle(lesion, {1400 + int(500 * std::cos(a * CV_PI / 180)), 1000 + int(360 * std::sin(a * CV_PI / 180))},
                       12 + a % 7, a % 30 ? 255 : 0, cv::FILLED);
        cv::line(lesion, {1900, 1000}, {2999, 300}, 255, 5);  // hair
        for (cv::Point corner : {cv::Point(0, 0), {2999, 0}, {0, 1999}, {2999, 1999}})
            cv::circle(lesion, corner, 500, 255, cv::FILLED);
        grey.setTo(0.15, lesion);
        labels.setTo(1, lesion);
        const auto reduced = msf::selectAutomatic(labels, grey);
        msf::AutoSelectOptions fullSize;
        fullSize.maxWorkingSide = 3000;
        const auto full = msf::selectAutomatic(labels, grey, fullSize);
        QCOMPARE(reduced.clusters, std::vector<int>{1});
        QCOMPARE(reduced.clusters, full.clusters);
        QCOMPARE(reduced.mask.size(), size);
        QVERIFY2(msf::scoreMasks(reduced.mask, full.mask).dsc > 0.995,
                 qPrintable(QString::number(msf::scoreMasks(reduced.mask, full.mask).dsc)));
        // The cluster's own full-size pixels and the holes they enclose.
        QCOMPARE(cv::countNonZero(reduced.mask & ~msf::mask::fillHoles(labels == 1)), 0);
        QCOMPARE(cv::countNonZero(reduced.mask(cv::Rect(2900, 300, 100, 100))), 0);  // not the hair near the border
    }
};

QTEST_APPLESS_MAIN(TestMetrics)
#include "test_metrics.moc"
