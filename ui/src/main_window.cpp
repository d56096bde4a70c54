#include "msformer/ui/main_window.h"

#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QStandardPaths>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPointer>
#include <QPushButton>
#include <QSettings>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QTimer>
#include <QStatusBar>
#include <QToolBar>
#include <QUndoGroup>
#include <QUndoStack>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <memory>

#include "msformer/io/dataset_pairs.h"
#include "msformer/io/dicom_reader.h"
#include "msformer/io/dicom_seg.h"
#include "msformer/io/image_loader.h"
#include "msformer/io/target_name.h"
#include "msformer/mask_ops.h"
#include "msformer/mat_convert.h"
#include "msformer/metrics.h"
#include "msformer/runtime_info.h"
#include "msformer/slice_interpolation.h"
#include "msformer/target_selection.h"
#include "msformer/ui/image_view.h"
#include "msformer/ui/loss_plot.h"
#include "msformer/ui/mask_model.h"
#include "msformer/ui/segmentation_worker.h"
#include "mask_export.h"

namespace msf::ui {

namespace {

// The shown frame through its window: [0, 1] for the segmenter, 8-bit to draw
// (drawn as refreshBase draws it after a window or frame change).
std::pair<cv::Mat, QImage> renderFrame(const io::Image& image) {
    return {io::normalizedForSegmentation(image), toQImage(io::displayedFrame(image))};
}

// The windows the window box offers (8-bit: full range first).
std::vector<io::Window> windowChoicesFor(const io::Image& image) {
    auto windows = io::availableWindows(image);
    if (!image.frames.empty() && image.pixels().depth() == CV_8U) windows.insert(windows.begin(), io::Window{});
    return windows;
}

template <typename T>
void runInBackground(QObject* context, std::function<T()> work, std::function<void(T)> done,
                     std::function<void(QString)> failed) {
    auto* watcher = new QFutureWatcher<std::pair<T, QString>>(context);
    QObject::connect(watcher, &QFutureWatcherBase::finished, context, [watcher, done, failed] {
        auto [value, error] = watcher->result();
        watcher->deleteLater();
        if (error.isEmpty()) done(std::move(value));
        else failed(error);
    });
    watcher->setFuture(QtConcurrent::run([work]() -> std::pair<T, QString> {
        try {
            return {work(), QString()};
        } catch (const std::exception& e) {
            return {T{}, QString::fromStdString(e.what())};
        }
    }));
}

// "8-10, 14" for frames 8, 9, 10 and 14: the ranges of the export names' "_frames8-10_14".
QString frameRanges(const std::vector<int>& frames) { return QString::fromStdString(io::frameRanges(frames)); }

}  // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent), settings_(MethodSettings::load()), worker_(new WorkerThread(this)),
      undoGroup_(new QUndoGroup(this)) {
    setWindowTitle("MS-Former Studio");
    setAcceptDrops(true);
    // The reference slice is read once the frame has stayed put: a slider
    // drag across a volume would otherwise queue one read of the whole
    // reference file per frame passed.
    // A long series' or multi-frame file's read, said as it goes: "Loading CT_chest: 120 of 600 slices",
    // "Loading cine.dcm: 64 of 300 frames"; before a folder's read, the walk through its files' headers.
    loadProgressTimer_ = new QTimer(this);
    loadProgressTimer_->setInterval(100);
    connect(loadProgressTimer_, &QTimer::timeout, this, [this] {
        if (!loadPending_ || !load_ || load_->total == 0) return;
        statusBar()->showMessage((load_->scanning ? tr("Loading %1: looking through its files, %2 of %3")
                                  : load_->frames ? tr("Loading %1: %2 of %3 frames")
                                                  : tr("Loading %1: %2 of %3 slices"))
                                     .arg(loadingName_).arg(load_->done.load()).arg(load_->total.load()));
    });
    referenceTimer_ = new QTimer(this);
    referenceTimer_->setSingleShot(true);
    referenceTimer_->setInterval(150);
    connect(referenceTimer_, &QTimer::timeout, this, [this] {
        if (!referencePath_.isEmpty()) loadReferenceMask(referencePath_, referenceLabel_);
    });
    // MS-Former's map on the left; k-means' beside it in the side-by-side
    // view (View > Side by side), which follows the left view's zoom and pan.
    view_ = new ImageView;
    compareView_ = new ImageView;
    compareView_->setObjectName("compareView");
    compareView_->hide();
    auto* views = new QSplitter;
    views->addWidget(view_);
    views->addWidget(compareView_);
    setCentralWidget(views);

    auto* panel = new QWidget;
    auto* layout = new QVBoxLayout(panel);
    auto* runButton = new QPushButton(tr("Run MS-Former (F5)"));
    cancelButton_ = new QPushButton(tr("Cancel (Esc)"));
    cancelButton_->setObjectName("cancelRun");
    cancelButton_->setEnabled(false);  // until a run starts
    auto* kmeansButton = new QPushButton(tr("Run k-means (K)"));
    progress_ = new QProgressBar;
    iterationLabel_ = new QLabel(tr("idle"));
    iterationLabel_->setObjectName("runStatus");
    iterationLabel_->setWordWrap(true);  // a failure's reason is a sentence: wrapped, not widening the panel
    plot_ = new LossPlot;
    maskInfoLabel_ = new QLabel;
    maskInfoLabel_->setWordWrap(true);  // "Frames with a mask: 0, 2, 4, ..." of a long series
    maskInfoLabel_->setObjectName("maskInfo");
    maskInfoLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    metricsLabel_ = new QLabel;
    metricsLabel_->setWordWrap(true);
    metricsLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    frameSlider_ = new QSlider(Qt::Horizontal);
    frameSlider_->setEnabled(false);
    frameBox_ = new QSpinBox;
    frameBox_->setObjectName("frameBox");
    frameBox_->setEnabled(false);
    frameBox_->setToolTip(tr("Frame or slice number, counted from 0 as in 'msformer --frame' and the export's provenance"));
    frameBox_->setKeyboardTracking(false);  // typing "12" shows 12, not 1 then 12
    windowBox_ = new QComboBox;
    windowBox_->setObjectName("windowBox");
    opacitySlider_ = new QSlider(Qt::Horizontal);
    opacitySlider_->setRange(0, 100);
    opacitySlider_->setValue(40);
    auto* form = new QFormLayout;
    auto* frameRow = new QHBoxLayout;
    frameRow->addWidget(frameSlider_, 1);
    frameRow->addWidget(frameBox_);
    form->addRow(tr("Slice / frame"), frameRow);
    form->addRow(tr("Window"), windowBox_);
    form->addRow(tr("Mask opacity"), opacitySlider_);
    // What the exports call the target: a DICOM SEG's Segment Label, the COCO category, the .seg.nrrd segment.
    targetName_ = new QLineEdit(QSettings().value("export/targetName", "target").toString());
    targetName_->setObjectName("targetNameEdit");
    targetName_->setMaxLength(64);  // a DICOM Segment Label's limit (LO)
    targetName_->setToolTip(tr("The name the exported mask gives its target (\"lesion\", \"left lung\"): the Segment "
                               "Label of a DICOM SEG, the category of a COCO file, the segment of a 3D Slicer "
                               ".seg.nrrd"));
    connect(targetName_, &QLineEdit::editingFinished, this,
            [this] { QSettings().setValue("export/targetName", targetName_->text()); });
    // Enter gives the keys back to the image, so the single-key shortcuts (B, N, K) work again at once.
    connect(targetName_, &QLineEdit::returnPressed, this, [this] { view_->setFocus(); });
    form->addRow(tr("Target name"), targetName_);
    layout->addLayout(form);
    layout->addWidget(runButton);
    layout->addWidget(cancelButton_);
    layout->addWidget(kmeansButton);
    layout->addWidget(progress_);
    layout->addWidget(iterationLabel_);
    layout->addWidget(plot_);
    layout->addWidget(maskInfoLabel_);
    layout->addWidget(metricsLabel_);
    layout->addStretch();
    auto* dock = new QDockWidget(tr("Segmentation"), this);
    dock->setObjectName("segmentation");
    dock->setWidget(panel);
    addDockWidget(Qt::RightDockWidgetArea, dock);

    deviceLabel_ = new QLabel;
    deviceLabel_->setObjectName("deviceInfo");
    imageLabel_ = new QLabel;
    imageLabel_->setObjectName("imageInfo");
    cursorLabel_ = new QLabel;
    cursorLabel_->setObjectName("cursorReadout");
    statusBar()->addPermanentWidget(cursorLabel_);
    statusBar()->addPermanentWidget(imageLabel_);
    statusBar()->addPermanentWidget(deviceLabel_);
    refreshDeviceLabel();

    buildMenus();
    connect(runButton, &QPushButton::clicked, this, &MainWindow::runMsFormer);
    connect(cancelButton_, &QPushButton::clicked, this, &MainWindow::cancelRun);
    connect(kmeansButton, &QPushButton::clicked, this, &MainWindow::runKMeans);
    connect(frameSlider_, &QSlider::valueChanged, this, &MainWindow::setFrame);
    connect(frameBox_, qOverload<int>(&QSpinBox::valueChanged), frameSlider_, &QSlider::setValue);
    connect(windowBox_, qOverload<int>(&QComboBox::activated), this, [this](int i) {
        if (i >= 0 && i < int(windows_.size())) {
            image_.meta.window = windows_[i];
            refreshBase();
        }
    });
    connect(opacitySlider_, &QSlider::valueChanged, this,
            [this](int v) { forBothViews([v](ImageView* view) { view->setMaskOpacity(v / 100.0); }); });
    for (ImageView* view : {view_, compareView_}) {
        const bool compare = view == compareView_;
        connect(view, &ImageView::clicked, this, [this, compare](QPoint p, Qt::KeyboardModifiers mods) {
            pickOn(compare || showKMeans_, p, mods);
        });
        connect(view, &ImageView::stroke, this,
                [this](const QList<QPoint>& pts) { paintStroke(pts, eraserAction_->isChecked()); });
        connect(view, &ImageView::windowLevelDrag, this, &MainWindow::adjustWindow);
        connect(view, &ImageView::hovered, this, [this, compare](QPoint p) { hover(p, compare); });
        ImageView* twin = compare ? view_ : compareView_;
        connect(view, &ImageView::viewMoved, twin, [this, view, twin](double zoom, QPointF offset) {
            if (sideBySideAction_->isChecked()) twin->setView(zoom, offset, view->fitted());
        });
    }
    showMaskOf(0);  // an empty mask until an image is open
    auto* w = worker_->worker();
    connect(w, &SegmentationWorker::previewReady, this, &MainWindow::onPreview, Qt::QueuedConnection);
    connect(w, &SegmentationWorker::finished, this, &MainWindow::onFinished, Qt::QueuedConnection);
    connect(w, &SegmentationWorker::failed, this, &MainWindow::onFailed, Qt::QueuedConnection);
    resize(1200, 800);
    // The image gets the room: the panel's widgets (the chart) would take half the window.
    resizeDocks({dock}, {360}, Qt::Horizontal);
    restoreGeometry(QSettings().value("window/geometry").toByteArray());
    restoreState(QSettings().value("window/state").toByteArray());
    if (!settings_.problems.isEmpty())
        statusBar()->showMessage(tr("Saved method settings not valid, the defaults used instead: %1 (Ctrl+, to review)")
                                     .arg(settings_.problems.join("; ")),
                                 30000);
}

MainWindow::~MainWindow() {
    // A series still being read stops within a slice: the application's exit waits for its thread.
    if (load_) load_->stop = true;
}

namespace {
// What the loaders read, as an open dialog's filter (images and reference masks alike), each extension also in
// capitals (T1.NII.GZ, IMG.PNG: the readers take any case; a native dialog on Linux matches case-sensitively).
QString readableFiles() {
    QStringList extensions = {".dcm", ".dicom", ".ima", ".nii", ".nii.gz", ".hdr", ".img", ".nrrd", ".nhdr", ".mha", ".mhd"};
    for (const std::string& ext : msf::io::rasterImageExtensions()) extensions << QString::fromStdString(ext);
    QStringList patterns;
    for (const QString& ext : extensions) patterns << "*" + ext << "*" + ext.toUpper();
    return patterns.join(' ');
}
QString allFilesFilter() { return MainWindow::tr("All files, e.g. DICOM files without an extension (*)"); }
}  // namespace

void MainWindow::buildMenus() {
    auto* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open image..."), QKeySequence::Open, this, [this] {
        const QString p = QFileDialog::getOpenFileName(this, tr("Open image"), QSettings().value("open/folder").toString(),
                                                       tr("Images (%1 DICOMDIR);;%2").arg(readableFiles(), allFilesFilter()));
        if (!p.isEmpty()) openFile(p);  // (a CD's DICOMDIR: the series under its folder)
    });
    file->addAction(tr("Open DICOM &folder..."), QKeySequence("Ctrl+Shift+O"), this, [this] {
        const QString d = QFileDialog::getExistingDirectory(this, tr("Open DICOM folder"),
                                                            QSettings().value("open/folder").toString());
        if (!d.isEmpty()) openFile(d);
    });
    recentMenu_ = file->addMenu(tr("Open &recent"));
    recentMenu_->setObjectName("recentMenu");
    rebuildRecentMenu();
    file->addAction(tr("Load reference &mask..."), QKeySequence("Ctrl+M"), this, [this] {
        const QString p = QFileDialog::getOpenFileName(  // masks usually lie near their image
            this, tr("Reference mask"), QFileInfo(QString::fromStdString(image_.meta.sourcePath)).absolutePath(),
            tr("Masks: DICOM SEG, NIfTI, NRRD, MetaImage, PNG, ... (%1);;%2").arg(readableFiles(), allFilesFilter()));
        if (!p.isEmpty()) loadReferenceMask(p);
    });
    file->addAction(tr("Open mask for e&diting..."), QKeySequence("Ctrl+Shift+M"), this, [this] {
        const QString p = QFileDialog::getOpenFileName(  // an earlier export: the last export's folder
            this, tr("Open mask for editing"),
            QSettings().value("export/folder", QFileInfo(QString::fromStdString(image_.meta.sourcePath)).absolutePath())
                .toString(),
            tr("Masks: DICOM SEG, NIfTI, NRRD, MetaImage, PNG, ... (%1);;%2").arg(readableFiles(), allFilesFilter()));
        if (!p.isEmpty()) openMaskForEditing(p);
    });
    file->addAction(tr("&Export mask..."), QKeySequence("Ctrl+E"), this, &MainWindow::exportWithDialog);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence("Ctrl+Q"), this, &QWidget::close);  // as listed on every platform

    auto* edit = menuBar()->addMenu(tr("&Edit"));
    auto* undo = undoGroup_->createUndoAction(this);
    undo->setShortcut(QKeySequence("Ctrl+Z"));  // the same keys on every platform theme (offscreen's Redo is Ctrl+Y)
    auto* redo = undoGroup_->createRedoAction(this);
    redo->setShortcuts({QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")});
    edit->addAction(undo);
    edit->addAction(redo);
    undoEveryFrameAction_ = edit->addAction(tr("Undo on ever&y frame"), QKeySequence("Ctrl+Alt+Z"), this,
                                            &MainWindow::undoOnEveryFrame);
    undoEveryFrameAction_->setEnabled(false);
    edit->addSeparator();
    brushAction_ = edit->addAction(tr("&Brush"));
    brushAction_->setShortcut(QKeySequence("B"));
    brushAction_->setCheckable(true);
    eraserAction_ = edit->addAction(tr("&Eraser"));
    eraserAction_->setShortcut(QKeySequence("E"));
    eraserAction_->setCheckable(true);
    connect(brushAction_, &QAction::toggled, this, [this](bool on) {
        forBothViews([&](ImageView* view) { view->setBrushMode(on || eraserAction_->isChecked(), eraserAction_->isChecked()); });
        if (on) eraserAction_->setChecked(false);
    });
    connect(eraserAction_, &QAction::toggled, this, [this](bool on) {
        forBothViews([&](ImageView* view) { view->setBrushMode(on || brushAction_->isChecked(), on); });
        if (on) brushAction_->setChecked(false);
    });
    auto brushBy = [this](double factor) {  // in steps of 25%, at least one pixel
        const int now = view_->brushRadius();
        const int r = std::max(1, factor > 1 ? std::max(now + 1, int(std::lround(now * factor)))
                                             : std::min(now - 1, int(std::lround(now * factor))));
        forBothViews([r](ImageView* view) { view->setBrushRadius(r); });
    };
    edit->addAction(tr("Larger brush"), QKeySequence("]"), this, [brushBy] { brushBy(1.25); });
    edit->addAction(tr("Smaller brush"), QKeySequence("["), this, [brushBy] { brushBy(0.8); });
    edit->addSeparator();
    edit->addAction(tr("Fill &holes"), QKeySequence("H"), this, [this] { maskEdit(tr("fill holes"), mask::fillHoles); });
    edit->addAction(tr("Keep &largest region"), QKeySequence("L"), this,
                    [this] { maskEdit(tr("keep largest"), mask::keepLargestComponent); });
    edit->addAction(tr("Remove &islands..."), QKeySequence("I"), this, [this] {
        if (image_.frames.empty()) return;
        // Suggested: the last size given for an image of this size, else about one brush dab
        // ((1/64 of the side) squared, at least 50 px): 50 px suggested on a 24 MP photo removed nothing visible.
        const cv::Size size = image_.pixels().size();
        const int suggested =
            islandArea_ > 0 ? islandArea_ : std::max(50, int(std::lround(double(size.area()) / 4096.0)));
        bool ok = false;
        const int area =
            QInputDialog::getInt(this, tr("Remove islands"), tr("Smaller than (pixels)"), suggested, 1, 1 << 28, 1, &ok);
        if (!ok) return;
        islandArea_ = area;
        maskEdit(tr("remove islands under %1 px").arg(area), [area](const cv::Mat& m) { return mask::removeIslands(m, area); });
    });
    edit->addAction(tr("&Smooth"), QKeySequence("S"), this,
                    [this] {
                        const int radius = mask::smoothRadiusFor(mask_->mask().size());
                        maskEdit(tr("smooth (radius %1 px)").arg(radius),
                                 [radius](const cv::Mat& m) { return mask::smooth(m, radius); });
                    });
    edit->addAction(tr("&Clear mask"), QKeySequence("Ctrl+Backspace"), this,
                    [this] { maskEdit(tr("clear"), [](const cv::Mat& m) { return cv::Mat::zeros(m.size(), CV_8U); }); });
    edit->addAction(tr("Accept &automatic suggestion"), QKeySequence("A"), this, [this] {
        const LabelMap& labels = labelsOf(showKMeans_);
        if (labels.empty()) return;
        const auto sel = selectAutomatic(viewOf(labels), toGrey(segmentationInput()));
        mask_->apply(sel.mask, tr("automatic suggestion"), MaskStep::Pick, sourceOf(showKMeans_));
    });
    edit->addAction(tr("Pick as on the &nearest slice with a mask"), QKeySequence("N"), this,
                    &MainWindow::pickLikeNearestFrame);
    edit->addAction(tr("&Follow to the next slice"), QKeySequence("Shift+N"), this, &MainWindow::followToNextFrame);
    edit->addAction(tr("Follow to the las&t slice"), QKeySequence("Ctrl+Shift+N"), this, &MainWindow::followToLastFrame);
    edit->addAction(tr("Fill bet&ween slices"), QKeySequence("Ctrl+I"), this, &MainWindow::fillBetweenFrames);

    auto* seg = menuBar()->addMenu(tr("&Segmentation"));
    seg->addAction(tr("&Run MS-Former"), QKeySequence("F5"), this, &MainWindow::runMsFormer);
    seg->addAction(tr("Run &k-means"), QKeySequence("K"), this, &MainWindow::runKMeans);
    cancelAction_ = seg->addAction(tr("&Cancel"), QKeySequence("Esc"), this, &MainWindow::cancelRun);
    cancelAction_->setEnabled(false);
    compareAction_ = seg->addAction(tr("Show k-means instead (&flip)"));
    compareAction_->setShortcut(QKeySequence("Tab"));
    compareAction_->setCheckable(true);
    compareAction_->setObjectName("flipMaps");
    connect(compareAction_, &QAction::toggled, this, [this](bool on) {
        showKMeans_ = on;
        refreshOverlays();
    });
    // , and .: through the finished run's iterations (1..n), and on to its final map (shown as 0).
    auto stepIterations = [this](int step) {
        if (runningJob_)
            return statusBar()->showMessage(tr("The iterations' maps can be stepped through once the run has finished"), 5000);
        if (iterationMaps_.empty())
            return statusBar()->showMessage(tr("No finished MS-Former run on this frame to step through (F5 runs one)"), 5000);
        const int n = iterationMapCount();
        const int at = shownIteration_ == 0 ? n + 1 : shownIteration_;
        const int to = std::clamp(at + step, 1, n + 1);
        showIteration(to == n + 1 ? 0 : to);
        if (to == n && n < runIterations_)  // a long run at a large working size: the first maps only
            statusBar()->showMessage(tr("Maps are kept for iterations 1-%1 of the run's %2 (512 MB)").arg(n).arg(runIterations_), 8000);
    };
    seg->addAction(tr("&Earlier iteration's map"), QKeySequence(","), this, [stepIterations] { stepIterations(-1); });
    seg->addAction(tr("&Later iteration's map"), QKeySequence("."), this, [stepIterations] { stepIterations(1); });
    seg->addAction(tr("&Settings..."), QKeySequence("Ctrl+,"), this, [this] {
        SettingsDialog d(settings_, this, image_.frames.empty() ? 0 : image_.pixels().cols,
                         image_.frames.empty() ? 0 : image_.pixels().rows);
        if (d.exec() == QDialog::Accepted) setMethodSettings(d.settings());
    });

    auto* viewMenu = menuBar()->addMenu(tr("&View"));
    viewMenu->addAction(tr("&Fit to window"), QKeySequence("F"), this,
                        [this] { forBothViews([](ImageView* view) { view->fitToWindow(); }); });
    sideBySideAction_ = viewMenu->addAction(tr("&Side by side with k-means"));
    sideBySideAction_->setObjectName("sideBySide");
    sideBySideAction_->setShortcut(QKeySequence("V"));
    sideBySideAction_->setCheckable(true);
    connect(sideBySideAction_, &QAction::toggled, this, [this](bool on) {
        // Left: MS-Former, right: k-means; Tab has nothing to flip meanwhile.
        compareAction_->setChecked(false);
        compareAction_->setEnabled(!on);
        compareView_->setVisible(on);
        if (on) {
            auto* split = static_cast<QSplitter*>(centralWidget());
            split->setSizes({split->width() / 2, split->width() - split->width() / 2});
        }
        view_->fitToWindow();  // and the twin fits too, each refitting as the splitter settles
        refreshOverlays();
    });
    auto* showClusters = viewMenu->addAction(tr("Show &clusters"));
    showClusters->setShortcut(QKeySequence("C"));
    showClusters->setCheckable(true);
    showClusters->setChecked(true);
    connect(showClusters, &QAction::toggled, this,
            [this](bool on) { forBothViews([on](ImageView* view) { view->setClustersVisible(on); }); });
    auto* showReference = viewMenu->addAction(tr("Show &reference outline"));
    showReference->setObjectName("showReference");
    showReference->setShortcut(QKeySequence("G"));
    showReference->setCheckable(true);
    showReference->setChecked(true);
    connect(showReference, &QAction::toggled, this,
            [this](bool on) { forBothViews([on](ImageView* view) { view->setReferenceVisible(on); }); });
    // Paging through the slices of a volume without reaching for the slider.
    viewMenu->addAction(tr("&Next slice / frame"), QKeySequence(Qt::Key_PageDown), this,
                        [this] { setFrame(image_.current + 1); });
    viewMenu->addAction(tr("&Previous slice / frame"), QKeySequence(Qt::Key_PageUp), this,
                        [this] { setFrame(image_.current - 1); });

    auto* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Keyboard shortcuts"), QKeySequence::HelpContents, this, [this] {
        QDialog box(this);  // a message box would wrap the table into a narrow column
        box.setWindowTitle(tr("Keyboard shortcuts"));
        auto* text = new QLabel(shortcutHelp());
        text->setTextFormat(Qt::RichText);
        auto* ok = new QDialogButtonBox(QDialogButtonBox::Ok);
        connect(ok, &QDialogButtonBox::accepted, &box, &QDialog::accept);
        auto* layout = new QVBoxLayout(&box);
        layout->addWidget(text);
        layout->addWidget(ok);
        box.exec();
    });
}

