"""Generative adversarial networks (Folien (111)–(115), WGAN), NumPy formulas + torch twins.

Formulas (NumPy from scratch, torch twin, tested equal in float64)::

    gan_value(d_real, d_fake)              V(D, G) = E log D(x) + E log(1 − D(G(z)))        (111)
    discriminator_loss(d_real, d_fake)     L_D = −V (binary cross-entropy)                   (112)
    generator_loss_saturating(d_fake)      L_G = E log(1 − D(G(z)))                          (113)
    generator_loss_non_saturating(d_fake)  L_G = −E log D(G(z))                              (114)
    generator_logit_gradient(d_fake, kind) ∂L_G/∂s per sample, D = σ(s) (why (113) saturates)
    optimal_discriminator(p_data, p_g)     D* = p_data / (p_data + p_g)                      (115)
    train_discriminator_1d(x_data, x_g)    a trained D on 1-D samples, to compare with D*
    pointwise_value(d, p_data, p_g)        p_data log d + p_g log(1 − d) (maximised by D*)
    jensen_shannon(p, q, dx)               JSD on a grid; V(D*, G) = −log 4 + 2 JSD
    wgan_critic_loss, wgan_generator_loss, gradient_penalty (WGAN, WGAN-GP)
    wasserstein_1d(x, y), sliced_wasserstein(X, Y)  (W₁ between samples)

Toy data, metrics and training (torch, float32, seeded)::

    ring_means, grid_means, sample_mixture, mode_metrics, train_gan -> GanRun (snapshots)

Shapes: discriminator outputs ``d_real`` (n,), ``d_fake`` (m,) with values in (0, 1); critic
outputs ``f_real``, ``f_fake`` are unbounded reals; 2-D samples are rows of (n, 2).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ._validation import as_array, check_choice, check_positive_float, check_positive_int, check_rng
from .threads import one_thread
from .vae import seeded_module

__all__ = [
    "gan_value", "gan_value_torch", "discriminator_loss", "discriminator_loss_torch",
    "generator_loss_saturating", "generator_loss_saturating_torch",
    "generator_loss_non_saturating", "generator_loss_non_saturating_torch",
    "generator_logit_gradient", "GENERATOR_LOSSES",
    "optimal_discriminator", "pointwise_value", "jensen_shannon",
    "wgan_critic_loss", "wgan_generator_loss", "wgan_critic_loss_torch", "wgan_generator_loss_torch",
    "gradient_penalty", "gradient_penalty_torch", "critic_gradients_torch",
    "wasserstein_1d", "sliced_wasserstein",
    "ring_means", "grid_means", "sample_mixture", "ModeMetrics", "mode_metrics",
    "METHODS", "GanRun", "train_gan", "train_discriminator_1d",
]

GENERATOR_LOSSES = ("saturating", "non_saturating")
METHODS = ("gan", "wgan_clip", "wgan_gp")


def _probs(d, name: str) -> np.ndarray:
    d = as_array(d, name, ndim=1)
    if np.any(d <= 0) or np.any(d >= 1):
        raise ValueError(f"{name} must hold discriminator outputs strictly between 0 and 1")
    return d


# --------------------------------------------------------------------------- GAN losses (111)–(114)
def gan_value(d_real, d_fake) -> float:
    """V(D, G) = mean log D(x) + mean log(1 − D(G(z)))  (Folie (111)); d_real (n,), d_fake (m,)."""
    d_real, d_fake = _probs(d_real, "d_real"), _probs(d_fake, "d_fake")
    return float(np.mean(np.log(d_real)) + np.mean(np.log1p(-d_fake)))


def gan_value_torch(d_real: torch.Tensor, d_fake: torch.Tensor) -> torch.Tensor:
    """Torch twin of :func:`gan_value`."""
    return torch.log(d_real).mean() + torch.log1p(-d_fake).mean()


def discriminator_loss(d_real, d_fake) -> float:
    """L_D = −mean log D(x) − mean log(1 − D(G(z))) = −V  (Folie (112), binary cross-entropy)."""
    return -gan_value(d_real, d_fake)


def discriminator_loss_torch(d_real: torch.Tensor, d_fake: torch.Tensor) -> torch.Tensor:
    """Torch twin of :func:`discriminator_loss` (``torch.nn.functional.binary_cross_entropy``)."""
    return (F.binary_cross_entropy(d_real, torch.ones_like(d_real))
            + F.binary_cross_entropy(d_fake, torch.zeros_like(d_fake)))


def generator_loss_saturating(d_fake) -> float:
    """Original generator loss L_G = mean log(1 − D(G(z)))  (Folie (113)), to be minimised."""
    return float(np.mean(np.log1p(-_probs(d_fake, "d_fake"))))


def generator_loss_saturating_torch(d_fake: torch.Tensor) -> torch.Tensor:
    """Torch twin of :func:`generator_loss_saturating`."""
    return torch.log1p(-d_fake).mean()


def generator_loss_non_saturating(d_fake) -> float:
    """Non-saturating generator loss L_G = −mean log D(G(z))  (Folie (114))."""
    return float(-np.mean(np.log(_probs(d_fake, "d_fake"))))


def generator_loss_non_saturating_torch(d_fake: torch.Tensor) -> torch.Tensor:
    """Torch twin of :func:`generator_loss_non_saturating` (BCE with target 1)."""
    return F.binary_cross_entropy(d_fake, torch.ones_like(d_fake))


def generator_logit_gradient(d_fake, kind: str) -> np.ndarray:
    """∂ℓ/∂s of one sample's generator loss ℓ, where D = σ(s) and s is the discriminator's logit.

    saturating (113): ℓ = log(1 − σ(s)) → ∂ℓ/∂s = −D, vanishes when D(G(z)) → 0 (bad generator);
    non_saturating (114): ℓ = −log σ(s) → ∂ℓ/∂s = −(1 − D), largest exactly there.
    d_fake (m,) → (m,).
    """
    kind = check_choice(kind, "kind", GENERATOR_LOSSES)
    d = _probs(d_fake, "d_fake")
    return -d if kind == "saturating" else -(1.0 - d)


# --------------------------------------------------------------------------- optimal D (115)
def _densities(p_data, p_g) -> tuple[np.ndarray, np.ndarray]:
    p_data = as_array(p_data, "p_data", ndim=1)
    p_g = as_array(p_g, "p_g", shape=p_data.shape)
    if np.any(p_data < 0) or np.any(p_g < 0) or np.any(p_data + p_g <= 0):
        raise ValueError("p_data and p_g must be non-negative densities with p_data + p_g > 0 everywhere")
    return p_data, p_g


def optimal_discriminator(p_data, p_g) -> np.ndarray:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x))  (Folie (115)); densities on a grid (n,) → (n,)."""
    p_data, p_g = _densities(p_data, p_g)
    return p_data / (p_data + p_g)


