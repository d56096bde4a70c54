#include "msformer/ui/mask_model.h"

#include <QUndoCommand>

namespace msf::ui {

class MaskCommand : public QUndoCommand {
public:
    MaskCommand(MaskModel* model, cv::Mat before, cv::Mat after, const QString& text, MaskStep kind)
        : QUndoCommand(text), model_(model), before_(std::move(before)), after_(std::move(after)), kind_(kind) {}
    void undo() override { model_->set(before_); }
    void redo() override { model_->set(after_); }
    MaskStep kind() const { return kind_; }

private:
    MaskModel* model_;
    cv::Mat before_, after_;
    MaskStep kind_;
};

MaskModel::MaskModel(QObject* parent) : QObject(parent) {}

void MaskModel::reset(cv::Size size) {
    undo_.clear();
    set(cv::Mat::zeros(size, CV_8U));
}

void MaskModel::apply(const cv::Mat& newMask, const QString& text, MaskStep kind) {
    if (newMask.size() != mask_.size()) return;
    cv::Mat after = newMask > 0;
    if (cv::countNonZero(after != mask_) == 0) return;  // no-op edits leave no undo step
    undo_.push(new MaskCommand(this, mask_.clone(), after, text, kind));
}

QStringList MaskModel::steps(bool picksOnly) const {
    QStringList done;
    for (int i = 0; i < undo_.index(); ++i) {
        const auto* step = static_cast<const MaskCommand*>(undo_.command(i));  // the only command pushed
        if (!picksOnly || step->kind() == MaskStep::Pick) done << step->text();
    }
    return done;
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

}  // namespace msf::ui
