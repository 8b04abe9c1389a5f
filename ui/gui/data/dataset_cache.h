// Loads datasets off the GUI thread for the views that show images (the mistakes gallery, the
// augmentation preview) and keeps the last one, so flipping between runs on the same data is free.
// The main window gives both views one cache, so CIFAR-10 is decoded and held once, not twice.
#pragma once

#include "config.h"
#include "dataset.h"

#include <QObject>
#include <QString>

#include <memory>

namespace normlab::gui {

class DatasetCache : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;
    ~DatasetCache() override;

    // Starts loading unless `config` names the data already held or being loaded; ready() or
    // failed() follow (queued, on this object's thread).
    void request(const DataConfig &config);
    // The dataset for `config` when it is loaded, else null.
    std::shared_ptr<const DatasetPair> get(const DataConfig &config) const;

    // Identifies a dataset in ready() and failed().
    static QString keyOf(const DataConfig &config);

Q_SIGNALS:
    void ready(const QString &key);
    void failed(const QString &key, const QString &message);

private:
    QString m_key;
    QString m_loadingKey;
    std::shared_ptr<const DatasetPair> m_data;
};

} // namespace normlab::gui