def pointwise_value(d, p_data, p_g) -> np.ndarray:
    """The integrand of V for a fixed G: p_data(x) log d + p_g(x) log(1 − d).

    d : ndarray of shape (r,), candidate values D(x) ∈ (0, 1); p_data, p_g : (n,) on a grid of x.
    Returns (r, n); for every x the best d (argmax over axis 0) approximates D*(x).
    """
    d = _probs(d, "d")
    p_data, p_g = _densities(p_data, p_g)
    return p_data[None, :] * np.log(d)[:, None] + p_g[None, :] * np.log1p(-d)[:, None]


def jensen_shannon(p, q, dx: float) -> float:
    """Jensen–Shannon divergence (natural log) of two densities sampled on a uniform grid with step dx."""
    p, q = _densities(p, q)
    dx = check_positive_float(dx, "dx")
    m = 0.5 * (p + q)
    with np.errstate(divide="ignore", invalid="ignore"):
        kl_pm = np.where(p > 0, p * np.log(p / m), 0.0)
        kl_qm = np.where(q > 0, q * np.log(q / m), 0.0)
    return float(0.5 * dx * (kl_pm.sum() + kl_qm.sum()))


# --------------------------------------------------------------------------- WGAN
def wgan_critic_loss(f_real, f_fake) -> float:
    """Critic loss mean f(G(z)) − mean f(x): minimising it maximises the W₁ estimate."""
    return float(np.mean(as_array(f_fake, "f_fake", ndim=1)) - np.mean(as_array(f_real, "f_real", ndim=1)))


def wgan_critic_loss_torch(f_real: torch.Tensor, f_fake: torch.Tensor) -> torch.Tensor:
    """Torch twin of :func:`wgan_critic_loss`."""
    return f_fake.mean() - f_real.mean()


def wgan_generator_loss(f_fake) -> float:
    """Generator loss −mean f(G(z))."""
    return float(-np.mean(as_array(f_fake, "f_fake", ndim=1)))


