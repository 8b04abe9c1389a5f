#include "dataset_cache.h"

#include "config_json.h"

#include <nlohmann/json.hpp>

#include <QCoreApplication>
#include <QMetaObject>
#include <QPointer>
#include <QThreadPool>

namespace normlab::gui {

DatasetCache::~DatasetCache() = default;

QString DatasetCache::keyOf(const DataConfig &config)
{
    ExperimentConfig c;
    c.data = config;
    // As runs record it: the form's relative folder and a run's absolute one are one dataset.
    c.data.source = absoluteDataSource(config.source);
    return QString::fromStdString(toJson(c).at("data").dump());
}

void DatasetCache::request(const DataConfig &config)
{
    const QString key = keyOf(config);
    if (key == m_key && m_data) {
        QMetaObject::invokeMethod(
                this, [this, key] { Q_EMIT ready(key); }, Qt::QueuedConnection);
        return;
    }
    if (key == m_loadingKey)
        return;
    m_loadingKey = key;
    QPointer<DatasetCache> self(this);
    QThreadPool::globalInstance()->start([self, config, key] {
        std::shared_ptr<const DatasetPair> data;
        QString error;
        try {
            data = std::make_shared<const DatasetPair>(loadDatasets(config));
        } catch (const std::exception &e) {
            error = QString::fromUtf8(e.what());
        }
        // Back on the GUI thread (the application object lives there), where the QPointer may be
        // read safely: a cache destroyed meanwhile makes this a no-op.
        QMetaObject::invokeMethod(
                QCoreApplication::instance(),
                [self, data, key, error] {
                    if (!self)
                        return;
                    if (self->m_loadingKey == key)
                        self->m_loadingKey.clear();
                    if (!data) {
                        Q_EMIT self->failed(key, error);
                        return;
                    }
                    self->m_key = key;
                    self->m_data = data;
                    Q_EMIT self->ready(key);
                },
                Qt::QueuedConnection);
    });
}

std::shared_ptr<const DatasetPair> DatasetCache::get(const DataConfig &config) const
{
    return keyOf(config) == m_key ? m_data : nullptr;
}

} // namespace normlab::gui
