// Learning-rate schedules with PyTorch's semantics: ReduceLROnPlateau and StepLR step once per
// epoch, OneCycleLR (cosine annealing, two phases) once per batch; and a linear warm-up then cosine
// decay, once per batch (as Hugging Face's get_cosine_schedule_with_warmup and timm's
// CosineLRScheduler with warm-up). Plain arithmetic, so the state
// can be checkpointed and tested without torch.
#pragma once

#include "config.h"

namespace normlab {

class LrScheduler
{
public:
    struct State
    {
        double lr = 0;
        double best = 0;
        int badEpochs = 0;
        int epochsSeen = 0;
        long long batchesSeen = 0;
    };

    LrScheduler(const ScheduleConfig &config, double baseLr, int epochs, int batchesPerEpoch);

    double lr() const { return m_state.lr; }
    void onBatch(); // after each optimizer step
    // Whether the rate changes with every batch rather than every epoch.
    bool perBatch() const;
    void onEpoch(double testLoss, double testAccuracy); // after each evaluation

    const State &state() const { return m_state; }
    void restore(const State &state) { m_state = state; }

private:
    double oneCycleLr(long long step) const;
    double cosineLr(long long step) const;

    ScheduleConfig m_config;
    double m_baseLr;
    int m_batchesPerEpoch;
    long long m_totalSteps;
    State m_state;
};

} // namespace normlab
