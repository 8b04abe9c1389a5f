#include "rank_session.h"

#include "collectives.h"
#include "config_json.h"
#include "errors.h"
#include "libtorch_error.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <unistd.h>

namespace normlab {

namespace {

// Host names are at most 64 bytes (HOST_NAME_MAX on Linux).
constexpr int kHostnameBytes = 64;

} // namespace

void sendRankStart(Collectives &ranks, const RankStart &start)
{
    const nlohmann::json message = {{"config", start.configJson},
                                    {"fingerprint", start.dataFingerprint},
                                    {"sync_bn", start.syncBatchNorm},
                                    {"error", start.error},
                                    {"finished", start.finished}};
    broadcastBytes(ranks, message.dump());
}

RankStart receiveRankStart(Collectives &ranks)
{
    const auto message = nlohmann::json::parse(broadcastBytes(ranks, {}), nullptr, false);
    if (!message.is_object() || !message.value("config", nlohmann::json()).is_string())
        throw InputError("rank 0 sent a start this NormLab does not understand (is every rank "
                         "running the same NormLab?)");
    RankStart start;
    start.configJson = message.at("config").get<std::string>();
    start.dataFingerprint = message.value("fingerprint", std::string());
    start.syncBatchNorm = message.value("sync_bn", false);
    start.error = message.value("error", std::string());
    start.finished = message.value("finished", false);
    return start;
}

std::vector<std::string> exchangeHostnames(Collectives &ranks)
{
    char name[kHostnameBytes + 1] = {};
    if (::gethostname(name, kHostnameBytes) != 0)
        std::snprintf(name, sizeof name, "?");
    // Each rank fills its own row; the sum over the ranks is every row.
    at::Tensor rows = at::zeros({ranks.worldSize(), kHostnameBytes}, at::kInt);
    int *row = rows.data_ptr<int>() + static_cast<std::ptrdiff_t>(ranks.rank()) * kHostnameBytes;
    for (int i = 0; i < kHostnameBytes && name[i]; ++i)
        row[i] = static_cast<unsigned char>(name[i]);
    ranks.allReduceSum({rows});
    std::vector<std::string> hosts;
    for (int r = 0; r < ranks.worldSize(); ++r) {
        const int *p = rows.data_ptr<int>() + static_cast<std::ptrdiff_t>(r) * kHostnameBytes;
        std::string host;
        for (int i = 0; i < kHostnameBytes && p[i]; ++i)
            host += static_cast<char>(p[i]);
        hosts.push_back(host);
    }
    return hosts;
}

bool allRanksReady(Collectives &ranks, bool ready)
{
    at::Tensor notReady = at::full({1}, ready ? 0.0 : 1.0, at::kDouble);
    ranks.allReduceSum({notReady});
    return notReady.item<double>() == 0;
}

void reportNotReady(Collectives &ranks) noexcept
{
    try {
        allRanksReady(ranks, false);
    } catch (...) {
    }
}

std::string describeRanks(const Collectives &ranks, const std::vector<std::string> &hosts,
                          int localBatch, bool syncBatchNorm)
{
    return nlohmann::json({{"world_size", ranks.worldSize()},
                           {"hosts", hosts},
                           {"backend", "gloo"},
                           {"local_batch", localBatch},
                           {"global_batch", localBatch * ranks.worldSize()},
                           {"sync_bn", syncBatchNorm}})
            .dump();
}

FollowerSession::FollowerSession(DataParallel parallel)
{
    Collectives &ranks = *parallel.ranks;
    const RankStart start = receiveRankStart(ranks);
    if (start.finished)
        throw NothingToTrain("the run has finished already");
    if (!start.error.empty())
        throw InputError("rank 0 could not start the run: " + start.error);
    exchangeHostnames(ranks);
    bool ready = false;
    try {
        const ExperimentConfig config =
                recordedConfigFromJson(parseConfigText(start.configJson, "rank 0's config"));
        m_data = std::make_unique<const DatasetPair>(loadDatasets(config.data));
        if (!start.dataFingerprint.empty() && m_data->fingerprint != start.dataFingerprint)
            throw DataError(m_data->kind + " " + m_data->path + " on rank " +
                            std::to_string(ranks.rank()) + " is not rank 0's data (fingerprint " +
                            m_data->fingerprint + ", rank 0's " + start.dataFingerprint + ")");
        parallel.syncBatchNorm = start.syncBatchNorm;
        m_trainer = std::make_unique<Trainer>(config, *m_data, std::move(parallel));
        ready = true;
    } catch (const c10::Error &e) {
        reportNotReady(ranks);
        throw computeError(e);
    } catch (...) {
        reportNotReady(ranks);
        throw;
    }
    if (!allRanksReady(ranks, ready))
        throw InputError("rank 0 could not start the run (its own message says why)");
}

FollowerSession::~FollowerSession() = default;

RunResult FollowerSession::run(const TrainerCallbacks &callbacks)
{
    try {
        return m_trainer->run(callbacks);
    } catch (const c10::Error &e) {
        throw computeError(e);
    }
}

} // namespace normlab
