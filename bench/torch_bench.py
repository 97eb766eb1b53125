# PyTorch side of `npm run bench`: conv2d forward / forward+backward on the bench shapes, LeNet-5 training
# throughput (batch 64, SGD momentum 0.9), LeNet-5 batch-1 inference and ResNet-18 / VGG-16 batch-1 inference; prints
# one JSON object. --mobile adds MobileNetV2, MobileNetV3-Large, EfficientNet-B0 and ShuffleNetV2 x1.0 batch-1 inference
# (torchvision 0.14, random weights), depthwise 3x3 forward (32 channels at 112², 144 at 56²) and the MobileNetV2 SGD
# step at batch 32 on SIDE² inputs (--train-side=SIDE, 96 by default); --only-mobile runs those alone.
# usage: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/torch_bench.py THREADS '<shapes json>' [--models] [--quick]
#        [--mobile | --only-mobile] [--train-side=SIDE]
import json, math, os, sys, time
import torch, torch.nn as nn, torch.nn.functional as F

threads = int(sys.argv[1])
shapes = json.loads(sys.argv[2])
with_models = "--models" in sys.argv
quick = "--quick" in sys.argv
only_mobile = "--only-mobile" in sys.argv
with_mobile = only_mobile or "--mobile" in sys.argv
train_side = int(next((a.split("=")[1] for a in sys.argv if a.startswith("--train-side=")), "96"))
torch.set_num_threads(threads)
torch.manual_seed(0)
MIN_TIME = 0.3 if quick else 1.0


def bench(fn, warm=2):
    for _ in range(warm):
        fn()
    t = time.perf_counter(); fn(); est = time.perf_counter() - t
    # as bench/timing.ts: at least 5 calls, 3 when one takes over a second
    reps = int(max(3 if est > 1 else 5, min(50, math.ceil(MIN_TIME / max(est, 1e-6)))))
    ts = []
    for _ in range(reps):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    ts.sort()
    return {"min": ts[0] * 1e3, "median": ts[len(ts) // 2] * 1e3, "reps": reps}


out = {"torch": torch.__version__, "threads": torch.get_num_threads(),
       "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"), "conv": {}}
if not only_mobile:
    for name, s in shapes.items():
        N, Cin, H, W, Cout, k, st, p = s["N"], s["Cin"], s["H"], s["W"], s["Cout"], s["k"], s["s"], s["p"]
        Ho = (H + 2 * p - k) // st + 1; Wo = (W + 2 * p - k) // st + 1
        x = torch.randn(N, Cin, H, W); w = torch.randn(Cout, Cin, k, k) * 0.1; dy = torch.randn(N, Cout, Ho, Wo)

        def fwd():
            with torch.no_grad():
                return F.conv2d(x, w, None, st, p)
        xg = x.clone().requires_grad_(True); wg = w.clone().requires_grad_(True)

        def fwdbwd():
            xg.grad = None; wg.grad = None
            F.conv2d(xg, wg, None, st, p).backward(dy)
        out["conv"][name] = {"fwd": bench(fwd), "fwdbwd": bench(fwdbwd)}

    # LeNet-5 as in the anchors (FC 400→120 is the same computation as convkit's C5 5×5 conv on a 5×5 map).
    net = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    lossf = nn.CrossEntropyLoss()
    B = 64
    data = [(torch.randn(B, 1, 32, 32), torch.randint(0, 10, (B,))) for _ in range(8)]


    def step(i):
        xb, yb = data[i % len(data)]
        opt.zero_grad(set_to_none=True)
        loss = lossf(net(xb), yb); loss.backward(); opt.step()


    for i in range(20):
        step(i)
    steps = 60 if quick else 200
    t0 = time.perf_counter()
    for i in range(steps):
        step(i)
    out["lenet_train_img_s"] = B * steps / (time.perf_counter() - t0)

    # vgg6_bn (src/models/vgg-small.ts: 3×3 conv + BN + ReLU at 32, 32, M, 64, 64, M, 128, M; 3×3 average; dropout;
    # linear) training step at batch 128 on 28×28 grey images, the Fashion-MNIST recipe's model, with the same SGD.
    L, c = [], 1
    for v in [32, 32, "M", 64, 64, "M", 128, "M"]:
        if v == "M":
            L.append(nn.MaxPool2d(2))
        else:
            L += [nn.Conv2d(c, v, 3, padding=1), nn.BatchNorm2d(v), nn.ReLU()]
            c = v
    vgg = nn.Sequential(*L, nn.AdaptiveAvgPool2d(3), nn.Flatten(), nn.Dropout(0.5), nn.Linear(128 * 9, 10)).train()
    vopt = torch.optim.SGD(vgg.parameters(), lr=0.01, momentum=0.9)
    vdata = [(torch.randn(128, 1, 28, 28), torch.randint(0, 10, (128,))) for _ in range(4)]
    vi = [0]

    def vgg_step():
        xb, yb = vdata[vi[0] % 4]
        vi[0] += 1
        vopt.zero_grad(set_to_none=True)
        lossf(vgg(xb), yb).backward()
        vopt.step()
    out["vgg6_bn_train"] = bench(vgg_step, warm=2)

    # LeNet-5 inference at batch 1 with src/models/lenet.ts's layers (C5 a convolution), as in bench/make_onnx.py's file.
    lenet = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(16, 120, 5), nn.ReLU(), nn.Flatten(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10)).eval()
    x1 = torch.randn(1, 1, 32, 32)


    def lenet_inf():
        with torch.no_grad():
            lenet(x1)
    out["lenet_infer"] = bench(lenet_inf)

if with_models and not only_mobile:
    import torchvision
    out["models"] = {}
    for name, ctor in [("resnet18", torchvision.models.resnet18), ("vgg16", torchvision.models.vgg16)]:
        m = ctor().eval()
        xin = torch.randn(1, 3, 224, 224)

        def inf():
            with torch.no_grad():
                m(xin)
        out["models"][name] = bench(inf, warm=1)

if with_mobile:
    import torchvision
    out["mobile"] = {}
    for name in ["mobilenet_v2", "mobilenet_v3_large", "efficientnet_b0", "shufflenet_v2_x1_0"]:
        m = getattr(torchvision.models, name)().eval()
        xin = torch.randn(1, 3, 224, 224)

        def inf():
            with torch.no_grad():
                m(xin)
        out["mobile"][name] = bench(inf, warm=1)
    out["depthwise"] = {}
    for c, h in [(32, 112), (144, 56)]:
        xd = torch.randn(1, c, h, h); wd = torch.randn(c, 1, 3, 3); bd = torch.randn(c)

        def dw():
            with torch.no_grad():
                F.conv2d(xd, wd, bd, 1, 1, 1, c)
        out["depthwise"][f"{c}@{h}"] = bench(dw, warm=3)
    # the MobileNetV2 step as bench/profile-step.ts's makeTrainStep: SGD lr 0.01 momentum 0.9, 4 random batches in turn
    mv2 = torchvision.models.mobilenet_v2().train()
    opt2 = torch.optim.SGD(mv2.parameters(), lr=0.01, momentum=0.9)
    batches = [(torch.randn(32, 3, train_side, train_side), torch.randint(0, 1000, (32,))) for _ in range(4)]
    it = [0]

    def train_step():
        xb, yb = batches[it[0] % 4]; it[0] += 1
        opt2.zero_grad(set_to_none=True)
        F.cross_entropy(mv2(xb), yb).backward(); opt2.step()
    out["mobilenet_v2_train"] = dict(bench(train_step, warm=1), side=train_side)
print(json.dumps(out))
