"""NormLab's network in PyTorch, built from the layer list of a ModelSpec (engine/model/
model_spec_json): the same layers in the same order, with the same parameter and buffer names as
NormLab's Net (`C2_conv.weight`, `C2_norm.running_mean`, `head_conv.weight`), so that a state dict
passes between the two as it is. Used by bench_pytorch.py and step_pytorch.py.

A conv block is Conv -> ReLU -> norm -> dropout. A residual layer adds the input of the layer
`residual_span` places back (1: its own) to its output. A squeeze-excite layer scales its input's
channels by sigmoid(excite(relu(squeeze(mean over H, W)))).
"""
import torch
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
        self.plan = []  # (kind, name, span: 0 for no skip) per layer, in order
        size = spec["input_size"]
        for layer in spec["layers"]:
            kind, name = layer["kind"], layer["name"]
            if kind in ("conv_block", "conv", "classifier"):
                size = (size + 2 * layer["padding"] - layer["dilation"] * (layer["kernel"] - 1) - 1) \
                    // layer["stride"] + 1
                self.add_module(f"{name}_conv", conv(layer))
            elif kind == "squeeze_excite":
                self.add_module(f"{name}_squeeze", nn.Conv2d(layer["out"], layer["hidden"], 1))
                self.add_module(f"{name}_excite", nn.Conv2d(layer["hidden"], layer["out"], 1))
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
            span = layer.get("residual_span", 1) if layer.get("residual", False) else 0
            self.plan.append((kind, name, span))

    def forward(self, x):
        modules = self._modules
        inputs = []
        for kind, name, span in self.plan:
            inputs.append(x)
            skip = inputs[-span] if span else None
            if kind == "conv_block":
                y = F.relu(modules[f"{name}_conv"](x))
                if f"{name}_norm" in modules:
                    y = modules[f"{name}_norm"](y)
                if f"{name}_dropout" in modules:
                    y = modules[f"{name}_dropout"](y)
                x = y + skip if span else y
            elif kind == "conv":
                x = modules[f"{name}_conv"](x)
                x = x + skip if span else x
            elif kind == "squeeze_excite":
                gate = F.adaptive_avg_pool2d(x, 1)
                gate = modules[f"{name}_excite"](F.relu(modules[f"{name}_squeeze"](gate)))
                x = x * torch.sigmoid(gate)
                x = x + skip if span else x
            elif kind == "max_pool":
                x = F.max_pool2d(x, 2)
            elif kind == "global_avg_pool":
                x = F.adaptive_avg_pool2d(x, 1)
            elif kind == "classifier":
                x = F.log_softmax(modules[f"{name}_conv"](x).flatten(1), dim=1)
        return x
