// The PyTorch side of normlab-bench --vs-pytorch: tests/reference/bench_pytorch.py run with
// Debian's Python on the same network (written out from NormLab's ModelSpec), recipe, batch and
// threads, one preset at a time.
#pragma once

#include <cstdint>
#include <string>

namespace normlab {
struct ExperimentConfig;
}

namespace normlab::cli {

struct ReferenceResult
{
    std::string error; // empty when it ran
    double trainImagesPerSecond = 0;
    double evalImagesPerSecond = 0; // at its fastest evaluation batch
    int evalBatchSize = 0;          // that batch
    std::int64_t parameters = 0;
};

class PytorchReference
{
public:
    PytorchReference(std::string python, std::string script);

    // Empty when `python` can run the script (it exists, and torch and torchvision import);
    // otherwise what is missing and how to get it.
    std::string unavailable() const;

    // Times `config` (its model, augmentation, batch sizes and threads) on synthetic images.
    ReferenceResult measure(const ExperimentConfig &config, int trainImages, int testImages,
                            int epochs) const;

private:
    std::string m_python;
    std::string m_script;
};

// The script's place in the source tree this NormLab was built from.
std::string defaultReferenceScript();

} // namespace normlab::cli
