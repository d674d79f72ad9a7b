"""Trains the PyTorch reference NTM on the copy task exactly as `Modules.Benchmarks ntm-train` (and
examples/Dnc.Train --model ntm --task copy) does, and prints steps per second.

Same flags (kebab case) and defaults (the NTM paper's copy configuration: LSTM controller 100, memory 128 x 20, one read
and one write head, 8-bit vectors, lengths 1-20, batch 16), the same training step (unroll, masked sigmoid cross-entropy
in bits, tf.clip_by_global_norm at 50, TF1 RMSProp) and the same episodes (the batch stream is the C# Generator seeded
with 2*seed+1). Parameters are initialised by torch (same distributions, other random numbers) unless --init-from gives
a safetensors file of param/<path> tensors.

  python3 train_ntm.py --warmup-steps 5 --steps 30 --threads 2
ends with
  RESULT side=pytorch steps=30 seconds=... steps_per_second=... ms_per_step=...
"""

import argparse
import sys

from copy_task import CopyTask, cost_in_bits
from ntm_torch import NtmConfig, init_parameters, unroll
from timed_training import add_common_arguments, train


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(p, hidden_size=100, memory_size=128, word_size=20, num_write_heads=1, num_read_heads=1,
                         num_bits=8, batch_size=16, min_length=1, max_length=20)
    return p.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    task = CopyTask(args.num_bits, args.batch_size, args.min_length, args.max_length)
    cfg = NtmConfig(task.observation_size, task.target_size, args.hidden_size, args.memory_size, args.word_size,
                    args.num_read_heads, args.num_write_heads, args.clip_value)
    train(args, task, lambda: init_parameters(cfg, args.seed), lambda obs, params: unroll(cfg, params, obs)[0], cost_in_bits)


if __name__ == "__main__":
    main(sys.argv[1:])
