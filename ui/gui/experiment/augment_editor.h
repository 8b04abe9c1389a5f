// The augmentation pipeline as an editable list: steps in order, each one switched on or off,
// added, removed, moved, and its parameters edited in a form below the list; then the
// normalization. Switched-off steps stay in the list so that an ablation is one click, but only
// switched-on steps reach the config.
#pragma once

#include "config.h"

#include <QWidget>

#include <vector>

class QCheckBox;
class QFormLayout;
class QLineEdit;
class QListWidget;
class QToolButton;
class QWidget;

namespace normlab::gui {

class AugmentEditor : public QWidget
{
    Q_OBJECT

public:
    explicit AugmentEditor(QWidget *parent = nullptr);

    // The switched-on steps, in order.
    std::vector<AugmentStep> steps() const;
    void setSteps(const std::vector<AugmentStep> &steps);

    NormalizeConfig normalize() const { return m_normalize; }
    void setNormalize(const NormalizeConfig &normalize);

    // Empty, or what is wrong with a field that could not be read (a list of numbers).
    QString error() const { return m_formError.isEmpty() ? m_normalizeError : m_formError; }

    int stepCount() const; // switched on or off
    void addStep(AugmentStep::Kind kind);
    void setStepEnabled(int row, bool enabled);
    void selectStep(int row);

Q_SIGNALS:
    void changed();

private:
    struct Entry
    {
        AugmentStep step;
        bool enabled = true;
    };

    void rebuildList();
    void rebuildForm();
    void moveSelected(int delta);
    void removeSelected();
    void readNormalize();
    void edited();

    std::vector<Entry> m_entries;
    NormalizeConfig m_normalize;
    QString m_formError;
    QString m_normalizeError;

    QListWidget *m_list;
    QToolButton *m_add;
    QToolButton *m_remove;
    QToolButton *m_up;
    QToolButton *m_down;
    QWidget *m_form;
    QFormLayout *m_formLayout;
    QCheckBox *m_normalizeOn;
    QLineEdit *m_mean;
    QLineEdit *m_std;
};

} // namespace normlab::gui
