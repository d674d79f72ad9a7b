"""What the reference training drivers (train_dnc.py, train_ntm.py) share: their common flags, TF1 RMSProp,
tf.clip_by_global_norm, and the training loop on the C# generator's episode stream (seed 2*seed+1), timed, printing one
line per step with --print-losses and ending with
  RESULT side=pytorch steps=30 seconds=... steps_per_second=... ms_per_step=...
"""

import time

import torch

from repeat_copy import Generator, bit_errors
from safetensors_io import read_safetensors


class RmsPropTf1:
    """tf.train.RMSPropOptimizer without momentum: ms <- decay*ms + (1-decay)*g^2 (ms starts at 1), p -= lr*g/sqrt(ms+eps)."""

    def __init__(self, params, lr, decay=0.9, epsilon=1e-10):
        self.params, self.lr, self.decay, self.epsilon = params, lr, decay, epsilon
        self.ms = [torch.ones_like(p) for p in params]

    @torch.no_grad()
    def step(self):
        for p, ms in zip(self.params, self.ms):
            g = p.grad
            ms.mul_(self.decay).addcmul_(g, g, value=1 - self.decay)
            p.addcdiv_(g, torch.sqrt(ms + self.epsilon), value=-self.lr)


@torch.no_grad()
def clip_by_global_norm(params, max_norm):
    """tf.clip_by_global_norm: every gradient times max_norm / max(global_norm, max_norm); returns the norm."""
    grads = [p.grad for p in params]
    norm = torch.sqrt(sum((g * g).sum() for g in grads))
    scale = max_norm / torch.maximum(norm, torch.tensor(max_norm))
    for g in grads:
        g.mul_(scale)
    return float(norm)


def add_common_arguments(p, **defaults):
    """Model sizes (defaults given per driver), optimisation, episode lengths and the timing flags, in kebab case."""
    for flag in ("hidden-size", "memory-size", "word-size", "num-write-heads", "num-read-heads", "num-bits",
                 "batch-size", "min-length", "max-length"):
        p.add_argument(f"--{flag}", type=int, default=defaults[flag.replace("-", "_")])
    p.add_argument("--clip-value", type=float, default=20.0)
    p.add_argument("--max-grad-norm", type=float, default=50.0)
    p.add_argument("--learning-rate", type=float, default=1e-4)
    p.add_argument("--optimizer-epsilon", type=float, default=1e-10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--warmup-steps", type=int, default=5, help="untimed steps first")
    p.add_argument("--steps", type=int, default=30, help="timed steps")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    p.add_argument("--init-from", default=None, help="safetensors file with param/<path> tensors to start from")
    p.add_argument("--print-losses", action="store_true", help="print every step's loss")


def load_parameters(params, path):
    """Copies param/<path> tensors of a safetensors file into the parameters."""
    loaded, _ = read_safetensors(path)
    with torch.no_grad():
        for name, p in params.items():
            p.copy_(loaded["param/" + name])


def train(args, task, make_parameters, run_model, cost):
    """Trains with the flags in args: make_parameters() -> {path: tensor}, run_model(observations, params) -> logits,
    cost(logits, targets, mask) -> scalar loss; task.sample(rng) gives the batches. Prints the RESULT line."""
    torch.set_num_threads(args.threads)
    params = make_parameters()
    if args.init_from:
        load_parameters(params, args.init_from)
    plist = list(params.values())
    optimizer = RmsPropTf1(plist, args.learning_rate, epsilon=args.optimizer_epsilon)
    rng = Generator(args.seed * 2 + 1)

    def train_step():
        obs, targ, mask = task.sample(rng)
        logits = run_model(obs, params)
        loss = cost(logits, targ, mask)
        for p in plist:
            p.grad = None
        loss.backward()
        clip_by_global_norm(plist, args.max_grad_norm)
        optimizer.step()
        return float(loss), bit_errors(logits.detach(), targ, mask), obs.shape[0]

    run_timed(train_step, args, sum(p.numel() for p in plist))


def run_timed(train_step, args, parameter_count):
    """Warm-up steps, then timed steps of train_step() -> (loss, bit errors, episode length); prints the RESULT line."""
    print(f"pytorch {torch.__version__}, threads {torch.get_num_threads()}, parameters {parameter_count}", flush=True)
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
