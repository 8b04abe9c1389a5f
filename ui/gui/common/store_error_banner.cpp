#include "store_error_banner.h"

namespace normlab::gui {

StoreErrorBanner::StoreErrorBanner(QWidget *parent) : QLabel(parent)
{
    setWordWrap(true);
    setTextInteractionFlags(Qt::TextSelectableByMouse);
    setStyleSheet("color: #d03030;");
    hide();
}

void StoreErrorBanner::showError(const QString &what)
{
    setText(tr("The run store could not be read: %1").arg(what));
    show();
}

void StoreErrorBanner::clearError()
{
    clear();
    hide();
}

} // namespace normlab::gui
