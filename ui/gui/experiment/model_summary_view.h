// The model summary beside the experiment form: total parameters and MACs, then one row per layer
// (type, output shape, parameters, MACs). It lives outside the form's scroll area so that it has
// room for its rows and its columns whatever the form's length.
#pragma once

#include <QWidget>

class QLabel;
class QTreeWidget;

namespace normlab {
struct ModelConfig;
}

namespace normlab::gui {

class ModelSummaryView : public QWidget
{
    Q_OBJECT

public:
    explicit ModelSummaryView(QWidget *parent = nullptr);

    // Shows `model`, or says that there is none while the form's combination is invalid.
    void showModel(const ModelConfig &model);
    QTreeWidget *table() const { return m_table; }
    QString totals() const;

    QSize sizeHint() const override;

private:
    QLabel *m_totals;
    QTreeWidget *m_table;
};

} // namespace normlab::gui
