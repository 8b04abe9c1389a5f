#include "augment_editor.h"

#include "number_list.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <optional>

namespace normlab::gui {

namespace {

using Kind = AugmentStep::Kind;

const QStringList kBorderModes {"reflect_101", "reflect", "replicate", "constant", "wrap"};

// One line in the list: the step and its main parameters.
QString describe(const AugmentStep &s)
{
    const QString name = QString::fromStdString(toString(s.kind));
    const QString p = s.p < 1.0 ? QString(", p %1").arg(s.p) : QString();
    switch (s.kind) {
    case Kind::HorizontalFlip:
        return name + QString(" (p %1)").arg(s.p);
    case Kind::ShiftScaleRotate:
        return name + QString(" (±%1 shift, ±%2 scale, ±%3°%4)")
                              .arg(s.shiftLimit)
                              .arg(s.scaleLimit)
                              .arg(s.rotateLimit)
                              .arg(p);
    case Kind::CoarseDropout:
        return name + QString(" (%1-%2 holes of %3×%4%5)")
                              .arg(s.minHoles)
                              .arg(s.maxHoles)
                              .arg(s.maxHeight)
                              .arg(s.maxWidth)
                              .arg(p);
    case Kind::RandomCrop:
        return name + QString(" (pad %1%2)").arg(s.padding).arg(p);
    case Kind::ColorJitter:
        return name + QString(" (%1, %2, %3, %4%5)")
                              .arg(s.brightness)
                              .arg(s.contrast)
                              .arg(s.saturation)
                              .arg(s.hue)
                              .arg(p);
    case Kind::Rotate:
        return name + QString(" (±%1°%2)").arg(s.rotateLimit).arg(p);
    case Kind::Cutout:
        return name + QString(" (%1×%1%2)").arg(s.length).arg(p);
    }
    return name;
}

// albumentations' defaults where a new step is added; p 0.5 as there.
AugmentStep newStep(Kind kind)
{
    AugmentStep s;
    s.kind = kind;
    s.p = kind == Kind::RandomCrop || kind == Kind::ColorJitter || kind == Kind::Rotate ||
                          kind == Kind::Cutout
                  ? 1.0
                  : 0.5;
    if (kind == Kind::ColorJitter)
        s.brightness = s.contrast = s.saturation = s.hue = 0.1;
    if (kind == Kind::Rotate) {
        s.rotateLimit = 7.0;
        s.fillValue = {0.0};
    }
    return s;
}

} // namespace

AugmentEditor::AugmentEditor(QWidget *parent) : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);

    m_list = new QListWidget(this);
    m_list->setToolTip(tr("Applied top to bottom to every training image; unticked steps are "
                          "kept here but not used"));
    m_list->setMaximumHeight(110);
    // Long lines are elided (the whole line is the item's tooltip): no sideways scrolling.
    m_list->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_list->setTextElideMode(Qt::ElideRight);
    m_list->setUniformItemSizes(true);
    layout->addWidget(m_list);

    auto *buttons = new QHBoxLayout;
    m_add = new QToolButton(this);
    m_add->setText(tr("Add"));
    m_add->setPopupMode(QToolButton::InstantPopup);
    auto *addMenu = new QMenu(m_add);
    for (const Kind kind : {Kind::HorizontalFlip, Kind::ShiftScaleRotate, Kind::CoarseDropout,
                            Kind::RandomCrop, Kind::ColorJitter, Kind::Rotate, Kind::Cutout})
        addMenu->addAction(QString::fromStdString(toString(kind)), this,
                           [this, kind] { addStep(kind); });
    m_add->setMenu(addMenu);
    m_remove = new QToolButton(this);
    m_remove->setText(tr("Remove"));
    m_up = new QToolButton(this);
    m_up->setArrowType(Qt::UpArrow);
    m_up->setToolTip(tr("Apply earlier"));
    m_down = new QToolButton(this);
    m_down->setArrowType(Qt::DownArrow);
    m_down->setToolTip(tr("Apply later"));
    for (QToolButton *b : {m_add, m_remove, m_up, m_down})
        buttons->addWidget(b);
    buttons->addStretch(1);
    layout->addLayout(buttons);

    m_form = new QWidget(this);
    m_formLayout = new QFormLayout(m_form);
    m_formLayout->setContentsMargins(12, 0, 0, 0);
    layout->addWidget(m_form);

    m_normalizeOn = new QCheckBox(tr("Normalize (mean, std per channel)"), this);
    m_mean = new QLineEdit(this);
    m_std = new QLineEdit(this);
    auto *normForm = new QFormLayout;
    normForm->addRow(m_normalizeOn);
    normForm->addRow(tr("Mean"), m_mean);
    normForm->addRow(tr("Std"), m_std);
    layout->addLayout(normForm);

    connect(m_list, &QListWidget::currentRowChanged, this, &AugmentEditor::rebuildForm);
    connect(m_list, &QListWidget::itemChanged, this, [this](QListWidgetItem *item) {
        const int row = m_list->row(item);
        if (row < 0 || row >= static_cast<int>(m_entries.size()))
            return;
        const bool on = item->checkState() == Qt::Checked;
        if (m_entries[row].enabled != on) {
            m_entries[row].enabled = on;
            Q_EMIT changed();
        }
    });
    connect(m_remove, &QToolButton::clicked, this, &AugmentEditor::removeSelected);
    connect(m_up, &QToolButton::clicked, this, [this] { moveSelected(-1); });
    connect(m_down, &QToolButton::clicked, this, [this] { moveSelected(1); });
    connect(m_normalizeOn, &QCheckBox::toggled, this, &AugmentEditor::readNormalize);
    connect(m_mean, &QLineEdit::textEdited, this, &AugmentEditor::readNormalize);
    connect(m_std, &QLineEdit::textEdited, this, &AugmentEditor::readNormalize);

    setNormalize({});
    rebuildForm();
}

