#pragma once
// Method parameters (engine defaults), presets, device and working size;
// persisted with QSettings.
#include <QDialog>
#include <QStringList>

#include "msformer/config.h"

class QComboBox;
class QSpinBox;
class QLabel;
class QDoubleSpinBox;

namespace msf::ui {

struct MethodSettings {
    QString mode = "default";  // "default" or "faithful"
    MsFormerConfig msformer = interactiveConfig();
    KMeansConfig kmeans;

    // From QSettings. A stored value that is not a number or out of the dialog's range (a hand-edited or
    // damaged file) gives the mode's default, and is listed in `problems` ("size = 5000 (expected 16..1024)").
    static MethodSettings load();
    void save() const;
    QStringList problems;
};

class SettingsDialog : public QDialog {
    Q_OBJECT
public:
    // imageWidth x imageHeight: the open image's, counted in the memory a run needs (its full-size map);
    // 0 x 0 without one.
    explicit SettingsDialog(const MethodSettings& s, QWidget* parent = nullptr, int imageWidth = 0, int imageHeight = 0);
    MethodSettings settings() const;
    void restoreDefaults();  // the Restore Defaults button: the chosen mode's defaults

private:
    void preset(const QString& name);
    void refreshMemoryNeed();  // what the working size and mode need of the memory available
    QComboBox *mode_, *device_, *preset_;
    QLabel* memoryNeed_;
    int64_t availableMemory_ = -1;
    int imageWidth_ = 0, imageHeight_ = 0;
    QSpinBox *size_, *iterations_, *minLabels_, *seed_, *k_, *threads_;
    QDoubleSpinBox *wCe_, *wInter_, *wIntra_;
};

}  // namespace msf::ui
