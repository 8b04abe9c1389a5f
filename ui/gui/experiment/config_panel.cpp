#include "config_panel.h"

#include "async_dialogs.h"
#include "augment_editor.h"
#include "config_limits.h"
#include "errors.h"
#include "network_editor.h"
#include "number_edit.h"
#include "presets.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpressionValidator>
#include <QSpinBox>
#include <QStandardPaths>
#include <QToolButton>
#include <QVBoxLayout>

namespace normlab::gui {

namespace {

// Each choice carries its enum as item data: decisions never hang on an index or a label.
template<typename Enum> void addChoice(QComboBox *box, const QString &label, Enum value)
{
    box->addItem(label, static_cast<int>(value));
}

template<typename Enum> Enum choice(const QComboBox *box)
{
    return static_cast<Enum>(box->currentData().toInt());
}

template<typename Enum> void choose(QComboBox *box, Enum value)
{
    box->setCurrentIndex(box->findData(static_cast<int>(value)));
}

} // namespace

ConfigPanel::ConfigPanel(QWidget *parent) : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);

    auto *dataBox = new QGroupBox(tr("Data"), this);
    auto *dataForm = new QFormLayout(dataBox);
    m_data = new QComboBox(dataBox);
    m_data->addItem(tr("Synthetic (built in)"), "synthetic");
    m_data->addItem(tr("CIFAR-10 (downloaded)"), "cifar10");
    m_data->addItem(tr("Folder…"), "folder");
    m_dataPath = new QLineEdit(dataBox);
    m_dataPath->setPlaceholderText(tr("folder with train/ and test/, or the .bin files"));
    m_trainLimit = new QSpinBox(dataBox);
    m_trainLimit->setObjectName("trainLimit");
    m_trainLimit->setRange(0, limits::kMaxImageLimit);
    m_trainLimit->setSpecialValueText(tr("all"));
    m_trainLimit->setToolTip(tr("Train on a fixed subset of this many images"));
    dataForm->addRow(tr("Dataset"), m_data);
    m_browse = new QToolButton(dataBox);
    m_browse->setText(tr("Browse…"));
    m_browse->setToolTip(tr("Choose the folder"));
    auto *pathRow = new QHBoxLayout;
    pathRow->setContentsMargins(0, 0, 0, 0);
    pathRow->addWidget(m_dataPath, 1);
    pathRow->addWidget(m_browse);
    dataForm->addRow(tr("Path"), pathRow);
    dataForm->addRow(tr("Training images"), m_trainLimit);
    layout->addWidget(dataBox);

    auto *modelBox = new QGroupBox(tr("Model"), this);
    auto *modelForm = new QFormLayout(modelBox);
    m_preset = new QComboBox(modelBox);
    m_preset->setObjectName("preset");
    for (const PresetInfo &p : presets()) {
        m_preset->addItem(QString::fromStdString(p.name), QString::fromStdString(p.name));
        m_preset->setItemData(m_preset->count() - 1,
                              QString::fromStdString(p.description + "\n" + describeResults(p)),
                              Qt::ToolTipRole);
    }
    m_preset->setToolTip(m_preset->itemData(0, Qt::ToolTipRole).toString());
    m_norm = new QComboBox(modelBox);
    addChoice(m_norm, tr("BatchNorm"), NormKind::Batch);
    addChoice(m_norm, tr("GroupNorm"), NormKind::Group);
    addChoice(m_norm, tr("LayerNorm"), NormKind::Layer);
    addChoice(m_norm, tr("InstanceNorm"), NormKind::Instance);
    addChoice(m_norm, tr("None"), NormKind::None);
    m_groups = new QSpinBox(modelBox);
    m_groups->setRange(limits::kMinGroups, limits::kMaxGroups);
    m_groups->setObjectName("groups");
    m_affine = new QCheckBox(tr("Learnable scale and shift"), modelBox);
    m_affine->setToolTip(tr("LayerNorm and InstanceNorm only: BatchNorm and GroupNorm always learn "
                            "them. The reference LayerNorm net has none (48,072 parameters)."));
    m_skip = new QCheckBox(tr("Skip connections"), modelBox);
    m_dilation = new QCheckBox(tr("Dilated convolution (s9)"), modelBox);
    m_depthwise = new QCheckBox(tr("Depthwise-separable convolution (s9)"), modelBox);
    m_dropout = new NumberEdit(modelBox);
    m_dropout->setObjectName("dropout");
    m_dropout->setToolTip(tr("Probability of dropping an activation after each block, 0 to %1")
                                  .arg(limits::kMaxDropout));
    modelForm->addRow(tr("Preset"), m_preset);
    m_network = new NetworkEditor(modelForm, modelBox);
    modelForm->addRow(tr("Normalization"), m_norm);
    modelForm->addRow(tr("Groups"), m_groups);
    modelForm->addRow(m_affine);
    modelForm->addRow(m_skip);
    modelForm->addRow(m_dilation);
    modelForm->addRow(m_depthwise);
    modelForm->addRow(tr("Dropout"), m_dropout);
    layout->addWidget(modelBox);

    auto *augmentBox = new QGroupBox(tr("Augmentation"), this);
    auto *augmentLayout = new QVBoxLayout(augmentBox);
    m_augment = new AugmentEditor(augmentBox);
    augmentLayout->addWidget(m_augment);
    layout->addWidget(augmentBox);

    auto *trainBox = new QGroupBox(tr("Training"), this);
    auto *trainForm = new QFormLayout(trainBox);
    m_optimizer = new QComboBox(trainBox);
    for (const auto kind :
         {OptimizerConfig::Kind::Sgd, OptimizerConfig::Kind::Adam, OptimizerConfig::Kind::AdamW})
        addChoice(m_optimizer, QString::fromStdString(toString(kind)), kind);
    m_lr = new NumberEdit(trainBox);
    m_lr->setObjectName("learningRate");
    m_lr->setToolTip(
            tr("From %1 to %2; written as 0.01 or 3e-6").arg(limits::kMinLr).arg(limits::kMaxLr));
    m_schedule = new QComboBox(trainBox);
    for (const auto kind :
         {ScheduleConfig::Kind::Plateau, ScheduleConfig::Kind::Step, ScheduleConfig::Kind::OneCycle,
          ScheduleConfig::Kind::Cosine, ScheduleConfig::Kind::None})
        addChoice(m_schedule, QString::fromStdString(toString(kind)), kind);
    m_warmup = new NumberEdit(trainBox);
    m_warmup->setObjectName("warmupEpochs");
    m_warmup->setToolTip(tr("Cosine schedule: epochs (or a fraction of one) over which the rate "
                            "rises linearly to the learning rate, before it falls along a cosine"));
    m_weightDecay = new NumberEdit(trainBox);
    m_weightDecay->setObjectName("weightDecay");
    m_weightDecay->setToolTip(tr("L2 penalty on the weights, from 0 to 1 (AdamW: decoupled)"));
    m_decayNormAndBias = new QCheckBox(tr("Also on norms and biases"), trainBox);
    m_decayNormAndBias->setObjectName("decayNormAndBias");
    m_decayNormAndBias->setToolTip(
            tr("Unticked, the norms' scales and shifts and the biases take no weight decay, as in "
               "most recipes since; ticked, every parameter does, as torch.optim's weight_decay"));
    m_labelSmoothing = new NumberEdit(trainBox);
    m_labelSmoothing->setObjectName("labelSmoothing");
    m_labelSmoothing->setToolTip(tr("The share of the target spread over every class, from 0 "
                                    "(none) to below 1; 0.1 is usual"));
    m_testTimeFlip = new QCheckBox(tr("Also mirrored"), trainBox);
    m_testTimeFlip->setObjectName("testTimeFlip");
    m_testTimeFlip->setToolTip(tr("Test-time augmentation: the predictions for the image and its "
                                  "mirror image are averaged (twice the evaluation time)"));
    m_testTimeShift = new QSpinBox(trainBox);
    m_testTimeShift->setObjectName("testTimeShift");
    m_testTimeShift->setRange(0, limits::kMaxTestTimeShift);
    m_testTimeShift->setSuffix(tr(" px"));
    m_testTimeShift->setSpecialValueText(tr("none"));
    m_testTimeShift->setToolTip(tr("Test-time augmentation: the predictions for the image and for "
                                   "it moved this many pixels left, right, up and down are "
                                   "averaged (five times the evaluation time, ten when mirrored "
                                   "too)"));
    m_emaDecay = new NumberEdit(trainBox);
    m_emaDecay->setObjectName("emaDecay");
    m_emaDecay->setToolTip(tr("Evaluate an exponential moving average of the weights with this "
                              "decay (0.999 is usual; 0: the weights as trained)"));
    m_epochs = new QSpinBox(trainBox);
    m_epochs->setRange(limits::kMinEpochs, limits::kMaxEpochs);
    m_batchSize = new QSpinBox(trainBox);
    m_batchSize->setRange(limits::kMinBatchSize, limits::kMaxBatchSize);
    m_seed = new QLineEdit(trainBox);
    m_seed->setObjectName("seed");
    m_seed->setValidator(
            new QRegularExpressionValidator(QRegularExpression("[0-9]{0,20}"), m_seed));
    m_seed->setToolTip(tr("Any whole number from 0 to 18446744073709551615: the same seed trains "
                          "the same run"));
    m_threads = new QSpinBox(trainBox);
    m_threads->setRange(0, limits::kMaxThreads);
    m_threads->setSpecialValueText(tr("one per core"));
    trainForm->addRow(tr("Optimizer"), m_optimizer);
    trainForm->addRow(tr("Learning rate"), m_lr);
    trainForm->addRow(tr("Schedule"), m_schedule);
    trainForm->addRow(tr("Warm-up epochs"), m_warmup);
    trainForm->addRow(tr("Weight decay"), m_weightDecay);
    trainForm->addRow(QString(), m_decayNormAndBias);
    trainForm->addRow(tr("Label smoothing"), m_labelSmoothing);
    trainForm->addRow(tr("Test-time flip"), m_testTimeFlip);
    trainForm->addRow(tr("Test-time shifts"), m_testTimeShift);
    trainForm->addRow(tr("Weight average (EMA)"), m_emaDecay);
    trainForm->addRow(tr("Epochs"), m_epochs);
    trainForm->addRow(tr("Batch size"), m_batchSize);
    trainForm->addRow(tr("Seed"), m_seed);
    trainForm->addRow(tr("Threads"), m_threads);
    layout->addWidget(trainBox);

    m_messages = new QWidget(this);
    auto *messages = new QVBoxLayout(m_messages);
    messages->setContentsMargins(0, 0, 0, 0);
    m_errorLabel = new QLabel(m_messages);
    m_errorLabel->setObjectName("error");
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setStyleSheet("color: #d03030;");
    messages->addWidget(m_errorLabel);
    m_adviceLabel = new QLabel(m_messages);
    m_adviceLabel->setObjectName("advice");
    m_adviceLabel->setWordWrap(true);
    m_adviceLabel->setStyleSheet("color: #a06000;");
    messages->addWidget(m_adviceLabel);
    layout->addWidget(m_messages);
    layout->addStretch(1);

    connect(m_preset, &QComboBox::currentIndexChanged, this, [this] {
        // What the preset is and reaches, on the closed box too (the items carry it in the list)
        m_preset->setToolTip(m_preset->currentData(Qt::ToolTipRole).toString());
        if (!m_updating)
            loadPreset(m_preset->currentData().toString());
    });
    for (QComboBox *c : {m_data, m_norm, m_optimizer, m_schedule})
        connect(c, &QComboBox::currentIndexChanged, this, &ConfigPanel::readForm);
    for (QSpinBox *s : {m_trainLimit, m_groups, m_testTimeShift, m_epochs, m_batchSize, m_threads})
        connect(s, &QSpinBox::valueChanged, this, &ConfigPanel::readForm);
    for (QLineEdit *e :
         {static_cast<QLineEdit *>(m_dropout), static_cast<QLineEdit *>(m_lr),
          static_cast<QLineEdit *>(m_warmup), static_cast<QLineEdit *>(m_weightDecay),
          static_cast<QLineEdit *>(m_labelSmoothing), static_cast<QLineEdit *>(m_emaDecay), m_seed})
        connect(e, &QLineEdit::textEdited, this, &ConfigPanel::readForm);
    for (QCheckBox *c :
         {m_affine, m_skip, m_dilation, m_depthwise, m_decayNormAndBias, m_testTimeFlip})
        connect(c, &QCheckBox::toggled, this, &ConfigPanel::readForm);
    connect(m_dataPath, &QLineEdit::editingFinished, this, &ConfigPanel::readForm);
    connect(m_browse, &QToolButton::clicked, this, &ConfigPanel::browseForData);
    // "Folder…" promises a chooser: it opens one unless a folder is already given.
    connect(m_data, &QComboBox::activated, this, [this] {
        if (m_data->currentData().toString() == "folder" && m_dataPath->text().trimmed().isEmpty())
            browseForData();
    });
    connect(m_augment, &AugmentEditor::changed, this, &ConfigPanel::readForm);
    connect(m_network, &NetworkEditor::changed, this, &ConfigPanel::readForm);

    loadPreset("s8-bn");
}

