"""Deep MaxEnt IRL (Wulfmeier, Ondruska & Posner 2016): a neural network from features to reward, trained with the
maximum-entropy gradient.

Reward r_psi(s) = g(phi(s); psi), a network: an MLP applied to each state's features, or a fully convolutional net
over the grid's feature maps (``network``: ``mlp`` | ``fcn``). Features are standardized (zero mean, unit variance
per column over the floor cells) before entering the net.

The objective is the MaxEnt log-likelihood of the demonstrations L(psi) = L(r_psi). Its gradient with respect to
the reward of each state is the expert's visitation minus the learner's expected visitation (Wulfmeier eq. 7-11):

    dL/dr(s) = D_E(s) - E[D(s)]          dL/dpsi = sum_s (D_E(s) - E[D(s)]) dr_psi(s)/dpsi

so one step is: forward the net to get r; one backward pass (soft value iteration) and one forward pass (the
visitation) to get E[D]; back-propagate -(D_E - E[D]) through the net (``r.backward(gradient=-(D_E - D))``); one
Adam step with weight decay.

The expected visitation is the *causal* one of maximum causal entropy IRL (mce.py, Ziebart 2010): discounted soft
value iteration Q = r + gamma E[V'], V = logsumexp_a Q, then the forward pass through the true dynamics, with the
same discount as the expert's counts (each demonstration entering the forward pass with its own length, so that
E[D] is the exact gradient of the objective). Wulfmeier's paper uses Ziebart 2008's
trajectory model; the two agree when the dynamics are deterministic, and with slip > 0 (Objectworld has 30%) the
causal model is the right one: the trajectory model's messages let the learner "choose" where it slips, which makes
it optimistic about the dynamics. The objective reported is MCE's: L = sum_s r(s) D_E(s) - E_{s0}[V_0(s0)].

``model="stationary"`` (needs discount < 1) replaces the time-indexed learner by the *stationary* discounted
soft-optimal policy of r: Q = r + gamma E[V'], V = logsumexp_a Q iterated to its fixed point, pi = exp(Q - V). That
is the model of an expert who acts by the stationary soft policy and is merely *recorded* for a few steps, as in
Objectworld (Levine et al. 2011: 8-step demonstrations of a discounted soft-optimal expert). With a horizon of 8 the
time-indexed policy of the "mce" model sees at most 8 steps ahead and reads purposeful short demonstrations as the
work of a myopic agent, which biases the reward it learns however many demonstrations it gets. The objective is then
the demonstrations' causal log-likelihood, averaged over demonstrations (pairs (s_t, a_t) of each one):

    L = (1/N) sum_i sum_t log pi(a_t | s_t) = (1/N) sum_i sum_t [Q(s_t, a_t) - V(s_t)]

and, with M = (I - gamma P_pi)^-1 (so dV/dr = M, dQ(s, a)/dr = e_s + gamma P(.|s, a) M), its exact gradient is again
"expert minus learner visitation":

    dL/dr = c - M^T (c - gamma n)     c(s) = (1/N) #{pairs at s},   n(s') = (1/N) sum_pairs P(s' | s_t, a_t)

c is the expert's (undiscounted) count of decisions per state; the learner's D = M^T (c - gamma n) is its expected
count (for demonstrations drawn from pi, E[D] = c). Per step: soft policy iteration to the fixed point (a few
sparse solves from a warm start) and one sparse solve for D.

Seeded: the initial weights come from ``torch.manual_seed(seed)`` inside a forked RNG (the global torch RNG is left
as it was); the training itself is deterministic. Torch runs on ``threads`` CPU threads (1 by default) so training
never starves the GUI.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
import torch
from torch import nn

from irl_studio.algorithms.base import AlgorithmError, IRLAlgorithm, Problem, knob
from irl_studio.algorithms.linear import LinearConfig
from irl_studio.algorithms.mce import MCEIRL
from irl_studio.core.metrics import feature_gap
from irl_studio.core.planning import expected_next_am, lse0, soft_value_iteration
from irl_studio.core.evaluation import policy_transition

_STATIONARY_TOL = 1e-13  # soft values to this relative tolerance: the gradient is that of the fixed point
_NEWTON_MAX = 100  # soft policy iterations per step (2-4 from a warm start)
_ACTIVATIONS = {"relu": nn.ReLU, "elu": nn.ELU, "tanh": nn.Tanh}
_MAX_PARAMETERS = 20_000_000  # float64 weights plus Adam's two moments: about 0.5 GB


def _n_parameters(n_in: int, hidden: tuple, kernel: int, network: str) -> int:
    """Weights and biases of the net a config asks for (checked before torch allocates them)."""
    total, k = 0, (int(kernel) if network == "fcn" else 1)
    for h in (*map(int, hidden), 1):
        total += n_in * h * k * k + h
        n_in, k = h, 1
    return total


@dataclass(frozen=True)
class DeepMaxEntConfig:
    max_iterations: int = knob(150, "stop after this many Adam steps (one backward + forward pass each)", min=1,
                               max=100_000)
    network: str = knob("mlp", "mlp: a multilayer perceptron on each state's features; fcn: a fully convolutional "
                        "net over the grid's feature maps (sees neighbouring cells)", choices=("mlp", "fcn"))
    hidden: tuple = knob((32, 32), "hidden layer widths (fcn: channels), comma-separated")
    kernel: int = knob(3, "fcn only: kernel size of the first convolution (the others are 1 x 1)", min=1, max=15)
    activation: str = knob("elu", "activation between layers", choices=("relu", "elu", "tanh"))
    learning_rate: float = knob(0.01, "Adam step size", min=0.0)
    weight_decay: float = knob(1e-2, "L2 weight decay of the network weights (Adam's weight_decay)", min=0.0)
    tol: float = knob(1e-3, "converged when every |expert - learner visitation| is below this", min=0.0)
    model: str = knob("mce", "learner model. mce: the finite-horizon soft-optimal policy over the demonstrations' "
                      "horizon (time-indexed, Ziebart 2010); stationary: the stationary discounted soft-optimal policy "
                      "and the demonstrations' log-likelihood under it (for short recordings of a stationary soft "
                      "expert, e.g. Objectworld; needs discount < 1; start is then not used)",
                      choices=("mce", "stationary"))
    start: str = knob("demos", "start distribution of the learner: the demonstrations' start cells, or the layout's",
                      choices=("demos", "layout"))
    threads: int = knob(1, "CPU threads for torch (kept low so the GUI stays responsive)", min=1, max=2)
    eval_every: int = knob(5, "score the reward against the true reward (when the layout has one) every N "
                           "iterations (0: only at the end)", min=0)


def _standardize(x: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    return (x - mean) / np.where(std > 1e-12, std, 1.0)


class _MLP(nn.Module):
    def __init__(self, n_in: int, hidden: tuple, act: type[nn.Module]) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for h in hidden:
            layers += [nn.Linear(n_in, int(h)), act()]
            n_in = int(h)
        layers.append(nn.Linear(n_in, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (S, F) -> (S,)
        return self.net(x).squeeze(-1)


class _FCN(nn.Module):
    def __init__(self, n_in: int, hidden: tuple, act: type[nn.Module], kernel: int, cells: np.ndarray) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        k = int(kernel)
        for h in hidden:
            layers += [nn.Conv2d(n_in, int(h), k, padding=k // 2, padding_mode="zeros"), act()]
            n_in, k = int(h), 1
        layers.append(nn.Conv2d(n_in, 1, k, padding=k // 2))
        self.net = nn.Sequential(*layers)
        self.register_buffer("rows", torch.tensor(np.array(cells[:, 0])), persistent=False)
        self.register_buffer("cols", torch.tensor(np.array(cells[:, 1])), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (F, rows, cols) -> (S,)
        out = self.net(x.unsqueeze(0))[0, 0]
        return out[self.rows, self.cols]


class DeepMaxEntIRL(IRLAlgorithm):
    name = "deep-maxent"
    title = "Deep MaxEnt IRL"
    paper = "Wulfmeier, Ondruska & Posner 2016, Maximum entropy deep inverse reinforcement learning"
    Config = DeepMaxEntConfig

    def __init__(self, problem: Problem, config: Any = None, seed: int = 0) -> None:
        super().__init__(problem, config, seed)
        cfg = self.config
        if not cfg.hidden or any(int(h) < 1 for h in cfg.hidden):
            raise AlgorithmError(f"hidden: give at least one positive layer width, not {cfg.hidden!r}")
        torch.set_num_threads(int(cfg.threads))
        mdp = problem.mdp
        # the backward and forward passes are MCE IRL's (mce.py), applied to the network's reward
        self.mce = MCEIRL(problem, LinearConfig(start=cfg.start, max_iterations=1), seed)
        self.D_E = self.mce.D_E
        if cfg.model == "stationary":
            self._setup_stationary()
        x = _standardize(problem.features.dense())
        n_params = _n_parameters(x.shape[1], cfg.hidden, cfg.kernel, cfg.network)
        if n_params > _MAX_PARAMETERS:
            raise AlgorithmError(f"hidden {','.join(map(str, cfg.hidden))}: the network would have {n_params:,} "
                                 f"weights, too large (at most {_MAX_PARAMETERS:,})")
        act = _ACTIVATIONS[cfg.activation]
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            if cfg.network == "mlp":
                self.net: nn.Module = _MLP(x.shape[1], cfg.hidden, act).double()
                self.x = torch.as_tensor(x, dtype=torch.float64)
            else:
                maps = np.zeros((x.shape[1], mdp.rows, mdp.cols))
                maps[:, mdp.cells[:, 0], mdp.cells[:, 1]] = x.T  # standardized feature maps, zero on walls
                self.net = _FCN(x.shape[1], cfg.hidden, act, cfg.kernel, mdp.cells).double()
                self.x = torch.as_tensor(maps, dtype=torch.float64)
        self.opt = torch.optim.Adam(self.net.parameters(), lr=cfg.learning_rate, weight_decay=cfg.weight_decay)

    def reward_tensor(self) -> torch.Tensor:
        return self.net(self.x)

    def _setup_stationary(self) -> None:
        mdp, arr = self.problem.mdp, self.problem.arrays
        if not mdp.discount < 1.0:
            raise AlgorithmError("model 'stationary' needs a discount below 1 (the stationary soft policy of an "
                                 "undiscounted problem is not defined); use model 'mce'")
        mask = arr.actions >= 0
        self._pair_s = arr.states[:, :-1][mask] if arr.states.shape[1] > 1 else np.zeros(0, dtype=np.int64)
        self._pair_a = arr.actions[mask]
        if self._pair_s.size == 0:
            raise AlgorithmError("model 'stationary' needs demonstrations with at least one action")
        n = max(arr.n, 1)
        S, A = mdp.n_states, mdp.n_actions
        c = np.bincount(self._pair_s, minlength=S) / n
        nxt = np.asarray(mdp.P[self._pair_s * A + self._pair_a].sum(axis=0)).ravel() / n
        self.D_E = c  # the expert's decisions per state
        self._u = c - mdp.discount * nxt
        self._V: np.ndarray | None = None

    def _soft_fixed_point(self, reward: np.ndarray) -> tuple[np.ndarray, np.ndarray, sp.csc_matrix]:
        """The stationary soft values V = logsumexp_a [r + gamma E V'] by soft policy iteration (Newton's method
        on the soft Bellman equation), warm-started from the previous step's values: evaluate the current soft
        policy exactly, (I - gamma P_pi) V = r + H(pi) (H the policy's entropy), improve, repeat; quadratic
        convergence, a few sparse solves per step. Returns (V, log pi (A, S), I - gamma P_pi)."""
        mdp = self.problem.mdp
        g, term = float(mdp.discount), mdp.terminal
        if self._V is None or not np.all(np.isfinite(self._V)):
            V = soft_value_iteration(mdp, reward, horizon=None, discount=g, tol=1e-6).V
        else:
            V = self._V
        eye = sp.identity(mdp.n_states, format="csr")
        for _ in range(_NEWTON_MAX):
            q = reward + g * expected_next_am(mdp, V)
            q[:, term] = reward[term]
            v = lse0(q)
            v[term] = reward[term]
            log_pi = q - v
            pi = np.exp(log_pi)
            lhs = (eye - g * policy_transition(mdp, pi.T)).tocsc()
            delta = float(np.max(np.abs(v - V)))
            if not np.isfinite(delta):
                raise AlgorithmError("the soft values diverged (try a smaller learning rate)")
            if delta < _STATIONARY_TOL * max(1.0, float(np.max(np.abs(v)))):
                return v, log_pi, lhs
            entropy = -(pi * log_pi).sum(axis=0)
            entropy[term] = 0.0
            V = spla.spsolve(lhs, reward + entropy)
        raise AlgorithmError("the stationary soft values did not converge (try a smaller learning rate)")

    def _evaluate_stationary(self, reward: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        V, log_pi, lhs = self._soft_fixed_point(np.asarray(reward, dtype=np.float64))
        self._V = V
        objective = float(log_pi[self._pair_a, self._pair_s].sum()) / max(self.problem.arrays.n, 1)
        D = np.asarray(spla.spsolve(lhs.T.tocsc(), self._u), dtype=np.float64)  # M^T (c - gamma n)
        return objective, D, np.exp(log_pi).T.copy()

    def evaluate(self, reward: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """Backward pass (soft VI) and the learner's visitation: (log-likelihood L, expected visitation D, policy
        at t=0). ``mce``: MCE IRL's forward pass; ``stationary``: one sparse solve (see the module docstring)."""
        if self.config.model == "stationary":
            return self._evaluate_stationary(reward)
        self.mce.cancel_check = self.cancel_check  # a Stop reaches inside the passes
        ev = self.mce.evaluate(reward)
        self._last_plan = ev.plan
        return ev.objective, ev.learner_visitation, ev.policy

    def _step(self) -> dict[str, Any]:
        self.net.train()
        self.opt.zero_grad()
        r_t = self.reward_tensor()
        reward = r_t.detach().numpy().astype(np.float64)
        if not np.all(np.isfinite(reward)):
            raise AlgorithmError("the network's reward has NaN or infinite values (try a smaller learning rate)")
        objective, D, policy = self.evaluate(reward)
        grad_r = self.D_E - D  # dL/dr(s): expert minus expected visitation
        r_t.backward(gradient=torch.as_tensor(-grad_r))  # minimize -L: back-propagate through the net
        gnorm = float(torch.sqrt(sum((p.grad ** 2).sum() for p in self.net.parameters())))
        converged = bool(np.max(np.abs(grad_r)) < self.config.tol)
        if not converged:
            self.opt.step()
        feats = self.problem.features
        if self.config.model == "stationary":  # the objective is the causal log-likelihood itself
            named = {"log_likelihood": objective}
        else:  # MCE's dual; the causal log-likelihood of its time-indexed policy beside it
            named = {"dual_objective": objective, **self.mce.log_likelihoods(self._last_plan)}
        metrics = {"objective": objective, **named, "gradient_norm": gnorm,
                   "visitation_gap_inf": float(np.max(np.abs(grad_r))),
                   **feature_gap(feats.counts(self.D_E), feats.counts(D))}
        return {"reward": reward, "expert_visitation": self.D_E, "learner_visitation": D,
                "policy": policy, "metrics": metrics, "converged": converged}

    def parameters_vector(self) -> np.ndarray:
        return torch.nn.utils.parameters_to_vector(self.net.parameters()).detach().numpy().copy()

    def reward_for(self, params: np.ndarray) -> np.ndarray:
        """The reward of the network with the given flat parameters (the network is restored afterwards)."""
        old = torch.nn.utils.parameters_to_vector(self.net.parameters()).detach().clone()
        torch.nn.utils.vector_to_parameters(torch.as_tensor(params, dtype=torch.float64), self.net.parameters())
        try:
            with torch.no_grad():
                return self.reward_tensor().numpy().astype(np.float64)
        finally:
            torch.nn.utils.vector_to_parameters(old, self.net.parameters())
