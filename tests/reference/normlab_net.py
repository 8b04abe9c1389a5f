"""NormLab's network in PyTorch, built from the layer list of a ModelSpec (engine/model/
model_spec_json): the same layers in the same order, with the same parameter and buffer names as
NormLab's Net (`C2_conv.weight`, `C2_norm.running_mean`, `head_conv.weight`), so that a state dict
passes between the two as it is. Used by bench_pytorch.py and step_pytorch.py.

A conv block is Conv -> ReLU -> norm -> dropout, plus the block's input when it is residual.
"""
import torch.nn as nn
import torch.nn.functional as F


def make_norm(spec, channels, size):
    norm = spec["norm"]
    if norm == "batch":
        return nn.BatchNorm2d(channels)
    if norm == "group":
        return nn.GroupNorm(spec["groups"], channels)
    if norm == "layer":
        return nn.LayerNorm([channels, size, size], elementwise_affine=spec["affine"])
    if norm == "instance":
        return nn.InstanceNorm2d(channels, affine=spec["affine"])
    if norm == "none":
        return None
    raise ValueError(f"norm '{norm}' is unknown")


def conv(layer):
    return nn.Conv2d(layer["in"], layer["out"], layer["kernel"], stride=layer["stride"],
                     padding=layer["padding"], dilation=layer["dilation"], groups=layer["groups"],
                     bias=False)


class Net(nn.Module):
    def __init__(self, spec):
        super().__init__()
        self.plan = []  # (kind, name, residual) per layer, in order
        size = spec["input_size"]
        for layer in spec["layers"]:
            kind, name = layer["kind"], layer["name"]
            if kind in ("conv_block", "conv", "classifier"):
                size = (size + 2 * layer["padding"] - layer["dilation"] * (layer["kernel"] - 1) - 1) \
                    // layer["stride"] + 1
                self.add_module(f"{name}_conv", conv(layer))
            elif kind == "max_pool":
                size //= 2
            elif kind == "global_avg_pool":
                size = 1
            else:
                raise ValueError(f"layer kind '{kind}' is unknown")
            if kind == "conv_block":
                norm = make_norm(spec, layer["out"], size)
                if norm is not None:
                    self.add_module(f"{name}_norm", norm)
                if spec["dropout"] > 0:
                    self.add_module(f"{name}_dropout", nn.Dropout(spec["dropout"]))
            self.plan.append((kind, name, layer.get("residual", False)))

    def forward(self, x):
        modules = self._modules
        for kind, name, residual in self.plan:
            if kind == "conv_block":
                y = F.relu(modules[f"{name}_conv"](x))
                if f"{name}_norm" in modules:
                    y = modules[f"{name}_norm"](y)
                if f"{name}_dropout" in modules:
                    y = modules[f"{name}_dropout"](y)
                x = y + x if residual else y
            elif kind == "conv":
                x = modules[f"{name}_conv"](x)
            elif kind == "max_pool":
                x = F.max_pool2d(x, 2)
            elif kind == "global_avg_pool":
                x = F.adaptive_avg_pool2d(x, 1)
            elif kind == "classifier":
                x = F.log_softmax(modules[f"{name}_conv"](x).flatten(1), dim=1)
        return x
