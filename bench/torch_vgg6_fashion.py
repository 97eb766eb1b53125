#!/usr/bin/python3
"""PyTorch reference for the vgg6_bn Fashion-MNIST figures in docs/training.md and BENCHMARKS.md: the same network
(3×3 conv + BN + ReLU 32,32,pool,64,64,pool,128,pool, dropout, linear), SGD Nesterov 0.9, wd 5e-4, one-cycle, batch 64,
on 2 threads; prints seconds per epoch (→ images/s) and held-out accuracy. Convs here have no bias (BN follows) and
the 2-pixel shift is drawn per batch, not per image.
Usage: /usr/bin/python3 bench/torch_vgg6_fashion.py "[32,32,'M',64,64,'M',128,'M']" EPOCHS AUGMENT(0|1) [LR]
"""
import gzip, sys, time, numpy as np, torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(2); torch.manual_seed(0)
D='/usr/share/datasets/fashion-mnist/'
def idx(f, off): return np.frombuffer(gzip.open(D+f).read(), np.uint8, offset=off)
xtr=torch.tensor(idx('train-images-idx3-ubyte.gz',16).reshape(-1,1,28,28)/255.,dtype=torch.float32); ytr=torch.tensor(idx('train-labels-idx1-ubyte.gz',8).astype(np.int64))
xte=torch.tensor(idx('t10k-images-idx3-ubyte.gz',16).reshape(-1,1,28,28)/255.,dtype=torch.float32); yte=torch.tensor(idx('t10k-labels-idx1-ubyte.gz',8).astype(np.int64))
xtr=(xtr-0.286)/0.353; xte=(xte-0.286)/0.353
cfg=eval(sys.argv[1]); epochs=int(sys.argv[2]); aug=sys.argv[3]=='1'; lr=float(sys.argv[4]) if len(sys.argv)>4 else 0.05
L=[]; c=1
for v in cfg:
  if v=='M': L.append(nn.MaxPool2d(2))
  else: L+= [nn.Conv2d(c,v,3,padding=1,bias=False), nn.BatchNorm2d(v), nn.ReLU()]; c=v
s=28
for v in cfg:
  if v=='M': s//=2
net=nn.Sequential(*L, nn.Flatten(), nn.Dropout(0.5), nn.Linear(c*s*s,10))
opt=torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
bs=64; steps=len(xtr)//bs
sch=torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs*steps)
for ep in range(epochs):
  net.train(); perm=torch.randperm(len(xtr)); t0=time.time()
  for i in range(steps):
    b=perm[i*bs:(i+1)*bs]; x=xtr[b]; y=ytr[b]
    if aug:
      x=F.pad(x,(2,2,2,2)); dx,dy=np.random.randint(0,5,2); x=x[:,:,dy:dy+28,dx:dx+28]
      flip=torch.rand(bs)<0.5; x=torch.where(flip[:,None,None,None], x.flip(3), x)
    loss=F.cross_entropy(net(x),y); opt.zero_grad(); loss.backward(); opt.step(); sch.step()
  net.eval()
  with torch.no_grad(): acc=sum((net(xte[i:i+1000]).argmax(1)==yte[i:i+1000]).sum().item() for i in range(0,10000,1000))/100
  print(f'epoch {ep+1} {time.time()-t0:.1f}s acc {acc:.2f}', flush=True)