def wgan_generator_loss_torch(f_fake: torch.Tensor) -> torch.Tensor:
    """Torch twin of :func:`wgan_generator_loss`."""
    return -f_fake.mean()


def gradient_penalty(grads) -> float:
    """WGAN-GP penalty mean_i (‖∇f(x̂_i)‖₂ − 1)²; grads (n, d) are the critic's input gradients."""
    g = as_array(grads, "grads", ndim=2)
    return float(np.mean((np.linalg.norm(g, axis=1) - 1.0) ** 2))


def gradient_penalty_torch(grads: torch.Tensor) -> torch.Tensor:
    """Torch twin of :func:`gradient_penalty` (differentiable, for the critic's update)."""
    return ((grads.norm(dim=1) - 1.0) ** 2).mean()


def critic_gradients_torch(critic: nn.Module, x: torch.Tensor, *, create_graph: bool = False) -> torch.Tensor:
    """∇_x f(x) for every row of x (n, d) by autograd; (n, d)."""
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(critic(x).sum(), x, create_graph=create_graph)
    return g


def wasserstein_1d(x, y) -> float:
    """W₁ between the empirical distributions of the samples x (n,) and y (m,): ∫ |F_x − F_y| dt."""
    x = as_array(x, "x", ndim=1)
    y = as_array(y, "y", ndim=1)
    if x.size == 0 or y.size == 0:
        raise ValueError("x and y must contain at least one sample each")
    if x.size == y.size:  # equal sizes: match sorted samples
        return float(np.mean(np.abs(np.sort(x) - np.sort(y))))
    t = np.sort(np.concatenate([x, y]))
    cdf_x = np.searchsorted(np.sort(x), t[:-1], side="right") / x.size
    cdf_y = np.searchsorted(np.sort(y), t[:-1], side="right") / y.size
    return float(np.sum(np.abs(cdf_x - cdf_y) * np.diff(t)))


def sliced_wasserstein(X, Y, n_projections: int = 64) -> float:
    """Sliced W₁: mean of :func:`wasserstein_1d` of the projections on directions θ_j.

    X (n, 2), Y (m, 2). The directions are evenly spaced angles j·π/P (deterministic; a
    direction and its opposite give the same W₁). For 1-D inputs (n, 1) it is W₁ itself.
    """
    X = as_array(X, "X", ndim=2)
    Y = as_array(Y, "Y", shape=(None, X.shape[1]))
    P = check_positive_int(n_projections, "n_projections")
    if X.shape[1] == 1:
        return wasserstein_1d(X[:, 0], Y[:, 0])
    if X.shape[1] != 2:
        raise ValueError(f"X and Y must have 1 or 2 columns, got {X.shape[1]}")
    ang = np.pi * np.arange(P) / P
    theta = np.c_[np.cos(ang), np.sin(ang)]  # (P, 2)
    return float(np.mean([wasserstein_1d(X @ t, Y @ t) for t in theta]))


# --------------------------------------------------------------------------- toy data and metrics
def ring_means(n_modes: int = 8, radius: float = 2.0) -> np.ndarray:
    """Means of the ring of Gaussians: n_modes points evenly on a circle; (n_modes, 2)."""
    k = check_positive_int(n_modes, "n_modes", minimum=2)
    r = check_positive_float(radius, "radius")
    ang = 2 * np.pi * np.arange(k) / k
    return r * np.c_[np.cos(ang), np.sin(ang)]


def grid_means(side: int = 5, spacing: float = 1.0) -> np.ndarray:
    """Means of the grid of Gaussians: side × side points, centred at 0; (side², 2)."""
    s = check_positive_int(side, "side", minimum=2)
    h = check_positive_float(spacing, "spacing")
    c = h * (np.arange(s) - (s - 1) / 2)
    return np.array([(a, b) for a in c for b in c])


def sample_mixture(means, n: int, std: float, rng: np.random.Generator) -> np.ndarray:
    """n samples of the equal-weight Gaussian mixture with the given means (K, 2); (n, 2)."""
    means = as_array(means, "means", ndim=2)
    n = check_positive_int(n, "n")
    std = check_positive_float(std, "std")
    rng = check_rng(rng)
    return means[rng.integers(0, means.shape[0], size=n)] + std * rng.standard_normal((n, means.shape[1]))