QString MainWindow::shortcutHelp() const {
    // Keys as the menus show them (QKeySequence::NativeText); test_main_window
    // checks that every action's shortcut is listed. A table, one key per row, grouped.
    const QList<QPair<QString, QList<QPair<QString, QString>>>> groups = {
        {tr("File"),
         {{"Ctrl+O", tr("open an image")}, {"Ctrl+Shift+O", tr("open a DICOM folder")},
          {"Ctrl+M", tr("load a reference mask")}, {"Ctrl+Shift+M", tr("open a mask for editing")},
          {"Ctrl+E", tr("export the mask")}, {"Ctrl+Q", tr("quit")}}},
        {tr("Segmentation"),
         {{"F5", tr("run MS-Former")}, {"K", tr("run k-means")}, {"Esc", tr("cancel the run, or stop loading")},
          {"Tab", tr("flip between the MS-Former and k-means maps")},
          {", / .", tr("the finished run's map of an earlier / later iteration (to pick from)")},
          {"Ctrl+,", tr("method settings")}}},
        {tr("Picking"),
         {{tr("Click"), tr("the region under the cursor")}, {tr("Ctrl+click"), tr("add a region")},
          {tr("Shift+click"), tr("the whole cluster")}, {"A", tr("accept the automatic suggestion")},
          {"N", tr("the regions lying mostly inside the nearest slice's mask")},
          {"Shift+N", tr("next slice: run MS-Former, then N")},
          {"Ctrl+Shift+N", tr("the same to the last slice (Esc stops)")},
          {"Ctrl+I", tr("fill the slices between slices with a mask")}}},
        {tr("Mask"),
         {{"B / E", tr("brush / eraser")}, {"[ / ]", tr("brush size down / up")}, {"H", tr("fill holes")},
          {"L", tr("keep the largest region")}, {"I", tr("remove islands")}, {"S", tr("smooth")},
          {"Ctrl+Backspace", tr("clear the mask")}, {"Ctrl+Z", tr("undo")}, {"Ctrl+Shift+Z, Ctrl+Y", tr("redo")},
          {"Ctrl+Alt+Z", tr("undo a fill or an opened mask on every frame")}}},
        {tr("View"),
         {{"F", tr("fit the image")}, {"C", tr("hide / show the clusters")}, {"G", tr("hide / show the reference outline")},
          {"V", tr("side by side with k-means")}, {"PgDown / PgUp", tr("next / previous slice or frame")},
          {"F1", tr("this list")}}},
        {tr("Mouse"),
         {{tr("Wheel"), tr("zoom")}, {tr("Middle-drag"), tr("pan")}, {tr("Right-drag"), tr("window / level")}}}};
    // Two columns of groups, so that the list fits a laptop's screen.
    QString html = "<table cellspacing=\"0\" cellpadding=\"0\"><tr>";
    for (int column = 0; column < 2; ++column) {
        html += "<td valign=\"top\" style=\"padding-right: 24px\"><table cellspacing=\"0\" cellpadding=\"2\">";
        for (int g = column * 3; g < column * 3 + 3; ++g) {
            const auto& [title, rows] = groups[g];
            html += QString("<tr><td colspan=\"2\"><b>%1</b></td></tr>").arg(title.toHtmlEscaped());
            for (const auto& [keys, what] : rows)
                html += QString("<tr><td style=\"white-space: nowrap\">%1 </td><td style=\"white-space: nowrap\">%2</td></tr>").arg(keys.toHtmlEscaped(), what.toHtmlEscaped());
        }
        html += "</table></td>";
    }
    return html + "</tr></table>";
}

