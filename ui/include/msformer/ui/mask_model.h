#pragma once
// The target mask being edited, with undo/redo of every pick and edit.
#include <QObject>
#include <QUndoStack>

#include <map>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace msf::ui {

// A pick chooses clusters or regions of the map; an edit changes the mask by hand or by a clean-up.
enum class MaskStep { Pick, Edit };

// The map a pick was made on: its method ("msformer (default mode)", "kmeans")
// and the parameters of the run that made it, as they were at the pick.
struct PickSource {
    std::string method;
    std::map<std::string, std::string> parameters;
    bool operator==(const PickSource& o) const { return method == o.method && parameters == o.parameters; }
};

class MaskModel : public QObject {
    Q_OBJECT
public:
    explicit MaskModel(QObject* parent = nullptr);
    const cv::Mat& mask() const { return mask_; }  // CV_8U 0/255, image size (empty before an image)
    QUndoStack* undoStack() { return &undo_; }
    void reset(cv::Size size);              // new image: empty mask, history cleared
    // Replaces the mask as one undoable step named `text`.
    // A pick names the map it was made on.
    void apply(const cv::Mat& newMask, const QString& text, MaskStep kind = MaskStep::Edit, PickSource source = {});
    // The same for an edit that touches only `region` (a brush stroke): newPart is
    // the mask there; the rest of a 24 MP mask is not compared.
    void applyIn(const cv::Rect& region, const cv::Mat& newPart, const QString& text, MaskStep kind = MaskStep::Edit,
                 PickSource source = {});
    // The steps that made the current mask, oldest first (undone ones left out);
    // with `picksOnly`, only the picks among them.
    QStringList steps(bool picksOnly = false) const;
    // The maps the picks among those steps were made on, each once, oldest
    // first; picks before a step that left the mask empty are not counted.
    std::vector<PickSource> pickSources() const;
    // True while the mask has pixels that no export has written: the state
    // after the last successful export is "clean" (undoing back to it too).
    bool hasUnexportedChanges() const;
    // An export of the mask as it was at history `index` has been written.
    void markExported(int index);
    // Mask pixels the undo history holds (each step: the rectangle it changed, before and after).
    size_t historyBytes() const;

signals:
    void changed();

private:
    friend class MaskCommand;
    void set(const cv::Mat& m);
    void patch(cv::Rect box, const cv::Mat& pixels);  // these pixels in this rectangle, as one change
    cv::Mat mask_;
    QUndoStack undo_;
};

}  // namespace msf::ui
