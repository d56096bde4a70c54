#include "msformer/ui/settings_dialog.h"

#include "msformer/memory_check.h"
#include "msformer/runtime_info.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>

namespace msf::ui {

namespace {
// The engine's parameters of a mode: "faithful" or "default".
MsFormerConfig configFor(const QString& mode) { return mode == "faithful" ? faithfulConfig() : interactiveConfig(); }

// What the dialog offers, and so what a stored setting may be.
struct Range {
    int lo, hi;
};
constexpr Range kSize{16, 1024}, kIterations{1, 500}, kMinLabels{0, 100}, kSeed{0, 1 << 30}, kK{2, 16}, kThreads{0, 1024};
constexpr double kMaxWeight = 10;
}  // namespace

MethodSettings MethodSettings::load() {
    QSettings q;
    MethodSettings s;
    // A value that is there but not usable is replaced by the default and said, not passed on to fail each run.
    const auto integer = [&](const char* key, Range r, int fallback) {
        if (!q.contains(key)) return fallback;
        bool ok = false;
        const int v = q.value(key).toInt(&ok);
        if (ok && v >= r.lo && v <= r.hi) return v;
        s.problems << QString("%1 = %2 (expected %3..%4)").arg(key, q.value(key).toString()).arg(r.lo).arg(r.hi);
        return fallback;
    };
    const auto weight = [&](const char* key, double fallback) {
        if (!q.contains(key)) return fallback;
        bool ok = false;
        const double v = q.value(key).toDouble(&ok);
        if (ok && v >= 0 && v <= kMaxWeight) return v;
        s.problems << QString("%1 = %2 (expected 0..%3)").arg(key, q.value(key).toString()).arg(kMaxWeight);
        return fallback;
    };
    s.mode = q.value("method/mode", "default").toString();
    if (s.mode != "default" && s.mode != "faithful") {
        s.problems << QString("method/mode = %1 (expected default or faithful)").arg(s.mode);
        s.mode = "default";
    }
    s.msformer = configFor(s.mode);
    auto& m = s.msformer;
    m.size = integer("method/size", kSize, m.size);
    m.maxIterations = integer("method/iterations", kIterations, m.maxIterations);
    m.minLabels = integer("method/min_labels", kMinLabels, m.minLabels);
    m.seed = static_cast<uint64_t>(integer("method/seed", kSeed, 0));
    m.weights.ce = weight("method/w_ce", m.weights.ce);
    m.weights.inter = weight("method/w_inter", m.weights.inter);
    m.weights.intra = weight("method/w_intra", m.weights.intra);
    m.threads = integer("method/threads", kThreads, 0);
    const QString device = q.value("method/device", "auto").toString();
    if (!parseDeviceChoice(device.toStdString(), &m.device))
        s.problems << QString("method/device = %1 (expected auto, cpu or cuda)").arg(device);
    s.kmeans.k = integer("kmeans/k", kK, 3);
    s.kmeans.size = m.size;
    s.kmeans.seed = m.seed;
    s.kmeans.device = m.device;
    return s;
}

void MethodSettings::save() const {
    QSettings q;
    const auto& m = msformer;
    q.setValue("method/mode", mode);
    q.setValue("method/size", m.size);
    q.setValue("method/iterations", m.maxIterations);
    q.setValue("method/min_labels", m.minLabels);
    q.setValue("method/seed", QVariant::fromValue<qulonglong>(m.seed));
    q.setValue("method/w_ce", m.weights.ce);
    q.setValue("method/w_inter", m.weights.inter);
    q.setValue("method/w_intra", m.weights.intra);
    q.setValue("method/threads", m.threads);
    q.setValue("method/device", deviceChoiceName(m.device));
    q.setValue("kmeans/k", kmeans.k);
}

SettingsDialog::SettingsDialog(const MethodSettings& s, QWidget* parent, int imageWidth, int imageHeight)
    : QDialog(parent), imageWidth_(imageWidth), imageHeight_(imageHeight) {
    setWindowTitle(tr("Method settings"));
    auto* form = new QFormLayout(this);
    preset_ = new QComboBox;
    preset_->setObjectName("preset");
    preset_->addItems({tr("(keep)"), tr("skin lesion"), tr("lung CT")});
    mode_ = new QComboBox;
    mode_->setObjectName("mode");
    mode_->addItems({"default", "faithful"});
    mode_->setCurrentText(s.mode);
    device_ = new QComboBox;
    device_->addItems({"auto", "cpu", "cuda"});
    device_->setCurrentText(deviceChoiceName(s.msformer.device));
    auto spin = [](int lo, int hi, int v) {
        auto* b = new QSpinBox;
        b->setRange(lo, hi);
        b->setValue(v);
        return b;
    };
    auto dspin = [](double v) {
        auto* b = new QDoubleSpinBox;
        b->setRange(0, kMaxWeight);
        b->setSingleStep(0.1);
        b->setValue(v);
        return b;
    };
    size_ = spin(kSize.lo, kSize.hi, s.msformer.size);
    iterations_ = spin(kIterations.lo, kIterations.hi, s.msformer.maxIterations);
    minLabels_ = spin(kMinLabels.lo, kMinLabels.hi, s.msformer.minLabels);
    seed_ = spin(kSeed.lo, kSeed.hi, static_cast<int>(s.msformer.seed));
    threads_ = spin(0, availableCores(), s.msformer.threads);  // more would spin (runtime_info.h)
    k_ = spin(kK.lo, kK.hi, s.kmeans.k);
    wCe_ = dspin(s.msformer.weights.ce);
    wInter_ = dspin(s.msformer.weights.inter);
    wIntra_ = dspin(s.msformer.weights.intra);
    form->addRow(tr("Preset"), preset_);
    form->addRow(tr("Mode"), mode_);
    form->addRow(tr("Working size S"), size_);
    memoryNeed_ = new QLabel;
    memoryNeed_->setObjectName("memoryNeed");
    form->addRow(QString(), memoryNeed_);
    form->addRow(tr("Max iterations"), iterations_);
    form->addRow(tr("Stop at labels <="), minLabels_);
    form->addRow(tr("Seed"), seed_);
    form->addRow(tr("Weight CE"), wCe_);
    form->addRow(tr("Weight inter-scale"), wInter_);
    form->addRow(tr("Weight intra-scale"), wIntra_);
    form->addRow(tr("k-means k"), k_);
    form->addRow(tr("Device"), device_);
    form->addRow(tr("CPU threads (0 = all)"), threads_);
    connect(preset_, &QComboBox::currentTextChanged, this, &SettingsDialog::preset);
    connect(mode_, &QComboBox::currentTextChanged, this, [this](const QString& m) {
        const auto c = configFor(m);
        size_->setValue(c.size);
        refreshMemoryNeed();
    });
    availableMemory_ = availableMemoryBytes();
    connect(size_, qOverload<int>(&QSpinBox::valueChanged), this, &SettingsDialog::refreshMemoryNeed);
    refreshMemoryNeed();
    auto* buttons =
        new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel | QDialogButtonBox::RestoreDefaults);
    connect(buttons->button(QDialogButtonBox::RestoreDefaults), &QPushButton::clicked, this,
            &SettingsDialog::restoreDefaults);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    form->addRow(buttons);
}

