// One rank for test_process_group: joins a group over loopback, then checks a broadcast and an
// all-reduce ("collectives"), all-reduces until something fails ("loop", or "loop-large" with
// 16 MB tensors, so that a rank spends most of its time writing), writes to a pipe nobody reads
// ("broken-pipe": what a rank meets when a peer's socket is gone), or checks that the
// averaged gradients of each rank's share of a batch are the whole batch's ("gradients": a
// GroupNorm net, whose per-sample statistics make the halves independent), the same for a
// BatchNorm net with synchronised BatchNorm ("syncbn"), or trains a small run as one rank of a
// data-parallel Trainer ("trainer", its checkpoints in DIR).
//
//     process_group_worker RANK WORLD PORT TIMEOUT_MS
//                          collectives|loop|loop-large|broken-pipe|gradients|syncbn
//     process_group_worker RANK WORLD PORT TIMEOUT_MS trainer DIR
//
// Exit codes: 0 the collectives agreed, 1 they did not, 2 bad arguments, 3 a DistributedError
// (its message on stderr).
#include "dataset.h"
#include "gloo_collectives.h"
#include "gradient_sync.h"
#include "model_spec.h"
#include "net.h"
#include "presets.h"
#include "process_group.h"
#include "trainer.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <string>

using namespace normlab;

