#include <QtTest>

#include "msformer/metrics.h"
#include "msformer/segmenter.h"
#include "msformer/target_selection.h"
#include "synthetic_support.h"

class TestKMeans : public QObject {
    Q_OBJECT
private slots:
    void separatesTwoFlatRegions() {
        msf::ImageBuffer img{20, 10, 1, std::vector<float>(200, 0.1f)};
        for (int y = 0; y < 10; ++y)
            for (int x = 12; x < 20; ++x) img.data[y * 20 + x] = 0.9f;
        msf::KMeansConfig c;
        c.size = 20;
        c.k = 2;
        const auto r = msf::runKMeans(img, c);
        QCOMPARE(r.clusterCount, 2);
        QCOMPARE(r.original.width, 20);
        QCOMPARE(r.original.height, 10);
        // Larger region (left, 12 columns) is label 0 after renumbering.
        QCOMPARE(r.original.at(0, 0), 0);
        QCOMPARE(r.original.at(19, 9), 1);
        QCOMPARE(r.parameters.at("k"), std::string("2"));
        QCOMPARE(r.parameters.at("device"), r.device);  // resolved from auto: cpu or cuda
        QVERIFY(r.device == "cpu" || r.device == "cuda");
    }
    void seededAndDeterministic() {
        const auto img = bufferOf(msf::phantom::skinLesion(64, 3));
        msf::KMeansConfig c;
        c.size = 64;
        c.seed = 5;
        const auto a = msf::runKMeans(img, c), b = msf::runKMeans(img, c);
        QVERIFY(a.working.labels == b.working.labels);
        QCOMPARE(a.clusterCount, 3);
    }
    void findsTheLungsInTheNoisySlice() {
        const auto ph = msf::phantom::lungCt(128, 4);
        msf::KMeansConfig c;
        c.size = 128;
        c.k = 2;
        const auto r = msf::runKMeans(bufferOf(ph), c);
        const auto s = msf::selectByTruthClicks(msf::toMat(r.original), ph.mask);
        QVERIFY(msf::scoreMasks(s.mask, ph.mask).dsc > 0.9);
    }
    void flatImageDoesNotCrash() {
        msf::ImageBuffer img{16, 16, 3, std::vector<float>(16 * 16 * 3, 0.5f)};
        msf::KMeansConfig c;
        c.size = 16;
        const auto r = msf::runKMeans(img, c);
        QCOMPARE(r.clusterCount, 1);
    }
    void aTinyImageCountsTheLabelsItKeeps() {
        // 2 x 1 pixels, black and white: the working map (S x S, a ramp between
        // them) has 3 clusters, the 2 x 1 map at most 2. Its labels are
        // 0..count-1 and the count is its own.
        msf::ImageBuffer img{2, 1, 1, {0.0f, 1.0f}};
        msf::KMeansConfig c;
        c.k = 3;
        for (int seed = 0; seed < 5; ++seed) {
            c.seed = seed;
            const auto r = msf::runKMeans(img, c);
            QCOMPARE(r.clusterCount, r.original.count());
            for (int v : r.original.labels) QVERIFY(v >= 0 && v < r.clusterCount);
        }
    }
    void invalidConfigIsAnError() {
        msf::KMeansConfig c;
        c.k = 1;
        QVERIFY_THROWS_EXCEPTION(msf::SegmentationError, msf::runKMeans(bufferOf(msf::phantom::lungCt(32, 1)), c));
    }
};

QTEST_GUILESS_MAIN(TestKMeans)
#include "test_kmeans.moc"
