// The network part of the experiment form: s8, s9 or a Stages net, and for a Stages net its
// switches (block kind, widths and depths of the stages, kernel, expansion, squeeze-excite),
// shown only when they apply. Its rows go into the form's own layout, so that their labels line
// up with the others; the norm and the skips stay in ConfigPanel.
#pragma once

#include "config.h"

#include <QObject>

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLineEdit;
class QSpinBox;
class QWidget;

namespace normlab::gui {

class NetworkEditor : public QObject
{
    Q_OBJECT

public:
    // Appends its rows to `form`, their widgets children of `parent`.
    NetworkEditor(QFormLayout *form, QWidget *parent);

    void setModel(const ModelConfig &model);
    // The fields into `model`; a field whose text is not a list of whole numbers is named in
    // `problems` and left as it was.
    void applyTo(ModelConfig &model, QStringList &problems) const;

Q_SIGNALS:
    void changed();

private:
    void showWhatApplies();

    bool m_updating = false;
    QFormLayout *m_form;
    QComboBox *m_arch;
    QComboBox *m_block;
    QLineEdit *m_widths;
    QLineEdit *m_depths;
    QSpinBox *m_kernel;
    QSpinBox *m_expansion;
    QCheckBox *m_squeezeExcite;
};

} // namespace normlab::gui
