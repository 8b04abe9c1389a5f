#include "number_edit.h"

#include <charconv>
#include <cmath>
#include <string>

namespace normlab::gui {

NumberEdit::NumberEdit(QWidget *parent) : QLineEdit(parent) { }

QString NumberEdit::shortestText(double value)
{
    char buffer[64];
    const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
    return error == std::errc() ? QString::fromLatin1(buffer, int(end - buffer))
                                : QString::number(value, 'g', 17);
}

void NumberEdit::setValue(double value)
{
    setText(shortestText(value));
}

std::optional<double> NumberEdit::value() const
{
    const std::string text = QLineEdit::text().trimmed().toStdString();
    double v = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() ||
        !std::isfinite(v))
        return std::nullopt;
    return v;
}

} // namespace normlab::gui
