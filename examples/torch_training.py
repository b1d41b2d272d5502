"""Training a small PyTorch model with a LossKit loss: `losskit.torch` functions and modules
have torch.nn.functional's signatures and work in autograd on CPU tensors, so they drop into an
existing training loop. The same model trained with PyTorch's own HuberLoss ends with the same
weights.

Run: python examples/torch_training.py
"""
import torch

import losskit.torch as lkt


def make_model(seed):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1)).double()


def train(criterion, x, y, steps=200):
    model = make_model(0)
    optimiser = torch.optim.SGD(model.parameters(), lr=0.05)
    for _ in range(steps):
        optimiser.zero_grad()
        loss = criterion(model(x).squeeze(1), y)
        loss.backward()
        optimiser.step()
    return model, float(loss.detach())


def main():
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(256, 8, generator=generator, dtype=torch.float64)
    y = x[:, :3].sum(dim=1) + 0.1 * torch.randn(256, generator=generator, dtype=torch.float64)
    y[::17] += 10.0   # outliers
    ours, ours_loss = train(lkt.HuberLoss(delta=0.5), x, y)
    theirs, theirs_loss = train(torch.nn.HuberLoss(delta=0.5), x, y)
    difference = max(float((a - b).abs().max()) for a, b in zip(ours.parameters(), theirs.parameters()))
    print(f"final loss: losskit {ours_loss:.6f}, pytorch {theirs_loss:.6f}")
    print(f"largest weight difference after training: {difference:.3g}")


if __name__ == "__main__":
    main()
