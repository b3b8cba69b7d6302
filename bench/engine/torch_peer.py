"""PyTorch peer for bench/engine: CNN4Conv 28x28x3, batch 64, the same measurements as engine.bench.ts;
with --model resnet9s / --size N the same network as src/engine/models/resnet9s.ts (architectures.bench.ts).

Run: /usr/bin/python3 bench/engine/torch_peer.py [--runs 5] [--model cnn4conv|resnet9s] [--size 28] [--no-embed]
-> prints one JSON object.
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class CNN4Conv(nn.Module):
    def __init__(self, in_ch=3, num_classes=5):
        super().__init__()
        layers = []
        c = in_ch
        for _ in range(4):
            layers += [nn.Conv2d(c, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2)]
            c = 64
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        h = torch.flatten(self.features(x), 1)
        return self.fc(h), h


def unit(cin, cout, pool):
    layers = [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU()]
    return nn.Sequential(*(layers + [nn.MaxPool2d(2)] if pool else layers))


class ResNet9s(nn.Module):
    """src/engine/models/resnet9s.ts: prep 16, layer1 32 + pool + residual, layer2 64 + pool,
    layer3 128 + pool + residual, global average pool, linear."""

    def __init__(self, in_ch=3, num_classes=5):
        super().__init__()
        self.prep = unit(in_ch, 16, False)
        self.layer1 = unit(16, 32, True)
        self.res1 = nn.Sequential(unit(32, 32, False), unit(32, 32, False))
        self.layer2 = unit(32, 64, True)
        self.layer3 = unit(64, 128, True)
        self.res3 = nn.Sequential(unit(128, 128, False), unit(128, 128, False))
        self.fc = nn.Linear(128, num_classes)

    def forward(self, x):
        x = self.layer1(self.prep(x))
        x = x + self.res1(x)
        x = self.layer3(self.layer2(x))
        x = x + self.res3(x)
        h = x.mean(dim=(2, 3))
        return self.fc(h), h


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--model", choices=["cnn4conv", "resnet9s"], default="cnn4conv")
    ap.add_argument("--size", type=int, default=28)
    ap.add_argument("--no-embed", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    S = args.size
    model = CNN4Conv() if args.model == "cnn4conv" else ResNet9s()
    if args.model == "cnn4conv" and S != 28:
        model.fc = nn.Linear(64 * (S // 16) ** 2, 5)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-5)
    x = torch.rand(64, 3, S, S)
    y = torch.randint(0, 5, (64,))

    def step():
        opt.zero_grad()
        logits, _ = model(x)
        F.cross_entropy(logits, y).backward()
        opt.step()

    model.train()
    for _ in range(3):
        step()
    # Fewer timed batches at larger inputs (each one costs (S/28)^2 more), so a case takes seconds.
    steps = max(2, round(8 * (28 / S) ** 2))
    reps = max(1, round(4 * (28 / S) ** 2))
    train = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        train.append(64 * steps / (time.perf_counter() - t0))

    model.eval()
    xb = torch.rand(256, 3, S, S)
    infer = []
    with torch.no_grad():
        model(xb)
        for _ in range(args.runs):
            t0 = time.perf_counter()
            for _ in range(reps):
                logits, h = model(xb)
                torch.softmax(logits, 1)
            infer.append(256 * reps / (time.perf_counter() - t0))

    data = torch.rand(5000, 3, S, S) if not args.no_embed else None
    embed = []
    with torch.no_grad():
        for _ in range(0 if args.no_embed else max(1, args.runs // 2)):
            t0 = time.perf_counter()
            outs = []
            for i in range(0, 5000, 256):
                logits, h = model(data[i:i + 256])
                p = torch.softmax(logits, 1)
                onehot = F.one_hot(p.argmax(1), 5).float()
                outs.append(((onehot - p)[:, :, None] * h[:, None, :]).reshape(len(p), -1))
            torch.cat(outs)
            embed.append(time.perf_counter() - t0)

    print(json.dumps({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "train_img_s": statistics.median(train),
        "infer_img_s": statistics.median(infer),
        "embed_5000_s": statistics.median(embed) if embed else None,
        "model": args.model,
        "size": S,
        "train_runs": train,
        "infer_runs": infer,
        "embed_runs": embed,
    }))


if __name__ == "__main__":
    main()
