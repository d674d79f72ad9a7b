"""Regenerates the DNC golden-vector files the C# tests read, from the PyTorch reference (dnc_torch.py) in float64.

A golden file holds the draws (param/<path>, input [T, B, in], probe [T, B, out]) and what the reference computes
from them in float64, stored as float32: output [T, B, out], final_state/<key> (the 9 state tensors, zero initial
state) and grad/<path> = d sum(output * probe) / d param. The metadata gives the sizes, the clip value and the seed.

  /usr/bin/python3 make_golden.py --check          recompute every committed file from its own draws and compare
  /usr/bin/python3 make_golden.py                  rewrite the committed files from their own draws (refuses unless
                                                   every recomputed file equals its committed one within --rtol)
  /usr/bin/python3 make_golden.py --new out.safetensors --seed 5 --memory-size 16 ... --clip-value 0.5
                                                   a new file with fresh draws from torch's generator seeded by --seed

The committed files' draws were made by an earlier generator whose random stream is not reproduced here, so the
committed draws are kept and only the computed tensors are recomputed; --new draws with torch instead.
Exits 1 if any recomputed tensor differs from the committed one by more than rtol * max(|committed|) per tensor.
"""

import argparse
import json
import os
import struct
import sys

import torch

from check_golden import STATE_KEYS   # golden key -> key of dnc_torch's state dict
from dnc_torch import DncConfig, parameter_shapes, unroll
from safetensors_io import read_safetensors

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
COMMITTED = [os.path.join(ROOT, "tests", "Modules.Dnc.Tests", "TestData", "dnc-small.safetensors"),
             os.path.join(ROOT, "tests", "Modules.Dnc.Tests", "TestData", "dnc-two-writes-clipped.safetensors"),
             os.path.join(ROOT, "tests", "Modules.Tests", "TestData", "dnc-small.safetensors")]
METADATA_ORDER = ("memory_size", "word_size", "num_reads", "num_writes", "hidden_size", "output_size", "input_size",
                  "batch", "steps", "clip_value", "seed")


def config_of(meta):
    clip = meta.get("clip_value", "null")
    return DncConfig(int(meta["input_size"]), int(meta["output_size"]), int(meta["hidden_size"]),
                     int(meta["memory_size"]), int(meta["word_size"]), int(meta["num_reads"]),
                     int(meta["num_writes"]), 0.0 if clip in ("null", "None", "") else float(clip))


