#pragma once
// The clinician's window: open, window/level, run with live preview, pick,
// refine, compare with k-means, export. State lives in the models and the
// engine/imaging/io libraries; this class wires them to widgets.
#include <QFutureWatcher>
#include <QImage>
#include <QMainWindow>
#include <QTimer>

#include <atomic>
#include <functional>
#include <memory>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>

#include "msformer/image_buffer.h"
#include "msformer/io/dicom_reader.h"
#include "msformer/io/image.h"
#include "msformer/segmenter.h"
#include "msformer/ui/settings_dialog.h"

class QLabel;
class QProgressBar;
class QPushButton;
class QSlider;
class QSpinBox;
class QComboBox;
class QAction;
class QMenu;
class QUndoGroup;
class QLineEdit;

namespace msf::ui {

class ImageView;
class LossPlot;
class MaskModel;
struct PickSource;
class WorkerThread;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Everything below is what the menus call; public for tests and scripts.
    // seriesOf: a file of the folder `path` whose series is to be opened (several of its files were dropped).
    void openFile(const QString& path, const QString& seriesUid = {}, const QString& seriesOf = {});
    // What a drop opens: one file or folder as openFile; several DICOM files of one folder, their series (a
    // slice selection dropped used to open its first slice alone); several other files, the first, and says so.
    void openFiles(const QStringList& paths);
    void runMsFormer();
    void runKMeans();
    void cancelRun();
    void pickAt(QPoint imagePos, Qt::KeyboardModifiers modifiers);  // on the map shown (on the left)
    void paintStroke(const QList<QPoint>& points, bool erase);
    // The regions of the shown map lying at least half inside the mask of the nearest other frame that has
    // one (the previous of two as near): a volume's target carried to the next slice, one undoable pick.
    void pickLikeNearestFrame();
    // Shift+N: to the next frame, run MS-Former there, and once it finishes pick as on the frame left (N).
    void followToNextFrame();
    // Ctrl+Shift+N: Shift+N again and again, to the last frame or until a frame's pick comes out empty;
    // Esc (or moving to another frame) stops it.
    void followToLastFrame();
    // Ctrl+I: every frame between two frames with a mask, without one of its own, gets the shape interpolated
    // between those two (msf::mask::masksBetween), computed off the UI thread; one undoable step on each
    // frame filled ("fill between frames 10 and 14").
    void fillBetweenFrames();
    // Ctrl+Alt+Z, Edit > Undo on every frame: takes back the last step made on several frames at once (Fill
    // between slices, Open mask for editing) on each of them that has had nothing done since; Ctrl+Z undoes the
    // shown frame's steps only.
    void undoOnEveryFrame();
    void exportMask(const QString& path, bool overwrite);
    // Before `action` (opening another image, closing) drops masks that no
    // export has written (of any frame): asks Discard, Cancel or Export...
    // (which opens the export dialog). True: go ahead.
    bool mayDropMask(const QString& action);
    // The ground truth the metrics compare with; on a multi-frame image the
    // slice of the current frame, read again when the frame changes. `label`: the
    // label (value, or SEG segment) to read, 0 every one; -1 asks which when the file
    // holds several (a label map, a SEG of several segments).
    void loadReferenceMask(const QString& path, int label = -1);
    // A mask written earlier (PNG, NIfTI, DICOM SEG of this image), to go on editing: each frame it holds
    // a mask for takes it as one undoable step ("open <file>"); a one-slice file goes on the shown frame.
    // `label` as for loadReferenceMask.
    void openMaskForEditing(const QString& path, int label = -1);
    void setFrame(int frame);
    // , and . (Segmentation > Earlier / Later iteration's map): after a run has finished, or been cancelled
    // (Esc: its result brings the preview shown to the image's size), the map of one of its iterations (1..n,
    // as its previews showed them) is shown and picked from, e.g. one from before two structures merged; 0 its
    // final map (a cancelled run's: the map after its last step). The map at the image's size is made off the UI thread, through
    // the final map's post-steps (until it comes, the working-size map is drawn scaled, as a preview is);
    // picks on it are recorded as made on that iteration's map. Nothing during a run or before one.
    void showIteration(int iteration);
    int shownIteration() const { return shownIteration_; }  // 0: the final map (or no finished run)
    int iterationMapCount() const { return static_cast<int>(iterationMaps_.size()); }
    void setMethodSettings(const MethodSettings& s);

