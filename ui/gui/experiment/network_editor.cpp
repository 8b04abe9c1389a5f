#include "network_editor.h"

#include "config_limits.h"
#include "number_list.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QLineEdit>
#include <QSpinBox>

#include <optional>

namespace normlab::gui {

NetworkEditor::NetworkEditor(QFormLayout *form, QWidget *parent) : QObject(parent), m_form(form)
{
    m_arch = new QComboBox(parent);
    m_arch->setObjectName("network");
    m_arch->addItem(tr("s8 (48k, two skips)"), static_cast<int>(Architecture::S8));
    m_arch->addItem(tr("s9 (dilated + depthwise)"), static_cast<int>(Architecture::S9));
    m_arch->addItem(tr("Stages (built from blocks)"), static_cast<int>(Architecture::Stages));
    m_block = new QComboBox(parent);
    m_block->setObjectName("block");
    m_block->addItem(tr("Plain (k×k conv)"), static_cast<int>(BlockKind::Plain));
    m_block->addItem(tr("Residual (two k×k convs)"), static_cast<int>(BlockKind::Residual));
    m_block->addItem(tr("Separable (depthwise k×k + 1×1)"), static_cast<int>(BlockKind::Separable));
    m_block->addItem(tr("Inverted (ConvNeXt-style)"), static_cast<int>(BlockKind::Inverted));
    m_block->setToolTip(tr("Each block is conv blocks (conv, ReLU, norm, dropout) with a skip "
                           "around them, but for Plain"));
    m_widths = new QLineEdit(parent);
    m_widths->setObjectName("widths");
    m_widths->setToolTip(tr("Channels of each stage; each stage after the first halves the "
                            "image (2×2 max-pool, then a 1×1 conv block)"));
    m_depths = new QLineEdit(parent);
    m_depths->setObjectName("depths");
    m_depths->setToolTip(tr("Blocks in each stage, one number per width"));
    m_kernel = new QSpinBox(parent);
    m_kernel->setObjectName("kernel");
    m_kernel->setRange(1, limits::kMaxKernel);
    m_kernel->setSingleStep(2);
    m_kernel->setToolTip(tr("The blocks' kernel size, odd (depthwise in Separable and Inverted)"));
    m_expansion = new QSpinBox(parent);
    m_expansion->setObjectName("expansion");
    m_expansion->setRange(1, limits::kMaxExpansion);
    m_expansion->setToolTip(tr("Inverted blocks: how many times wider the 1×1 conv makes them"));
    m_squeezeExcite = new QCheckBox(tr("Squeeze-and-excitation gates"), parent);
    m_squeezeExcite->setObjectName("squeezeExcite");
    form->addRow(tr("Network"), m_arch);
    form->addRow(tr("Blocks"), m_block);
    form->addRow(tr("Stage widths"), m_widths);
    form->addRow(tr("Stage depths"), m_depths);
    form->addRow(tr("Kernel"), m_kernel);
    form->addRow(tr("Expansion"), m_expansion);
    form->addRow(m_squeezeExcite);

    const auto edited = [this] {
        showWhatApplies();
        if (!m_updating)
            Q_EMIT changed();
    };
    for (QComboBox *c : {m_arch, m_block})
        connect(c, &QComboBox::currentIndexChanged, this, edited);
    for (QLineEdit *e : {m_widths, m_depths})
        connect(e, &QLineEdit::textEdited, this, edited);
    for (QSpinBox *s : {m_kernel, m_expansion})
        connect(s, &QSpinBox::valueChanged, this, edited);
    connect(m_squeezeExcite, &QCheckBox::toggled, this, edited);
    showWhatApplies();
}

void NetworkEditor::setModel(const ModelConfig &m)
{
    m_updating = true;
    m_arch->setCurrentIndex(m_arch->findData(static_cast<int>(m.arch)));
    m_block->setCurrentIndex(m_block->findData(static_cast<int>(m.block)));
    m_widths->setText(numberListText(m.widths));
    m_depths->setText(numberListText(m.depths));
    m_kernel->setValue(m.kernel);
    m_expansion->setValue(m.expansion);
    m_squeezeExcite->setChecked(m.squeezeExcite);
    showWhatApplies();
    m_updating = false;
}

void NetworkEditor::applyTo(ModelConfig &m, QStringList &problems) const
{
    m.arch = static_cast<Architecture>(m_arch->currentData().toInt());
    m.block = static_cast<BlockKind>(m_block->currentData().toInt());
    if (const auto widths = parseNumberList<int>(m_widths->text()))
        m.widths = *widths;
    else
        problems << tr("Stage widths: '%1' is not a list of whole numbers").arg(m_widths->text());
    if (const auto depths = parseNumberList<int>(m_depths->text()))
        m.depths = *depths;
    else
        problems << tr("Stage depths: '%1' is not a list of whole numbers").arg(m_depths->text());
    m.kernel = m_kernel->value();
    m.expansion = m_expansion->value();
    m.squeezeExcite = m_squeezeExcite->isChecked();
}

void NetworkEditor::showWhatApplies()
{
    const bool stages = m_arch->currentData().toInt() == static_cast<int>(Architecture::Stages);
    for (QWidget *field : std::initializer_list<QWidget *> {m_block, m_widths, m_depths, m_kernel,
                                                            m_expansion, m_squeezeExcite})
        m_form->setRowVisible(field, stages);
    m_expansion->setEnabled(m_block->currentData().toInt() ==
                            static_cast<int>(BlockKind::Inverted));
}

} // namespace normlab::gui
