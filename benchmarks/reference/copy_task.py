"""The NTM paper's copy task drawn exactly as src/Modules.Dnc/Tasks/CopyTask.cs draws it, from the same generator stream
(repeat_copy.Generator), so both sides of the NTM comparison train on identical batches step for step.
"""

import math

import torch


class CopyTask:
    """sample() returns observations [T, B, bits+1], targets [T, B, bits], mask [T, B] with T = 2 * max length + 1."""

    def __init__(self, num_bits, batch_size, min_length, max_length):
        self.num_bits, self.batch_size = num_bits, batch_size
        self.min_length, self.max_length = min_length, max_length

    @property
    def observation_size(self):
        return self.num_bits + 1

    @property
    def target_size(self):
        return self.num_bits

    def sample(self, rng):
        batch, bits = self.batch_size, self.num_bits
        lengths = [rng.next_int(self.min_length, self.max_length + 1) for _ in range(batch)]
        steps = 2 * max(lengths) + 1
        obs = torch.zeros(steps, batch, bits + 1)
        targ = torch.zeros(steps, batch, bits)
        mask = torch.zeros(steps, batch)
        for b, length in enumerate(lengths):
            pattern = torch.tensor([[float(rng.next_int(0, 2)) for _ in range(bits)] for _ in range(length)])
            obs[:length, b, :bits] = pattern
            targ[length + 1:2 * length + 1, b] = pattern
            obs[length, b, bits] = 1.0
            mask[length + 1:2 * length + 1, b] = 1.0
        return obs, targ, mask


def cost_in_bits(logits, targets, mask):
    """Masked sigmoid cross-entropy summed over time and bits, averaged over the batch, in bits (CopyTask.Cost)."""
    xent = torch.nn.functional.softplus(logits) - logits * targets
    return ((xent.sum(2) * mask).sum(0)).sum() / logits.shape[1] / math.log(2.0)