def compute(meta, draws):
    """float64 forward and backward from the draws; returns every tensor of the file (draws included) as float32."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)   # dnc_torch creates its zeros and eye with the default dtype
    try:
        cfg = config_of(meta)
        params = {k[len("param/"):]: v.double().requires_grad_(True) for k, v in draws.items() if k.startswith("param/")}
        expected = set(parameter_shapes(cfg))
        if set(params) != expected:
            raise ValueError(f"parameters: expected {sorted(expected)}, got {sorted(params)}")
        outputs, state = unroll(cfg, params, draws["input"].double())
        (outputs * draws["probe"].double()).sum().backward()
    finally:
        torch.set_default_dtype(previous)
    tensors = dict(draws)
    tensors["output"] = outputs.detach()
    for key, ours in STATE_KEYS.items():
        tensors[f"final_state/{key}"] = state[ours].detach()
    for path, p in params.items():
        tensors[f"grad/{path}"] = p.grad
    return {k: v.to(torch.float32).contiguous() for k, v in tensors.items()}


def fresh_draws(meta):
    """New draws from torch's generator: weights N(0, 1/fan_in) and biases N(0, 0.1) so no gate starts symmetric,
    input and probe N(0, 1)."""
    cfg, seed = config_of(meta), int(meta["seed"])
    generator = torch.Generator().manual_seed(seed)
    draws = {}
    for path, shape in parameter_shapes(cfg).items():
        std = shape[0] ** -0.5 if len(shape) == 2 else 0.1
        draws[f"param/{path}"] = torch.randn(shape, generator=generator, dtype=torch.float64) * std
    t, b = int(meta["steps"]), int(meta["batch"])
    draws["input"] = torch.randn(t, b, cfg.input_size, generator=generator, dtype=torch.float64)
    draws["probe"] = torch.randn(t, b, cfg.output_size, generator=generator, dtype=torch.float64)
    return {k: v.to(torch.float32) for k, v in draws.items()}


def write_safetensors(path, tensors, meta):
    """float32 safetensors in the committed files' layout: __metadata__ first, then keys sorted, data in key order,
    the header padded with spaces to a multiple of 8 bytes."""
    header, blobs, offset = {"__metadata__": meta}, [], 0
    for key in sorted(tensors):
        data = tensors[key].numpy().astype("<f4").tobytes()
        header[key] = {"dtype": "F32", "shape": list(tensors[key].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)   # the data starts 8-byte aligned, as the safetensors format recommends
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def compare(committed, recomputed, rtol):
    """Per tensor, max |difference| / max |committed|; returns (worst ratio, its key, failures)."""
    failures, worst, worst_key = [], 0.0, None
    if set(committed) != set(recomputed):
        failures.append(f"keys differ: {sorted(set(committed) ^ set(recomputed))}")
    for key in sorted(set(committed) & set(recomputed)):
        a, b = committed[key].double(), recomputed[key].double()
        if a.shape != b.shape:
            failures.append(f"{key}: shape {list(a.shape)} vs {list(b.shape)}")
            continue
        scale = a.abs().max().item() or 1.0
        ratio = (a - b).abs().max().item() / scale
        if ratio > worst:
            worst, worst_key = ratio, key
        if ratio > rtol:
            failures.append(f"{key}: max |diff| / max |value| = {ratio:.3g}")
    return worst, worst_key, failures


def regenerate(path, rtol):
    """Recomputes a committed file from its own draws; returns (ok, tensors, metadata)."""
    committed, meta = read_safetensors(path)
    draws = {k: v for k, v in committed.items() if k.startswith("param/") or k in ("input", "probe")}
    recomputed = compute(meta, draws)
    worst, worst_key, failures = compare(committed, recomputed, rtol)
    name = os.path.relpath(path, ROOT)
    if failures:
        print(f"FAIL {name}: " + "; ".join(failures))
        return False, recomputed, meta
    print(f"ok   {name}: {len(recomputed)} tensors, worst relative difference {worst:.3g} ({worst_key})")
    return True, recomputed, meta


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare only, write nothing")
    parser.add_argument("--rtol", type=float, default=1e-6, help="per-tensor tolerance relative to max |value|")
    parser.add_argument("--new", metavar="FILE", help="write a new file with fresh draws instead")
    for name, default in (("seed", 0), ("input-size", 6), ("output-size", 5), ("hidden-size", 12),
                          ("memory-size", 16), ("word-size", 8), ("num-reads", 2), ("num-writes", 1),
                          ("batch", 3), ("steps", 7)):
        parser.add_argument(f"--{name}", type=int, default=default)
    parser.add_argument("--clip-value", type=float, default=0.0, help="0: no clipping")
    parser.add_argument("files", nargs="*", help=f"files to regenerate (default: the {len(COMMITTED)} committed ones)")
    args = parser.parse_args()

    if args.new:
        values = vars(args)
        meta = {k: str(values[k]) for k in METADATA_ORDER if k != "clip_value"}
        meta["clip_value"] = "null" if args.clip_value == 0 else repr(args.clip_value)
        meta = {k: meta[k] for k in METADATA_ORDER}
        write_safetensors(args.new, compute(meta, fresh_draws(meta)), meta)
        print(f"wrote {args.new}")
        return 0
    files = args.files or COMMITTED
    results = [regenerate(f, args.rtol) for f in files]
    if not all(ok for ok, _, _ in results):
        if not args.check:
            print("nothing written")
        return 1
    if not args.check:   # all or nothing
        for path, (_, tensors, meta) in zip(files, results):
            write_safetensors(path, tensors, meta)
        print(f"rewrote {len(files)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