void ConfigPanel::loadPreset(const QString &name)
{
    ExperimentConfig c = presetConfig(name.toStdString());
    c.data = m_config.data.source.empty() ? c.data
                                          : m_config.data; // the dataset is not part of a preset
    setConfig(c);
}

void ConfigPanel::setConfig(const ExperimentConfig &given)
{
    m_updating = true;
    ExperimentConfig c = given;
    const int presetIndex = m_preset->findData(QString::fromStdString(c.preset));
    if (presetIndex >= 0)
        m_preset->setCurrentIndex(presetIndex);
    else
        c.preset.clear(); // a preset since renamed or removed (a restored form): its values stay
    const QString source = QString::fromStdString(c.data.source);
    if (source == "synthetic" || source == "cifar10") {
        m_data->setCurrentIndex(m_data->findData(source));
        m_dataPath->clear();
    } else {
        m_data->setCurrentIndex(m_data->findData("folder"));
        m_dataPath->setText(source);
    }
    m_trainLimit->setValue(c.data.trainLimit);
    m_network->setModel(c.model);
    choose(m_norm, c.model.norm);
    m_groups->setValue(c.model.groups);
    m_affine->setChecked(c.model.affine);
    m_skip->setChecked(c.model.skip);
    m_dilation->setChecked(c.model.dilation);
    m_depthwise->setChecked(c.model.depthwise);
    m_dropout->setValue(c.model.dropout);
    m_augment->setSteps(c.augment);
    m_augment->setNormalize(c.normalize);
    choose(m_optimizer, c.optimizer.kind);
    m_lr->setValue(c.optimizer.lr);
    choose(m_schedule, c.schedule.kind);
    m_warmup->setValue(c.schedule.warmupEpochs);
    m_weightDecay->setValue(c.optimizer.weightDecay);
    m_decayNormAndBias->setChecked(c.optimizer.decayNormAndBias);
    m_labelSmoothing->setValue(c.labelSmoothing);
    m_testTimeFlip->setChecked(c.testTimeFlip);
    m_testTimeShift->setValue(c.testTimeShift);
    m_emaDecay->setValue(c.emaDecay);
    m_epochs->setValue(c.epochs);
    m_batchSize->setValue(c.batchSize);
    m_seed->setText(QString::number(c.seed));
    m_threads->setValue(c.threads);
    m_updating = false;
    m_config = c;
    m_formProblems.clear();
    check();
}

