#include "sweep_plan.h"

#include "config_json.h"
#include "errors.h"

#include <ctime>

namespace normlab {

namespace {

nlohmann::json patchFor(const std::string &dottedKey, const nlohmann::json &value)
{
    nlohmann::json patch = value;
    std::string key = dottedKey;
    for (;;) {
        const auto dot = key.rfind('.');
        patch = nlohmann::json {{key.substr(dot == std::string::npos ? 0 : dot + 1), patch}};
        if (dot == std::string::npos)
            return patch;
        key.resize(dot);
    }
}

std::string valueText(const nlohmann::json &value)
{
    return value.is_string() ? value.get<std::string>() : value.dump();
}

std::string newSweepId()
{
    const std::time_t now = std::time(nullptr);
    std::tm local {};
    localtime_r(&now, &local);
    char text[32];
    std::strftime(text, sizeof text, "sweep-%Y%m%d-%H%M%S", &local);
    return text;
}

} // namespace

SweepAxis normAxis(const std::vector<NormKind> &norms)
{
    SweepAxis axis {"model.norm", {}};
    for (const NormKind n : norms)
        axis.values.emplace_back(toString(n));
    return axis;
}

SweepAxis seedAxis(std::uint64_t first, int count)
{
    SweepAxis axis {"seed", {}};
    for (int i = 0; i < count; ++i)
        axis.values.emplace_back(first + static_cast<std::uint64_t>(i));
    return axis;
}

std::string runNameInWords(const ExperimentConfig &c, bool withSeed)
{
    std::string net = c.preset.empty() ? "custom" : c.preset;
    if (net.rfind("s8-", 0) == 0)
        net = "s8";
    std::string norm;
    switch (c.model.norm) {
    case NormKind::Batch:
        norm = "BatchNorm";
        break;
    case NormKind::Group:
        norm = "GroupNorm";
        break;
    case NormKind::Layer:
        norm = "LayerNorm";
        break;
    case NormKind::Instance:
        norm = "InstanceNorm";
        break;
    case NormKind::None:
        norm = "no norm";
        break;
    }
    std::string name = net + " " + norm;
    if (withSeed)
        name += ", seed " + std::to_string(c.seed);
    return name;
}

SweepPlan planSweep(const ExperimentConfig &base, const std::vector<SweepAxis> &axes,
                    const SweepOptions &options)
{
    if (axes.empty())
        throw ConfigError("sweep: nothing to sweep");
    SweepPlan plan;
    plan.id = newSweepId();
    plan.runs.push_back({base, {}, {}});
    for (const SweepAxis &axis : axes) {
        if (axis.values.empty())
            throw ConfigError("sweep " + axis.key + ": no values");
        std::vector<PlannedRun> next;
        for (const PlannedRun &p : plan.runs) {
            for (const nlohmann::json &value : axis.values) {
                PlannedRun q = p;
                try {
                    q.config = configFromJson(patchFor(axis.key, value), p.config);
                    if (axis.key == "model.norm" && q.config.model.norm == NormKind::Layer &&
                        options.layerNorm == SweepOptions::LayerNorm::Reference)
                        q.config.model.affine = false;
                    validate(q.config);
                } catch (const ConfigError &e) {
                    throw ConfigError("sweep " + axis.key + "=" + valueText(value) + ": " +
                                      e.what());
                }
                const std::string shortKey = axis.key.substr(axis.key.rfind('.') + 1);
                q.label += (q.label.empty() ? "" : " ") + shortKey + "=" + valueText(value);
                next.push_back(std::move(q));
            }
        }
        plan.runs = std::move(next);
    }
    bool seedSwept = false;
    for (const SweepAxis &axis : axes)
        seedSwept = seedSwept || axis.key == "seed";
    for (PlannedRun &run : plan.runs) {
        run.config.name =
                options.names == SweepOptions::Names::Words
                        ? runNameInWords(run.config, seedSwept)
                        : (options.namePrefix.empty() ? "" : options.namePrefix + " ") + run.label;
        run.name = run.config.name;
        if (run.config.model.norm == NormKind::Layer && run.config.model.affine)
            plan.layerNormKeepsAffine = true;
    }
    return plan;
}

} // namespace normlab
