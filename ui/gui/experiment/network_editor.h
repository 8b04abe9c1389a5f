// The network part of the experiment form: s8, s9 or a Stages net, and for a Stages net its
// switches (block kind, widths and depths of the stages, kernel, expansion, squeeze-excite),
// shown only when they apply. ConfigPanel owns it; the norm and the skips stay in the form.
#pragma once

#include "config.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLineEdit;
class QSpinBox;

namespace normlab::gui {

class NetworkEditor : public QWidget
{
    Q_OBJECT

public:
    explicit NetworkEditor(QWidget *parent = nullptr);

    void setModel(const ModelConfig &model);
    // The fields into `model`; a field whose text is not a list of whole numbers is named in
    // `problems` and left as it was.
    void applyTo(ModelConfig &model, QStringList &problems) const;

Q_SIGNALS:
    void changed();

private:
    void showWhatApplies();

    bool m_updating = false;
    QComboBox *m_arch;
    QWidget *m_stages; // the Stages net's fields
    QComboBox *m_block;
    QLineEdit *m_widths;
    QLineEdit *m_depths;
    QSpinBox *m_kernel;
    QSpinBox *m_expansion;
    QCheckBox *m_squeezeExcite;
};

} // namespace normlab::gui