std::vector<AugmentStep> AugmentEditor::steps() const
{
    std::vector<AugmentStep> out;
    for (const Entry &e : m_entries)
        if (e.enabled)
            out.push_back(e.step);
    return out;
}

void AugmentEditor::setSteps(const std::vector<AugmentStep> &steps)
{
    m_entries.clear();
    for (const AugmentStep &s : steps)
        m_entries.push_back({s, true});
    rebuildList();
    m_list->setCurrentRow(m_entries.empty() ? -1 : 0);
    rebuildForm();
}

void AugmentEditor::setNormalize(const NormalizeConfig &normalize)
{
    m_normalize = normalize;
    const QSignalBlocker a(m_normalizeOn), b(m_mean), c(m_std);
    m_normalizeOn->setChecked(normalize.enabled);
    m_mean->setText(numberListText(normalize.mean));
    m_std->setText(numberListText(normalize.std));
    m_mean->setEnabled(normalize.enabled);
    m_std->setEnabled(normalize.enabled);
    m_normalizeError.clear();
}

int AugmentEditor::stepCount() const
{
    return static_cast<int>(m_entries.size());
}

void AugmentEditor::addStep(Kind kind)
{
    m_entries.push_back({newStep(kind), true});
    rebuildList();
    m_list->setCurrentRow(stepCount() - 1);
    Q_EMIT changed();
}

void AugmentEditor::setStepEnabled(int row, bool enabled)
{
    if (QListWidgetItem *item = m_list->item(row))
        item->setCheckState(enabled ? Qt::Checked : Qt::Unchecked);
}

void AugmentEditor::selectStep(int row)
{
    m_list->setCurrentRow(row);
}

void AugmentEditor::rebuildList()
{
    const QSignalBlocker blocker(m_list);
    const int current = m_list->currentRow();
    m_list->clear();
    for (const Entry &e : m_entries) {
        auto *item = new QListWidgetItem(describe(e.step), m_list);
        item->setToolTip(item->text());
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(e.enabled ? Qt::Checked : Qt::Unchecked);
    }
    m_list->setCurrentRow(std::min(current, stepCount() - 1));
    m_remove->setEnabled(!m_entries.empty());
}

void AugmentEditor::moveSelected(int delta)
{
    const int row = m_list->currentRow();
    const int to = row + delta;
    if (row < 0 || to < 0 || to >= stepCount())
        return;
    std::swap(m_entries[row], m_entries[to]);
    rebuildList();
    m_list->setCurrentRow(to);
    Q_EMIT changed();
}

void AugmentEditor::removeSelected()
{
    const int row = m_list->currentRow();
    if (row < 0)
        return;
    m_entries.erase(m_entries.begin() + row);
    rebuildList();
    rebuildForm();
    Q_EMIT changed();
}

