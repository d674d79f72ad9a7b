"""Repeat-copy episodes drawn exactly as src/Modules.Dnc/Tasks/RepeatCopy.cs draws them, from the same
xoshiro256** stream as src/Modules.Tensors/Random/Generator.cs, so both sides of the comparison train on
identical batches (same episode lengths, same bits) step for step.
"""

import torch

MASK64 = (1 << 64) - 1


def _rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK64


class Generator:
    """xoshiro256** seeded through SplitMix64 (the C# Generator's integer stream)."""

    def __init__(self, seed):
        x = seed & MASK64
        words = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & MASK64
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
            words.append(z ^ (z >> 31))
        self.s = words

    def next_uint64(self):
        s0, s1, s2, s3 = self.s
        result = (_rotl((s1 * 5) & MASK64, 7) * 9) & MASK64
        t = (s1 << 17) & MASK64
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = _rotl(s3, 45)
        self.s = [s0, s1, s2, s3]
        return result

    def next_int(self, lo, hi):
        """Uniform integer in [lo, hi), by rejection sampling like NextInt."""
        span = hi - lo
        limit = MASK64 - MASK64 % span
        while True:
            r = self.next_uint64()
            if r < limit:
                return lo + r % span


class RepeatCopy:
    """DeepMind's repeat_copy task; sample() returns observations [T, B, bits+2], targets [T, B, bits+1], mask [T, B]."""

    def __init__(self, num_bits, batch_size, min_length, max_length, min_repeats, max_repeats, norm_max=10):
        self.num_bits = num_bits
        self.batch_size = batch_size
        self.min_length, self.max_length = min_length, max_length
        self.min_repeats, self.max_repeats = min_repeats, max_repeats
        self.norm_max = norm_max

    @property
    def observation_size(self):
        return self.num_bits + 2

    @property
    def target_size(self):
        return self.num_bits + 1

    def sample(self, rng):
        batch, bits = self.batch_size, self.num_bits
        lengths = [rng.next_int(self.min_length, self.max_length + 1) for _ in range(batch)]
        repeats = [rng.next_int(self.min_repeats, self.max_repeats + 1) for _ in range(batch)]
        steps = max((r + 1) * n + 3 for n, r in zip(lengths, repeats))
        obs = torch.zeros(steps, batch, bits + 2)
        targ = torch.zeros(steps, batch, bits + 1)
        mask = torch.zeros(steps, batch)
        for b in range(batch):
            length, reps = lengths[b], repeats[b]
            pattern = torch.tensor([[float(rng.next_int(0, 2)) for _ in range(bits)] for _ in range(length)])
            obs[0, b, bits] = 1.0
            obs[1:1 + length, b, :bits] = pattern
            obs[length + 1, b, bits + 1] = reps / self.norm_max
            start = length + 2
            targ[start:start + reps * length, b, :bits] = pattern.repeat(reps, 1)
            last = start + reps * length
            targ[last, b, bits] = 1.0
            mask[start:last + 1, b] = 1.0
        return obs, targ, mask


def masked_sigmoid_cross_entropy(logits, targets, mask):
    """Sigmoid cross-entropy summed over features, masked and summed over time, averaged over the batch."""
    xent = torch.nn.functional.softplus(logits) - logits * targets
    return ((xent.sum(2) * mask).sum(0)).sum() / logits.shape[1]


def bit_errors(logits, targets, mask):
    """Masked output bits where (logits > 0) differs from the target, per sequence."""
    wrong = ((logits > 0).float() != targets).float().sum(2) * mask
    return float(wrong.sum()) / logits.shape[1]
