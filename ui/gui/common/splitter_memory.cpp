#include "splitter_memory.h"

#include "settings_keys.h"

#include <QSettings>
#include <QSplitter>

namespace normlab::gui {

namespace {

QString keyOf(const QSplitter *splitter)
{
    return QString(settings::kSplitters) + "/" + splitter->objectName();
}

} // namespace

void saveSplitters(const QWidget *window, QSettings &settings)
{
    for (const QSplitter *splitter : window->findChildren<QSplitter *>())
        if (!splitter->objectName().isEmpty())
            settings.setValue(keyOf(splitter), splitter->saveState());
}

void restoreSplitters(QWidget *window, const QSettings &settings)
{
    for (QSplitter *splitter : window->findChildren<QSplitter *>())
        if (!splitter->objectName().isEmpty())
            splitter->restoreState(settings.value(keyOf(splitter)).toByteArray());
}

} // namespace normlab::gui