void SettingsDialog::restoreDefaults() {
    // The chosen mode's parameters as the engine defines them; k-means, device and threads as on a first start.
    const MethodSettings d;
    const auto c = configFor(mode_->currentText());
    preset_->setCurrentIndex(0);
    size_->setValue(c.size);
    iterations_->setValue(c.maxIterations);
    minLabels_->setValue(c.minLabels);
    seed_->setValue(static_cast<int>(c.seed));
    wCe_->setValue(c.weights.ce), wInter_->setValue(c.weights.inter), wIntra_->setValue(c.weights.intra);
    k_->setValue(d.kmeans.k);
    device_->setCurrentText(deviceChoiceName(d.msformer.device));
    threads_->setValue(d.msformer.threads);
}

void SettingsDialog::refreshMemoryNeed() {
    auto c = configFor(mode_->currentText());
    c.size = size_->value();
    const double need = estimatedRunBytes(c, imageWidth_, imageHeight_) / 1e9, available = availableMemory_ / 1e9;
    QString text = tr("CPU run: about %1 GB of memory").arg(need, 0, 'f', 1);
    if (imageWidth_ > 0) text += tr(" on this %1 x %2 image").arg(imageWidth_).arg(imageHeight_);
    if (availableMemory_ >= 0)
        text += need > available ? tr(", more than the %1 GB available: a CPU run is refused").arg(available, 0, 'f', 1)
                                 : tr(" (%1 GB available)").arg(available, 0, 'f', 1);
    memoryNeed_->setText(text);
}

void SettingsDialog::preset(const QString& name) {
    // The paper's appendix: (1, 2, 1.2) and k = 3 for skin, (1.2, 1.8, 1.2) and k = 2 for lung.
    if (name == tr("skin lesion")) {
        wCe_->setValue(1.0), wInter_->setValue(2.0), wIntra_->setValue(1.2), k_->setValue(3);
    } else if (name == tr("lung CT")) {
        wCe_->setValue(1.2), wInter_->setValue(1.8), wIntra_->setValue(1.2), k_->setValue(2);
    }
}

MethodSettings SettingsDialog::settings() const {
    MethodSettings s;
    s.mode = mode_->currentText();
    s.msformer = configFor(s.mode);
    auto& m = s.msformer;
    m.size = size_->value();
    m.maxIterations = iterations_->value();
    m.minLabels = minLabels_->value();
    m.seed = static_cast<uint64_t>(seed_->value());
    m.threads = threads_->value();
    m.weights = {wCe_->value(), wInter_->value(), wIntra_->value()};
    parseDeviceChoice(device_->currentText().toStdString(), &m.device);
    s.kmeans.k = k_->value();
    s.kmeans.size = m.size;
    s.kmeans.seed = m.seed;
    s.kmeans.device = m.device;
    return s;
}

}  // namespace msf::ui
