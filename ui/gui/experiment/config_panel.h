// The experiment form: dataset, preset, normalization, architecture switches, augmentation and the
// training recipe. It edits an ExperimentConfig and explains an invalid combination in place
// instead of accepting it (ModelSummaryView shows the model it describes).
#pragma once

#include "config.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QToolButton;

namespace normlab::gui {

class AugmentEditor;
class NetworkEditor;
class NumberEdit;

class ConfigPanel : public QWidget
{
    Q_OBJECT

public:
    explicit ConfigPanel(QWidget *parent = nullptr);

    // The form's config; valid() says whether it passed validation. A config given to setConfig()
    // comes back exactly, every value the engine accepts included; one the engine refuses comes
    // back as given, with the engine's message as error().
    ExperimentConfig config() const { return m_config; }
    bool valid() const { return m_error.isEmpty(); }
    AugmentEditor *augmentEditor() const { return m_augment; }
    QString error() const { return m_error; }
    // Why the experiment cannot train, and advice on one that will not learn. Under the form by
    // default; a window that scrolls the form places it where it stays in view (the message was
    // out of sight below the form).
    QWidget *messageArea() const { return m_messages; }
    void setConfig(const ExperimentConfig &config);

Q_SIGNALS:
    void configChanged(bool valid);

private:
    void loadPreset(const QString &name);
    // The form's fields into m_config, then check().
    void readForm();
    // Validates m_config, shows the engine's message when it refuses it, enables what applies.
    void check();
    void browseForData();

    ExperimentConfig m_config;
    QString m_error;
    QString m_formProblems; // fields whose text is not a number
    bool m_updating = false;

    QComboBox *m_preset;
    QComboBox *m_data;
    QLineEdit *m_dataPath;
    QToolButton *m_browse;
    QSpinBox *m_trainLimit;
    NetworkEditor *m_network;
    QComboBox *m_norm;
    QSpinBox *m_groups;
    QCheckBox *m_affine;
    QCheckBox *m_skip;
    QCheckBox *m_dilation;
    QCheckBox *m_depthwise;
    NumberEdit *m_dropout;
    AugmentEditor *m_augment;
    QComboBox *m_optimizer;
    NumberEdit *m_lr;
    QComboBox *m_schedule;
    NumberEdit *m_warmup;
    NumberEdit *m_weightDecay;
    QCheckBox *m_decayNormAndBias;
    NumberEdit *m_labelSmoothing;
    QCheckBox *m_testTimeFlip;
    QSpinBox *m_testTimeShift;
    NumberEdit *m_emaDecay;
    QSpinBox *m_epochs;
    QSpinBox *m_batchSize;
    QLineEdit *m_seed;
    QSpinBox *m_threads;
    QWidget *m_messages;
    QLabel *m_errorLabel;
    QLabel *m_adviceLabel; // what adviceFor() says of a valid config
};

} // namespace normlab::gui
