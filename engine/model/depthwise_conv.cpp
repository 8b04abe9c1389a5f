#include "depthwise_conv.h"

#include "cpu_clones.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <vector>

namespace normlab {

namespace {

using torch::Tensor;

struct Geometry
{
    std::int64_t c = 0, h = 0, w = 0, outH = 0, outW = 0;
    std::int64_t kernel = 0, padding = 0, dilation = 0;
};

// One sample's share of the weight gradient, added into acc ([k * k][C]): for every tap (i, j)
// and channel, the sum over output pixels of the output gradient times the input pixel the tap
// reads. x is [H][W][C] and g [outH][outW][C] (one channels-last sample).
NORMLAB_CPU_CLONES void addSampleWeightGrad(const Geometry &q, const float *x, const float *g,
                                            float *acc)
{
    const std::int64_t c = q.c;
    for (std::int64_t oh = 0; oh < q.outH; ++oh) {
        const float *gRow = g + oh * q.outW * c;
        for (std::int64_t i = 0; i < q.kernel; ++i) {
            const std::int64_t ih = oh + i * q.dilation - q.padding;
            if (ih < 0 || ih >= q.h)
                continue;
            const float *xRow = x + ih * q.w * c;
            for (std::int64_t j = 0; j < q.kernel; ++j) {
                const std::int64_t shift = j * q.dilation - q.padding; // iw = ow + shift
                const std::int64_t first = std::max<std::int64_t>(0, -shift);
                const std::int64_t last = std::min(q.outW, q.w - shift);
                float *__restrict a = acc + (i * q.kernel + j) * c;
                for (std::int64_t ow = first; ow < last; ++ow) {
                    const float *__restrict xp = xRow + (ow + shift) * c;
                    const float *__restrict gp = gRow + ow * c;
                    for (std::int64_t k = 0; k < c; ++k)
                        a[k] += xp[k] * gp[k];
                }
            }
        }
    }
}

class DepthwiseConvFunction : public torch::autograd::Function<DepthwiseConvFunction>
{
public:
    static Tensor forward(torch::autograd::AutogradContext *ctx, const Tensor &input,
                          const Tensor &weight, std::int64_t padding, std::int64_t dilation)
    {
        ctx->save_for_backward({input, weight});
        ctx->saved_data["padding"] = padding;
        ctx->saved_data["dilation"] = dilation;
        return at::conv2d(input, weight, {}, 1, padding, dilation, weight.size(0));
    }

    static torch::autograd::tensor_list backward(torch::autograd::AutogradContext *ctx,
                                                 torch::autograd::tensor_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const Tensor &input = saved[0];
        const Tensor &weight = saved[1];
        const std::int64_t padding = ctx->saved_data["padding"].toInt();
        const std::int64_t dilation = ctx->saved_data["dilation"].toInt();
        const Tensor g = grads[0].contiguous(at::MemoryFormat::ChannelsLast);
        Tensor gradInput, gradWeight;
        if (ctx->needs_input_grad(0)) {
            const std::int64_t stride[] = {1, 1}, pad[] = {padding, padding},
                               dil[] = {dilation, dilation}, outputPadding[] = {0, 0};
            gradInput = std::get<0>(at::convolution_backward(g, input, weight, c10::nullopt, stride,
                                                             pad, dil, false, outputPadding,
                                                             weight.size(0), {true, false, false}));
        }
        if (ctx->needs_input_grad(1))
            gradWeight = depthwiseConvWeightGrad(input, g, weight.size(2), padding, dilation)
                                 .contiguous(weight.suggest_memory_format());
        return {gradInput, gradWeight, Tensor(), Tensor()};
    }
};

} // namespace

bool canRunDepthwiseConv(const torch::Tensor &input, const torch::Tensor &weight)
{
    return input.dim() == 4 && weight.dim() == 4 && input.device().is_cpu() &&
           weight.device().is_cpu() && input.scalar_type() == torch::kFloat &&
           weight.scalar_type() == torch::kFloat && weight.size(1) == 1 &&
           weight.size(0) == input.size(1) && weight.size(2) == weight.size(3) &&
           input.is_contiguous(at::MemoryFormat::ChannelsLast);
}

torch::Tensor depthwiseConv2d(const torch::Tensor &input, const torch::Tensor &weight,
                              std::int64_t padding, std::int64_t dilation)
{
    TORCH_CHECK(canRunDepthwiseConv(input, weight), "depthwiseConv2d: a channels-last CPU float ",
                "input and a [C, 1, k, k] float weight of its C channels");
    return DepthwiseConvFunction::apply(input, weight, padding, dilation);
}

torch::Tensor depthwiseConvWeightGrad(const torch::Tensor &input, const torch::Tensor &gradOutput,
                                      std::int64_t kernel, std::int64_t padding,
                                      std::int64_t dilation)
{
    const Tensor x = input.contiguous(at::MemoryFormat::ChannelsLast);
    const Tensor g = gradOutput.contiguous(at::MemoryFormat::ChannelsLast);
    TORCH_CHECK(x.scalar_type() == torch::kFloat && g.scalar_type() == torch::kFloat &&
                        x.dim() == 4 && g.dim() == 4 && x.size(0) == g.size(0) &&
                        x.size(1) == g.size(1),
                "depthwiseConvWeightGrad: float [N, C, H, W] input and output gradient");
    const Geometry q {x.size(1), x.size(2), x.size(3), g.size(2),
                      g.size(3), kernel,    padding,   dilation};
    TORCH_CHECK(q.outH == q.h + 2 * padding - dilation * (kernel - 1) &&
                        q.outW == q.w + 2 * padding - dilation * (kernel - 1),
                "depthwiseConvWeightGrad: the output gradient is not the size of a stride-1 ",
                "output");
    const std::int64_t n = x.size(0);
    const std::int64_t taps = kernel * kernel * q.c;
    std::vector<float> perSample(static_cast<std::size_t>(n * taps), 0.0f);
    const float *xData = x.data_ptr<float>();
    const float *gData = g.data_ptr<float>();
    at::parallel_for(0, n, 1, [&](std::int64_t first, std::int64_t last) {
        for (std::int64_t s = first; s < last; ++s)
            addSampleWeightGrad(q, xData + s * q.h * q.w * q.c, gData + s * q.outH * q.outW * q.c,
                                perSample.data() + s * taps);
    });
    // [k][k][C] summed over the samples in order, then laid out [C][1][k][k].
    Tensor out = torch::empty({q.c, 1, kernel, kernel}, torch::kFloat);
    float *o = out.data_ptr<float>();
    for (std::int64_t t = 0; t < kernel * kernel; ++t)
        for (std::int64_t ch = 0; ch < q.c; ++ch) {
            double sum = 0;
            for (std::int64_t s = 0; s < n; ++s)
                sum += perSample[static_cast<std::size_t>(s * taps + t * q.c + ch)];
            o[ch * kernel * kernel + t] = static_cast<float>(sum);
        }
    return out;
}

} // namespace normlab
