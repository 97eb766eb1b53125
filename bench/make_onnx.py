# ONNX models for the onnxruntime-node and onnxruntime-web sides of `npm run bench`: one Conv node per bench shape (no
# bias, opset 13, like the anchors' make_conv_onnx.py), LeNet-5 at batch 1 with the layers of src/models/lenet.ts
# ('modern': C5 a 5×5 convolution, then F6 and the output) and, with --models, torchvision ResNet-18 / VGG-16 (random
# weights) and, with --mobile, torchvision 0.14's MobileNetV2, MobileNetV3-Large, EfficientNet-B0 and ShuffleNetV2 x1.0
# (random weights, seed 0, opset 13: the files every ONNX engine of the bench runs, convkit's io.loadOnnx included).
# Input "x", output "y".
# usage: /usr/bin/python3 bench/make_onnx.py OUTDIR '<shapes json>' [--models] [--mobile]
import json, os, sys
import numpy as np, onnx
from onnx import helper, TensorProto, numpy_helper

out = sys.argv[1]
shapes = json.loads(sys.argv[2])
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(0)
for name, s in shapes.items():
    path = os.path.join(out, f"conv_{name}.onnx")
    N, Cin, H, W, Cout, k, st, p = s["N"], s["Cin"], s["H"], s["W"], s["Cout"], s["k"], s["s"], s["p"]
    Ho = (H + 2 * p - k) // st + 1; Wo = (W + 2 * p - k) // st + 1
    w = (rng.standard_normal((Cout, Cin, k, k)) * 0.1).astype(np.float32)
    node = helper.make_node("Conv", ["x", "w"], ["y"], kernel_shape=[k, k], strides=[st, st], pads=[p, p, p, p])
    g = helper.make_graph([node], "conv_" + name,
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [N, Cin, H, W])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [N, Cout, Ho, Wo])],
                          initializer=[numpy_helper.from_array(w, "w")])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    onnx.save(m, path)

import torch, torch.nn as nn
lenet = os.path.join(out, "lenet5.onnx")
if not os.path.exists(lenet):
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(16, 120, 5), nn.ReLU(), nn.Flatten(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    torch.onnx.export(net.eval(), torch.randn(1, 1, 32, 32), lenet, input_names=["x"], output_names=["y"], opset_version=13)
if "--models" in sys.argv:
    import torchvision
    for name, ctor in [("resnet18", torchvision.models.resnet18), ("vgg16", torchvision.models.vgg16)]:
        path = os.path.join(out, f"{name}.onnx")
        if os.path.exists(path):
            continue
        torch.onnx.export(ctor().eval(), torch.randn(1, 3, 224, 224), path, input_names=["x"], output_names=["y"],
                          opset_version=13)
if "--mobile" in sys.argv:
    import torchvision
    for name in ["mobilenet_v2", "mobilenet_v3_large", "efficientnet_b0", "shufflenet_v2_x1_0"]:
        path = os.path.join(out, f"{name}.onnx")
        if os.path.exists(path):
            continue
        torch.manual_seed(0)
        torch.onnx.export(getattr(torchvision.models, name)().eval(), torch.randn(1, 3, 224, 224), path,
                          input_names=["x"], output_names=["y"], opset_version=13)
print("ok")
