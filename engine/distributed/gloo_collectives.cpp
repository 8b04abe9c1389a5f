#include "gloo_collectives.h"

namespace normlab {

GlooCollectives::GlooCollectives(const DistributedOptions &options) : m_group(options) { }

int GlooCollectives::rank() const
{
    return m_group.rank();
}

int GlooCollectives::worldSize() const
{
    return m_group.worldSize();
}

void GlooCollectives::broadcastFromRoot(const std::vector<at::Tensor> &tensors)
{
    normlab::broadcastFromRoot(m_group, tensors);
}

void GlooCollectives::allReduceSum(const std::vector<at::Tensor> &tensors)
{
    // The same tensors (in place): the vector is only the group's calling convention.
    std::vector<at::Tensor> same = tensors;
    m_group.allReduceSum(same);
}

void GlooCollectives::averageGradients(const std::vector<at::Tensor> &parameters)
{
    m_gradients.average(m_group, parameters);
}

} // namespace normlab
