// One rank for test_process_group: joins a group over loopback, then either checks a broadcast
// and an all-reduce ("collectives") or all-reduces until something fails ("loop").
//
//     process_group_worker RANK WORLD PORT TIMEOUT_MS collectives|loop
//
// Exit codes: 0 the collectives agreed, 1 they did not, 2 bad arguments, 3 a DistributedError
// (its message on stderr).
#include "process_group.h"

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
        std::vector<torch::Tensor> t = {torch::ones({kElements})};
        for (;;)
            group.allReduceSum(t);
    } catch (const DistributedError &e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 3;
    }
}
