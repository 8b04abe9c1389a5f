// A one-line label that gives up width before the window does: it asks for its whole text but
// accepts a few characters, drawing "…" where the text is cut and showing all of it as its
// tooltip (which it owns). Toolbars of labels and combo boxes made the window at least 1,321 px wide.
#pragma once

#include <QLabel>

namespace normlab::gui {

class ElidedLabel : public QLabel
{
    Q_OBJECT

public:
    explicit ElidedLabel(const QString &text = {}, QWidget *parent = nullptr);

    QSize minimumSizeHint() const override;
    // Whether the text is cut at the present width.
    bool isElided() const;

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    void updateToolTip();
};

} // namespace normlab::gui