void ConfigPanel::browseForData()
{
    const QString current = m_dataPath->text().trimmed();
    chooseFolder(this, tr("Folder with CIFAR-10"),
                 current.isEmpty()
                         ? QStandardPaths::writableLocation(QStandardPaths::DownloadLocation)
                         : current,
                 [this](const QString &folder) {
                     m_dataPath->setText(QDir::cleanPath(folder));
                     readForm();
                 });
}

void ConfigPanel::readForm()
{
    if (m_updating)
        return;
    ExperimentConfig c = m_config;
    const QString source = m_data->currentData().toString();
    c.data.source =
            source == "folder" ? m_dataPath->text().trimmed().toStdString() : source.toStdString();
    c.data.trainLimit = m_trainLimit->value();
    c.model.norm = choice<NormKind>(m_norm);
    c.model.groups = m_groups->value();
    c.model.affine = m_affine->isChecked();
    c.model.skip = m_skip->isChecked();
    c.model.dilation = m_dilation->isChecked();
    c.model.depthwise = m_depthwise->isChecked();
    QStringList problems;
    m_network->applyTo(c.model, problems);
    if (const std::optional<double> dropout = m_dropout->value())
        c.model.dropout = *dropout;
    else
        problems << tr("Dropout: '%1' is not a number").arg(m_dropout->text());
    c.augment = m_augment->steps();
    c.normalize = m_augment->normalize();
    c.optimizer.kind = choice<OptimizerConfig::Kind>(m_optimizer);
    if (const std::optional<double> lr = m_lr->value())
        c.optimizer.lr = *lr;
    else
        problems << tr("Learning rate: '%1' is not a number").arg(m_lr->text());
    c.schedule.kind = choice<ScheduleConfig::Kind>(m_schedule);
    if (const std::optional<double> warmup = m_warmup->value())
        c.schedule.warmupEpochs = *warmup;
    else
        problems << tr("Warm-up epochs: '%1' is not a number").arg(m_warmup->text());
    if (const std::optional<double> decay = m_weightDecay->value())
        c.optimizer.weightDecay = *decay;
    else
        problems << tr("Weight decay: '%1' is not a number").arg(m_weightDecay->text());
    c.optimizer.decayNormAndBias = m_decayNormAndBias->isChecked();
    if (const std::optional<double> smoothing = m_labelSmoothing->value())
        c.labelSmoothing = *smoothing;
    else
        problems << tr("Label smoothing: '%1' is not a number").arg(m_labelSmoothing->text());
    c.testTimeFlip = m_testTimeFlip->isChecked();
    c.testTimeShift = m_testTimeShift->value();
    if (const std::optional<double> decay = m_emaDecay->value())
        c.emaDecay = *decay;
    else
        problems << tr("Weight average: '%1' is not a number").arg(m_emaDecay->text());
    c.epochs = m_epochs->value();
    c.batchSize = m_batchSize->value();
    bool seedOk = false;
    const qulonglong seed = m_seed->text().trimmed().toULongLong(&seedOk);
    if (seedOk)
        c.seed = seed;
    else
        problems << tr("Seed: '%1' is not a whole number from 0 to 18446744073709551615")
                            .arg(m_seed->text());
    c.threads = m_threads->value();
    m_config = c;
    m_formProblems = problems.join('\n');
    check();
}

