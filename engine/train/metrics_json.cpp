#include "metrics_json.h"

#include <nlohmann/json.hpp>

namespace normlab {

nlohmann::json toJson(const BatchProgress &p)
{
    return {{"event", "batch"},          {"epoch", p.epoch},           {"batch", p.batch},
            {"batches", p.batches},      {"step", p.step},             {"loss", p.batchLoss},
            {"running_loss", p.runningLoss}, {"running_accuracy", p.runningAccuracy},
            {"images_per_second", p.imagesPerSecond}, {"lr", p.lr}};
}

nlohmann::json toJson(const EpochMetrics &m, bool full)
{
    nlohmann::json j = {{"event", "epoch"},
                        {"epoch", m.epoch},
                        {"train_loss", m.trainLoss},
                        {"train_accuracy", m.trainAccuracy},
                        {"test_loss", m.testLoss},
                        {"test_accuracy", m.testAccuracy},
                        {"lr", m.lr},
                        {"seconds", m.seconds},
                        {"train_images_per_second", m.trainImagesPerSecond},
                        {"eval_images_per_second", m.evalImagesPerSecond},
                        {"best", m.best},
                        {"misclassified_count", m.misclassified.size()}};
    if (full) {
        j["confusion"] = m.confusion;
        nlohmann::json wrong = nlohmann::json::array();
        for (const Misclassified &x : m.misclassified)
            wrong.push_back({x.index, x.trueLabel, x.predicted, x.confidence});
        j["misclassified"] = wrong; // [index, true, predicted, confidence]
    }
    return j;
}

} // namespace normlab