    bool isRunning() const { return runningJob_ != 0; }
    bool showingKMeans() const { return showKMeans_; }  // the map drawn and picked from
    int previewsDrawn() const { return previewsDrawn_; }
    int referenceReads() const { return referenceReads_; }  // reads of a reference mask file started
    // At the image's size (a run's latest preview is enlarged when first asked for).
    const LabelMap& msformerLabels() const;
    const LabelMap& kmeansLabels() const { return kmeansLabels_; }
    // The shown frame's mask; each frame of a volume or multi-frame image keeps its own, with its own undo
    // history, while the image is open.
    MaskModel* maskModel() const { return mask_; }
    // The frames whose masks have pixels, ascending: what a NIfTI or DICOM SEG export writes (PNG and COCO
    // write the shown frame's).
    std::vector<int> framesWithMask() const;
    // Masks held: the shown frame's and those of frames with an edit (a frame left unedited keeps none).
    int maskModelsHeld() const { return static_cast<int>(frameMasks_.size()); }
    const io::Image& image() const { return image_; }
    // What a run is given: the shown frame through the shown window, CV_32F in
    // [0, 1]; made on demand (not on every step of a window drag).
    const cv::Mat& segmentationInput();
    QString lastError() const { return lastError_; }
    QString metricsText() const;
    // "Mask: 2 regions, 12,345 px, 86.4 mm²" under the run's panel (mm² when the pixel size is known).
    QString maskInfoText() const;
    QString shortcutHelp() const;  // Help > Keyboard shortcuts
    QString suggestedExportPath() const;  // File > Export's first suggestion
    // The name it suggests for a format (the dialog's name follows a change of format until one is typed).
    QString suggestedExportPath(const QString& formatSuffix) const;
    const cv::Mat& referenceMask() const { return reference_; }
    ImageView* view() const { return view_; }

signals:
    void imageLoaded();
    void runFinished(const QString& method);
    void exportFinished(bool ok, const QString& message);
    void errorShown(const QString& message);
    void iterationMapShown(int iteration);  // showIteration's map at the image's size is drawn
    void loadStopped(const QString& path);  // a load stopped before its end (a later open, Esc)

protected:
    void closeEvent(QCloseEvent*) override;
    void dragEnterEvent(QDragEnterEvent*) override;
    void dropEvent(QDropEvent*) override;

private:
    void buildMenus();
    // The step just made on these frames (each model's undo index after it) is what undoOnEveryFrame takes back.
    void recordSeveralFramesStep(const QString& name, const std::vector<int>& frames);
    // Reads which labels the mask file holds (off the UI thread); with several, asks which one to use
    // ("All labels" is 0), then calls `use` with it, unless cancelled or another image opened meanwhile.
    void chooseMaskLabel(const QString& path, const QString& purpose, const std::function<void(int)>& use);
    void loadFile(const QString& path, const QString& seriesUid, const QString& seriesOf = {});
    void loadDone();  // the open's load is over (shown, failed or stopped): its progress and Cancel go
    void loadEnded(const QString& why);  // the open failed or was called off: a Run asked for meanwhile is dropped
    void exportWithDialog();
    void showError(const QString& message);
    void refreshBase();  // renders the shown frame through its window
    // The maps, their parameters and the reference mask belong to the image or
    // frame shown until now: dropped, with what is still computing or reading for it.
    void forgetShownResults();
    QString windowText(const io::Window& w) const;  // as the window box lists it
    void setRunningJob(int job);  // 0: none; the Cancel button and Esc follow
    bool stopRun();  // cancels the MS-Former run in progress, if any (true then)
    void resetRunDisplay(const QString& status);  // progress, loss curves and run status: no run shown
    void showFrame(const cv::Mat& normalized, const QImage& display);  // what refreshBase renders
    const LabelMap& labelsOf(bool kmeans) const;  // k-means' or MS-Former's map, at the image's size
    PickSource sourceOf(bool kmeans) const;  // what a pick on that map is made on
    void refreshOverlays();
    void refreshMetrics();
    void refreshMaskInfo();
    void pickLikeNearestFrameOn(bool kmeans);
    void onMaskChanged();  // the shown frame's mask: overlay, size, metrics
    void showMaskOf(int frame);  // makes that frame's mask (a new, empty one at first) the one shown and edited
    void dropFrameMasks();       // another image: every frame's mask goes
    MaskModel* modelFor(int frame);  // that frame's mask, made (empty) if it has none
    void refreshDeviceLabel();
    void onPreview(int job);
    void onFinished(int job, const QString& method, const msf::SegmentationResult& r, const QImage& colours);
    void onFailed(int job, const QString& method, const QString& message);
    void addRecent(const QString& path);
    void rebuildRecentMenu();
    void forgetRecent(const QString& path);
    void adjustWindow(int dx, int dy);
    void hover(QPoint p, bool overKMeans);  // overKMeans: the side-by-side view's right half
    void pickOn(bool kmeans, QPoint p, Qt::KeyboardModifiers mods);  // on k-means' map or MS-Former's
    void forBothViews(const std::function<void(ImageView*)>& apply);  // what both halves draw alike
    QString mapCaption(bool kmeans) const;
    void maskEdit(const QString& name, const std::function<cv::Mat(const cv::Mat&)>& op);

