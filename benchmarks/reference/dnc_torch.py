"""A PyTorch implementation of the DNC of src/Modules.Dnc, for the golden vectors and the side-by-side speed comparison.

Everything follows DeepMind's semantics as the C# version does (src/Modules.Dnc):
  B batch, N memory size, Wd word size, R read heads, W write heads, H controller size, eps = 1e-6.
  memory [B, N, Wd], read weights [B, R, N], write weights [B, W, N], link [B, W, N, N],
  precedence [B, W, N], usage [B, N], read words [B, R, Wd].

Parameters live in one dict keyed by the checkpoint paths (dnc/lstm/w_gates, dnc/memory_access/<head>/{w,b},
dnc/output_linear/{w,b}); linear weights are [in, out] as in Sonnet.
"""

import math

import torch

EPSILON = 1e-6
# Interface heads in the order of DeepMind's MemoryAccess, with their output sizes as functions of (R, Wd, W).
HEADS = (
    ("read_keys", lambda r, wd, w: r * wd),
    ("read_strengths", lambda r, wd, w: r),
    ("write_keys", lambda r, wd, w: w * wd),
    ("write_strengths", lambda r, wd, w: w),
    ("erase_vectors", lambda r, wd, w: w * wd),
    ("write_vectors", lambda r, wd, w: w * wd),
    ("free_gate", lambda r, wd, w: r),
    ("allocation_gate", lambda r, wd, w: w),
    ("write_gate", lambda r, wd, w: w),
    ("read_mode", lambda r, wd, w: r * (1 + 2 * w)),
)


class DncConfig:
    """Sizes of the core: input and output width, H, N, Wd, R, W and the clip value (0: no clipping)."""

    def __init__(self, input_size, output_size, hidden_size=64, memory_size=16, word_size=16,
                 num_reads=4, num_writes=1, clip_value=20.0):
        self.input_size = input_size
        self.output_size = output_size
        self.hidden_size = hidden_size
        self.memory_size = memory_size
        self.word_size = word_size
        self.num_reads = num_reads
        self.num_writes = num_writes
        self.clip_value = clip_value


def truncated_normal(shape, std, generator):
    """TF's truncated normal: N(0, std) redrawn outside two standard deviations."""
    t = torch.randn(shape, generator=generator)
    outside = t.abs() > 2
    while outside.any():
        t[outside] = torch.randn(int(outside.sum()), generator=generator)
        outside = t.abs() > 2
    return t * std


def parameter_shapes(cfg):
    """Path -> shape of every parameter, in creation order."""
    h, r, wd, w = cfg.hidden_size, cfg.num_reads, cfg.word_size, cfg.num_writes
    controller_in = cfg.input_size + r * wd
    shapes = {"dnc/lstm/w_gates": (controller_in + h, 4 * h), "dnc/lstm/b_gates": (4 * h,)}
    for name, size in HEADS:
        shapes[f"dnc/memory_access/{name}/w"] = (h, size(r, wd, w))
        shapes[f"dnc/memory_access/{name}/b"] = (size(r, wd, w),)
    shapes["dnc/output_linear/w"] = (h + r * wd, cfg.output_size)
    shapes["dnc/output_linear/b"] = (cfg.output_size,)
    return shapes


def init_parameters(cfg, seed):
    """Sonnet initialisation: weights truncated normal with std 1/sqrt(fan_in), biases zero; all require grad."""
    generator = torch.Generator().manual_seed(seed)
    params = {}
    for path, shape in parameter_shapes(cfg).items():
        if len(shape) == 2:
            params[path] = truncated_normal(shape, 1.0 / math.sqrt(shape[0]), generator)
        else:
            params[path] = torch.zeros(shape)
        params[path].requires_grad_(True)
    return params