void MainWindow::showError(const QString& message) {
    lastError_ = message;
    statusBar()->showMessage(message, 15000);
    auto* box = new QMessageBox(QMessageBox::Warning, tr("MS-Former Studio"), message, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();  // not exec(): nothing waits on the user
    emit errorShown(message);
}

QString MainWindow::suggestedExportPath() const { return suggestedExportPath(suggestedFormat(image_).suffix); }

QString MainWindow::suggestedExportPath(const QString& formatSuffix) const {
    // Into the folder of the last export, else beside the image (a DICOM
    // folder's parent: a SEG inside the series folder would join the series),
    // else, where neither can be written (a CD, a read-only PACS share, a
    // folder removed since), into the user's documents.
    const auto writable = [](const QString& f) { return !f.isEmpty() && QFileInfo(f).isDir() && QFileInfo(f).isWritable(); };
    QString folder = QSettings().value("export/folder").toString();
    if (!writable(folder)) folder = QFileInfo(QString::fromStdString(image_.meta.sourcePath)).absolutePath();
    if (!writable(folder)) folder = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    if (!writable(folder)) folder = QDir::homePath();
    // A volume's or a cine's name says which frame the mask is of, so the next slice's export does not offer
    // to replace this one; NIfTI, MetaImage, NRRD, SEG and COCO hold every frame's mask, and are named after the frames
    // they hold.
    const std::vector<int> frames = framesWithMask();
    const bool several = holdsSeveralFrames(formatSuffix);
    const std::string tag = several && frames.size() > 1    ? io::framesTag(frames)
                            : several && frames.size() == 1 ? io::frameTag(image_, frames[0])
                                                            : io::frameTag(image_);
    const QString stem = QString::fromStdString(msf::io::fileStem(image_.meta.sourcePath) + tag);
    return QDir(folder).filePath(stem + formatSuffix);
}

void MainWindow::exportWithDialog() {
    QStringList filters;
    for (const ExportFormat& f : exportFormats())
        if (offeredFor(f, image_)) filters << tr(f.filter);
    QFileDialog dialog(this, tr("Export mask"), suggestedExportPath(), filters.join(";;"));
    dialog.setAcceptMode(QFileDialog::AcceptSave);
    dialog.setFileMode(QFileDialog::AnyFile);
    // A name typed without an extension gets the chosen format's (before the
    // dialog asks about replacing a file of that name).
    auto formatOf = [](const QString& filter) -> const ExportFormat* {
        for (const ExportFormat& f : exportFormats())
            if (tr(f.filter) == filter) return &f;
        return nullptr;
    };
    const QString filter = tr(suggestedFormat(image_).filter);
    dialog.selectNameFilter(filter);
    dialog.setDefaultSuffix(suggestedFormat(image_).extension);
    // The name suggested: while it is not edited, it follows the format (a NIfTI's "_frames8-10" would
    // misname a PNG of the shown frame); a typed name only gets the format's extension.
    auto suggested = std::make_shared<QString>(QFileInfo(suggestedExportPath()).fileName());
    connect(&dialog, &QFileDialog::filterSelected, &dialog, [this, &dialog, formatOf, suggested](const QString& f) {
        const ExportFormat* format = formatOf(f);
        if (!format) return;
        dialog.setDefaultSuffix(format->extension);
        // Qt's own file dialog names its name field "fileNameEdit".
        auto* edit = dialog.findChild<QLineEdit*>("fileNameEdit");
        if (!edit) return;
        if (edit->text() == *suggested) {
            *suggested = QFileInfo(suggestedExportPath(format->suffix)).fileName();
            edit->setText(*suggested);
        } else {
            edit->setText(withExtension(edit->text(), format->extension));
        }
    });
    if (dialog.exec() != QDialog::Accepted || dialog.selectedFiles().isEmpty()) return;
    exportMask(dialog.selectedFiles().first(), true);  // the dialog has asked before overwriting
}

bool MainWindow::mayDropMask(const QString& action) {
    std::vector<int> frames;
    int pixels = 0;
    for (const auto& [frame, model] : frameMasks_)
        if (model->hasUnexportedChanges()) {
            frames.push_back(frame);
            pixels += cv::countNonZero(model->mask());
        }
    if (frames.empty()) return true;
    const QString what = frames.size() > 1 ? tr("The masks of %1 frames (%2; %3 pixels) have not been exported. "
                                                "%4 discards them.").arg(frames.size()).arg(frameRanges(frames))
                                                                   .arg(pixels).arg(action)
                         : image_.frameCount() > 1 && frames.front() != image_.current
                             ? tr("The mask of frame %1 (%2 pixels) has not been exported. %3 discards it.")
                                   .arg(frames.front()).arg(pixels).arg(action)
                             : tr("The mask (%1 pixels) has not been exported. %2 discards it.").arg(pixels).arg(action);
    QMessageBox box(QMessageBox::Warning, tr("Unexported mask"), what, QMessageBox::Discard | QMessageBox::Cancel, this);
    QPushButton* exportButton = box.addButton(tr("Export..."), QMessageBox::AcceptRole);
    box.setDefaultButton(QMessageBox::Cancel);
    box.exec();
    if (box.clickedButton() == exportButton) {
        QTimer::singleShot(0, this, &MainWindow::exportWithDialog);  // after the message box has closed
        return false;
    }
    return box.clickedButton() == box.button(QMessageBox::Discard);
}

void MainWindow::openFile(const QString& path, const QString& seriesUid, const QString& seriesOf) {
    openNote_.clear();
    if (!mayDropMask(tr("Opening %1").arg(QFileInfo(path).fileName()))) return;
    runWhenLoaded_ = kmeansWhenLoaded_ = false;  // asked for on the image being opened before this one
    loadFile(path, seriesUid, seriesOf);
}

void MainWindow::loadDone() {
    loadPending_ = false;
    loadProgressTimer_->stop();
    setRunningJob(runningJob_);  // Esc no longer stops a load
}

void MainWindow::loadEnded(const QString& why) {
    loadDone();
    if (!runWhenLoaded_ && !kmeansWhenLoaded_) return;
    runWhenLoaded_ = kmeansWhenLoaded_ = false;
    setRunningJob(0);  // (Cancel was offered for the Run waiting on it)
    iterationLabel_->setText(why);
}

void MainWindow::openFiles(const QStringList& paths) {
    if (paths.isEmpty()) return;
    const QFileInfo first(paths.front());
    if (paths.size() == 1 || first.isDir()) return openFile(paths.front());
    const bool oneFolder = std::all_of(paths.begin(), paths.end(), [&first](const QString& p) {
        const QFileInfo f(p);
        return f.isFile() && f.absolutePath() == first.absolutePath();
    });
    // The series of a dropped slice (a CD folder's selection may hold its DICOMDIR too, which is in no series).
    const auto slice = std::find_if(paths.begin(), paths.end(), [](const QString& p) {
        return QFileInfo(p).fileName().compare("DICOMDIR", Qt::CaseInsensitive) != 0;
    });
    if (oneFolder && slice != paths.end() && io::looksLikeDicom(slice->toStdString()))
        return openFile(first.absolutePath(), {}, QFileInfo(*slice).absoluteFilePath());
    openFile(paths.front());
    openNote_ = tr("%1 files dropped, the first opened (one image at a time; msformer segment segments several)")
                    .arg(paths.size());
}

void MainWindow::loadFile(const QString& path, const QString& seriesUid, const QString& seriesOf) {
    const QString name = QFileInfo(path).fileName();
    const bool stoppedToOpen = stopRun();
    if (stoppedToOpen) iterationLabel_->setText(tr("cancelled: opening %1").arg(name));
    statusBar()->showMessage(tr("Loading %1...").arg(path));
    const int generation = ++loadGeneration_;
    // A series still being read for an earlier open is stopped: its result would be dropped anyway, and it
    // took the disk and the cores from this one.
    if (load_) load_->stop = true;
    const auto load = load_ = std::make_shared<LoadState>();
    loadProgressTimer_->start();
    loadPending_ = true;
    setRunningJob(runningJob_);  // Esc stops the load
    loadingName_ = name;
    const std::string p = path.toStdString(), uid = seriesUid.toStdString(), ofFile = seriesOf.toStdString();
    std::vector<io::DicomSeries> listed;
    if (listedSeries_.first == path && !seriesUid.isEmpty()) listed = std::move(listedSeries_.second);
    listedSeries_ = {};
    struct Loaded {
        io::Image image;
        std::vector<io::DicomSeries> series;
        // Made here too: a 24-MP photo's windowing and percentiles kept the UI away for a second.
        std::vector<io::Window> windows;
        std::pair<cv::Mat, QImage> frame;
    };
    runInBackground<Loaded>(
        this,
        [p, uid, ofFile, load, listed] {
            Loaded l;
            io::LoadOptions o;
            o.seriesUid = uid;
            o.series = listed;  // the folder's listing, when its series was chosen from it
            o.seriesOfFile = ofFile;  // the series of that file, not a choice among the folder's
            o.cancelled = [load] { return load->stop.load(); };
            o.progress = [load](size_t done, size_t total) {
                load->total = total;
                load->done = done;
            };
            const std::string folder = io::dicomFolderOf(p);
            if (!folder.empty() && uid.empty() && ofFile.empty()) {
                load->scanning = true;
                l.series = io::listDicomSeries(folder, o.cancelled, o.progress);
                load->total = load->done = 0;  // (before the flag: no file count said as slices)
                load->scanning = false;
                if (l.series.size() > 1) return l;  // ask which one
                o.series = l.series;  // read from this listing, not walked again
            }
            load->frames = folder.empty() && io::looksLikeDicom(p);
            l.image = io::loadImage(p, o);
            l.windows = windowChoicesFor(l.image);
            l.frame = renderFrame(l.image);
            return l;
        },
        [this, path, name, stoppedToOpen, generation](Loaded l) {
            // Another file was opened since this one: that one is what the user wants to see.
            if (generation != loadGeneration_) return;
            if (l.image.frames.empty() && l.series.size() > 1) {
                // What a clinician tells series apart by first: modality, description, size; the UID last.
                QStringList items;
                for (const auto& s : l.series) {
                    const int n = static_cast<int>(s.files.size());
                    const QString modality = s.modality.empty() ? tr("no modality") : QString::fromStdString(s.modality);
                    items << tr("%1: %2, %3 (UID %4)")
                                 .arg(s.number < 0 ? modality : tr("%1 series %2").arg(modality).arg(s.number),
                                      s.description.empty() ? tr("no description") : QString::fromStdString(s.description),
                                      n == 1 ? tr("1 file") : tr("%1 files").arg(n), QString::fromStdString(s.uid));
                }
                statusBar()->showMessage(tr("%1 holds %2 image series: choose one").arg(name).arg(l.series.size()));
                bool ok = false;
                const QString choice = QInputDialog::getItem(
                    this, tr("Choose a series"),
                    tr("%1 holds %2 image series. Open which one?").arg(path).arg(l.series.size()), items, 0, false, &ok);
                statusBar()->clearMessage();
                const qsizetype index = items.indexOf(choice);
                if (ok && index >= 0) {
                    const QString uid = QString::fromStdString(l.series[size_t(index)].uid);
                    listedSeries_ = {path, std::move(l.series)};
                    loadFile(path, uid);
                }
                else loadEnded(tr("not run: no series of %1 chosen").arg(name));
                return;
            }
            // A run started while this was loading was on the previous image.
            const bool cancelled = stopRun() || stoppedToOpen;
            const cv::Size previousSize = image_.frames.empty() ? cv::Size() : image_.pixels().size();
            image_ = std::move(l.image);
            forgetShownResults();
            if (image_.pixels().size() != previousSize) {
                // A brush radius of 1/64 of the longest side (8 px on a 512 CT, 94 px on a 6000 px photo,
                // about 12 screen pixels when fitted); a fixed 8 px was one screen pixel on such a photo.
                // An image of the same size keeps the user's choice.
                const int r = std::max(2, int(std::lround(std::max(image_.pixels().cols, image_.pixels().rows) / 64.0)));
                forBothViews([r](ImageView* view) { view->setBrushRadius(r); });
                islandArea_ = 0;  // and Remove islands suggests a size for this one
            }
            referencePath_.clear();
            referenceTimer_->stop();
            refreshMetrics();
            {
                const QSignalBlocker sliderBlocker(frameSlider_), boxBlocker(frameBox_);
                frameSlider_->setRange(0, image_.frameCount() - 1);
                frameSlider_->setValue(image_.current);
                frameSlider_->setEnabled(image_.frameCount() > 1);
                frameBox_->setRange(0, image_.frameCount() - 1);
                frameBox_->setSuffix(QString(" (0-%1)").arg(image_.frameCount() - 1));  // counted from 0; " / 61" read as 61 frames
                frameBox_->setValue(image_.current);
                frameBox_->setEnabled(image_.frameCount() > 1);
            }
            windowBox_->clear();
            windows_ = std::move(l.windows);
            customWindowIndex_ = -1;
            for (const auto& w : windows_) {
                windowBox_->addItem(windowText(w));
                if (w.name == image_.meta.window.name) windowBox_->setCurrentIndex(windowBox_->count() - 1);
            }
            const double aspect = io::pixelAspect(image_);  // drawn to scale
            forBothViews([aspect](ImageView* view) { view->setPixelAspect(aspect); });
            showFrame(l.frame.first, l.frame.second);
            dropFrameMasks();
            ++imagesOpened_;
            showMaskOf(image_.current);
            resetRunDisplay(cancelled ? tr("cancelled: %1 opened").arg(name) : tr("idle"));
            QStringList letters;  // left, top, right, bottom
            for (const auto& l : io::edgeLetters(image_)) letters << QString::fromStdString(l);
            forBothViews([&letters](ImageView* view) { view->setOrientationLabels(letters); });
            const auto& m = image_.meta;
            const std::string plane = io::slicePlane(image_);
            // A photo has no pixel size: say so rather than "0 x 0 mm".
            const QString spacing = m.spacingX > 0 && m.spacingY > 0
                                        ? QString("%1 x %2 mm").arg(m.spacingX, 0, 'g', 4).arg(m.spacingY, 0, 'g', 4)
                                        : tr("pixel size unknown");
            const int frames = image_.frameCount();
            imageLabel_->setText(QString("%1 x %2, %3, %4%5")
                                     .arg(image_.pixels().cols).arg(image_.pixels().rows)
                                     .arg(frames == 1 ? tr("1 frame") : tr("%1 frames").arg(frames))
                                     .arg(spacing, plane.empty() ? QString() : ", " + QString::fromStdString(plane)));
            setWindowTitle(QString("MS-Former Studio - %1").arg(path));
            addRecent(path);
            // What the reader left out or changed (the first of several volumes, no geometry, NaN values) is
            // said as the image appears, and stays longer; the image's facts keep it, as a count and a tooltip.
            QStringList notes;
            for (const std::string& note : io::loadNotes(image_)) notes << QString::fromStdString(note);
            // What the open itself left out (the other dropped files) is said with it, not overwritten by it;
            // it is no reader note.
            QStringList said = notes;
            if (!openNote_.isEmpty()) said.prepend(std::exchange(openNote_, QString()));
            if (said.isEmpty()) statusBar()->showMessage(tr("Loaded %1").arg(path), 5000);
            else statusBar()->showMessage(tr("Loaded %1: %2").arg(path, said.join("; ")), 30000);
            if (!notes.isEmpty())
                imageLabel_->setText(imageLabel_->text() +
                                     (notes.size() == 1 ? tr(", 1 reader note") : tr(", %1 reader notes").arg(notes.size())));
            imageLabel_->setToolTip(notes.join("\n"));
            loadDone();
            const bool run = std::exchange(runWhenLoaded_, false), kmeans = std::exchange(kmeansWhenLoaded_, false);
            emit imageLoaded();
            if (run) runMsFormer();
            if (kmeans) runKMeans();  // after that run, on the one worker thread
        },
        [this, path, name, generation, load](const QString& e) {
            if (load->stop) return emit loadStopped(path);  // for a later open: nothing is wrong with the file
            forgetRecent(path);  // moved, deleted or damaged since: not offered again
            if (generation != loadGeneration_) return;  // and not said over the file opened since
            loadEnded(tr("not run: %1 did not open").arg(name));
            showError(e);
        });
}

void MainWindow::setFrame(int frame) {
    if (image_.frames.empty() || frame < 0 || frame >= image_.frameCount() || frame == image_.current) return;
    // setFrame may come from code, the slider or the number box: show the frame in both.
    auto showFrame = [this](int f) {
        const QSignalBlocker sliderBlocker(frameSlider_), boxBlocker(frameBox_);
        frameSlider_->setValue(f);
        frameBox_->setValue(f);
    };
    const bool cancelled = stopRun();
    image_.current = frame;
    showFrame(frame);
    forgetShownResults();
    // The progress, the loss curves and "done: ..." were about the previous frame's map.
    resetRunDisplay(cancelled ? tr("cancelled: moved to frame %1").arg(frame) : tr("idle"));
    refreshBase();
    showMaskOf(frame);  // this frame's own mask; the previous frame's stays for the export
    // The reference mask was the previous frame's slice: read this frame's.
    if (!referencePath_.isEmpty()) referenceTimer_->start();
}

std::vector<int> MainWindow::framesWithMask() const {
    std::vector<int> frames;
    for (const auto& [frame, model] : frameMasks_)
        if (!model->mask().empty() && cv::countNonZero(model->mask()) > 0) frames.push_back(frame);
    return frames;
}

MaskModel* MainWindow::modelFor(int frame) {
    MaskModel*& model = frameMasks_[frame];
    if (!model) {
        model = new MaskModel(this);
        if (frame < image_.frameCount()) model->reset(image_.frames[frame].size());
        undoGroup_->addStack(model->undoStack());
    }
    return model;
}

void MainWindow::openMaskForEditing(const QString& path, int label) {
    if (image_.frames.empty()) return showError(tr("Open an image first, then a mask of it to edit."));
    if (label < 0) return chooseMaskLabel(path, tr("Open mask for editing"), [this, path](int l) { openMaskForEditing(path, l); });
    const std::string p = path.toStdString();
    const io::Image image = image_;  // (the frames are shared, not copied)
    const int opened = imagesOpened_, request = ++maskOpens_;
    runInBackground<std::vector<cv::Mat>>(
        this, [p, image, label] { return io::loadMaskFrames(p, image, label); },
        [this, path, opened, label, request](std::vector<cv::Mat> masks) {
            if (opened != imagesOpened_)
                return showError(tr("%1: read for the previous image, not used; open it again for this one").arg(path));
            // A mask opened after this one is what the user wants to edit, even when this slower read ends after it.
            if (request != maskOpens_) {
                statusBar()->showMessage(tr("%1: not applied, another mask was opened since").arg(QFileInfo(path).fileName()), 8000);
                return;
            }
            // Each frame it holds a mask for (and the shown one) takes it as one undoable step, as written:
            // closing without an edit asks nothing.
            const QString name = QFileInfo(path).fileName();
            const PickSource source{"mask file " + name.toStdString() +
                                        (label > 0 ? " (label " + std::to_string(label) + ")" : std::string()), {}};
            std::vector<int> frames, applied;
            for (int f = 0; f < int(masks.size()); ++f) {
                if (masks[f].empty() || (f != image_.current && cv::countNonZero(masks[f]) == 0)) continue;
                MaskModel* model = modelFor(f);
                const int before = model->undoStack()->index();
                model->apply(masks[f], tr("open %1").arg(name), MaskStep::Pick, source);
                model->markExported(model->undoStack()->index());
                if (model->undoStack()->index() != before) applied.push_back(f);  // (the same mask adds no step)
                if (cv::countNonZero(masks[f])) frames.push_back(f);
            }
            recordSeveralFramesStep(tr("open %1").arg(name), applied);
            refreshMaskInfo();
            statusBar()->showMessage(
                frames.empty() ? tr("%1: the mask is empty").arg(name)
                : image_.frameCount() > 1 ? tr("Opened %1: masks on frames %2").arg(name, frameRanges(frames))
                                          : tr("Opened %1").arg(name),
                5000);
        },
        [this](const QString& e) { showError(tr("%1; nothing was changed").arg(e)); });  // (e.g. a mask of another size)
}

void MainWindow::showMaskOf(int frame) {
    // A frame left without an edit keeps no model: a slider drag across a volume would leave one mask per slice.
    for (auto it = frameMasks_.begin(); it != frameMasks_.end();) {
        if (it->first != frame && it->second->undoStack()->count() == 0) {
            delete it->second;  // (mask_ may be it: set below; a deleted object's connections go with it)
            it = frameMasks_.erase(it);
        } else {
            ++it;
        }
    }
    MaskModel* model = modelFor(frame);
    disconnect(maskChanged_);
    mask_ = model;
    maskChanged_ = connect(mask_, &MaskModel::changed, this, &MainWindow::onMaskChanged);
    undoGroup_->setActiveStack(mask_->undoStack());
    onMaskChanged();
}

void MainWindow::recordSeveralFramesStep(const QString& name, const std::vector<int>& frames) {
    severalFramesStep_ = {name, {}};
    for (int f : frames) severalFramesStep_.frames.push_back({f, frameMasks_.at(f)->undoStack()->index()});
    undoEveryFrameAction_->setEnabled(!frames.empty());
    undoEveryFrameAction_->setText(frames.empty() ? tr("Undo on ever&y frame") : tr("Undo on ever&y frame: %1").arg(name));
}

void MainWindow::undoOnEveryFrame() {
    if (severalFramesStep_.frames.empty()) return showError(tr("No step made on several frames to undo."));
    std::vector<int> undone, changed;
    for (const auto& [frame, index] : severalFramesStep_.frames) {
        const auto held = frameMasks_.find(frame);
        if (held != frameMasks_.end() && index > 0 && held->second->undoStack()->index() == index) {
            held->second->undoStack()->undo();
            undone.push_back(frame);
        } else {
            changed.push_back(frame);  // edited (or undone) since: left as it is
        }
    }
    const QString name = severalFramesStep_.name;
    recordSeveralFramesStep({}, {});
    refreshMaskInfo();
    QString message = undone.empty() ? tr("Nothing undone: every frame of \"%1\" was changed since").arg(name)
                                     : tr("Undid \"%1\" on frames %2").arg(name, frameRanges(undone));
    if (!undone.empty() && !changed.empty())
        message += (changed.size() == 1 ? tr("; frame %1 was changed since and keeps it")
                                        : tr("; frames %1 were changed since and keep it"))
                       .arg(frameRanges(changed));
    statusBar()->showMessage(message, 8000);
}

void MainWindow::dropFrameMasks() {
    recordSeveralFramesStep({}, {});
    disconnect(maskChanged_);
    mask_ = nullptr;
    for (auto& [frame, model] : frameMasks_) delete model;  // its undo stack leaves the group
    frameMasks_.clear();
}

void MainWindow::onMaskChanged() {
    const MaskLayers layers =
        mask_->mask().empty() ? MaskLayers{} : ImageView::maskOverlay(toQImage(mask_->mask()));  // once for both halves
    forBothViews([&layers](ImageView* view) { view->setMaskLayers(layers); });
    refreshMaskInfo();
    refreshMetrics();
}

void MainWindow::forgetIterationMaps() {
    cancelledJob_ = 0;
    runCancelled_ = false;
    iterationMaps_.clear();
    msformerFinal_ = LabelMap{};
    msformerFinalScores_.clear();
    msformerFinalColours_ = QImage();
    runInput_ = cv::Mat();
    shownIteration_ = 0;
    plot_->markIteration(0);
    ++iterationRequests_;  // a map still being made for them is dropped
}

void MainWindow::showIteration(int iteration) {
    if (runningJob_ || iterationMaps_.empty()) return;
    iteration = std::clamp(iteration, 0, iterationMapCount());
    if (iteration == shownIteration_) return;  // shown, or on its way
    // The final map is moved aside while another is shown, not copied (a photo's is hundreds of MB).
    // So are its metrics (scored again, a photo's took tens of ms on the UI thread).
    if (shownIteration_ == 0) {
        msformerFinal_ = std::move(msformerLabels_);
        msformerFinalScores_ = msformerScores_;
    }
    compareAction_->setChecked(false);  // MS-Former's map is the one stepped through (and picked from)
    makeIterationMap(iteration);
}

void MainWindow::makeIterationMap(int iteration) {
    shownIteration_ = iteration;
    plot_->markIteration(iteration);
    const int request = ++iterationRequests_;
    msformerScores_.clear();
    if (iteration == 0) {
        msformerLabels_ = std::move(msformerFinal_);
        msformerFinal_ = LabelMap{};
        msformerScores_ = msformerFinalScores_;  // empty if not scored then: scored now, if there is a reference
        msformerPreview_ = LabelMap{};
        msformerColours_ = msformerFinalColours_;
        refreshOverlays();
        emit iterationMapShown(0);
        return;
    }
    // At once: the working-size map, drawn scaled (as a preview); then the same at the image's size.
    const LabelMap working = iterationMaps_[iteration - 1];
    msformerPreview_ = working;
    previewIteration_ = iteration;
    msformerLabels_ = LabelMap{};
    msformerColours_ = clusterColours(working);
    refreshOverlays();
    const cv::Mat input = runInput_;
    const MsFormerConfig config = runConfig_;
    runInBackground<std::pair<LabelMap, QImage>>(
        this,
        [working, input, config] {
            LabelMap finished = finishWorkingMap(working, toImageBuffer(input), config);
            QImage colours = clusterColours(finished);
            return std::pair{std::move(finished), std::move(colours)};
        },
        [this, request, iteration](std::pair<LabelMap, QImage> made) {
            if (request != iterationRequests_) return;  // stepped on, or another run or image since
            msformerLabels_ = std::move(made.first);
            msformerPreview_ = LabelMap{};
            msformerColours_ = std::move(made.second);
            msformerScores_.clear();
            refreshOverlays();
            emit iterationMapShown(iteration);
        },
        [this, request](const QString& error) {
            if (request == iterationRequests_) showError(tr("The iteration's map could not be made: %1").arg(error));
        });
}

void MainWindow::forgetShownResults() {
    forgetIterationMaps();
    msformerLabels_ = kmeansLabels_ = msformerPreview_ = LabelMap{};
    msformerScores_.clear();
    kmeansScores_.clear();
    msformerColours_ = kmeansColours_ = QImage();
    msformerParameters_.clear();
    kmeansParameters_.clear();
    kmeansJob_ = 0;       // a k-means still running: its result is dropped when it lands
    ++imageGeneration_;   // and so is a reference mask still being read
    reference_ = cv::Mat();
    forBothViews([](ImageView* view) { view->setReference(MaskLayers{}); });
}

void MainWindow::refreshBase() {
    if (image_.frames.empty()) return;
    // One pass to 8 bits for the screen; the segmenter's float input is made
    // when a run asks for it (on a 15 MP radiograph a window drag step took
    // 44 ms with it, 7 ms without: benchmarkWindowDragOnALargeXray).
    showFrame(cv::Mat(), toQImage(io::displayedFrame(image_)));
}

const cv::Mat& MainWindow::segmentationInput() {
    if (normalized_.empty() && !image_.frames.empty()) normalized_ = io::normalizedForSegmentation(image_);
    return normalized_;
}

void MainWindow::showFrame(const cv::Mat& normalized, const QImage& display) {
    normalized_ = normalized;
    forBothViews([&display](ImageView* view) { view->setImage(display); });
    refreshOverlays();
}

const LabelMap& MainWindow::msformerLabels() const {
    if (!msformerPreview_.empty() && msformerLabels_.empty())
        msformerLabels_ = resizeNearest(msformerPreview_, image_.pixels().cols, image_.pixels().rows);
    return msformerLabels_;
}

const LabelMap& MainWindow::labelsOf(bool kmeans) const { return kmeans ? kmeansLabels_ : msformerLabels(); }

PickSource MainWindow::sourceOf(bool kmeans) const {
    if (kmeans) return {"kmeans", kmeansParameters_};
    auto mode = msformerParameters_.find("mode");
    std::string method = "msformer (" + (mode == msformerParameters_.end() ? std::string("?") : mode->second) + " mode";
    if (shownIteration_ == 0) return {method + ")", msformerParameters_};
    // An earlier iteration's map (showIteration): said in the method, and kept apart from picks on the final map.
    const std::string which = std::to_string(shownIteration_) + " of " + std::to_string(runIterations_);
    auto parameters = msformerParameters_;
    parameters["map_iteration"] = which;
    return {method + ", iteration " + which + ")", parameters};
}

void MainWindow::forBothViews(const std::function<void(ImageView*)>& apply) {
    apply(view_);
    apply(compareView_);
}

QString MainWindow::mapCaption(bool kmeans) const {
    if (kmeans)
        return kmeansColours_.isNull() ? tr("k-means: not run yet (K runs it)")
                                       : tr("k-means, k = %1").arg(QString::fromStdString(kmeansParameters_.count("k") ? kmeansParameters_.at("k") : "?"));
    if (!runningJob_ && shownIteration_ > 0)
        return (runCancelled_ ? tr("MS-Former: iteration %1 of %2, stopped (, and . step)")
                              : tr("MS-Former: iteration %1 of %2 (, and . step)")).arg(shownIteration_).arg(runIterations_);
    if (!runningJob_ && runCancelled_ && !iterationMaps_.empty())
        return tr("MS-Former: the map after the last step, stopped at iteration %1").arg(runIterations_);
    if (!msformerPreview_.empty())
        return (runningJob_ ? tr("MS-Former: iteration %1") : tr("MS-Former: stopped at iteration %1")).arg(previewIteration_);
    if (!msformerColours_.isNull())
        return runningJob_ ? tr("MS-Former: the last run's map (a new run is starting)") : tr("MS-Former");
    return {};
}

void MainWindow::refreshOverlays() {
    view_->setClusters(showKMeans_ ? kmeansColours_ : msformerColours_);
    view_->setCaption(mapCaption(showKMeans_));
    if (sideBySideAction_->isChecked()) {
        compareView_->setClusters(kmeansColours_);
        compareView_->setCaption(mapCaption(true));
    }
    refreshMetrics();
}

void MainWindow::runMsFormer() {
    if (loadPending_) {  // pressed just after opening: meant for the image on its way, not the one shown
        stopRun();
        runWhenLoaded_ = true;  // Esc calls it off (Cancel is on while the load is)
        iterationLabel_->setText(tr("Run starts once %1 has loaded").arg(loadingName_));
        return;
    }
    if (image_.frames.empty()) return showError(tr("Open an image first."));
    if (runningJob_) worker_->worker()->cancel();
    setRunningJob(nextJob_++);
    forgetIterationMaps();
    runInput_ = segmentationInput();
    runConfig_ = settings_.msformer;
    msformerParameters_ = parameterMap(settings_.msformer);
    msformerParameters_["mode"] = settings_.mode.toStdString();
    previewsDrawn_ = 0;
    plot_->clear();
    progress_->setRange(0, settings_.msformer.maxIterations);
    progress_->setValue(0);
    iterationLabel_->setText(tr("starting..."));
    showKMeans_ = false;
    compareAction_->setChecked(false);
    refreshOverlays();
    QMetaObject::invokeMethod(worker_->worker(), "runMsFormer", Qt::QueuedConnection, Q_ARG(cv::Mat, runInput_),
                              Q_ARG(msf::MsFormerConfig, settings_.msformer), Q_ARG(int, runningJob_));
}

void MainWindow::runKMeans() {
    if (loadPending_) {
        kmeansWhenLoaded_ = true;
        statusBar()->showMessage(tr("k-means runs once %1 has loaded").arg(loadingName_));
        return;
    }
    if (image_.frames.empty()) return showError(tr("Open an image first."));
    kmeansJob_ = nextJob_++;
    // One worker thread: k-means waits for the MS-Former run in progress (seconds), so say why nothing shows yet.
    if (runningJob_) statusBar()->showMessage(tr("k-means runs when the MS-Former run has finished (Esc cancels that)"));
    QMetaObject::invokeMethod(worker_->worker(), "runKMeans", Qt::QueuedConnection,
                              Q_ARG(cv::Mat, segmentationInput()),
                              Q_ARG(msf::KMeansConfig, settings_.kmeans), Q_ARG(int, kmeansJob_));
}

void MainWindow::cancelRun() {
    followOn_ = false;
    if (loadPending_ && !runWhenLoaded_ && !runningJob_) {
        // Only a load under way (a long series opened by mistake): it stops between its files or chunks, the
        // image shown stays. (With a Run waiting on the load, Esc calls off the Run, as below.)
        if (load_) load_->stop = true;
        ++loadGeneration_;  // its image, should it land before it notices, is dropped
        loadEnded(tr("not run: stopped loading %1").arg(loadingName_));  // (a K pressed meanwhile is dropped)
        statusBar()->showMessage(tr("Stopped loading %1").arg(loadingName_), 5000);
        return;
    }
    const bool waiting = std::exchange(runWhenLoaded_, false);  // a Run asked for while the image loads
    const int job = runningJob_;
    if (stopRun() || waiting) iterationLabel_->setText(tr("cancelled"));
    // Its result still comes (the iterations run until the cancel): its maps can then be stepped through,
    // starting from the preview on screen, unless another run, frame or image comes first.
    cancelledJob_ = job;
}

bool MainWindow::stopRun() {
    worker_->worker()->cancel();  // the worker stops within one iteration; its late result is ignored
    const bool wasRunning = runningJob_ != 0;
    setRunningJob(0);
    refreshOverlays();
    return wasRunning;
}

void MainWindow::setRunningJob(int job) {
    runningJob_ = job;
    // Cancel is there while a run or a load is (k-means takes a fraction of a second and is not cancelled).
    cancelButton_->setEnabled(job != 0 || loadPending_);
    cancelAction_->setEnabled(job != 0 || loadPending_);
}

void MainWindow::resetRunDisplay(const QString& status) {
    progress_->reset();
    iterationLabel_->setText(status);
    plot_->clear();
}

void MainWindow::onPreview(int job) {
    QImage labels;
    IterationStats stats;
    const bool fresh = worker_->worker()->takePreview(&labels, &stats);
    worker_->worker()->previewConsumed();
    if (!fresh || job != runningJob_) return;
    msformerPreview_ = imageToLabelMap(labels);
    msformerLabels_ = LabelMap{};  // enlarged from the preview when needed
    msformerScores_.clear();
    msformerColours_ = clusterColours(msformerPreview_);
    previewIteration_ = stats.iteration;
    ++previewsDrawn_;
    progress_->setValue(stats.iteration);
    iterationLabel_->setText(tr("iteration %1: %2 labels, %3 ms").arg(stats.iteration).arg(stats.labelCount)
                                 .arg(stats.milliseconds, 0, 'f', 0));
    plot_->add(stats);
    if (!showKMeans_) refreshOverlays();
}

void MainWindow::onFinished(int job, const QString& method, const msf::SegmentationResult& r, const QImage& colours) {
    if (method == "kmeans") {
        if (job != kmeansJob_) return;
        kmeansLabels_ = r.original;
        kmeansScores_.clear();
        kmeansColours_ = colours;
        kmeansParameters_ = r.parameters;
        // Shown as it arrives (K asked for it), unless an MS-Former run started
        // since: its previews stay on screen, and Tab shows k-means.
        const QString done = tr("k-means: %1 %2 in %3 s").arg(r.clusterCount)
                                 .arg(r.clusterCount == 1 ? tr("cluster") : tr("clusters"))
                                 .arg(r.totalMilliseconds / 1000, 0, 'f', 2);
        if (sideBySideAction_->isChecked()) {
            statusBar()->showMessage(tr("%1 (on the right)").arg(done), 8000);
        } else if (runningJob_) {
            statusBar()->showMessage(tr("%1 (Tab shows it)").arg(done), 8000);
        } else {
            compareAction_->setChecked(true);
            statusBar()->showMessage(tr("%1 (Tab shows MS-Former)").arg(done), 8000);
        }
    } else {
        if (job == cancelledJob_ && !runningJob_) return adoptCancelledRun(r, colours);
        if (job != runningJob_) return;
        setRunningJob(0);
        msformerLabels_ = r.original;
        msformerPreview_ = LabelMap{};
        msformerScores_.clear();
        msformerColours_ = colours;
        takeRunResult(r, colours, false);
        progress_->setValue(progress_->maximum());
        iterationLabel_->setText(tr("done: %1 %2 after %3 %4, %5 s")
                                     .arg(r.clusterCount).arg(r.clusterCount == 1 ? tr("cluster") : tr("clusters"))
                                     .arg(r.history.size()).arg(r.history.size() == 1 ? tr("iteration") : tr("iterations"))
                                     .arg(r.totalMilliseconds / 1000, 0, 'f', 1));
    }
    refreshOverlays();
    if (method != "kmeans" && job == followJob_) {  // Shift+N's run: pick as on the frame it came from
        followJob_ = 0;
        pickLikeNearestFrameOn(false);
        // Ctrl+Shift+N goes on while there is a next frame and something to follow.
        const bool goOn = followOn_ && image_.current + 1 < image_.frameCount() && cv::countNonZero(mask_->mask()) > 0;
        if (goOn)  // after this run's signals; Esc in between stops it
            QTimer::singleShot(0, this, [this] {
                if (followOn_) followToLastFrame();
            });
        else if (followOn_) statusBar()->showMessage(tr("Followed to frame %1").arg(image_.current), 8000);
        followOn_ = goOn;
    }
    emit runFinished(method);
}

void MainWindow::takeRunResult(const msf::SegmentationResult& r, const QImage& colours, bool cancelled) {
    iterationMaps_ = r.iterationMaps;
    runIterations_ = static_cast<int>(r.history.size());
    runCancelled_ = cancelled;
    shownIteration_ = 0;
    msformerFinalColours_ = colours;
    msformerFinalScores_.clear();
    // The run's parameters as it used them (device and precision resolved), under the mode it was started in.
    const std::string mode = msformerParameters_["mode"];
    msformerParameters_ = r.parameters;
    msformerParameters_["mode"] = mode;
}

void MainWindow::adoptCancelledRun(const msf::SegmentationResult& r, const QImage& colours) {
    cancelledJob_ = 0;
    if (r.iterationMaps.empty()) return;  // cancelled before its first iteration: nothing was shown
    takeRunResult(r, colours, true);
    msformerFinal_ = r.original;  // the map after the last step, "." past the last iteration
    // The preview on screen, now at the image's size as the final map would be.
    makeIterationMap(std::clamp(previewIteration_, 1, iterationMapCount()));
}

void MainWindow::onFailed(int job, const QString& method, const QString& message) {
    // Only the run asked for last is reported (a cancelled or replaced one's failure is not news). The MS-Former
    // run's failure was lost: its job was cleared before the check, and the panel said "starting..." for good.
    if (job != (method == "kmeans" ? kmeansJob_ : runningJob_)) return;
    if (method != "kmeans") {
        setRunningJob(0);
        followJob_ = 0;
        followOn_ = false;
        resetRunDisplay(tr("failed: %1").arg(message));
    }
    showError(tr("%1 failed: %2").arg(method, message));
}

void MainWindow::pickAt(QPoint p, Qt::KeyboardModifiers mods) { pickOn(showKMeans_, p, mods); }

void MainWindow::pickOn(bool kmeans, QPoint p, Qt::KeyboardModifiers mods) {
    const LabelMap& labels = labelsOf(kmeans);
    if (labels.empty() || p.x() < 0 || p.y() < 0 || p.x() >= labels.width || p.y() >= labels.height) return;
    const cv::Mat l = viewOf(labels);
    const cv::Point at(p.x(), p.y());
    const int cluster = l.at<int32_t>(at);
    cv::Mat picked = mods & Qt::ShiftModifier ? mask::clusterMask(l, cluster) : selectByClicks(l, {at}).mask;
    if (mods & Qt::ControlModifier) picked |= mask_->mask();
    const QString what = mods & Qt::ShiftModifier
                             ? tr("cluster %1 (clicked at %2, %3)").arg(cluster).arg(at.x).arg(at.y)
                             : tr("region of cluster %1 at %2, %3").arg(cluster).arg(at.x).arg(at.y);
    mask_->apply(picked, (mods & Qt::ControlModifier ? tr("add %1") : tr("pick %1")).arg(what), MaskStep::Pick,
                 sourceOf(kmeans));
}

void MainWindow::pickLikeNearestFrame() { pickLikeNearestFrameOn(showKMeans_); }

void MainWindow::followToLastFrame() {
    followToNextFrame();
    followOn_ = followJob_ != 0 && followJob_ == runningJob_;
}

void MainWindow::followToNextFrame() {
    followOn_ = false;
    if (image_.frames.empty()) return showError(tr("Open an image first."));
    if (image_.current + 1 >= image_.frameCount())
        return showError(image_.frameCount() > 1 ? tr("This is the last frame: no next one to follow to.")
                                                 : tr("One frame only: no next one to follow to."));
    if (mask_->mask().empty() || cv::countNonZero(mask_->mask()) == 0)
        return showError(tr("This frame has no mask to follow: pick or paint it first."));
    setFrame(image_.current + 1);  // this frame's mask stays; N picks on the next frame's map as on it
    runMsFormer();
    followJob_ = runningJob_;
}

void MainWindow::fillBetweenFrames() {
    if (image_.frames.empty()) return showError(tr("Open an image first."));
    if (image_.frameCount() < 3)
        return showError(tr("Fill between slices works on a volume or a multi-frame image; this image has %1.")
                             .arg(image_.frameCount() == 1 ? tr("1 frame") : tr("%1 frames").arg(image_.frameCount())));
    const std::vector<int> keys = framesWithMask();
    bool gap = false;
    for (size_t i = 1; i < keys.size(); ++i) gap = gap || keys[i] - keys[i - 1] > 1;
    if (!gap)
        return showError(keys.size() < 2 ? tr("Fill between slices needs masks on two slices with slices between them: "
                                              "pick or paint a second slice first.")
                                         : tr("No slice lies between two slices with a mask (masks on %1).")
                                               .arg(frameRanges(keys)));
    std::map<int, cv::Mat> masks;  // copies: the models' masks change in place under a brush
    for (int f : keys) masks[f] = frameMasks_.at(f)->mask().clone();
    using Filled = std::vector<mask::FilledSlice>;
    const int opened = imagesOpened_;
    runInBackground<Filled>(
        this, [masks] { return mask::fillBetweenSlices(masks); },
        [this, opened](Filled filled) {
            if (opened != imagesOpened_) return;  // computed for the image open before
            const PickSource source{"interpolated between slices", {}};
            std::vector<int> done;
            for (const mask::FilledSlice& s : filled) {
                const auto held = frameMasks_.find(s.frame);
                if (held != frameMasks_.end() && cv::countNonZero(held->second->mask()) > 0) continue;  // painted since
                MaskModel* model = modelFor(s.frame);
                const int before = model->undoStack()->index();
                model->apply(s.mask, tr("fill between frames %1 and %2").arg(s.from).arg(s.to), MaskStep::Pick, source);
                if (model->undoStack()->index() != before) done.push_back(s.frame);  // (an empty blend adds no step)
            }
            recordSeveralFramesStep(tr("fill between slices"), done);
            refreshMaskInfo();
            statusBar()->showMessage(
                done.empty() ? tr("Fill between slices: nothing filled (the slices between got masks of their own meanwhile, "
                                  "or the blend is empty)")
                             : tr("Filled frames %1 between the frames with a mask (Undo on a frame takes its fill back)")
                                   .arg(frameRanges(done)),
                8000);
        },
        [this](const QString& e) { showError(e); });
}

void MainWindow::pickLikeNearestFrameOn(bool kmeans) {
    const LabelMap& labels = labelsOf(kmeans);
    if (labels.empty())
        return showError(tr("Run MS-Former (F5) or k-means (K) on this frame first: the pick is made on its map."));
    int from = -1;  // the nearest other frame with a mask; of two as near, the previous one
    for (int f : framesWithMask())
        if (f != image_.current && (from < 0 || std::abs(f - image_.current) < std::abs(from - image_.current))) from = f;
    if (from < 0) return showError(tr("No other frame has a mask to pick as on."));
    const cv::Mat l = viewOf(labels);
    const cv::Mat& prior = frameMasks_.at(from)->mask();
    if (prior.size() != l.size()) return showError(tr("Frame %1's mask is not this frame's size.").arg(from));
    const TargetSelection sel = selectLikeMask(l, prior);
    mask_->apply(sel.mask, tr("pick as on frame %1").arg(from), MaskStep::Pick, sourceOf(kmeans));
    if (sel.clusters.empty())
        statusBar()->showMessage(tr("No region of this map lies mostly inside frame %1's mask.").arg(from), 5000);
}

void MainWindow::paintStroke(const QList<QPoint>& points, bool erase) {
    if (mask_->mask().empty() || points.isEmpty()) return;
    const int r = view_->brushRadius();
    // Only the stroke's surroundings are copied and compared, not the whole mask.
    QRect bounds;
    for (const QPoint& pt : points) bounds |= QRect(pt, QSize(1, 1));
    const cv::Rect box = cv::Rect(bounds.x() - r - 1, bounds.y() - r - 1, bounds.width() + 2 * r + 2,
                                  bounds.height() + 2 * r + 2) & cv::Rect({}, mask_->mask().size());
    if (box.empty()) return;
    cv::Mat part = mask_->mask()(box).clone();
    for (int i = 0; i < points.size(); ++i) {
        const cv::Point a = cv::Point(points[i].x(), points[i].y()) - box.tl();
        const cv::Point b = i + 1 < points.size() ? cv::Point(points[i + 1].x(), points[i + 1].y()) - box.tl() : a;
        cv::line(part, a, b, erase ? 0 : 255, 2 * r + 1);
        cv::circle(part, a, r, erase ? 0 : 255, cv::FILLED);
    }
    mask_->applyIn(box, part, (erase ? tr("erase (brush radius %1 px)") : tr("paint (brush radius %1 px)")).arg(r));
}

void MainWindow::maskEdit(const QString& name, const std::function<cv::Mat(const cv::Mat&)>& op) {
    if (mask_->mask().empty()) return;
    mask_->apply(op(mask_->mask()), name);
}

void MainWindow::exportMask(const QString& path, bool overwrite) {
    if (mask_->mask().empty()) return showError(tr("Nothing to export: open an image and pick a region first."));
    // The name decides the format: one that names another format (.tif, .jpg) would get PNG bytes.
    if (!hasMaskExtension(path)) {
        showError(tr("Export failed: %1: masks are written as .png, .dcm (DICOM SEG), .nii.gz or .nii (NIfTI), "
                     ".mha (MetaImage), .seg.nrrd or .nrrd (NRRD, 3D Slicer) or .json (COCO); nothing was written").arg(path));
        emit exportFinished(false, path);
        return;
    }
    // NIfTI, MetaImage, NRRD, DICOM SEG and COCO hold every frame's mask (those of a volume's other slices too); PNG the
    // shown frame's. Each model is told, once written, which of its steps the file holds.
    std::vector<int> frames = holdsSeveralFrames(path) ? framesWithMask() : std::vector<int>{};
    if (frames.empty()) frames = {image_.current};
    std::vector<io::FrameMask> masks;
    std::vector<std::pair<int, const MaskModel*>> models;
    std::vector<std::pair<QPointer<MaskModel>, int>> written;  // a model (gone with another image) and its step
    for (int f : frames) {
        MaskModel* model = frameMasks_.at(f);
        masks.push_back({f, model->mask().clone()});
        models.push_back({f, model});
        written.push_back({model, model->undoStack()->index()});
    }
    const bool empty = std::all_of(masks.begin(), masks.end(), [](const io::FrameMask& m) { return !cv::countNonZero(m.mask); });
    const io::Image source = image_;
    const std::string version = runtimeInfo().engineVersion;
    QSettings().setValue("export/targetName", targetName_->text());
    io::Provenance prov =
        frames.size() > 1 ? provenanceOf(models, image_.meta.window, version) : provenanceOf(*models.front().second, version);
    prov.targetName = io::cleanTargetName(targetName_->text().toStdString());  // what the SEG, COCO and NRRD call it
    runInBackground<QString>(
        this,
        [masks, source, path, overwrite, prov] {
            if (masks.size() > 1) return writeMaskWithProvenance(path, masks, source, prov, overwrite);
            io::Image shown = source;  // the frame the mask is of (the shown one but for a NIfTI / SEG export)
            shown.current = masks.front().frame;
            return writeMaskWithProvenance(path, masks.front().mask, shown, prov, overwrite);
        },
        [this, path, written, empty](const QString& form) {
            for (const auto& [model, step] : written)
                if (model) model->markExported(step);
            QSettings().setValue("export/folder", QFileInfo(path).absolutePath());
            // An empty file is a valid "no finding", but more often an export before any pick: say which.
            const QString what = empty ? tr("Exported an empty mask (nothing picked or painted) to %1").arg(path)
                                       : tr("Exported %1").arg(path);
            statusBar()->showMessage(form.isEmpty() ? what : tr("%1 (%2)").arg(what, form),
                                     form.isEmpty() && !empty ? 5000 : 10000);
            emit exportFinished(true, path);
        },
        [this](const QString& e) {
            showError(tr("Export failed: %1").arg(e));
            emit exportFinished(false, e);
        });
}

void MainWindow::chooseMaskLabel(const QString& path, const QString& purpose, const std::function<void(int)>& use) {
    const std::string p = path.toStdString();
    const int opened = imagesOpened_;
    using Labels = std::pair<std::vector<io::MaskLabel>, bool>;  // and whether they are a SEG's segments
    runInBackground<Labels>(
        this, [p] { return Labels{io::maskLabels(p), io::isDicomSeg(p)}; },
        [this, path, purpose, use, opened](Labels found) {
            const auto& [labels, segments] = found;
            if (opened != imagesOpened_)  // listed for the image open before
                return showError(tr("%1: read for the previous image, not used; load it again for this one").arg(path));
            if (labels.size() < 2) return use(0);
            const QString kind = segments ? tr("segments") : tr("labels");
            QStringList items{tr("All %1 (every non-zero pixel)").arg(kind)};
            for (const io::MaskLabel& l : labels) items << QString::fromStdString(io::labelsText({l}));
            bool ok = false;
            const QString item = QInputDialog::getItem(
                this, purpose, tr("%1 holds %2 %3. Which one?").arg(QFileInfo(path).fileName()).arg(labels.size()).arg(kind),
                items, 0, false, &ok);
            if (!ok) return;
            const int index = int(items.indexOf(item));
            use(index <= 0 ? 0 : labels[index - 1].value);
        },
        [use](const QString&) { use(0); });  // the read itself reports what is wrong with the file
}

void MainWindow::loadReferenceMask(const QString& path, int label) {
    if (label < 0) return chooseMaskLabel(path, tr("Reference mask"), [this, path](int l) { loadReferenceMask(path, l); });
    const std::string p = path.toStdString();
    io::MaskFrame which = io::maskFrameFor(image_);
    which.label = label;
    const int generation = imageGeneration_;
    referencePath_ = path;
    referenceLabel_ = label;
    const int read = ++referenceReads_;
    using Reference = std::pair<cv::Mat, MaskLayers>;  // the mask and its outline to draw
    runInBackground<Reference>(
        this,
        [p, which] {
            cv::Mat m = io::loadMask(p, which);
            const QImage grey(m.data, m.cols, m.rows, static_cast<qsizetype>(m.step), QImage::Format_Grayscale8);
            return Reference{m, maskLayers(grey, 0, qRgba(0, 255, 255, 255))};
        },
        [this, path, generation, read](Reference result) {
            auto& [m, outline] = result;
            if (generation != imageGeneration_) {
                // Read for an image or frame no longer shown. A frame change
                // reads the same file again for the new frame; otherwise say so.
                if (path != referencePath_)
                    showError(tr("%1: read for the previous image, not used; load it again for this one").arg(path));
                return;
            }
            // A reference loaded after this one (or the same again) was asked for: the later one is the truth,
            // even when this slower read ends after it.
            if (read != referenceReads_) return;
            if (image_.frames.empty() || m.size() != image_.pixels().size()) {
                referencePath_.clear();
                return showError(tr("%1: the mask's size does not match the image").arg(path));
            }
            reference_ = m;
            forBothViews([&outline = outline](ImageView* view) { view->setReference(outline); });
            msformerScores_.clear();
            msformerFinalScores_.clear();  // scored against the earlier reference
            kmeansScores_.clear();
            refreshMetrics();
        },
        [this, path, generation, read](const QString& e) {
            if (generation == imageGeneration_ && read == referenceReads_) referencePath_.clear();
            showError(e);
        });
}

QString MainWindow::metricsText() const { return metricsLabel_->text(); }
QString MainWindow::maskInfoText() const { return maskInfoLabel_->text(); }

void MainWindow::refreshMaskInfo() {
    const cv::Mat& m = mask_->mask();
    if (m.empty()) {
        maskInfoLabel_->clear();
        return;
    }
    const std::string size = mask::sizeText(m, image_.meta.spacingX, image_.meta.spacingY);
    QString text = size == "empty" ? tr("Mask: empty (click a region, or paint with B)")
                                   : tr("Mask: %1").arg(QString::fromStdString(size));
    // The other frames' masks stay (a NIfTI or SEG export writes them all): say where they are. Not counted
    // for a single frame: this runs on every pick and stroke (a 24 MP mask takes milliseconds to count).
    const std::vector<int> frames = image_.frameCount() > 1 ? framesWithMask() : std::vector<int>{};
    if (!frames.empty() && (frames.size() > 1 || frames.front() != image_.current))
        text += "\n" + tr("Frames with a mask: %1").arg(frameRanges(frames));
    maskInfoLabel_->setText(text);
}

void MainWindow::refreshMetrics() {
    if (reference_.empty()) {
        metricsLabel_->setText(QString());
        return;
    }
    QStringList lines;
    auto line = [](const QString& name, const MaskScores& s) {
        return QString("%1: DSC %2  HM %3  XOR %4").arg(name).arg(s.dsc * 100, 0, 'f', 1).arg(s.hm * 100, 0, 'f', 1)
            .arg(s.xorRatio * 100, 0, 'f', 1);
    };
    // Overlap only: the Hausdorff distance's distance transforms are not shown here.
    if (!mask_->mask().empty() && cv::countNonZero(mask_->mask()))
        lines << line(tr("mask"), scoreOverlap(mask_->mask(), reference_));
    // Each map's line is kept until its map or the reference changes (a mask edit recomputes only the mask's).
    // An earlier iteration's map (showIteration) says which.
    const QString which = !runningJob_ && shownIteration_ > 0 ? tr("iteration %1").arg(shownIteration_) : QString();
    if (msformerScores_.isEmpty() && !msformerLabels_.empty()) {
        msformerScores_ = line(which.isEmpty() ? tr("MS-Former best cluster") : tr("MS-Former best cluster (%1)").arg(which),
                               scoreOverlap(selectBestOverlap(viewOf(msformerLabels_), reference_).mask, reference_));
    } else if (msformerScores_.isEmpty() && !msformerPreview_.empty()) {
        // During a run: scored at the preview's working size (the map is not
        // enlarged for every iteration); the result is scored at full size.
        cv::Mat reference;
        cv::resize(reference_, reference, {msformerPreview_.width, msformerPreview_.height}, 0, 0, cv::INTER_NEAREST);
        msformerScores_ = line(tr("MS-Former best cluster (%1, at %2 px)")
                                   .arg(which.isEmpty() ? tr("preview") : which).arg(msformerPreview_.width),
                               scoreOverlap(selectBestOverlap(viewOf(msformerPreview_), reference).mask, reference));
    }
    if (kmeansScores_.isEmpty() && !kmeansLabels_.empty())
        kmeansScores_ = line(tr("k-means best cluster"),
                             scoreOverlap(selectBestOverlap(viewOf(kmeansLabels_), reference_).mask, reference_));
    for (const QString& scores : {msformerScores_, kmeansScores_})
        if (!scores.isEmpty()) lines << scores;
    metricsLabel_->setText(lines.join('\n'));
}

void MainWindow::setMethodSettings(const MethodSettings& s) {
    settings_ = s;
    settings_.save();
    refreshDeviceLabel();
}

void MainWindow::refreshDeviceLabel() {
    // What the next run uses: the settings' device and threads as they resolve here.
    const auto info = runtimeInfo(settings_.msformer.device, settings_.msformer.threads);
    deviceLabel_->setText(QString("%1, %2").arg(QString::fromStdString(info.device))
                              .arg(info.threads == 1 ? tr("1 thread") : tr("%1 threads").arg(info.threads)));
}

void MainWindow::adjustWindow(int dx, int dy) {
    if (image_.frames.empty() || !image_.isMonochrome()) return;
    auto& w = image_.meta.window;
    if (!w.valid()) w = io::autoWindow(image_);
    // 1/200 of the width per screen pixel, whole units for the usual windows
    // of tens to thousands; a float map's window of 0..1 (FA, a probability map)
    // moves in fractions (a floor of 1 made its first pixel of drag double it).
    const double step = w.width >= 50 ? std::max(1.0, w.width / 200.0) : w.width / 200.0;
    w.width = std::max(step, w.width + dx * step);
    w.center += dy * step;
    w.name = "custom";
    w.lut = nullptr;  // a file's VOI LUT dragged: a straight window over its range, moved
    // The box shows the window in use: one "custom" entry, kept up to date and
    // chosen again from the box after trying a preset.
    if (customWindowIndex_ < 0) {
        customWindowIndex_ = static_cast<int>(windows_.size());
        windows_.push_back(w);
        windowBox_->addItem(windowText(w));
    }
    windows_[customWindowIndex_] = w;
    windowBox_->setItemText(customWindowIndex_, windowText(w));
    windowBox_->setCurrentIndex(customWindowIndex_);
    refreshBase();
}

QString MainWindow::windowText(const io::Window& w) const {
    if (w.lut)
        return QString("%1 (LUT %2..%3)").arg(QString::fromStdString(w.name)).arg(w.lutFirst)
            .arg(w.lutFirst + double(w.lut->size()) - 1);
    return w.valid() ? QString("%1 (%2/%3)").arg(QString::fromStdString(w.name)).arg(w.center).arg(w.width)
                     : tr("full range (8-bit)");
}

void MainWindow::hover(QPoint p, bool overKMeans) {
    if (image_.frames.empty()) return;
    const cv::Mat& px = image_.pixels();
    if (p.x() < 0 || p.y() < 0 || p.x() >= px.cols || p.y() >= px.rows) return cursorLabel_->clear();
    QStringList parts;  // after the position: the pixel's value, the cluster under it
    cv::Mat v;
    px(cv::Rect(p.x(), p.y(), 1, 1)).convertTo(v, CV_64FC(px.channels()));
    if (px.channels() == 1) {
        parts << QString::number(v.at<double>(0, 0)) + (image_.meta.modality == "CT" ? " HU" : "");
    } else if (px.channels() == 3) {  // stored BGR
        const auto bgr = v.at<cv::Vec3d>(0, 0);
        parts << QString("RGB %1 %2 %3").arg(bgr[2]).arg(bgr[1]).arg(bgr[0]);
    }
    // During a run the preview is looked up where it is drawn, not enlarged on every mouse move.
    const bool kmeans = overKMeans || showKMeans_;
    if (!kmeans && msformerLabels_.empty() && !msformerPreview_.empty())
        parts << QString("cluster %1").arg(labelAtResized(msformerPreview_, px.cols, px.rows, p.x(), p.y()));
    else if (const LabelMap& labels = labelsOf(kmeans); !labels.empty())
        parts << QString("cluster %1").arg(labels.at(p.x(), p.y()));
    cursorLabel_->setText(QString("(%1, %2) %3").arg(p.x()).arg(p.y()).arg(parts.join(", ")).trimmed());
}

void MainWindow::addRecent(const QString& path) {
    QSettings q;
    const QFileInfo file(path);
    q.setValue("open/folder", file.absolutePath());  // where the open dialogs start next time
    // Absolute: a path relative to where the app was started means nothing the next time.
    const QString absolute = file.absoluteFilePath();
    QStringList recent = q.value("recent").toStringList();
    recent.removeAll(absolute);
    recent.prepend(absolute);
    q.setValue("recent", recent.mid(0, 10));
    rebuildRecentMenu();
}

void MainWindow::forgetRecent(const QString& path) {
    QSettings q;
    QStringList recent = q.value("recent").toStringList();
    if (recent.removeAll(QFileInfo(path).absoluteFilePath()) == 0) return;
    q.setValue("recent", recent);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
    recentMenu_->clear();
    for (const QString& p : QSettings().value("recent").toStringList())
        recentMenu_->addAction(p, this, [this, p] { openFile(p); });
}

void MainWindow::closeEvent(QCloseEvent* e) {
    if (!mayDropMask(tr("Closing the window"))) return e->ignore();
    worker_->worker()->abandon();  // its map is not wanted; ~WorkerThread joins the thread (at most one iteration)
    QSettings().setValue("window/geometry", saveGeometry());
    QSettings().setValue("window/state", saveState());
    e->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
    if (e->mimeData()->hasUrls()) e->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* e) {
    QStringList paths;
    for (const QUrl& url : e->mimeData()->urls())
        if (url.isLocalFile()) paths << url.toLocalFile();
    openFiles(paths);
}

}  // namespace msf::ui
