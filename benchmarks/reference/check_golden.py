"""Checks the PyTorch reference against the golden vectors the C# tests use (README.md here): outputs,
final state and the gradients of sum(output * probe), to rtol 1e-4 / atol 1e-5
(per-cell state after relabelling cells, see cell_permutation).

  python3 check_golden.py [file.safetensors ...]
Defaults to the copies in tests/Modules.Dnc.Tests/TestData. Exits 1 on any mismatch.
"""

import os
import sys

import torch

from dnc_torch import DncConfig, unroll
from safetensors_io import read_safetensors

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_FILES = [os.path.join(HERE, "..", "..", "tests", "Modules.Dnc.Tests", "TestData", name)
                 for name in ("dnc-small.safetensors", "dnc-two-writes-clipped.safetensors")]
STATE_KEYS = {"memory": "memory", "read_weights": "read_weights", "write_weights": "write_weights", "link": "link",
              "precedence_weights": "precedence", "usage": "usage", "access_output": "read_words",
              "lstm_h": "h", "lstm_c": "c"}


def cell_permutation(golden_memory, memory, atol=1e-5):
    """perm[b][r] = our cell holding golden cell r, matched greedily by memory rows.

    The golden files come from a float64 implementation that can break float32 usage ties differently, so the
    same contents may sit in differently numbered cells; the DNC is equivariant under relabelling cells, so
    per-cell state is compared after relabelling (as tests/Modules.Dnc.Tests/Golden/CellPermutation.cs does).
    """
    perms = []
    for b in range(golden_memory.shape[0]):
        free = list(range(memory.shape[1]))
        perm = []
        for r in range(golden_memory.shape[1]):
            diffs = [(golden_memory[b, r] - memory[b, q]).abs().max().item() for q in free]
            best = min(range(len(free)), key=diffs.__getitem__)
            if diffs[best] > atol:
                raise AssertionError(f"batch {b}: golden memory row {r} matches no remaining row (closest {diffs[best]:.3g})")
            perm.append(free.pop(best))
        perms.append(perm)
    return torch.tensor(perms)


def relabel(t, perm, cell_axes=1):
    """Reorders the trailing cell axes (each N) of [B, ..., N] (or [B, ..., N, N]) by perm [B, N]."""
    out = torch.empty_like(t)
    for b in range(t.shape[0]):
        x = t[b].index_select(-1, perm[b])
        if cell_axes == 2:
            x = x.index_select(-2, perm[b])
        out[b] = x
    return out


def check_file(path):
    torch.set_default_dtype(torch.float32)
    tensors, meta = read_safetensors(path)
    clip = meta.get("clip_value", "null")
    cfg = DncConfig(int(meta["input_size"]), int(meta["output_size"]), int(meta["hidden_size"]),
                    int(meta["memory_size"]), int(meta["word_size"]), int(meta["num_reads"]),
                    int(meta["num_writes"]), 0.0 if clip in ("null", "None", "") else float(clip))
    params = {k[len("param/"):]: v.clone().requires_grad_(True) for k, v in tensors.items() if k.startswith("param/")}
    outputs, state = unroll(cfg, params, tensors["input"])
    (outputs * tensors["probe"]).sum().backward()

    failures = []

    def compare(name, actual, expected):
        if not torch.allclose(actual, expected, rtol=1e-4, atol=1e-5):
            diff = (actual - expected).abs().max().item()
            failures.append(f"{name}: max |diff| {diff:.3g}")

    compare("output", outputs.detach(), tensors["output"])
    perm = cell_permutation(tensors["final_state/memory"], state["memory"].detach())
    for key, ours in STATE_KEYS.items():
        actual = state[ours].detach()
        if key == "memory":
            actual = relabel(actual.transpose(1, 2), perm).transpose(1, 2)
        elif key == "link":
            actual = relabel(actual, perm, cell_axes=2)
        elif key in ("read_weights", "write_weights", "precedence_weights", "usage"):
            actual = relabel(actual, perm)
        compare(f"final_state/{key}", actual, tensors[f"final_state/{key}"])
    for param_path, p in params.items():
        compare(f"grad/{param_path}", p.grad, tensors[f"grad/{param_path}"])
    name = os.path.basename(path)
    if failures:
        print(f"FAIL {name}: " + "; ".join(failures))
    else:
        print(f"ok   {name}: output, {len(STATE_KEYS)} state tensors, {len(params)} gradients match")
    return not failures


def main(files):
    results = [check_file(f) for f in (files or DEFAULT_FILES)]
    print(f"{sum(results)} passed, {len(results) - sum(results)} failed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