def initial_state(cfg, batch):
    """All zeros: read words, memory, read/write weights, link, precedence, usage, LSTM h and c."""
    b, n, wd, r, w, h = batch, cfg.memory_size, cfg.word_size, cfg.num_reads, cfg.num_writes, cfg.hidden_size
    return {
        "read_words": torch.zeros(b, r, wd),
        "memory": torch.zeros(b, n, wd),
        "read_weights": torch.zeros(b, r, n),
        "write_weights": torch.zeros(b, w, n),
        "link": torch.zeros(b, w, n, n),
        "precedence": torch.zeros(b, w, n),
        "usage": torch.zeros(b, n),
        "h": torch.zeros(b, h),
        "c": torch.zeros(b, h),
    }


def cosine_weights(memory, keys, strengths):
    """Content addressing: memory [B, N, Wd], keys [B, H, Wd], strengths [B, H] (pre-softplus) -> [B, H, N]."""
    dot = torch.matmul(keys, memory.transpose(1, 2))
    memory_norms = torch.sqrt((memory * memory).sum(-1, keepdim=True) + EPSILON)   # [B, N, 1]
    key_norms = torch.sqrt((keys * keys).sum(-1, keepdim=True) + EPSILON)          # [B, H, 1]
    similarity = dot / (torch.matmul(key_norms, memory_norms.transpose(1, 2)) + EPSILON)
    sharpness = torch.nn.functional.softplus(strengths).unsqueeze(-1)
    return torch.softmax(similarity * sharpness, dim=-1)


def update_usage(usage, write_weights, free_gate, read_weights):
    """u + (1-u)(1 - prod_W(1 - w_write)) with w_write stop-gradient, then times prod_R(1 - f_r w_read_r)."""
    written = 1 - torch.prod(1 - write_weights.detach(), dim=1)
    usage = usage + (1 - usage) * written
    retention = torch.prod(1 - free_gate.unsqueeze(-1) * read_weights, dim=1)
    return usage * retention


def allocation(usage):
    """Allocation weights [B, N] from usage [B, N]: cells sorted by ascending usage (ties: lower index first)."""
    u = EPSILON + (1 - EPSILON) * usage
    sorted_nonusage, indices = torch.sort(1 - u, dim=1, descending=True, stable=True)
    sorted_usage = 1 - sorted_nonusage
    prod = torch.cumprod(sorted_usage, dim=1)
    exclusive = torch.cat([torch.ones_like(prod[:, :1]), prod[:, :-1]], dim=1)
    sorted_allocation = sorted_nonusage * exclusive
    return torch.zeros_like(sorted_allocation).scatter(1, indices, sorted_allocation)


def write_allocation_weights(usage, write_gates):
    """Per write head, from the usage left by the heads before it: usage [B, N], gates [B, W] -> [B, W, N]."""
    weights = []
    for i in range(write_gates.shape[1]):
        a = allocation(usage)
        weights.append(a)
        usage = usage + (1 - usage) * write_gates[:, i:i + 1] * a
    return torch.stack(weights, dim=1)


