// Lists of numbers as the form's fields show them ("32, 64, 96") and read them back (commas and
// spaces both separate), for the augmentation editor's fills and means and the stage widths.
#pragma once

#include <QRegularExpression>
#include <QString>
#include <QStringList>

#include <optional>
#include <type_traits>
#include <vector>

namespace normlab::gui {

template<typename T> QString numberListText(const std::vector<T> &values)
{
    QStringList parts;
    for (const T v : values)
        parts << QString::number(v);
    return parts.join(", ");
}

// Nothing when a part is not a number of the type (a fraction where whole numbers are wanted).
template<typename T> std::optional<std::vector<T>> parseNumberList(const QString &text)
{
    static const QRegularExpression separators("[,\\s]+");
    std::vector<T> values;
    for (const QString &part : text.split(separators, Qt::SkipEmptyParts)) {
        bool ok = false;
        T v {};
        if constexpr (std::is_integral_v<T>)
            v = part.toInt(&ok);
        else
            v = part.toDouble(&ok);
        if (!ok)
            return std::nullopt;
        values.push_back(v);
    }
    return values;
}

} // namespace normlab::gui