@dataclass(frozen=True)
class ModeMetrics:
    """How well samples cover a mixture with K modes."""

    modes_covered: int        #: modes that received at least ``min_share`` of the samples
    high_quality: float       #: share of samples within ``n_std`` standard deviations of a mean
    counts: np.ndarray        #: (K,) high-quality samples per mode


def mode_metrics(samples, means, std: float, *, n_std: float = 3.0, min_share: float | None = None) -> ModeMetrics:
    """Modes covered and share of high-quality samples (the metrics of Unrolled GAN / VEEGAN).

    A sample is *high quality* if its distance to the nearest mean is ≤ n_std · std; a mode is
    *covered* if at least ``min_share`` of all samples are high-quality samples of it
    (default: a quarter of its fair share, 1/(4K)).

    samples : (n, 2); means : (K, 2).
    """
    X = as_array(samples, "samples", ndim=2)
    M = as_array(means, "means", shape=(None, X.shape[1]))
    std = check_positive_float(std, "std")
    n_std = check_positive_float(n_std, "n_std")
    K = M.shape[0]
    share = 0.25 / K if min_share is None else check_positive_float(min_share, "min_share")
    dist2 = ((X[:, None, :] - M[None, :, :]) ** 2).sum(axis=2)  # (n, K)
    nearest = dist2.argmin(axis=1)
    good = dist2[np.arange(X.shape[0]), nearest] <= (n_std * std) ** 2
    counts = np.bincount(nearest[good], minlength=K)
    return ModeMetrics(int(np.sum(counts >= share * X.shape[0])), float(good.mean()), counts)


# --------------------------------------------------------------------------- training
def _mlp(d_in: int, d_hidden: int, d_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(d_in, d_hidden), nn.ReLU(), nn.Linear(d_hidden, d_hidden), nn.ReLU(),
                         nn.Linear(d_hidden, d_out))


class _Generator(nn.Module):
    def __init__(self, d_noise: int = 2, d_hidden: int = 64):
        super().__init__()
        self.net = _mlp(d_noise, d_hidden, 2)

    def forward(self, z):
        return self.net(z)


class _Critic(nn.Module):
    """Discriminator (outputs the logit s, D = σ(s)) or WGAN critic (outputs f(x))."""

    def __init__(self, d_hidden: int = 64):
        super().__init__()
        self.net = _mlp(2, d_hidden, 1)

    def forward(self, x):
        return self.net(x)[:, 0]


@dataclass
class GanRun:
    """Result of :func:`train_gan`."""

    method: str
    steps: np.ndarray        #: (S,) generator steps at which a snapshot was taken (0 = before training)
    samples: np.ndarray      #: (S, n_show, 2) generated points from the same fixed noise at each snapshot
    d_loss: np.ndarray       #: (steps,) discriminator/critic loss per generator step
    g_loss: np.ndarray       #: (steps,) generator loss per generator step
    generator: nn.Module
    critic: nn.Module