def access_step(cfg, params, controller_output, state):
    """One MemoryAccess step: controller output [B, H] and the state -> read words [B, R, Wd] and the new state."""
    b = controller_output.shape[0]
    r, wd, w = cfg.num_reads, cfg.word_size, cfg.num_writes
    raw = {name: controller_output @ params[f"dnc/memory_access/{name}/w"] + params[f"dnc/memory_access/{name}/b"]
           for name, _ in HEADS}
    read_keys = raw["read_keys"].view(b, r, wd)
    write_keys = raw["write_keys"].view(b, w, wd)
    write_vectors = raw["write_vectors"].view(b, w, wd)
    erase_vectors = torch.sigmoid(raw["erase_vectors"].view(b, w, wd))
    free_gate = torch.sigmoid(raw["free_gate"])
    allocation_gate = torch.sigmoid(raw["allocation_gate"])
    write_gate = torch.sigmoid(raw["write_gate"])
    read_mode = torch.softmax(raw["read_mode"].view(b, r, 1 + 2 * w), dim=-1)

    usage = update_usage(state["usage"], state["write_weights"], free_gate, state["read_weights"])

    write_content = cosine_weights(state["memory"], write_keys, raw["write_strengths"])
    alloc = write_allocation_weights(usage, allocation_gate * write_gate)
    ga, gw = allocation_gate.unsqueeze(-1), write_gate.unsqueeze(-1)
    write_weights = gw * (ga * alloc + (1 - ga) * write_content)                         # [B, W, N]

    keep = torch.prod(1 - write_weights.unsqueeze(3) * erase_vectors.unsqueeze(2), dim=1)
    memory = state["memory"] * keep + torch.matmul(write_weights.transpose(1, 2), write_vectors)

    n = cfg.memory_size
    wi, wj = write_weights.unsqueeze(3), write_weights.unsqueeze(2)
    link = (1 - wi - wj) * state["link"] + wi * state["precedence"].unsqueeze(2)
    link = link * (1 - torch.eye(n))
    precedence = (1 - write_weights.sum(-1, keepdim=True)) * state["precedence"] + write_weights

    content = cosine_weights(memory, read_keys, raw["read_strengths"])                   # [B, R, N]
    prev_read = state["read_weights"].unsqueeze(1)                                        # [B, 1, R, N]
    forward = torch.matmul(prev_read, link.transpose(2, 3)).transpose(1, 2)              # f_i = sum_j L[i,j] w_j
    backward = torch.matmul(prev_read, link).transpose(1, 2)                             # b_i = sum_j L[j,i] w_j
    backward_mode = read_mode[..., :w].unsqueeze(-1)
    forward_mode = read_mode[..., w:2 * w].unsqueeze(-1)
    content_mode = read_mode[..., 2 * w:]
    read_weights = content_mode * content + (forward_mode * forward).sum(2) + (backward_mode * backward).sum(2)

    read_words = torch.matmul(read_weights, memory)
    return read_words, {"memory": memory, "read_weights": read_weights, "write_weights": write_weights,
                        "link": link, "precedence": precedence, "usage": usage}


def clip(cfg, t):
    """t limited to [-clip_value, clip_value] (unchanged when clip_value is 0)."""
    return torch.clamp(t, -cfg.clip_value, cfg.clip_value) if cfg.clip_value > 0 else t


def lstm_controller(cfg, params, core, x, state):
    """The LSTM on [x, previous read words] (parameters <core>/lstm/...): the clipped hidden state and cell [B, H]."""
    b, h = x.shape[0], cfg.hidden_size
    controller_input = torch.cat([x, state["read_words"].reshape(b, -1), state["h"]], dim=1)
    gates = controller_input @ params[f"{core}/lstm/w_gates"] + params[f"{core}/lstm/b_gates"]
    i, j, f, o = torch.split(gates, h, dim=1)
    c = torch.sigmoid(f + 1.0) * state["c"] + torch.sigmoid(i) * torch.tanh(j)
    hidden = torch.sigmoid(o) * torch.tanh(c)
    return clip(cfg, hidden), clip(cfg, c)


def dnc_step(cfg, params, x, state):
    """One DNC step: input [B, in] and the state -> output [B, out] and the new state."""
    b = x.shape[0]
    hidden, c = lstm_controller(cfg, params, "dnc", x, state)

    read_words, access = access_step(cfg, params, hidden, state)
    output = torch.cat([hidden, read_words.reshape(b, -1)], dim=1) @ params["dnc/output_linear/w"] \
        + params["dnc/output_linear/b"]
    new_state = dict(access, read_words=read_words, h=hidden, c=c)
    return clip(cfg, output), new_state


def unroll(cfg, params, inputs, state=None):
    """Runs the core over inputs [T, B, in] from the zero state; returns outputs [T, B, out] and the final state."""
    if state is None:
        state = initial_state(cfg, inputs.shape[1])
    outputs = []
    for t in range(inputs.shape[0]):
        out, state = dnc_step(cfg, params, inputs[t], state)
        outputs.append(out)
    return torch.stack(outputs), state