// The form for the selected step: one editor per parameter of its kind, each writing straight into
// the entry so that the list line and the config follow every keystroke.
void AugmentEditor::rebuildForm()
{
    while (m_formLayout->rowCount() > 0)
        m_formLayout->removeRow(0);
    m_formError.clear();
    const int row = m_list->currentRow();
    m_up->setEnabled(row > 0);
    m_down->setEnabled(row >= 0 && row + 1 < stepCount());
    m_remove->setEnabled(row >= 0);
    if (row < 0 || row >= stepCount()) {
        m_form->hide();
        return;
    }
    m_form->show();
    AugmentStep &s = m_entries[row].step;

    auto addDouble = [&](const QString &label, double AugmentStep::*field, double lo, double hi,
                         double step, const QString &tip = {}) {
        auto *box = new QDoubleSpinBox(m_form);
        box->setRange(lo, hi);
        box->setDecimals(step < 0.01 ? 3 : 2);
        box->setSingleStep(step);
        box->setValue(s.*field);
        box->setToolTip(tip);
        connect(box, &QDoubleSpinBox::valueChanged, this, [this, row, field](double v) {
            m_entries[row].step.*field = v;
            edited();
        });
        m_formLayout->addRow(label, box);
    };
    auto addInt = [&](const QString &label, int AugmentStep::*field, int lo, int hi) {
        auto *box = new QSpinBox(m_form);
        box->setRange(lo, hi);
        box->setValue(s.*field);
        connect(box, &QSpinBox::valueChanged, this, [this, row, field](int v) {
            m_entries[row].step.*field = v;
            edited();
        });
        m_formLayout->addRow(label, box);
    };
    auto addBorder = [&] {
        auto *box = new QComboBox(m_form);
        box->addItems(kBorderModes);
        box->setCurrentText(QString::fromStdString(s.borderMode));
        connect(box, &QComboBox::currentTextChanged, this, [this, row](const QString &mode) {
            m_entries[row].step.borderMode = mode.toStdString();
            edited();
        });
        m_formLayout->addRow(tr("Border"), box);
    };
    auto addFill = [&](const QString &label) {
        auto *edit = new QLineEdit(numberListText(s.fillValue), m_form);
        edit->setToolTip(tr("Pixel values on the 0-255 scale of the stored images, before "
                            "normalization: one value, or one per channel (R, G, B). 0 is "
                            "black; torchvision's fill=0.5 on 0-1 images is 128 here."));
        connect(edit, &QLineEdit::textEdited, this, [this, row, label](const QString &text) {
            auto values = parseNumberList<double>(text);
            m_formError =
                    values ? QString() : tr("%1: '%2' is not a list of numbers").arg(label, text);
            if (values && std::any_of(values->begin(), values->end(),
                                      [](double v) { return v < 0 || v > 255; })) {
                m_formError = tr("%1: '%2' is outside 0-255").arg(label, text);
                values.reset();
            }
            if (values)
                m_entries[row].step.fillValue = *values;
            edited();
        });
        m_formLayout->addRow(label, edit);
    };

    addDouble(tr("Probability"), &AugmentStep::p, 0, 1, 0.05,
              tr("Chance that the step is applied to an image"));
    switch (s.kind) {
    case Kind::HorizontalFlip:
        break;
    case Kind::ShiftScaleRotate:
        addDouble(tr("Shift limit"), &AugmentStep::shiftLimit, 0, 1, 0.01,
                  tr("Largest shift, as a fraction of the image size"));
        addDouble(tr("Scale limit"), &AugmentStep::scaleLimit, 0, 0.99, 0.01,
                  tr("Scale drawn from 1 ± this"));
        addDouble(tr("Rotate limit (°)"), &AugmentStep::rotateLimit, 0, 180, 1);
        addBorder();
        break;
    case Kind::CoarseDropout:
        addInt(tr("Holes, min"), &AugmentStep::minHoles, 0, 64);
        addInt(tr("Holes, max"), &AugmentStep::maxHoles, 0, 64);
        addInt(tr("Height, min"), &AugmentStep::minHeight, 1, 32);
        addInt(tr("Height, max"), &AugmentStep::maxHeight, 1, 32);
        addInt(tr("Width, min"), &AugmentStep::minWidth, 1, 32);
        addInt(tr("Width, max"), &AugmentStep::maxWidth, 1, 32);
        addFill(tr("Fill (0-255)"));
        break;
    case Kind::RandomCrop:
        addInt(tr("Padding"), &AugmentStep::padding, 0, 16);
        break;
    case Kind::Cutout:
        addInt(tr("Side"), &AugmentStep::length, 1, 32);
        addFill(tr("Fill (0-255)"));
        break;
    case Kind::ColorJitter:
        addDouble(tr("Brightness"), &AugmentStep::brightness, 0, 1, 0.05);
        addDouble(tr("Contrast"), &AugmentStep::contrast, 0, 1, 0.05);
        addDouble(tr("Saturation"), &AugmentStep::saturation, 0, 1, 0.05);
        addDouble(tr("Hue"), &AugmentStep::hue, 0, 0.5, 0.01);
        break;
    case Kind::Rotate:
        addDouble(tr("Limit (°)"), &AugmentStep::rotateLimit, 0, 180, 1);
        addFill(tr("Fill (0-255)"));
        break;
    }
}

void AugmentEditor::edited()
{
    const int row = m_list->currentRow();
    if (QListWidgetItem *item = m_list->item(row)) {
        const QSignalBlocker blocker(m_list);
        item->setText(describe(m_entries[row].step));
        item->setToolTip(item->text());
    }
    Q_EMIT changed();
}

void AugmentEditor::readNormalize()
{
    m_normalize.enabled = m_normalizeOn->isChecked();
    m_mean->setEnabled(m_normalize.enabled);
    m_std->setEnabled(m_normalize.enabled);
    const auto mean = parseNumberList<double>(m_mean->text());
    const auto std = parseNumberList<double>(m_std->text());
    m_normalizeError.clear();
    if (!mean)
        m_normalizeError = tr("Normalize mean: '%1' is not a list of numbers").arg(m_mean->text());
    else if (!std)
        m_normalizeError = tr("Normalize std: '%1' is not a list of numbers").arg(m_std->text());
    else {
        m_normalize.mean = *mean;
        m_normalize.std = *std;
    }
    Q_EMIT changed();
}

} // namespace normlab::gui