namespace {

constexpr int kElements = 1000;
constexpr int kLargeElements = 4 << 20;

int collectives(ProcessGroup &group)
{
    const int world = group.worldSize();
    std::vector<torch::Tensor> sum = {torch::full({kElements}, group.rank() + 1.0)};
    group.allReduceSum(sum);
    const double expected = world * (world + 1) / 2.0;
    if (!torch::equal(sum[0], torch::full({kElements}, expected))) {
        std::fprintf(stderr, "rank %d: all-reduce gave %f, expected %f\n", group.rank(),
                     sum[0][0].item<double>(), expected);
        return 1;
    }
    const torch::Tensor fromRoot = torch::arange(kElements, torch::kFloat) * 7;
    std::vector<torch::Tensor> shared = {group.rank() == 0 ? fromRoot.clone()
                                                           : torch::zeros({kElements})};
    group.broadcast(shared);
    if (!torch::equal(shared[0], fromRoot)) {
        std::fprintf(stderr, "rank %d: broadcast differs from rank 0's tensor\n", group.rank());
        return 1;
    }
    group.barrier();
    std::printf("rank %d ok\n", group.rank());
    return 0;
}

constexpr int kBatch = 12;
constexpr double kGradientTolerance = 1e-5;
// A small bucket, so that the gradients go round in several
constexpr std::size_t kSmallBucketBytes = 16 << 10;

// Over every parameter: the largest difference of the two nets' gradients, relative to the
// largest magnitude of `whole`'s.
double largestRelativeDifference(Net &net, Net &whole)
{
    double worst = 0;
    const auto mine = net->named_parameters();
    for (const auto &p : whole->named_parameters()) {
        const torch::Tensor expected = p.value().grad();
        const double scale = std::max(expected.abs().max().item<double>(), 1e-12);
        worst = std::max(worst,
                         (mine[p.key()].grad() - expected).abs().max().item<double>() / scale);
    }
    return worst;
}

// Exits 0 if the write fails with EPIPE; SIGPIPE would end the process instead.
int writeToABrokenPipe()
{
    int fds[2];
    if (::pipe(fds) != 0)
        return 1;
    ::close(fds[0]);
    const bool epipe = ::write(fds[1], "x", 1) == -1 && errno == EPIPE;
    ::close(fds[1]);
    std::printf("write to a broken pipe: %s\n", epipe ? "EPIPE" : "no error");
    return epipe ? 0 : 1;
}

int gradients(ProcessGroup &group)
{
    ModelConfig model = presetConfig("s8-gn").model;
    model.dropout = 0; // no randomness that differs between the two computations
    torch::manual_seed(11);
    Net net(buildModelSpec(model));
    torch::manual_seed(11);
    Net whole(buildModelSpec(model));
    if (group.rank() != 0) { // a different start, which the broadcast must undo
        torch::NoGradGuard noGrad;
        for (torch::Tensor &p : net->parameters())
            p.add_(1.0);
    }
    std::vector<torch::Tensor> state = net->parameters();
    for (const torch::Tensor &b : net->buffers())
        state.push_back(b);
    broadcastFromRoot(group, state);

    torch::manual_seed(5);
    const torch::Tensor images = torch::randn({kBatch, 3, 32, 32});
    const torch::Tensor labels = torch::randint(0, 10, {kBatch});
    const int share = kBatch / group.worldSize();
    torch::nll_loss(net->forward(images.narrow(0, group.rank() * share, share)),
                    labels.narrow(0, group.rank() * share, share))
            .backward();
    averageGradients(group, net->parameters(), kSmallBucketBytes);
    torch::nll_loss(whole->forward(images), labels).backward();

    const double worst = largestRelativeDifference(net, whole);
    std::printf("rank %d gradients: largest relative difference %g\n", group.rank(), worst);
    return worst <= kGradientTolerance ? 0 : 1;
}

// A difference that only per-rank statistics make: a sign that the check can fail.
constexpr double kPerRankDifference = 1e-3;

int syncBatchNorm(GlooCollectives &ranks)
{
    ModelConfig model = presetConfig("s8-bn").model;
    model.dropout = 0;
    torch::manual_seed(11);
    Net synced(buildModelSpec(model));
    torch::manual_seed(11);
    Net perRank(buildModelSpec(model));
    torch::manual_seed(11);
    Net whole(buildModelSpec(model));
    synced->setSyncBatchNorm(&ranks);

    torch::manual_seed(5);
    const torch::Tensor images = torch::randn({kBatch, 3, 32, 32});
    const torch::Tensor labels = torch::randint(0, 10, {kBatch});
    const int share = kBatch / ranks.worldSize();
    const torch::Tensor mine = images.narrow(0, ranks.rank() * share, share);
    const torch::Tensor myLabels = labels.narrow(0, ranks.rank() * share, share);
    for (Net *net : {&synced, &perRank}) {
        torch::nll_loss((*net)->forward(mine), myLabels).backward();
        ranks.averageGradients((*net)->parameters());
    }
    torch::nll_loss(whole->forward(images), labels).backward();

    const double syncedWorst = largestRelativeDifference(synced, whole);
    const double perRankWorst = largestRelativeDifference(perRank, whole);
    double statistics = 0; // running means and variances against the whole batch's
    const auto wholeBuffers = whole->named_buffers();
    for (const auto &b : synced->named_buffers())
        if (b.value().is_floating_point())
            statistics = std::max(statistics,
                                  (b.value() - wholeBuffers[b.key()]).abs().max().item<double>());
    std::printf("rank %d sync-bn gradients: largest relative difference %g (per-rank statistics "
                "%g), running statistics %g\n",
                ranks.rank(), syncedWorst, perRankWorst, statistics);
    return syncedWorst <= kGradientTolerance && statistics <= kGradientTolerance &&
                           perRankWorst > kPerRankDifference
                   ? 0
                   : 1;
}

// A few epochs of a small GroupNorm run on synthetic data, as one rank; rank 0 prints the
// result, every rank writes its last checkpoint in DIR/rankN for the test to compare.
int trainRank(const std::shared_ptr<GlooCollectives> &ranks, const std::string &dir)
{
    ExperimentConfig config = presetConfig("s8-gn");
    config.data.source = "synthetic";
    config.data.trainLimit = 1200;
    config.data.testLimit = 300;
    config.epochs = 3;
    config.batchSize = 16;
    config.threads = 1;
    const DatasetPair data = loadDatasets(config.data);
    Trainer trainer(config, data, {ranks, false});
    trainer.setCheckpointDir(dir + "/rank" + std::to_string(ranks->rank()));
    const RunResult result = trainer.run();
    for (const EpochMetrics &m : result.epochs)
        std::printf("rank %d epoch %d train_loss %.9g test_loss %.9g test_acc %.4f "
                    "misclassified %zu\n",
                    ranks->rank(), m.epoch, m.trainLoss, m.testLoss, m.testAccuracy,
                    m.misclassified.size());
    return result.status == RunStatus::Finished ? 0 : 1;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 6 && argc != 7) {
        std::fprintf(stderr, "usage: %s RANK WORLD PORT TIMEOUT_MS MODE [DIR]\n", argv[0]);
        return 2;
    }
    DistributedOptions options;
    options.rank = std::stoi(argv[1]);
    options.worldSize = std::stoi(argv[2]);
    options.masterPort = std::stoi(argv[3]);
    options.timeout = std::chrono::milliseconds(std::stoi(argv[4]));
    options.iface = "lo";
    const std::string mode = argv[5];
    // The default a shell gives, whatever this process inherited: the group must change it.
    std::signal(SIGPIPE, SIG_DFL);
    try {
        const auto ranks = std::make_shared<GlooCollectives>(options);
        ProcessGroup &group = ranks->group();
        std::printf("rank %d joined\n", group.rank());
        std::fflush(stdout);
        if (mode == "syncbn")
            return syncBatchNorm(*ranks);
        if (mode == "trainer" && argc == 7)
            return trainRank(ranks, argv[6]);
        if (mode == "collectives")
            return collectives(group);
        if (mode == "gradients")
            return gradients(group);
        if (mode == "broken-pipe")
            return writeToABrokenPipe();
        std::vector<torch::Tensor> t = {
                torch::ones({mode == "loop-large" ? kLargeElements : kElements})};
        for (;;)
            group.allReduceSum(t);
    } catch (const DistributedError &e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 3;
    }
}
