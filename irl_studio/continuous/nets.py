"""Reward, shaping and discriminator networks (small MLPs), their grid over the plane, and ``.safetensors`` files.

A :class:`ScalarNet` maps an observation (scaled to [-1, 1] by the space's bounds), optionally with an action, to one
number: AIRL's g(s) or g(s, a) and h(s), GCL's cost c(s), GAIL's discriminator logit. A ``.safetensors`` file holds
only weights (never pickle); the architecture of each network is JSON in the file's metadata, so
:func:`load_networks` rebuilds them without executing anything from the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from irl_studio import IRLStudioError
from irl_studio.continuous.policy import ObsScaler

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "elu": nn.ELU}
NETS_FORMAT = "irl-studio.plane-networks"


class NetworkFileError(IRLStudioError):
    """A networks file cannot be read or written; the message names the file."""


def mlp_to_one(n_in: int, hidden: tuple[int, ...], activation: str) -> nn.Sequential:
    """Linear layers n_in -> hidden... -> 1 with the activation between them (PyTorch's default init)."""
    sizes = [n_in, *hidden, 1]
    layers: list[nn.Module] = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


class ScalarNet(nn.Module):
    """f(s) or f(s, a): an MLP to one number."""

    def __init__(self, obs_low, obs_high, act_dim: int = 0, hidden: tuple[int, ...] = (32, 32),
                 activation: str = "relu") -> None:
        super().__init__()
        self.obs_low = np.asarray(obs_low, dtype=np.float64).tolist()
        self.obs_high = np.asarray(obs_high, dtype=np.float64).tolist()
        self.act_dim = int(act_dim)
        self.hidden = tuple(int(h) for h in hidden)
        self.activation = activation
        self.scaler = ObsScaler(np.asarray(self.obs_low), np.asarray(self.obs_high))
        self.net = mlp_to_one(len(self.obs_low) + self.act_dim, self.hidden, activation)

    def forward(self, obs: torch.Tensor, act: torch.Tensor | None = None) -> torch.Tensor:
        x = self.scaler(obs)
        if self.act_dim:
            x = torch.cat([x, act], dim=-1)
        return self.net(x).squeeze(-1)

    def architecture(self) -> dict[str, Any]:
        return {"obs_low": self.obs_low, "obs_high": self.obs_high, "act_dim": self.act_dim,
                "hidden": list(self.hidden), "activation": self.activation}

    @classmethod
    def from_architecture(cls, arch: Any, where: str) -> ScalarNet:
        try:
            if not isinstance(arch, dict):
                raise TypeError
            lo, hi = list(map(float, arch["obs_low"])), list(map(float, arch["obs_high"]))
            hidden = tuple(int(h) for h in arch["hidden"])
            act_dim = int(arch["act_dim"])
            activation = str(arch["activation"])
            if (len(lo) != len(hi) or not 1 <= len(lo) <= 1024 or not 0 <= act_dim <= 1024
                    or len(hidden) > 16 or any(not 1 <= h <= 4096 for h in hidden) or activation not in ACTIVATIONS):
                raise ValueError
        except (KeyError, TypeError, ValueError, OverflowError):
            raise NetworkFileError(f"{where}: the architecture in the metadata is not valid") from None
        return cls(lo, hi, act_dim, hidden, activation)


class FeatureNet(nn.Module):
    """f(phi(s)) or f(phi(s), a) with fixed features phi(s) = obs @ matrix (obs_dim x F): a gridworld's reward of its
    terrain (or one-hot) features. ``hidden = ()``: linear, theta . phi(s) + b, the form linear IRL learns."""

    def __init__(self, matrix, act_dim: int = 0, hidden: tuple[int, ...] = (), activation: str = "relu") -> None:
        super().__init__()
        m = torch.as_tensor(np.asarray(matrix, dtype=np.float32))
        self.register_buffer("matrix", m, persistent=False)
        self.act_dim = int(act_dim)
        self.hidden = tuple(int(h) for h in hidden)
        self.activation = activation
        self.net = mlp_to_one(int(m.shape[1]) + self.act_dim, self.hidden, activation)

    def forward(self, obs: torch.Tensor, act: torch.Tensor | None = None) -> torch.Tensor:
        x = obs @ self.matrix
        if self.act_dim:
            x = torch.cat([x, act], dim=-1)
        return self.net(x).squeeze(-1)


def plane_states(plane, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(ny * nx, obs_dim) observations at the grid points (y rows, x columns); force dynamics: zero velocity."""
    X, Y = np.meshgrid(x, y)
    pts = np.stack([X.ravel(), Y.ravel()], axis=1)
    if plane.obs_dim > 2:
        pts = np.concatenate([pts, np.zeros((len(pts), plane.obs_dim - 2))], axis=1)
    return pts


@torch.no_grad()
def net_grid(net: ScalarNet, plane, x: np.ndarray, y: np.ndarray, sign: float = 1.0) -> np.ndarray:
    """(ny, nx) values of ``sign * net`` at the grid points (state-action nets at a = 0)."""
    obs = torch.as_tensor(plane_states(plane, x, y), dtype=torch.float32)
    act = torch.zeros((len(obs), net.act_dim)) if net.act_dim else None
    v = sign * net(obs, act).double().numpy()
    return v.reshape(len(y), len(x))


def save_networks(path: str | Path, nets: dict[str, ScalarNet], meta: dict[str, Any] | None = None) -> None:
    """Weights of ``nets`` as safetensors, the architectures (and ``meta``) as JSON metadata; written atomically."""
    from safetensors.torch import save

    p = Path(path)
    tensors = {f"{name}.{k}": v.detach().contiguous().clone() for name, net in nets.items()
               for k, v in net.state_dict().items()}
    md = {"format": NETS_FORMAT, "architectures": json.dumps({n: net.architecture() for n, net in nets.items()}),
          "meta": json.dumps(meta or {}, allow_nan=False, default=str)}
    try:
        data = save(tensors, metadata=md)
        tmp = p.with_name(p.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(p)
    except OSError as exc:
        raise NetworkFileError(f"{p}: cannot be written ({exc.strerror or exc})") from None


def load_networks(path: str | Path) -> tuple[dict[str, ScalarNet], dict[str, Any]]:
    """The networks of a file written by :func:`save_networks`, and its ``meta``."""
    from safetensors import SafetensorError
    from safetensors.torch import load

    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise NetworkFileError(f"{p}: no such file") from None
    except OSError as exc:
        raise NetworkFileError(f"{p}: cannot be read ({exc.strerror or exc})") from None
    try:
        tensors = load(raw)
        md = _metadata(raw)
    except (SafetensorError, ValueError, RuntimeError, OverflowError, UnicodeDecodeError, TypeError) as exc:
        raise NetworkFileError(f"{p}: not a readable .safetensors file ({str(exc)[:120]})") from None
    if md.get("format") != NETS_FORMAT:
        raise NetworkFileError(f"{p}: not an IRL Studio networks file (no '{NETS_FORMAT}' metadata)")
    try:
        archs = json.loads(md.get("architectures", ""))
        meta = json.loads(md.get("meta", "{}"))
    except (ValueError, RecursionError):
        raise NetworkFileError(f"{p}: the metadata is not valid JSON") from None
    if not isinstance(archs, dict) or not isinstance(meta, dict):
        raise NetworkFileError(f"{p}: the metadata is not valid")
    nets: dict[str, ScalarNet] = {}
    for name, arch in archs.items():
        net = ScalarNet.from_architecture(arch, f"{p}: network {name!r}")
        sd = {k[len(name) + 1:]: v for k, v in tensors.items() if k.startswith(f"{name}.")}
        try:
            net.load_state_dict({k: v.float() for k, v in sd.items()})
        except (RuntimeError, KeyError, TypeError):
            raise NetworkFileError(f"{p}: the weights of {name!r} do not fit its architecture") from None
        if not all(torch.isfinite(v).all() for v in net.state_dict().values()):
            raise NetworkFileError(f"{p}: the weights of {name!r} are not finite")
        nets[name] = net
    return nets, meta


def _metadata(raw: bytes) -> dict[str, str]:
    """The ``__metadata__`` of a safetensors byte string (its JSON header)."""
    if len(raw) < 8:
        raise ValueError("too short")
    n = int.from_bytes(raw[:8], "little")
    if n > len(raw) - 8:
        raise ValueError("header larger than the file")
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    md = header.get("__metadata__", {}) if isinstance(header, dict) else {}
    return md if isinstance(md, dict) else {}
