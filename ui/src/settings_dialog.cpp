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
}  // namespace

MethodSettings MethodSettings::load() {
    QSettings q;
    MethodSettings s;
    s.mode = q.value("method/mode", "default").toString();
    s.msformer = configFor(s.mode);
    auto& m = s.msformer;
    m.size = q.value("method/size", m.size).toInt();
    m.maxIterations = q.value("method/iterations", m.maxIterations).toInt();
    m.minLabels = q.value("method/min_labels", m.minLabels).toInt();
    m.seed = q.value("method/seed", 0).toULongLong();
    m.weights.ce = q.value("method/w_ce", m.weights.ce).toDouble();
    m.weights.inter = q.value("method/w_inter", m.weights.inter).toDouble();
    m.weights.intra = q.value("method/w_intra", m.weights.intra).toDouble();
    m.threads = q.value("method/threads", 0).toInt();
    parseDeviceChoice(q.value("method/device", "auto").toString().toStdString(), &m.device);
    s.kmeans.k = q.value("kmeans/k", 3).toInt();
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

SettingsDialog::SettingsDialog(const MethodSettings& s, QWidget* parent) : QDialog(parent) {
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
        b->setRange(0, 10);
        b->setSingleStep(0.1);
        b->setValue(v);
        return b;
    };
    size_ = spin(16, 1024, s.msformer.size);
    iterations_ = spin(1, 500, s.msformer.maxIterations);
    minLabels_ = spin(0, 100, s.msformer.minLabels);
    seed_ = spin(0, 1 << 30, static_cast<int>(s.msformer.seed));
    threads_ = spin(0, availableCores(), s.msformer.threads);  // more would spin (runtime_info.h)
    k_ = spin(2, 16, s.kmeans.k);
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
    const double need = estimatedRunBytes(c, 0, 0) / 1e9, available = availableMemory_ / 1e9;
    QString text = tr("CPU run: about %1 GB of memory").arg(need, 0, 'f', 1);
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
