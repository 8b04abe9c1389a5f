#include "run_commands.h"

#include "async_dialogs.h"
#include "errors.h"
#include "run_store.h"
#include "training_controller.h"

#include <QWidget>

namespace normlab::gui {

RunCommands::RunCommands(RunStore &store, TrainingController *controller, QWidget *window)
    : QObject(window), m_store(store), m_controller(controller), m_window(window)
{
}

bool RunCommands::addTag(qint64 runId, const QString &tag)
{
    try {
        m_store.addTags(runId, {tag.toStdString()});
    } catch (const StoreError &e) {
        showWarning(m_window, tr("Tag"), QString::fromUtf8(e.what()));
        return false;
    }
    Q_EMIT runsChanged();
    return true;
}

bool RunCommands::setNote(qint64 runId, const QString &note)
{
    try {
        m_store.setNote(runId, note.toStdString());
    } catch (const StoreError &e) {
        showWarning(m_window, tr("Note"), QString::fromUtf8(e.what()));
        return false;
    }
    Q_EMIT runsChanged();
    return true;
}

bool RunCommands::deleteRun(qint64 runId)
{
    if (runId == m_controller->currentRun())
        return false;
    try {
        m_controller->removeFromQueue(runId);
        m_store.deleteRun(runId);
    } catch (const StoreError &e) {
        showWarning(m_window, tr("Delete"), QString::fromUtf8(e.what()));
        return false;
    }
    Q_EMIT runDeleted(runId);
    Q_EMIT runsChanged();
    return true;
}

void RunCommands::resumeRun(qint64 runId)
{
    Q_EMIT runResuming(runId);
    m_controller->enqueue(runId);
    m_controller->startQueue();
}

void RunCommands::requestTag(qint64 runId)
{
    askText(m_window, tr("Tag run %1").arg(runId), tr("Tag:"), {}, false,
            [this, runId](const QString &tag) {
                if (!tag.trimmed().isEmpty())
                    addTag(runId, tag.trimmed());
            });
}

void RunCommands::requestNote(qint64 runId)
{
    QString current;
    try {
        current = QString::fromStdString(m_store.run(runId).note);
    } catch (const StoreError &) {
    }
    askText(m_window, tr("Note for run %1").arg(runId), tr("Note:"), current, true,
            [this, runId](const QString &note) { setNote(runId, note); });
}

void RunCommands::requestDelete(qint64 runId)
{
    if (runId == m_controller->currentRun()) {
        showInformation(m_window, tr("Delete"),
                        tr("Run %1 is training; stop it first.").arg(runId));
        return;
    }
    askYesNo(
            m_window, tr("Delete run %1?").arg(runId),
            tr("Delete run %1, its records and its checkpoints? This cannot be undone.").arg(runId),
            [this, runId] { deleteRun(runId); });
}

} // namespace normlab::gui