void ConfigPanel::check()
{
    const ExperimentConfig &c = m_config;
    const bool s9 = c.model.arch == Architecture::S9;
    const bool folder = m_data->currentData().toString() == "folder";
    m_dataPath->setEnabled(folder);
    m_browse->setEnabled(folder);
    m_groups->setEnabled(c.model.norm == NormKind::Group);
    m_affine->setEnabled(c.model.norm == NormKind::Layer || c.model.norm == NormKind::Instance);
    m_dilation->setEnabled(s9);
    m_depthwise->setEnabled(s9);
    m_warmup->setEnabled(c.schedule.kind == ScheduleConfig::Kind::Cosine);
    m_decayNormAndBias->setEnabled(c.optimizer.weightDecay > 0);
    m_error = m_formProblems;
    if (m_error.isEmpty())
        try {
            if (c.data.source.empty())
                throw ConfigError(tr("Dataset: choose a folder").toStdString());
            if (!m_augment->error().isEmpty())
                throw ConfigError(m_augment->error().toStdString());
            validate(c);
        } catch (const ConfigError &e) {
            m_error = QString::fromStdString(e.what());
        }
    m_errorLabel->setText(m_error);
    m_errorLabel->setVisible(!m_error.isEmpty());
    QStringList advice;
    for (const std::string &a : adviceFor(c))
        advice << QString::fromStdString(a);
    m_adviceLabel->setText(advice.join('\n'));
    m_adviceLabel->setVisible(!advice.isEmpty());
    Q_EMIT configChanged(valid());
}

} // namespace normlab::gui
