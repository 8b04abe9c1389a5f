// Learning-rate schedules with PyTorch's semantics: ReduceLROnPlateau and StepLR step once per
// epoch, OneCycleLR (cosine annealing, two phases) once per batch. Plain arithmetic, so the state
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
    void onEpoch(double testLoss, double testAccuracy); // after each evaluation

    const State &state() const { return m_state; }
    void restore(const State &state) { m_state = state; }

private:
    double oneCycleLr(long long step) const;

    ScheduleConfig m_config;
    double m_baseLr;
    long long m_totalSteps;
    State m_state;
};

} // namespace normlab
