#include "lr_scheduler.h"

#include <cmath>
#include <limits>
#include <numbers>

namespace normlab {

LrScheduler::LrScheduler(const ScheduleConfig &config, double baseLr, int epochs,
                         int batchesPerEpoch)
    : m_config(config),
      m_baseLr(baseLr),
      m_batchesPerEpoch(batchesPerEpoch),
      m_totalSteps(static_cast<long long>(epochs) * batchesPerEpoch)
{
    m_state.best = config.mode == "max" ? -std::numeric_limits<double>::infinity()
                                        : std::numeric_limits<double>::infinity();
    m_state.lr = config.kind == ScheduleConfig::Kind::OneCycle ? oneCycleLr(0)
                 : config.kind == ScheduleConfig::Kind::Cosine ? cosineLr(0)
                                                               : baseLr;
}

bool LrScheduler::perBatch() const
{
    return m_config.kind == ScheduleConfig::Kind::OneCycle ||
           m_config.kind == ScheduleConfig::Kind::Cosine;
}

// Step s (from 0) of W warm-up steps takes base x (s + 1) / W: the first step already learns; then
// min + (base - min) x (1 + cos(pi x progress)) / 2, progress from 0 at the warm-up's end to 1 at
// the last step.
double LrScheduler::cosineLr(long long step) const
{
    const auto warmup = static_cast<long long>(
            std::llround(m_config.warmupEpochs * static_cast<double>(m_batchesPerEpoch)));
    if (step < warmup)
        return m_baseLr * static_cast<double>(step + 1) / static_cast<double>(warmup);
    const double span = static_cast<double>(std::max(1LL, m_totalSteps - 1 - warmup));
    const double progress = std::min(1.0, static_cast<double>(step - warmup) / span);
    return m_config.minLr +
           (m_baseLr - m_config.minLr) * 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
}

double LrScheduler::oneCycleLr(long long step) const
{
    const double initial = m_config.maxLr / m_config.divFactor;
    const double minimum = initial / m_config.finalDivFactor;
    const double warmEnd = m_config.pctStart * static_cast<double>(m_totalSteps) - 1.0;
    const double end = static_cast<double>(m_totalSteps) - 1.0;
    auto anneal = [](double from, double to, double pct) {
        return to + (from - to) / 2.0 * (std::cos(std::numbers::pi * pct) + 1.0);
    };
    const double t = static_cast<double>(step);
    if (t <= warmEnd)
        return anneal(initial, m_config.maxLr, warmEnd > 0 ? t / warmEnd : 1.0);
    return anneal(m_config.maxLr, minimum,
                  std::min(1.0, (t - warmEnd) / std::max(1.0, end - warmEnd)));
}

void LrScheduler::onBatch()
{
    ++m_state.batchesSeen;
    if (m_config.kind == ScheduleConfig::Kind::OneCycle)
        m_state.lr = oneCycleLr(std::min(m_state.batchesSeen, m_totalSteps - 1));
    else if (m_config.kind == ScheduleConfig::Kind::Cosine)
        m_state.lr = cosineLr(std::min(m_state.batchesSeen, m_totalSteps - 1));
}

void LrScheduler::onEpoch(double testLoss, double testAccuracy)
{
    ++m_state.epochsSeen;
    switch (m_config.kind) {
    case ScheduleConfig::Kind::Plateau: {
        const bool max = m_config.mode == "max";
        const double metric = max ? testAccuracy : testLoss;
        const bool better = max ? metric > m_state.best * (1.0 + m_config.threshold)
                                : metric < m_state.best * (1.0 - m_config.threshold);
        if (better) {
            m_state.best = metric;
            m_state.badEpochs = 0;
        } else {
            ++m_state.badEpochs;
        }
        if (m_state.badEpochs > m_config.patience) {
            const double reduced = std::max(m_state.lr * m_config.factor, m_config.minLr);
            if (m_state.lr - reduced > 1e-8)
                m_state.lr = reduced;
            m_state.badEpochs = 0;
        }
        break;
    }
    case ScheduleConfig::Kind::Step:
        m_state.lr = m_baseLr * std::pow(m_config.gamma, m_state.epochsSeen / m_config.stepSize);
        break;
    case ScheduleConfig::Kind::None:
    case ScheduleConfig::Kind::OneCycle:
    case ScheduleConfig::Kind::Cosine:
        break;
    }
}

} // namespace normlab