def train_gan(means, std: float = 0.05, *, method: str = "gan", steps: int = 1000, n_snapshots: int = 11,
              batch_size: int = 128, n_show: int = 1000, d_noise: int = 2, d_hidden: int = 64,
              lr: float = 1e-3, n_critic: int | None = None, clip: float = 0.1, gp_weight: float = 0.1,
              seed: int = 0, progress: bool = False) -> GanRun:
    """Train a small GAN on the Gaussian mixture with ``means`` (K, 2) and ``std``.

    method : "gan"        discriminator loss (112), non-saturating generator loss (114), 1 D step per G step
             "wgan_clip"  critic loss, weights clipped to [−clip, clip] after every critic step (WGAN)
             "wgan_gp"    critic loss + gp_weight · gradient penalty on interpolates (WGAN-GP)
    n_critic : critic steps per generator step (default 1 for "gan", 5 for the WGANs).
    Adam (β₁ = 0.5, β₂ = 0.9) for both networks. Snapshots of G on fixed noise at ``n_snapshots``
    evenly spaced steps (step 0 included).
    """
    method = check_choice(method, "method", METHODS)
    means = as_array(means, "means", shape=(None, 2))
    std = check_positive_float(std, "std")
    steps = check_positive_int(steps, "steps")
    n_snap = check_positive_int(n_snapshots, "n_snapshots", minimum=2)
    n_critic = (1 if method == "gan" else 5) if n_critic is None else check_positive_int(n_critic, "n_critic")
    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(seed)
    G = seeded_module(_Generator, seed, d_noise=d_noise, d_hidden=d_hidden)
    D = seeded_module(_Critic, seed + 1, d_hidden=d_hidden)
    opt_g = torch.optim.Adam(G.parameters(), lr=lr, betas=(0.5, 0.9))
    opt_d = torch.optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.9))
    z_show = torch.randn(n_show, d_noise, generator=gen)
    snap_at = np.unique(np.round(np.linspace(0, steps, n_snap)).astype(int))
    snaps, d_hist, g_hist = [], np.empty(steps), np.empty(steps)
    it = range(steps + 1)
    if progress:
        from tqdm.auto import tqdm
        it = tqdm(it, desc=f"Training ({method})", leave=False)

    def real_batch():
        return torch.as_tensor(sample_mixture(means, batch_size, std, rng), dtype=torch.float32)

    with one_thread():
        for step in it:
            if step in snap_at:
                with torch.no_grad():
                    snaps.append(G(z_show).numpy().copy())
            if step == steps:
                break
            for _ in range(n_critic):
                x = real_batch()
                with torch.no_grad():
                    fake = G(torch.randn(batch_size, d_noise, generator=gen))
                s_real, s_fake = D(x), D(fake)
                if method == "gan":  # (112) with D = σ(s), in the stable logit form
                    d_loss = (F.binary_cross_entropy_with_logits(s_real, torch.ones_like(s_real))
                              + F.binary_cross_entropy_with_logits(s_fake, torch.zeros_like(s_fake)))
                else:
                    d_loss = wgan_critic_loss_torch(s_real, s_fake)
                    if method == "wgan_gp":
                        t = torch.rand(batch_size, 1, generator=gen)
                        g = critic_gradients_torch(D, t * x + (1 - t) * fake, create_graph=True)
                        d_loss = d_loss + gp_weight * gradient_penalty_torch(g)
                opt_d.zero_grad()
                d_loss.backward()
                opt_d.step()
                if method == "wgan_clip":
                    with torch.no_grad():
                        for p in D.parameters():
                            p.clamp_(-clip, clip)
            s_fake = D(G(torch.randn(batch_size, d_noise, generator=gen)))
            if method == "gan":  # (114): −log σ(s)
                g_loss = F.binary_cross_entropy_with_logits(s_fake, torch.ones_like(s_fake))
            else:
                g_loss = wgan_generator_loss_torch(s_fake)
            opt_g.zero_grad()
            g_loss.backward()
            opt_g.step()
            d_hist[step], g_hist[step] = float(d_loss.detach()), float(g_loss.detach())
    return GanRun(method, snap_at, np.stack(snaps), d_hist, g_hist, G.eval(), D.eval())


def train_discriminator_1d(x_data, x_g, *, steps: int = 600, d_hidden: int = 32, lr: float = 1e-2,
                           seed: int = 0) -> nn.Module:
    """Train a discriminator D = σ(s(x)) on 1-D samples x_data (n,) (label 1) and x_g (m,) (label 0).

    Full-batch Adam on the loss (112) for a *fixed* generator: the trained D approaches
    D* = p_data / (p_data + p_g) (Folie (115)) where there are samples. Returns the module;
    ``torch.sigmoid(D(x[:, None]))`` evaluates D on a grid x (float32).
    """
    x_data = as_array(x_data, "x_data", ndim=1)
    x_g = as_array(x_g, "x_g", ndim=1)
    steps = check_positive_int(steps, "steps")
    D = seeded_module(_mlp, seed, d_in=1, d_hidden=d_hidden, d_out=1)
    x = torch.as_tensor(np.r_[x_data, x_g][:, None], dtype=torch.float32)
    y = torch.as_tensor(np.r_[np.ones(x_data.size), np.zeros(x_g.size)][:, None], dtype=torch.float32)
    w = torch.as_tensor(np.r_[np.full(x_data.size, 0.5 / x_data.size), np.full(x_g.size, 0.5 / x_g.size)][:, None],
                        dtype=torch.float32)  # both expectations of (112) weighted equally
    opt = torch.optim.Adam(D.parameters(), lr=lr)
    with one_thread():
        for _ in range(steps):
            loss = F.binary_cross_entropy_with_logits(D(x), y, weight=w, reduction="sum")
            opt.zero_grad()
            loss.backward()
            opt.step()
    return D.eval()
