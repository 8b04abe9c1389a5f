// One rank for test_process_group: joins a group over loopback, then checks a broadcast and an
// all-reduce ("collectives"), all-reduces until something fails ("loop"), or checks that the
// averaged gradients of each rank's share of a batch are the whole batch's ("gradients": a
// GroupNorm net, whose per-sample statistics make the halves independent).
//
//     process_group_worker RANK WORLD PORT TIMEOUT_MS collectives|loop|gradients
//
// Exit codes: 0 the collectives agreed, 1 they did not, 2 bad arguments, 3 a DistributedError
// (its message on stderr).
#include "gradient_sync.h"
#include "model_spec.h"
#include "net.h"
#include "presets.h"
#include "process_group.h"

#include <algorithm>
#include <cstdio>
#include <string>

using namespace normlab;

namespace {

constexpr int kElements = 1000;

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
// A small bucket, so that the gradients take several
constexpr std::size_t kSmallBucketBytes = 16 << 10;

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

    double worst = 0;
    const auto mine = net->named_parameters();
    for (const auto &p : whole->named_parameters()) {
        const torch::Tensor expected = p.value().grad();
        const double scale = std::max(expected.abs().max().item<double>(), 1e-12);
        worst = std::max(worst,
                         (mine[p.key()].grad() - expected).abs().max().item<double>() / scale);
    }
    std::printf("rank %d gradients: largest relative difference %g\n", group.rank(), worst);
    return worst <= kGradientTolerance ? 0 : 1;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 6) {
        std::fprintf(stderr, "usage: %s RANK WORLD PORT TIMEOUT_MS collectives|loop\n", argv[0]);
        return 2;
    }
    DistributedOptions options;
    options.rank = std::stoi(argv[1]);
    options.worldSize = std::stoi(argv[2]);
    options.masterPort = std::stoi(argv[3]);
    options.timeout = std::chrono::milliseconds(std::stoi(argv[4]));
    options.iface = "lo";
    const std::string mode = argv[5];
    try {
        ProcessGroup group(options);
        std::printf("rank %d joined\n", group.rank());
        std::fflush(stdout);
        if (mode == "collectives")
            return collectives(group);
        if (mode == "gradients")
            return gradients(group);
        std::vector<torch::Tensor> t = {torch::ones({kElements})};
        for (;;)
            group.allReduceSum(t);
    } catch (const DistributedError &e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 3;
    }
}
