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
import time

import torch

from copy_task import CopyTask, cost_in_bits
from ntm_torch import NtmConfig, init_parameters, unroll
from repeat_copy import Generator, bit_errors
from safetensors_io import read_safetensors
from train_dnc import RmsPropTf1, clip_by_global_norm


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--hidden-size", type=int, default=100)
    p.add_argument("--memory-size", type=int, default=128)
    p.add_argument("--word-size", type=int, default=20)
    p.add_argument("--num-write-heads", type=int, default=1)
    p.add_argument("--num-read-heads", type=int, default=1)
    p.add_argument("--clip-value", type=float, default=20.0)
    p.add_argument("--max-grad-norm", type=float, default=50.0)
    p.add_argument("--learning-rate", type=float, default=1e-4)
    p.add_argument("--optimizer-epsilon", type=float, default=1e-10)
    p.add_argument("--num-bits", type=int, default=8)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--min-length", type=int, default=1)
    p.add_argument("--max-length", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--warmup-steps", type=int, default=5, help="untimed steps first")
    p.add_argument("--steps", type=int, default=30, help="timed steps")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    p.add_argument("--init-from", default=None, help="safetensors file with param/<path> tensors to start from")
    p.add_argument("--print-losses", action="store_true", help="print every step's loss")
    return p.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    task = CopyTask(args.num_bits, args.batch_size, args.min_length, args.max_length)
    cfg = NtmConfig(task.observation_size, task.target_size, args.hidden_size, args.memory_size, args.word_size,
                    args.num_read_heads, args.num_write_heads, args.clip_value)
    params = init_parameters(cfg, args.seed)
    if args.init_from:
        loaded, _ = read_safetensors(args.init_from)
        with torch.no_grad():
            for path, p in params.items():
                p.copy_(loaded["param/" + path])
    plist = list(params.values())
    optimizer = RmsPropTf1(plist, args.learning_rate, epsilon=args.optimizer_epsilon)
    rng = Generator(args.seed * 2 + 1)

    def train_step():
        obs, targ, mask = task.sample(rng)
        logits, _ = unroll(cfg, params, obs)
        loss = cost_in_bits(logits, targ, mask)
        for p in plist:
            p.grad = None
        loss.backward()
        clip_by_global_norm(plist, args.max_grad_norm)
        optimizer.step()
        return float(loss), bit_errors(logits.detach(), targ, mask), obs.shape[0]

    print(f"pytorch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"parameters {sum(p.numel() for p in plist)}", flush=True)
    for i in range(args.warmup_steps):
        loss, errs, t = train_step()
        if args.print_losses:
            print(f"step {i} T={t} loss {loss:.6f} bit_errors {errs:.4f}", flush=True)
    total_t = 0
    start = time.perf_counter()
    for i in range(args.steps):
        loss, errs, t = train_step()
        total_t += t
        if args.print_losses:
            print(f"step {args.warmup_steps + i} T={t} loss {loss:.6f} bit_errors {errs:.4f}", flush=True)
    seconds = time.perf_counter() - start
    print(f"RESULT side=pytorch steps={args.steps} time_steps={total_t} seconds={seconds:.3f} "
          f"steps_per_second={args.steps / seconds:.3f} ms_per_step={1000 * seconds / args.steps:.2f} "
          f"last_loss={loss:.6f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
