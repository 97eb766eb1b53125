#!/usr/bin/python3
"""PyTorch reference models, weights, inputs and logits for convkit's model-parity tests (test/models/parity.test.ts).

Usage: /usr/bin/python3 scripts/parity/make_parity.py OUT_DIR [MODEL ...]
  MODEL: lenet5 lenet5_classic alexnet vgg11_bn vgg6_bn googlenet resnet18 resnet50 resnet20 densenet121 unet mobilenet_v2
         mobilenet_v3_large mobilenet_v3_small squeezenet1_1 shufflenet_v2_x1_0
         efficientnet_b0 regnet_y_400mf (default: all)
       /usr/bin/python3 scripts/parity/make_parity.py --keys OUT.json
  writes, for every zoo model (torchvision's, built without spending time on init, and the reference lenet5/vgg6_bn/resnet20/resnet56/unet),
  {name: {"keys": [...], "shapes": [[...], ...], "num_params": n}} in state-dict order, for the zoo test
  (the efficient CNNs also "macs_224": their conv and linear multiply-accumulates on a 1×3×224×224 input).

Each model is built with torch.manual_seed(0) (torchvision 0.14 for the ImageNet models; reference modules defined
below, mirroring convkit's key by key, for lenet5, vgg6_bn, resnet20 and unet). Batch-norm layers get non-trivial weight, bias,
running_mean, running_var and num_batches_tracked, so that loading the wrong buffer shows in the logits. The model is
put in eval mode and run on a fixed random input.

Output layout, one folder per model: OUT_DIR/<model>/
  weights.pth          torch.save(model.state_dict()) (zip format; num_batches_tracked are int64 as in PyTorch)
  weights.safetensors  the same state dict as safetensors (F32 tensors, num_batches_tracked as I64), keys in order
  weights.bin          every state-dict tensor as raw little-endian float32, concatenated in state-dict order
                       (num_batches_tracked converted to float32)
  input.bin            the input, raw little-endian float32
  logits.bin           model(input) in eval mode, raw little-endian float32
  index.json           {
                         "model": name, "convkit": {"name": zoo name, "options": {...}} (how convkit builds it),
                         "torch": torch.__version__, "torchvision": torchvision.__version__,
                         "num_params": total parameter elements,
                         "input_shape": [...], "logits_shape": [...],
                         "tensors": [{"key": "features.0.weight", "shape": [...], "offset": byte offset in
                                      weights.bin, "dtype": "float32", "torch_dtype": "float32" | "int64"}, ...],
                         "repr": str(model) (PyTorch's printed module tree)
                       }   (tensors in state-dict order)
OUT_DIR/manifest.json lists the models written. Nothing here is committed: the test writes to a temporary folder.
"""
import json
import os
import struct
import sys
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torchvision
import torchvision.models as tvm


# ---- reference modules for the models torchvision does not have (keys mirror convkit's src/models) ----

class LeNet5(nn.Module):
    """convkit's lenet5: features = C1, act, S2, C3, act, S4, C5, act; classifier = F6, act, output."""

    def __init__(self, variant="modern", num_classes=10, in_channels=1):
        super().__init__()
        act = nn.Tanh if variant == "classic" else nn.ReLU
        pool = (lambda: nn.AvgPool2d(2)) if variant == "classic" else (lambda: nn.MaxPool2d(2))
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5), act(), pool(),
            nn.Conv2d(6, 16, 5), act(), pool(),
            nn.Conv2d(16, 120, 5), act(),
        )
        self.classifier = nn.Sequential(nn.Linear(120, 84), act(), nn.Linear(84, num_classes))

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


class SmallVGG(nn.Module):
    """convkit's vgg6_bn: features (3×3 conv + BN + ReLU: 32, 32, pool, 64, 64, pool, 128, pool), avgpool 3×3,
    classifier = dropout, linear."""

    def __init__(self, num_classes=10, in_channels=1):
        super().__init__()
        layers, c = [], in_channels
        for v in (32, 32, "M", 64, 64, "M", 128, "M"):
            if v == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(c, v, 3, padding=1), nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
                c = v
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((3, 3))
        self.classifier = nn.Sequential(nn.Dropout(0.5), nn.Linear(128 * 3 * 3, num_classes))

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


