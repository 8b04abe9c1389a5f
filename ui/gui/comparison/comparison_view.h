// The normalization comparison: for a group of runs queued together (the same experiment with
// BatchNorm, GroupNorm and LayerNorm, maybe several seeds), one row per normalization with the best
// test accuracy (mean ± std over seeds), the epoch it was reached, the last accuracy and the time;
// below, per-class test accuracy side by side: of that group's normalizations, or of the runs
// checked in the runs table.
#pragma once

#include "run_store.h"

#include <QColor>
#include <QWidget>

class QComboBox;
class QLabel;
class QPushButton;
class QTableWidget;

namespace normlab::gui {

class StoreErrorBanner;

class ComparisonView : public QWidget
{
    Q_OBJECT

public:
    explicit ComparisonView(QWidget *parent = nullptr);

    // Whose per-class accuracy the lower table shows.
    enum class ClassSource { Group, CheckedRuns };
    Q_ENUM(ClassSource)

    // Shows this group's comparison and its per-class accuracy.
    void setGroup(const QString &sweep);
    QString group() const { return m_sweep; }
    // The runs checked in the runs table; shown in the lower table when chosen there (at once
    // while no comparison group is open).
    void setCheckedRuns(const QList<qint64> &runIds);
    void setClassSource(ClassSource source);
    ClassSource classSource() const;
    void refresh(const RunStore &store);
    QTableWidget *summaryTable() const { return m_summary; }
    QTableWidget *classTable() const { return m_classes; }
    QPushButton *reportButton() const { return m_report; }
    // What the lower table leaves out and why, or how to fill it; empty when it says it all.
    QString classHint() const;

Q_SIGNALS:
    // The user picked the other source: the owner refreshes from its store.
    void classSourceChanged();
    // "Export Report…": a write-up of this comparison's runs.
    void reportRequested(const QString &sweep);

private:
    void refreshGroup(const RunStore &store);
    void refreshCheckedRuns(const RunStore &store);
    void fillClassTable(const QStringList &columns, const QList<QColor> &colors,
                        const std::vector<std::string> &classNames,
                        const std::vector<std::vector<std::vector<double>>> &perColumnRuns);

    QString m_sweep;
    QList<qint64> m_checked;
    QComboBox *m_classSource;
    QLabel *m_classHint;
    QLabel *m_title;
    QPushButton *m_report;
    StoreErrorBanner *m_storeError;
    QTableWidget *m_summary;
    QTableWidget *m_classes;
};

} // namespace normlab::gui
