"""Reads float32 safetensors files (8-byte little-endian header length, JSON header, raw data)."""

import json
import struct

import torch


def read_safetensors(path):
    """Returns (tensors by key, the header's __metadata__ dict)."""
    with open(path, "rb") as f:
        blob = f.read()
    (header_len,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + header_len])
    base = 8 + header_len
    tensors = {}
    for key, info in header.items():
        if key == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: {key} is {info['dtype']}, only F32 is read")
        start, end = info["data_offsets"]
        data = bytearray(blob[base + start:base + end])
        tensors[key] = torch.frombuffer(data, dtype=torch.float32).reshape(info["shape"]).clone()
    return tensors, header.get("__metadata__", {})
