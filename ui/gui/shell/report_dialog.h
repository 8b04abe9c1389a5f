// File -> Export Report: a write-up of the checked runs (or a comparison's) as one self-contained
// HTML file or as Markdown with a folder of PNGs, with the title, the number of mistakes shown
// and Grad-CAM chosen here. Written off the GUI thread (ReportController); the dialog says what
// it wrote, what it could not draw, and opens the result.
#pragma once

#include <QDialog>
#include <QList>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace normlab {
class RunStore;
}

namespace normlab::gui {

class ReportController;

class ReportDialog : public QDialog
{
    Q_OBJECT

public:
    ReportDialog(const RunStore &store, QWidget *parent = nullptr);

    // The runs to report, in this order.
    void setRuns(const QList<qint64> &runs);
    QList<qint64> runs() const { return m_runs; }
    void setPath(const QString &path);
    QString path() const;
    void setMarkdown(bool markdown);
    void setGradCam(bool on);
    ReportController *controller() const { return m_controller; }
    QString statusText() const;
    QString writtenPath() const { return m_written; }
    // Writes the report (the Export button).
    void start();

private:
    void finish(const QString &path, const QStringList &warnings);
    void fail(const QString &message);
    void setRunning(bool running);
    void matchSuffixToFormat();

    const RunStore &m_store;
    QList<qint64> m_runs;
    ReportController *m_controller;
    QLabel *m_runsLabel;
    QLineEdit *m_title;
    QComboBox *m_format;
    QSpinBox *m_mistakes;
    QCheckBox *m_gradCam;
    QLineEdit *m_path;
    QPushButton *m_choose;
    QPushButton *m_export;
    QPushButton *m_open;
    QLabel *m_status;
    QString m_written;
};

} // namespace normlab::gui
