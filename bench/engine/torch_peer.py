"""PyTorch peer for bench/engine: CNN4Conv 28x28x3, batch 64, the same measurements as engine.bench.ts.

Run: /usr/bin/python3 bench/engine/torch_peer.py [--runs 5] -> prints one JSON object.
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = CNN4Conv()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-5)
    x = torch.rand(64, 3, 28, 28)
    y = torch.randint(0, 5, (64,))

    def step():
        opt.zero_grad()
        logits, _ = model(x)
        F.cross_entropy(logits, y).backward()
        opt.step()

    model.train()
    for _ in range(3):
        step()
    steps = 8
    train = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        train.append(64 * steps / (time.perf_counter() - t0))

    model.eval()
    xb = torch.rand(256, 3, 28, 28)
    infer = []
    with torch.no_grad():
        model(xb)
        for _ in range(args.runs):
            t0 = time.perf_counter()
            for _ in range(4):
                logits, h = model(xb)
                torch.softmax(logits, 1)
            infer.append(256 * 4 / (time.perf_counter() - t0))

    data = torch.rand(5000, 3, 28, 28)
    embed = []
    with torch.no_grad():
        for _ in range(max(1, args.runs // 2)):
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
        "embed_5000_s": statistics.median(embed),
        "train_runs": train,
        "infer_runs": infer,
        "embed_runs": embed,
    }))


if __name__ == "__main__":
    main()