class SmallResNet(nn.Module):
    """convkit's resnet20/resnet56 (He et al. 2015, section 4.2) with torchvision's BasicBlock and 1×1 conv + BN
    shortcuts: conv1, bn1, relu, layer1..3, avgpool, fc."""

    def __init__(self, depth=20, num_classes=10, in_channels=3):
        super().__init__()
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(in_channels, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)

        def stage(cin, cout, stride):
            down = None
            if stride != 1 or cin != cout:
                down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))
            blocks = [torchvision.models.resnet.BasicBlock(cin, cout, stride, down)]
            blocks += [torchvision.models.resnet.BasicBlock(cout, cout) for _ in range(n - 1)]
            return nn.Sequential(*blocks)

        self.layer1 = stage(16, 16, 1)
        self.layer2 = stage(16, 32, 2)
        self.layer3 = stage(32, 64, 2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class DoubleConv(nn.Sequential):
    def __init__(self, cin, cout, bn):
        layers = []
        for a, b in ((cin, cout), (cout, cout)):
            layers.append(nn.Conv2d(a, b, 3, padding=1, bias=not bn))
            if bn:
                layers.append(nn.BatchNorm2d(b))
            layers.append(nn.ReLU())
        super().__init__(*layers)


class UNet(nn.Module):
    """convkit's unet: encoder.{i}, pool, bottleneck, upconvs.{j}, decoder.{j} (j = 0 deepest), head."""

    def __init__(self, in_channels=1, num_classes=2, base_width=64, depth=4, batch_norm=False):
        super().__init__()
        self.depth = depth
        widths = [base_width * 2 ** i for i in range(depth + 1)]
        self.encoder = nn.ModuleList([DoubleConv(in_channels if i == 0 else widths[i - 1], widths[i], batch_norm) for i in range(depth)])
        self.pool = nn.MaxPool2d(2)
        self.bottleneck = DoubleConv(in_channels if depth == 0 else widths[depth - 1], widths[depth], batch_norm)
        levels = list(reversed(widths[:depth]))
        self.upconvs = nn.ModuleList([nn.ConvTranspose2d(2 * w, w, 2, stride=2) for w in levels])
        self.decoder = nn.ModuleList([DoubleConv(2 * w, w, batch_norm) for w in levels])
        self.head = nn.Conv2d(base_width, num_classes, 1)

    def forward(self, x):
        skips = []
        for block in self.encoder:
            x = block(x)
            skips.append(x)
            x = self.pool(x)
        x = self.bottleneck(x)
        for j in range(self.depth):
            up = self.upconvs[j](x)
            x = self.decoder[j](torch.cat([skips[self.depth - 1 - j], up], 1))
        return self.head(x)


UNET_OPTIONS = {"inChannels": 3, "numClasses": 2, "baseWidth": 8, "depth": 3, "batchNorm": True}

# name → (builder, input shape, convkit zoo name, convkit options)
MODELS = OrderedDict([
    ("lenet5", (lambda: LeNet5("modern"), [2, 1, 32, 32], "lenet5", {"variant": "modern"})),
    ("lenet5_classic", (lambda: LeNet5("classic"), [2, 1, 32, 32], "lenet5", {"variant": "classic"})),
    ("alexnet", (lambda: tvm.alexnet(), [1, 3, 64, 64], "alexnet", {})),
    ("vgg11_bn", (lambda: tvm.vgg11_bn(), [1, 3, 32, 32], "vgg11_bn", {})),
    ("vgg6_bn", (lambda: SmallVGG(), [2, 1, 28, 28], "vgg6_bn", {})),
    ("googlenet", (lambda: tvm.googlenet(aux_logits=False, init_weights=True), [1, 3, 64, 64], "googlenet", {})),
    ("resnet18", (lambda: tvm.resnet18(), [1, 3, 64, 64], "resnet18", {})),
    ("resnet50", (lambda: tvm.resnet50(), [1, 3, 64, 64], "resnet50", {})),
    ("resnet20", (lambda: SmallResNet(20), [2, 3, 32, 32], "resnet20", {})),
    ("densenet121", (lambda: tvm.densenet121(), [1, 3, 64, 64], "densenet121", {})),
    ("unet", (lambda: UNet(in_channels=3, num_classes=2, base_width=8, depth=3, batch_norm=True), [2, 3, 32, 32], "unet", UNET_OPTIONS)),
    ("mobilenet_v2", (lambda: tvm.mobilenet_v2(), [1, 3, 96, 96], "mobilenet_v2", {})),
    ("mobilenet_v3_large", (lambda: tvm.mobilenet_v3_large(), [1, 3, 96, 96], "mobilenet_v3_large", {})),
    ("mobilenet_v3_small", (lambda: tvm.mobilenet_v3_small(), [1, 3, 96, 96], "mobilenet_v3_small", {})),
    ("squeezenet1_1", (lambda: tvm.squeezenet1_1(), [1, 3, 64, 64], "squeezenet1_1", {})),
    ("shufflenet_v2_x1_0", (lambda: tvm.shufflenet_v2_x1_0(), [1, 3, 64, 64], "shufflenet_v2_x1_0", {})),
    ("efficientnet_b0", (lambda: tvm.efficientnet_b0(), [1, 3, 64, 64], "efficientnet_b0", {})),
    ("regnet_y_400mf", (lambda: tvm.regnet_y_400mf(), [1, 3, 64, 64], "regnet_y_400mf", {})),
])


def perturb_batchnorm(model, gen):
    """Non-trivial BN parameters and running statistics, so every BN tensor matters for the logits."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                c = m.num_features
                m.weight.copy_(1 + 0.2 * torch.randn(c, generator=gen))
                m.bias.copy_(0.2 * torch.randn(c, generator=gen))
                m.running_mean.copy_(0.2 * torch.randn(c, generator=gen))
                m.running_var.copy_(0.5 + torch.rand(c, generator=gen))
                m.num_batches_tracked.fill_(7)


def write_safetensors(path, sd):
    header, offset, blobs = OrderedDict(), 0, []
    for key, t in sd.items():
        t = t.detach().cpu().contiguous()
        if t.dtype == torch.int64:
            data, dtype = t.numpy().astype("<i8").tobytes(), "I64"
        else:
            data, dtype = t.to(torch.float32).numpy().astype("<f4").tobytes(), "F32"
        header[key] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "pt"}
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * ((8 - len(head) % 8) % 8)  # align the data to 8 bytes, as the reference writer does
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)


def f32(t):
    return t.detach().cpu().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()


def make(name, out_dir):
    build, input_shape, zoo_name, options = MODELS[name]
    torch.manual_seed(0)
    model = build()
    perturb_batchnorm(model, torch.Generator().manual_seed(1))
    model.eval()
    x = torch.randn(input_shape, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        logits = model(x)
    d = os.path.join(out_dir, name)
    os.makedirs(d, exist_ok=True)
    sd = model.state_dict()
    torch.save(sd, os.path.join(d, "weights.pth"))
    write_safetensors(os.path.join(d, "weights.safetensors"), sd)
    tensors, offset = [], 0
    with open(os.path.join(d, "weights.bin"), "wb") as f:
        for key, t in sd.items():
            data = f32(t)
            f.write(data)
            tensors.append({"key": key, "shape": list(t.shape), "offset": offset, "dtype": "float32",
                            "torch_dtype": str(t.dtype).replace("torch.", "")})
            offset += len(data)
    with open(os.path.join(d, "input.bin"), "wb") as f:
        f.write(f32(x))
    with open(os.path.join(d, "logits.bin"), "wb") as f:
        f.write(f32(logits))
    index = {
        "model": name, "convkit": {"name": zoo_name, "options": options},
        "torch": torch.__version__, "torchvision": torchvision.__version__,
        "num_params": sum(p.numel() for p in model.parameters()),
        "input_shape": list(x.shape), "logits_shape": list(logits.shape), "tensors": tensors,
        "repr": str(model),
    }
    with open(os.path.join(d, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
    return index


KEY_MODELS = OrderedDict([
    ("lenet5", lambda: LeNet5()), ("unet", lambda: UNet()), ("unet_bn", lambda: UNet(batch_norm=True)),
    ("alexnet", tvm.alexnet),
    ("vgg11", tvm.vgg11), ("vgg11_bn", tvm.vgg11_bn), ("vgg13", tvm.vgg13), ("vgg13_bn", tvm.vgg13_bn),
    ("vgg16", tvm.vgg16), ("vgg16_bn", tvm.vgg16_bn), ("vgg19", tvm.vgg19), ("vgg19_bn", tvm.vgg19_bn),
    ("vgg6_bn", lambda: SmallVGG()),
    ("googlenet", lambda: tvm.googlenet(aux_logits=False, init_weights=False)),
    ("googlenet_aux", lambda: tvm.googlenet(aux_logits=True, init_weights=False)),
    ("resnet18", tvm.resnet18), ("resnet34", tvm.resnet34), ("resnet50", tvm.resnet50),
    ("resnet101", tvm.resnet101), ("resnet152", tvm.resnet152),
    ("resnet20", lambda: SmallResNet(20)), ("resnet56", lambda: SmallResNet(56)),
    ("densenet121", tvm.densenet121), ("densenet161", tvm.densenet161),
    ("densenet169", tvm.densenet169), ("densenet201", tvm.densenet201),
    ("mobilenet_v2", tvm.mobilenet_v2), ("mobilenet_v3_large", tvm.mobilenet_v3_large),
    ("mobilenet_v3_small", tvm.mobilenet_v3_small), ("squeezenet1_1", tvm.squeezenet1_1),
    ("shufflenet_v2_x1_0", tvm.shufflenet_v2_x1_0), ("efficientnet_b0", tvm.efficientnet_b0),
    ("regnet_y_400mf", tvm.regnet_y_400mf),
])

# the efficient CNNs also get their multiply-accumulates at 224×224 (thop's rule, which nn.summarize follows:
# conv = output elements × Cin/groups × kh × kw, linear = output elements × in_features, nothing else counted)
MACS_MODELS = {"mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small", "squeezenet1_1", "shufflenet_v2_x1_0",
               "efficientnet_b0", "regnet_y_400mf"}


def count_macs(model, shape=(1, 3, 224, 224)):
    total = [0]

    def hook(m, inp, out):
        if isinstance(m, nn.Conv2d):
            total[0] += out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        elif isinstance(m, nn.Linear):
            total[0] += out.numel() * m.in_features

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    model.eval()
    with torch.no_grad():
        model(torch.zeros(shape))
    for h in handles:
        h.remove()
    return total[0]


def dump_keys(path):
    # the keys and shapes do not depend on the initial values: skip the (slow) random init
    noop = lambda t, *a, **k: t
    for fn in ("uniform_", "normal_", "trunc_normal_", "constant_", "kaiming_uniform_", "kaiming_normal_", "zeros_", "ones_"):
        setattr(torch.nn.init, fn, noop)
    out = OrderedDict()
    for name, build in KEY_MODELS.items():
        m = build()
        sd = m.state_dict()
        out[name] = {"keys": list(sd), "shapes": [list(t.shape) for t in sd.values()],
                     "num_params": sum(p.numel() for p in m.parameters())}
        if name in MACS_MODELS:
            out[name]["macs_224"] = count_macs(m)
        del m, sd
    with open(path, "w") as f:
        json.dump(out, f)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--keys":
        dump_keys(sys.argv[2])
        return
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out_dir = sys.argv[1]
    names = sys.argv[2:] or list(MODELS)
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        sys.exit(f"make_parity: unknown model(s) {unknown}; known: {list(MODELS)}")
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(1)
    written = []
    for n in names:
        idx = make(n, out_dir)
        written.append(n)
        print(f"{n}: {idx['num_params']} params, logits {idx['logits_shape']}", flush=True)
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump({"models": written}, f)


if __name__ == "__main__":
    main()
