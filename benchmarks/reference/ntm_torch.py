"""A PyTorch implementation of the project's Neural Turing Machine (src/Modules.Dnc/Ntm), for the side-by-side speed
comparison. Same model and conventions as the C# core:
  B batch, N memory size, Wd word size, R read heads, W write heads, H controller size.
  memory [B, N, Wd] starts at 1e-6 everywhere; read weights [B, R, N] and write weights [B, W, N] start one-hot on row 0;
  read words [B, R, Wd] start at 1e-6 (row 0 of that memory); LSTM h and c start at zero.
  Each step: LSTM controller on [x, read words] (Sonnet gate order i, j, f, o, forget bias 1), h and c clipped; the write
  heads address the previous memory, erase then add; the read heads address the new memory and read; the output is a
  linear map of [h, read words], clipped.
  Addressing (Graves et al. 2014, section 3.3): content weights with DeepMind's cosine form (eps 1e-6 inside the norms and
  added to the denominator) and strength softplus(beta); interpolation sigma(g) * w_c + (1 - sigma(g)) * w_prev; circular
  shift over {-1, 0, +1} by softmax(s), w~(i) = s_-1 * w(i+1) + s_0 * w(i) + s_+1 * w(i-1); sharpening w~^gamma / sum
  with gamma = 1 + softplus(gamma^), computed on w~ / max(w~) (the same value) so a large gamma cannot underflow.

The sizes are the DNC reference's (NtmConfig is dnc_torch.DncConfig: input and output width, H, N, Wd, R, W, clip
value), and so are the truncated-normal initialiser, the LSTM controller and the cosine content weights.
Parameters live in one dict keyed by the checkpoint paths (ntm/lstm/{w_gates,b_gates},
ntm/{write_heads,read_heads}/<part>/{w,b}, ntm/output_linear/{w,b}); linear weights are [in, out] as in Sonnet.
"""

import math

import torch

from dnc_torch import DncConfig as NtmConfig, clip, cosine_weights, lstm_controller, truncated_normal

INITIAL_VALUE = 1e-6
# The addressing parts of a head group with their output sizes per head, as functions of Wd; write heads add two more.
ADDRESSING = (("keys", lambda wd: wd), ("strengths", lambda wd: 1), ("gates", lambda wd: 1),
              ("shifts", lambda wd: 3), ("sharpening", lambda wd: 1))
WRITING = (("erase_vectors", lambda wd: wd), ("add_vectors", lambda wd: wd))


def head_parts(group, cfg):
    """(name, output size) of every linear part of a head group, in parameter order."""
    heads = cfg.num_writes if group == "write_heads" else cfg.num_reads
    parts = ADDRESSING + (WRITING if group == "write_heads" else ())
    return [(name, heads * size(cfg.word_size)) for name, size in parts]


def parameter_shapes(cfg):
    """Path -> shape of every parameter, in creation order."""
    h, r, wd = cfg.hidden_size, cfg.num_reads, cfg.word_size
    controller_in = cfg.input_size + r * wd
    shapes = {"ntm/lstm/w_gates": (controller_in + h, 4 * h), "ntm/lstm/b_gates": (4 * h,)}
    for group in ("write_heads", "read_heads"):
        for name, size in head_parts(group, cfg):
            shapes[f"ntm/{group}/{name}/w"] = (h, size)
            shapes[f"ntm/{group}/{name}/b"] = (size,)
    shapes["ntm/output_linear/w"] = (h + r * wd, cfg.output_size)
    shapes["ntm/output_linear/b"] = (cfg.output_size,)
    return shapes


def init_parameters(cfg, seed):
    """Sonnet initialisation: weights truncated normal with std 1/sqrt(fan_in), biases zero; all require grad."""
    generator = torch.Generator().manual_seed(seed)
    return {path: (truncated_normal(shape, 1.0 / math.sqrt(shape[0]), generator) if len(shape) == 2
                   else torch.zeros(shape)).requires_grad_(True)
            for path, shape in parameter_shapes(cfg).items()}


