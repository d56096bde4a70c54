#include "msformer/ui/mask_model.h"

#include <algorithm>

#include <opencv2/imgproc.hpp>

#include <QUndoCommand>

namespace msf::ui {

// One step keeps the rectangle it changed, before and after: a brush stroke on
// a 24-MP photo's mask is a few kilobytes, not two 24 MB copies.
class MaskCommand : public QUndoCommand {
public:
    MaskCommand(MaskModel* model, cv::Rect box, cv::Mat before, cv::Mat after, const QString& text, MaskStep kind,
                PickSource source, bool leavesEmpty)
        : QUndoCommand(text), model_(model), box_(box), before_(std::move(before)), after_(std::move(after)),
          kind_(kind), source_(std::move(source)), leavesEmpty_(leavesEmpty) {}
    void undo() override { model_->patch(box_, before_); }
    void redo() override { model_->patch(box_, after_); }
    MaskStep kind() const { return kind_; }
    const PickSource& source() const { return source_; }
    bool leavesEmpty() const { return leavesEmpty_; }  // the mask is empty after this step
    size_t bytes() const { return before_.total() + after_.total(); }

private:
    MaskModel* model_;
    cv::Rect box_;
    cv::Mat before_, after_;
    MaskStep kind_;
    PickSource source_;
    bool leavesEmpty_;
};

MaskModel::MaskModel(QObject* parent) : QObject(parent) {}

void MaskModel::reset(cv::Size size) {
    undo_.clear();
    set(cv::Mat::zeros(size, CV_8U));
}

void MaskModel::apply(const cv::Mat& newMask, const QString& text, MaskStep kind, PickSource source) {
    if (newMask.size() != mask_.size()) return;
    applyIn(cv::Rect({}, mask_.size()), newMask, text, kind, std::move(source));
}

void MaskModel::applyIn(const cv::Rect& region, const cv::Mat& newPart, const QString& text, MaskStep kind,
                        PickSource source) {
    if (region.empty() || newPart.size() != region.size() || (region & cv::Rect({}, mask_.size())) != region) return;
    const cv::Mat after = newPart > 0;
    const cv::Rect changed = cv::boundingRect(after != mask_(region));
    if (changed.empty()) return;  // no-op edits leave no undo step
    const cv::Rect box = changed + region.tl();
    const bool leavesEmpty =
        cv::countNonZero(mask_) - cv::countNonZero(mask_(box)) + cv::countNonZero(after(changed)) == 0;
    undo_.push(new MaskCommand(this, box, mask_(box).clone(), after(changed).clone(), text, kind, std::move(source),
                               leavesEmpty));
}

size_t MaskModel::historyBytes() const {
    size_t total = 0;
    for (int i = 0; i < undo_.count(); ++i) total += static_cast<const MaskCommand*>(undo_.command(i))->bytes();
    return total;
}

QStringList MaskModel::steps(bool picksOnly) const {
    QStringList done;
    for (int i = 0; i < undo_.index(); ++i) {
        const auto* step = static_cast<const MaskCommand*>(undo_.command(i));  // the only command pushed
        if (!picksOnly || step->kind() == MaskStep::Pick) done << step->text();
    }
    return done;
}

std::vector<PickSource> MaskModel::pickSources() const {
    std::vector<PickSource> sources;
    for (int i = 0; i < undo_.index(); ++i) {
        const auto* step = static_cast<const MaskCommand*>(undo_.command(i));
        if (step->leavesEmpty()) sources.clear();  // what was picked before is gone
        if (step->kind() == MaskStep::Pick && std::find(sources.begin(), sources.end(), step->source()) == sources.end())
            sources.push_back(step->source());
    }
    return sources;
}

bool MaskModel::hasUnexportedChanges() const {
    return !mask_.empty() && !undo_.isClean() && cv::countNonZero(mask_) > 0;
}

void MaskModel::markExported(int index) {
    if (undo_.index() == index) undo_.setClean();  // edited while it was written: still unexported
}

void MaskModel::set(const cv::Mat& m) {
    mask_ = m.clone();
    emit changed();
}

void MaskModel::patch(cv::Rect box, const cv::Mat& pixels) {
    cv::Mat m = mask_.clone();  // a new matrix: an export may still be writing the old one
    pixels.copyTo(m(box));
    mask_ = m;
    emit changed();
}

}  // namespace msf::ui