    io::Image image_;
    // The shown frame through the window, [0, 1]: a new matrix for every
    // change, never written into, so a run can hold it while the UI goes on.
    cv::Mat normalized_;
    // The window box's choices, made with the image (the auto window is the loaded frame's).
    std::vector<io::Window> windows_;
    // A preview is kept at the working size and drawn scaled: enlarging it to
    // a 24-MP photo on every iteration kept the UI away for up to a second.
    mutable LabelMap msformerLabels_;
    LabelMap kmeansLabels_, msformerPreview_;
    QImage msformerColours_, kmeansColours_;  // each map in colour, as drawn
    QString msformerScores_, kmeansScores_;   // each map's best-cluster metrics line (empty: to compute)
    // What produced each map (the export's provenance): the run's parameters,
    // MS-Former's from the start of its run (its previews are shown), device
    // and precision resolved once it finishes.
    std::map<std::string, std::string> msformerParameters_, kmeansParameters_;
    cv::Mat reference_;
    QString referencePath_;  // the file reference_ comes from, read again for a new frame
    int referenceLabel_ = 0;  // ... and the label read of it (0: every one)
    // Counts the images and frames shown: a reference mask read for an
    // earlier one is not used (it was the previous image's or frame's truth).
    int imageGeneration_ = 0;
    int imagesOpened_ = 0;  // a mask opened for editing is used only on the image it was read for
    int maskOpens_ = 0;     // ... and only if no mask was opened for editing after it
    bool showKMeans_ = false;
    MethodSettings settings_;
    WorkerThread* worker_;
    MaskModel* mask_ = nullptr;         // frameMasks_'s model of the shown frame
    std::map<int, MaskModel*> frameMasks_;  // per frame, made when the frame is first shown
    struct SeveralFramesStep {
        QString name;
        std::vector<std::pair<int, int>> frames;  // a frame and its undo index just after the step
    } severalFramesStep_;
    QAction* undoEveryFrameAction_ = nullptr;
    QUndoGroup* undoGroup_;             // Edit > Undo / Redo act on the shown frame's history
    QMetaObject::Connection maskChanged_;
    ImageView *view_, *compareView_;
    LossPlot* plot_;
    QProgressBar* progress_;
    QPushButton* cancelButton_;
    QAction* cancelAction_;
    QLabel *iterationLabel_, *metricsLabel_, *maskInfoLabel_, *deviceLabel_, *imageLabel_, *cursorLabel_;
    QSlider *frameSlider_, *opacitySlider_;
    QSpinBox* frameBox_;  // the frame's number, 0-based as the CLI's --frame and the provenance's "frame"
    QComboBox* windowBox_;
    QMenu* recentMenu_;  // File > Open recent; objectName "recentMenu"
    QAction *brushAction_, *eraserAction_, *compareAction_, *sideBySideAction_;
    int islandArea_ = 0;  // the last Remove islands size, for images of this size (0: none given)
    int customWindowIndex_ = -1;  // the window box's entry for a right-drag window, once there is one
    int nextJob_ = 1, runningJob_ = 0, kmeansJob_ = 0, previewsDrawn_ = 0, referenceReads_ = 0;
    int previewIteration_ = 0;  // the iteration msformerPreview_ comes from
    // The finished run's iteration maps (working size), its final map (held here while another is shown)
    // and its colours, and what it ran on and with (the shown frame through the window at Run, and the
    // settings): showIteration's material.
    std::vector<LabelMap> iterationMaps_;
    LabelMap msformerFinal_;
    QImage msformerFinalColours_;
    QString msformerFinalScores_;
    cv::Mat runInput_;
    MsFormerConfig runConfig_;
    int shownIteration_ = 0;
    int runIterations_ = 0;      // the finished run's iterations (iterationMaps_ holds the first ones' maps)
    int iterationRequests_ = 0;  // a map made for an earlier showIteration is not shown
    void forgetIterationMaps();
    void makeIterationMap(int iteration);  // showIteration once the final map is put aside
    // A run cancelled with Esc: its result gives the iterations' maps to step through, from the preview shown.
    void adoptCancelledRun(const msf::SegmentationResult& r, const QImage& colours);
    // A run's result taken up (finished, or cancelled and adopted): its iteration maps, count, final colours and
    // parameters; the final map itself is the caller's to place (shown, or put aside).
    void takeRunResult(const msf::SegmentationResult& r, const QImage& colours, bool cancelled);
    int cancelledJob_ = 0;
    bool runCancelled_ = false;  // the maps are a cancelled run's
    int followJob_ = 0;         // the MS-Former run whose map Shift+N picks on when it finishes
    bool followOn_ = false;     // Ctrl+Shift+N: follow on to the next frame after that pick
    // Opening: the latest open's number (a slower earlier one that finishes after it is dropped, not
    // shown over it), whether it is still being read, and Run or k-means asked for meanwhile (they start
    // on it once it is shown).
    int loadGeneration_ = 0;
    // The pending load's: set `stop` to end it between its files when it is no longer wanted (another open,
    // Esc, closing); how many of a series' slices it has read, for the status bar (loadProgressTimer_).
    struct LoadState {
        std::atomic<bool> stop{false};
        std::atomic<size_t> done{0}, total{0};
        std::atomic<bool> frames{false};  // counting a multi-frame file's frames, not a volume's slices
        std::atomic<bool> scanning{false};  // counting a folder's files looked through for its series
    };
    std::shared_ptr<LoadState> load_;
    QTimer* loadProgressTimer_ = nullptr;
    bool loadPending_ = false, runWhenLoaded_ = false, kmeansWhenLoaded_ = false;
    QString loadingName_;
    QLineEdit* targetName_ = nullptr;  // what the exports name the target
    // A folder's series as listed to ask which one to open: the chosen one is read from this listing.
    std::pair<QString, std::vector<io::DicomSeries>> listedSeries_;
    QString openNote_;  // said with "Loaded X" (openFiles: the dropped files not opened)
    QTimer* referenceTimer_ = nullptr;
    QString lastError_;
    cv::Mat strokeBase_;
};

}  // namespace msf::ui
