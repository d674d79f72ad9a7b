"""Trains the PyTorch reference DNC on repeat copy exactly as examples/Dnc.Train does, and prints steps per second.

Same flags (kebab case) and defaults as Dnc.Train, the same training step (unroll, masked sigmoid cross-entropy,
tf.clip_by_global_norm at 50, TF1 RMSProp: ms starts at 1, decay 0.9, update lr*g/sqrt(ms+eps)) and the same
episodes (the batch stream is the C# Generator seeded with 2*seed+1). Parameters are initialised by torch
(same distributions, other random numbers) unless --init-from gives a safetensors file of param/<path> tensors.

  python3 train_dnc.py --warmup-steps 5 --steps 30 --threads 2
prints one line per phase and ends with
  RESULT side=pytorch steps=30 seconds=... steps_per_second=... ms_per_step=...
"""

import argparse
import sys

from dnc_torch import DncConfig, init_parameters, unroll
from repeat_copy import RepeatCopy, masked_sigmoid_cross_entropy
from timed_training import add_common_arguments, train


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(p, hidden_size=64, memory_size=16, word_size=16, num_write_heads=1, num_read_heads=4,
                         num_bits=4, batch_size=16, min_length=1, max_length=2)
    p.add_argument("--min-repeats", type=int, default=1)
    p.add_argument("--max-repeats", type=int, default=2)
    return p.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    task = RepeatCopy(args.num_bits, args.batch_size, args.min_length, args.max_length,
                      args.min_repeats, args.max_repeats)
    cfg = DncConfig(task.observation_size, task.target_size, args.hidden_size, args.memory_size, args.word_size,
                    args.num_read_heads, args.num_write_heads, args.clip_value)
    train(args, task, lambda: init_parameters(cfg, args.seed), lambda obs, params: unroll(cfg, params, obs)[0],
          masked_sigmoid_cross_entropy)


if __name__ == "__main__":
    main(sys.argv[1:])
