// The normalization comparison: for a group of runs queued together (the same experiment with
// BatchNorm, GroupNorm and LayerNorm, maybe several seeds), one row per normalization with the best
// test accuracy (mean ± std over seeds), the epoch it was reached, the last accuracy and the time;
// below, per-class test accuracy side by side.
#pragma once

#include "run_store.h"

#include <QWidget>

class QLabel;
class QTableWidget;

namespace normlab::gui {

class ComparisonView : public QWidget
{
    Q_OBJECT

public:
    explicit ComparisonView(QWidget *parent = nullptr);

    void setGroup(const QString &sweep);
    QString group() const { return m_sweep; }
    void refresh(const RunStore &store);
    QTableWidget *summaryTable() const { return m_summary; }
    QTableWidget *classTable() const { return m_classes; }

private:
    QString m_sweep;
    QLabel *m_title;
    QTableWidget *m_summary;
    QTableWidget *m_classes;
};

} // namespace normlab::gui