def focused_on_first_row(batch, heads, rows):
    w = torch.zeros(batch, heads, rows)
    w[:, :, 0] = 1.0
    return w


def initial_state(cfg, batch):
    b, n, wd, h = batch, cfg.memory_size, cfg.word_size, cfg.hidden_size
    return {
        "memory": torch.full((b, n, wd), INITIAL_VALUE),
        "read_weights": focused_on_first_row(b, cfg.num_reads, n),
        "write_weights": focused_on_first_row(b, cfg.num_writes, n),
        "read_words": torch.full((b, cfg.num_reads, wd), INITIAL_VALUE),
        "h": torch.zeros(b, h),
        "c": torch.zeros(b, h),
    }


def address(memory, previous, keys, strengths, gates, shifts, sharpening):
    """Content -> interpolation -> shift over {-1, 0, +1} -> sharpening; previous [B, H, N] -> weights [B, H, N]."""
    content = cosine_weights(memory, keys, strengths)
    g = torch.sigmoid(gates).unsqueeze(-1)
    gated = g * content + (1 - g) * previous
    s = torch.softmax(shifts, dim=-1)
    shifted = (s[..., 0:1] * torch.roll(gated, -1, dims=-1) + s[..., 1:2] * gated
               + s[..., 2:3] * torch.roll(gated, 1, dims=-1))
    gamma = 1 + torch.nn.functional.softplus(sharpening).unsqueeze(-1)
    powered = (shifted / shifted.max(dim=-1, keepdim=True).values.detach()) ** gamma
    return powered / powered.sum(-1, keepdim=True)


def heads(cfg, params, group, controller_output, memory, previous):
    """A head group's weights [B, H, N] and, for the write heads, the erase (after sigmoid) and add vectors [B, W, Wd]."""
    b, wd = controller_output.shape[0], cfg.word_size
    n_heads = previous.shape[1]
    raw = {name: controller_output @ params[f"ntm/{group}/{name}/w"] + params[f"ntm/{group}/{name}/b"]
           for name, _ in head_parts(group, cfg)}
    weights = address(memory, previous, raw["keys"].view(b, n_heads, wd), raw["strengths"], raw["gates"],
                      raw["shifts"].view(b, n_heads, 3), raw["sharpening"])
    if group != "write_heads":
        return weights, None, None
    return weights, torch.sigmoid(raw["erase_vectors"].view(b, n_heads, wd)), raw["add_vectors"].view(b, n_heads, wd)


def ntm_step(cfg, params, x, state):
    """One NTM step: input [B, in] and the state -> output [B, out] and the new state."""
    b = x.shape[0]
    hidden, c = lstm_controller(cfg, params, "ntm", x, state)

    write_weights, erase, add = heads(cfg, params, "write_heads", hidden, state["memory"], state["write_weights"])
    keep = torch.prod(1 - write_weights.unsqueeze(3) * erase.unsqueeze(2), dim=1)
    memory = state["memory"] * keep + torch.matmul(write_weights.transpose(1, 2), add)

    read_weights, _, _ = heads(cfg, params, "read_heads", hidden, memory, state["read_weights"])
    read_words = torch.matmul(read_weights, memory)

    output = torch.cat([hidden, read_words.reshape(b, -1)], dim=1) @ params["ntm/output_linear/w"] \
        + params["ntm/output_linear/b"]
    return clip(cfg, output), {"memory": memory, "read_weights": read_weights, "write_weights": write_weights,
                          "read_words": read_words, "h": hidden, "c": c}


def unroll(cfg, params, inputs, state=None):
    """Runs the core over inputs [T, B, in] from the initial state; returns outputs [T, B, out] and the final state."""
    if state is None:
        state = initial_state(cfg, inputs.shape[1])
    outputs = []
    for t in range(inputs.shape[0]):
        out, state = ntm_step(cfg, params, inputs[t], state)
        outputs.append(out)
    return torch.stack(outputs), state
