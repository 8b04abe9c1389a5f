// The trainer's Collectives (engine/model/collectives.h) on a ProcessGroup: torch's c10d with
// Gloo, joined when constructed.
#pragma once

#include "collectives.h"
#include "gradient_sync.h"
#include "process_group.h"

namespace normlab {

class GlooCollectives : public Collectives
{
public:
    // Joins the group (throws DistributedError as ProcessGroup does).
    explicit GlooCollectives(const DistributedOptions &options);

    int rank() const override;
    int worldSize() const override;
    void broadcastFromRoot(const std::vector<at::Tensor> &tensors) override;
    void allReduceSum(const std::vector<at::Tensor> &tensors) override;
    void averageGradients(const std::vector<at::Tensor> &parameters) override;

    ProcessGroup &group() { return m_group; }

private:
    ProcessGroup m_group;
    GradientAverager m_gradients;
};

} // namespace normlab
