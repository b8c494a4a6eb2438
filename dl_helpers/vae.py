"""Autoencoders and variational autoencoders (Folien (105)–(110)), NumPy formulas + torch twins.

Formulas (NumPy from scratch, torch twin, tested equal in float64)::

    kl_std_normal(mu, log_var)           D_KL(N(μ, diag σ²) ‖ N(0, I)), closed form       (107)
    kl_monte_carlo(mu, log_var, ...)     the same KL as a sample mean of log q − log p
    gaussian_nll(x, x_hat, sigma_x)      −log p_θ(x|z) of the Gaussian decoder             (106)
    vae_loss(x, x_hat, mu, log_var)      −ELBO per example (β-VAE: β · KL)                 (106)
    reparameterize(mu, log_var, eps)     z = μ + exp(½ log σ²) ∘ ε                         (108), (109)
    reparameterize_forward / _backward   the same as a layer (contract of dl_helpers.layers)
    kl_forward / kl_backward             the KL term (107) as a layer: ∂KL/∂μ, ∂KL/∂log σ²
    reparam_gradient(df, mu, sigma, eps) pathwise gradient of E[f(μ + σε)] w.r.t. μ, σ
    interpolate(z1, z2, alphas)          α z₁ + (1 − α) z₂                                 (110)
    linear_gaussian_elbo / _log_evidence ELBO and exact log p(x) of a linear-Gaussian model

Models and studies (torch, float32, seeded; nothing touches the global RNG)::

    AutoEncoder, VAE, fit_autoencoder, fit_vae, reconstruction_mse, pca_reconstruction_mse,
    bottleneck_study, beta_study

Shapes: a batch of ``n`` examples is rows; ``x`` (n, D) with D = 64 pixels for the digits,
latent codes ``z``, ``mu``, ``log_var`` (n, k).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, NamedTuple

import numpy as np
import torch
from torch import nn

from ._validation import as_array, check_positive_float, check_positive_int, check_rng
from .threads import one_thread

__all__ = [
    "kl_std_normal", "kl_std_normal_torch", "gaussian_log_density", "kl_monte_carlo",
    "gaussian_nll", "gaussian_nll_torch", "vae_loss", "vae_loss_torch",
    "reparameterize", "reparameterize_torch", "ReparamCache", "reparameterize_forward",
    "reparameterize_backward", "reparameterize_forward_torch", "KLCache", "kl_forward", "kl_backward",
    "kl_forward_torch", "reparam_gradient", "reparam_gradient_torch",
    "expected_exp_gradient", "interpolate", "linear_gaussian_elbo", "linear_gaussian_log_evidence",
    "linear_gaussian_posterior",
    "AutoEncoder", "VAE", "TrainResult", "fit_autoencoder", "fit_vae", "reconstruction_mse",
    "pca_reconstruction_mse", "BottleneckStudy", "bottleneck_study", "BetaStudy", "beta_study",
    "seeded_module",
]

LOG_2PI = math.log(2.0 * math.pi)


def _pair(mu, log_var) -> tuple[np.ndarray, np.ndarray]:
    mu = as_array(mu, "mu", ndim=(1, 2))
    log_var = as_array(log_var, "log_var", ndim=(1, 2))
    if mu.shape != log_var.shape:
        raise ValueError(f"mu and log_var must have the same shape (n, k), got {mu.shape} and {log_var.shape}")
    return mu, log_var


# --------------------------------------------------------------------------- KL divergence (107)
def kl_std_normal(mu, log_var) -> np.ndarray:
    """Closed-form D_KL(N(μ, diag σ²) ‖ N(0, I)) = ½ Σ_j (μ_j² + σ_j² − 1 − log σ_j²)  (Folie (107)).

    Parameters
    ----------
    mu, log_var : ndarray of shape (n, k) or (k,)
        Means and log-variances log σ² of the encoder's diagonal Gaussian.

    Returns
    -------
    ndarray of shape (n,) (or a 0-d array for 1-D input): one KL per example, ≥ 0.
    Note the sign: Folie (107) prints ½ Σ (1 + log σ² − μ² − σ²), which is −D_KL.
    """
    mu, log_var = _pair(mu, log_var)
    return 0.5 * np.sum(mu ** 2 + np.exp(log_var) - 1.0 - log_var, axis=-1)


def kl_std_normal_torch(mu: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """Torch twin of :func:`kl_std_normal` (differentiable); shape (n,)."""
    return 0.5 * torch.sum(mu ** 2 + torch.exp(log_var) - 1.0 - log_var, dim=-1)


def gaussian_log_density(z, mu, log_var) -> np.ndarray:
    """log N(z; μ, diag σ²), summed over the last axis; z, mu, log_var broadcastable (…, k)."""
    z = as_array(z, "z")
    mu, log_var = _pair(mu, log_var)
    return -0.5 * np.sum(LOG_2PI + log_var + (z - mu) ** 2 / np.exp(log_var), axis=-1)


def kl_monte_carlo(mu, log_var, n_samples: int, rng: np.random.Generator) -> np.ndarray:
    """Monte-Carlo estimate of D_KL(q ‖ N(0, I)) = E_q[log q(z) − log p(z)], z ~ q = N(μ, diag σ²).

    Returns ndarray of shape (n,) (0-d for 1-D input); its error shrinks like 1/√n_samples.
    """
    mu, log_var = _pair(mu, log_var)
    n_samples = check_positive_int(n_samples, "n_samples")
    rng = check_rng(rng)
    eps = rng.standard_normal((n_samples,) + mu.shape)
    z = mu + np.exp(0.5 * log_var) * eps
    log_q = gaussian_log_density(z, mu, log_var)
    log_p = gaussian_log_density(z, np.zeros_like(mu), np.zeros_like(log_var))
    return np.mean(log_q - log_p, axis=0)


# --------------------------------------------------------------------------- ELBO (106)
def gaussian_nll(x, x_hat, sigma_x: float) -> np.ndarray:
    """−log p_θ(x|z) for the decoder N(x̂, σ_x² I): ‖x − x̂‖²/(2σ_x²) + D/2 · log(2π σ_x²).

    x, x_hat : ndarray of shape (n, D). Returns shape (n,).
    """
    x = as_array(x, "x", ndim=2)
    x_hat = as_array(x_hat, "x_hat", shape=x.shape)
    s2 = check_positive_float(sigma_x, "sigma_x") ** 2
    return np.sum((x - x_hat) ** 2, axis=1) / (2 * s2) + 0.5 * x.shape[1] * math.log(2 * math.pi * s2)


def gaussian_nll_torch(x: torch.Tensor, x_hat: torch.Tensor, sigma_x: float) -> torch.Tensor:
    """Torch twin of :func:`gaussian_nll`; shape (n,)."""
    s2 = float(sigma_x) ** 2
    return torch.sum((x - x_hat) ** 2, dim=1) / (2 * s2) + 0.5 * x.shape[1] * math.log(2 * math.pi * s2)


def vae_loss(x, x_hat, mu, log_var, *, sigma_x: float = 0.25, beta: float = 1.0) -> np.ndarray:
    """−ELBO per example with one sample z: −log p_θ(x|z) + β · D_KL(q_φ(z|x) ‖ p(z))  (Folie (106)).

    β = 1 is the VAE, β ≠ 1 the β-VAE. x, x_hat (n, D); mu, log_var (n, k). Returns shape (n,).
    """
    beta = check_positive_float(beta, "beta", allow_zero=True)
    return gaussian_nll(x, x_hat, sigma_x) + beta * kl_std_normal(mu, log_var)


def vae_loss_torch(x, x_hat, mu, log_var, *, sigma_x: float = 0.25, beta: float = 1.0) -> torch.Tensor:
    """Torch twin of :func:`vae_loss`; shape (n,)."""
    return gaussian_nll_torch(x, x_hat, sigma_x) + beta * kl_std_normal_torch(mu, log_var)


# --------------------------------------------------------------------------- reparameterisation
def reparameterize(mu, log_var, eps) -> np.ndarray:
    """z = μ + exp(½ log σ²) ∘ ε  (Folien (108), (109)); all arrays of the same shape (n, k)."""
    mu, log_var = _pair(mu, log_var)
    eps = as_array(eps, "eps", shape=mu.shape)
    return mu + np.exp(0.5 * log_var) * eps


def reparameterize_torch(mu: torch.Tensor, log_var: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """Torch twin of :func:`reparameterize` (gradients flow to mu and log_var, not to eps)."""
    return mu + torch.exp(0.5 * log_var) * eps


class ReparamCache(NamedTuple):
    sigma: np.ndarray  #: (n, k) standard deviations exp(½ log σ²)
    eps: np.ndarray    #: (n, k) the noise of the forward pass


def reparameterize_forward(mu, log_var, *, eps) -> tuple[np.ndarray, ReparamCache]:
    """Layer form of (109): ``z, cache = reparameterize_forward(mu, log_var, eps=eps)``; all (n, k).

    The noise is an option, not an input: no gradient flows to it, and it does not depend on
    the parameters -- that is the whole trick.
    """
    z = reparameterize(mu, log_var, eps)
    return z, ReparamCache(np.exp(0.5 * np.asarray(log_var, dtype=np.float64)), np.asarray(eps, dtype=np.float64))


def reparameterize_backward(dz, cache: ReparamCache) -> tuple[np.ndarray, np.ndarray]:
    """Gradients (dmu, dlog_var) of the loss from dz (n, k): ∂z/∂μ = 1, ∂z/∂log σ² = ½ σ ε."""
    dz = as_array(dz, "dz", shape=cache.eps.shape)
    return dz.copy(), dz * 0.5 * cache.sigma * cache.eps


def reparameterize_forward_torch(mu: torch.Tensor, log_var: torch.Tensor, *, eps) -> torch.Tensor:
    """Torch twin of :func:`reparameterize_forward` (eps may be a NumPy array)."""
    return reparameterize_torch(mu, log_var, torch.as_tensor(eps, dtype=mu.dtype))


class KLCache(NamedTuple):
    mu: np.ndarray       #: (n, k)
    log_var: np.ndarray  #: (n, k)


def kl_forward(mu, log_var) -> tuple[np.ndarray, KLCache]:
    """Layer form of :func:`kl_std_normal` (107): mu, log_var (n, k) → KL per example (n,)."""
    mu, log_var = _pair(mu, log_var)
    if mu.ndim != 2:
        raise ValueError(f"mu and log_var must have shape (n, k), got {mu.shape}")
    return kl_std_normal(mu, log_var), KLCache(mu, log_var)


def kl_backward(dkl, cache: KLCache) -> tuple[np.ndarray, np.ndarray]:
    """(dmu, dlog_var) from dkl (n,): ∂KL/∂μ = μ, ∂KL/∂log σ² = ½ (σ² − 1)."""
    dkl = as_array(dkl, "dkl", shape=(cache.mu.shape[0],))[:, None]
    return dkl * cache.mu, dkl * 0.5 * (np.exp(cache.log_var) - 1.0)


def kl_forward_torch(mu: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """Torch twin of :func:`kl_forward` (the same as :func:`kl_std_normal_torch`)."""
    return kl_std_normal_torch(mu, log_var)


def reparam_gradient(df: Callable[[np.ndarray], np.ndarray], mu, sigma, eps) -> tuple[np.ndarray, np.ndarray]:
    """Pathwise estimate of ∇_μ and ∇_σ of E_ε[f(μ + σ ε)] from the samples ``eps``.

    With z = μ + σ ε the chain rule gives ∂f/∂μ = f'(z) and ∂f/∂σ = f'(z) · ε; the estimate
    is their mean over the samples. f acts elementwise.

    Parameters
    ----------
    df : callable, the derivative f' (elementwise)
    mu, sigma : ndarray of shape (k,)
    eps : ndarray of shape (S, k), samples of N(0, 1)

    Returns
    -------
    (grad_mu, grad_sigma) : two ndarrays of shape (k,)
    """
    mu = as_array(mu, "mu", ndim=1)
    sigma = as_array(sigma, "sigma", shape=mu.shape)
    eps = as_array(eps, "eps", shape=(None, mu.shape[0]))
    g = np.asarray(df(mu + sigma * eps), dtype=np.float64)
    return g.mean(axis=0), (g * eps).mean(axis=0)


def reparam_gradient_torch(f: Callable[[torch.Tensor], torch.Tensor], mu: torch.Tensor, sigma: torch.Tensor,
                           eps: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The same gradients by autograd *through the sample* z = μ + σ ε (f acts elementwise)."""
    mu = mu.detach().clone().requires_grad_(True)
    sigma = sigma.detach().clone().requires_grad_(True)
    f(mu + sigma * eps).mean(dim=0).sum().backward()
    return mu.grad, sigma.grad


def expected_exp_gradient(mu, sigma) -> tuple[np.ndarray, np.ndarray]:
    """Exact gradients of E[exp(μ + σ ε)] = exp(μ + σ²/2): (exp(μ + σ²/2), σ exp(μ + σ²/2))."""
    mu = as_array(mu, "mu")
    sigma = as_array(sigma, "sigma", shape=mu.shape)
    m = np.exp(mu + 0.5 * sigma ** 2)
    return m, sigma * m


def interpolate(z1, z2, alphas) -> np.ndarray:
    """Latent interpolation z = α z₁ + (1 − α) z₂ (Folie (110)): z1, z2 (k,), alphas (m,) → (m, k)."""
    z1 = as_array(z1, "z1", ndim=1)
    z2 = as_array(z2, "z2", shape=z1.shape)
    alphas = as_array(alphas, "alphas", ndim=1)
    return alphas[:, None] * z1 + (1.0 - alphas[:, None]) * z2


# --------------------------------------------------------------------------- a model with exact log p(x)
def _linear_model(x, A, b, s):
    x = as_array(x, "x", ndim=1)
    A = as_array(A, "A", shape=(x.shape[0], None))
    b = as_array(b, "b", shape=x.shape)
    return x, A, b, check_positive_float(s, "s")


def linear_gaussian_log_evidence(x, A, b, s: float) -> float:
    """Exact log p(x) of z ~ N(0, I_k), x | z ~ N(A z + b, s² I_D): x ~ N(b, A Aᵀ + s² I).

    x, b : (D,); A : (D, k).
    """
    x, A, b, s = _linear_model(x, A, b, s)
    C = A @ A.T + s ** 2 * np.eye(x.shape[0])
    _, logdet = np.linalg.slogdet(C)
    r = x - b
    return float(-0.5 * (x.shape[0] * LOG_2PI + logdet + r @ np.linalg.solve(C, r)))


def linear_gaussian_posterior(x, A, b, s: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact posterior p(z|x) = N(m, P⁻¹), P = I + AᵀA/s², m = P⁻¹ Aᵀ(x − b)/s²; returns (m (k,), cov (k, k))."""
    x, A, b, s = _linear_model(x, A, b, s)
    cov = np.linalg.inv(np.eye(A.shape[1]) + A.T @ A / s ** 2)
    return cov @ A.T @ (x - b) / s ** 2, cov


def linear_gaussian_elbo(x, A, b, s: float, mu, log_var) -> float:
    """ELBO (Folie (106)) of q = N(μ, diag σ²) in the linear-Gaussian model, in closed form.

    E_q[log p(x|z)] = −½ (D log(2π s²) + (‖x − Aμ − b‖² + Σ_j σ_j² ‖A_{:, j}‖²)/s²), minus
    :func:`kl_std_normal`. Always ≤ :func:`linear_gaussian_log_evidence`; equal iff q is the posterior.
    """
    x, A, b, s = _linear_model(x, A, b, s)
    mu = as_array(mu, "mu", shape=(A.shape[1],))
    log_var = as_array(log_var, "log_var", shape=mu.shape)
    sq = np.sum((x - A @ mu - b) ** 2) + np.sum(np.exp(log_var) * np.sum(A ** 2, axis=0))
    rec = -0.5 * (x.shape[0] * math.log(2 * math.pi * s ** 2) + sq / s ** 2)
    return float(rec - kl_std_normal(mu, log_var))


# --------------------------------------------------------------------------- torch models
def _mlp(d_in: int, d_hidden: int, d_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(d_in, d_hidden), nn.ReLU(), nn.Linear(d_hidden, d_out))


class AutoEncoder(nn.Module):
    """x (n, D) → z = f_enc(x) (n, k) → x̂ = f_dec(z) (n, D) ∈ (0, 1)  (Folie (105)); one hidden layer each."""

    def __init__(self, d_in: int = 64, d_latent: int = 2, d_hidden: int = 128):
        super().__init__()
        self.encoder = _mlp(d_in, d_hidden, d_latent)
        self.decoder = nn.Sequential(_mlp(d_latent, d_hidden, d_in), nn.Sigmoid())

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


class VAE(nn.Module):
    """Encoder q_φ(z|x) = N(μ(x), diag σ²(x)) (outputs μ and log σ²), decoder mean x̂ = μ_θ(z)  (Folie (106))."""

    def __init__(self, d_in: int = 64, d_latent: int = 2, d_hidden: int = 128):
        super().__init__()
        self.encoder = _mlp(d_in, d_hidden, 2 * d_latent)
        self.decoder = nn.Sequential(_mlp(d_latent, d_hidden, d_in), nn.Sigmoid())
        self.d_latent = d_latent

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Returns (mu, log_var), each (n, k)."""
        h = self.encoder(x)
        return h[:, :self.d_latent], h[:, self.d_latent:]

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def forward(self, x: torch.Tensor, eps: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One reparameterised pass with noise eps (n, k): returns (x_hat, mu, log_var)."""
        mu, log_var = self.encode(x)
        return self.decode(reparameterize_torch(mu, log_var, eps)), mu, log_var


@dataclass
class TrainResult:
    """A trained model and its loss per epoch (mean over the training set)."""

    model: nn.Module
    losses: np.ndarray  #: (epochs,)


def _fit(model: nn.Module, X, loss_fn, *, epochs: int, batch_size: int, lr: float,
         generator: torch.Generator, progress: bool) -> np.ndarray:
    """Minibatch Adam; ``loss_fn(model, xb, generator)`` returns the mean loss of a batch."""
    X = torch.as_tensor(as_array(X, "X", ndim=2), dtype=torch.float32)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = np.empty(epochs)
    epochs_iter = range(epochs)
    if progress:
        from tqdm.auto import tqdm
        epochs_iter = tqdm(epochs_iter, desc="Training", leave=False)
    with one_thread():
        for epoch in epochs_iter:
            perm = torch.randperm(X.shape[0], generator=generator)
            total = 0.0
            for start in range(0, X.shape[0], batch_size):
                xb = X[perm[start:start + batch_size]]
                loss = loss_fn(model, xb, generator)
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += float(loss.detach()) * xb.shape[0]
            losses[epoch] = total / X.shape[0]
    return losses


def seeded_module(cls, seed: int, **kwargs) -> nn.Module:
    """``cls(**kwargs)`` initialised from ``torch.manual_seed(seed)`` inside a forked RNG.

    ``torch.nn`` layers draw their initial weights from torch's global RNG; forking it keeps
    the caller's random state untouched (no global seeding inside a helper).
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        return cls(**kwargs)




def fit_autoencoder(X, d_latent: int, *, d_hidden: int = 128, epochs: int = 50, batch_size: int = 128,
                    lr: float = 3e-3, seed: int = 0, progress: bool = False) -> TrainResult:
    """Train an :class:`AutoEncoder` on X (n, D), values in [0, 1], with the loss (105) (mean over pixels)."""
    d_latent = check_positive_int(d_latent, "d_latent")
    X = as_array(X, "X", ndim=2)
    model = seeded_module(AutoEncoder, seed, d_in=X.shape[1], d_latent=d_latent, d_hidden=d_hidden)
    gen = torch.Generator().manual_seed(seed)
    losses = _fit(model, X, lambda m, xb, g: torch.mean((m(xb) - xb) ** 2), epochs=epochs,
                  batch_size=batch_size, lr=lr, generator=gen, progress=progress)
    return TrainResult(model.eval(), losses)


def fit_vae(X, d_latent: int, *, beta: float = 1.0, sigma_x: float = 0.25, d_hidden: int = 128,
            epochs: int = 50, batch_size: int = 128, lr: float = 3e-3, seed: int = 0,
            progress: bool = False) -> TrainResult:
    """Train a :class:`VAE` on X (n, D) by minimising the mean of :func:`vae_loss_torch` (−ELBO, β-VAE)."""
    d_latent = check_positive_int(d_latent, "d_latent")
    beta = check_positive_float(beta, "beta", allow_zero=True)
    sigma_x = check_positive_float(sigma_x, "sigma_x")
    X = as_array(X, "X", ndim=2)
    model = seeded_module(VAE, seed, d_in=X.shape[1], d_latent=d_latent, d_hidden=d_hidden)
    gen = torch.Generator().manual_seed(seed)

    def loss_fn(m, xb, g):
        eps = torch.randn(xb.shape[0], d_latent, generator=g)
        x_hat, mu, log_var = m(xb, eps)
        return vae_loss_torch(xb, x_hat, mu, log_var, sigma_x=sigma_x, beta=beta).mean()

    losses = _fit(model, X, loss_fn, epochs=epochs, batch_size=batch_size, lr=lr, generator=gen,
                  progress=progress)
    return TrainResult(model.eval(), losses)


@torch.no_grad()
def reconstruction_mse(model: nn.Module, X) -> float:
    """Mean squared error per pixel of the reconstructions of X (n, D); a VAE decodes its mean μ(x)."""
    x = torch.as_tensor(as_array(X, "X", ndim=2), dtype=torch.float32)
    code = model.encode(x)
    z = code[0] if isinstance(code, tuple) else code
    return float(torch.mean((model.decode(z) - x) ** 2))


def pca_reconstruction_mse(X_train, X_test, k: int) -> float:
    """MSE per pixel of scikit-learn's PCA with k components (fitted on X_train) on X_test."""
    from sklearn.decomposition import PCA

    X_train = as_array(X_train, "X_train", ndim=2)
    X_test = as_array(X_test, "X_test", shape=(None, X_train.shape[1]))
    pca = PCA(n_components=check_positive_int(k, "k")).fit(X_train)
    return float(np.mean((pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2))


@dataclass
class BottleneckStudy:
    """Test reconstruction MSE per pixel of the autoencoder and of PCA for each bottleneck size k."""

    sizes: np.ndarray   #: (m,)
    ae_mse: np.ndarray  #: (m,)
    pca_mse: np.ndarray  #: (m,)


def bottleneck_study(X_train, X_test, sizes, *, epochs: int = 50, seed: int = 0,
                     progress: bool = False) -> BottleneckStudy:
    """Train one autoencoder per bottleneck size and compare its test MSE with PCA at the same size."""
    sizes = [check_positive_int(k, "sizes[i]") for k in sizes]
    it = sizes
    if progress:
        from tqdm.auto import tqdm
        it = tqdm(sizes, desc="Bottleneck", leave=False)
    ae = [reconstruction_mse(fit_autoencoder(X_train, k, epochs=epochs, seed=seed).model, X_test) for k in it]
    pca = [pca_reconstruction_mse(X_train, X_test, k) for k in sizes]
    return BottleneckStudy(np.array(sizes), np.array(ae), np.array(pca))


@dataclass
class BetaStudy:
    """β-VAE trade-off on the test set: reconstruction MSE per pixel and mean KL per example."""

    betas: np.ndarray  #: (m,)
    mse: np.ndarray    #: (m,)
    kl: np.ndarray     #: (m,)
    models: list = field(default_factory=list)  #: the trained VAEs, one per β


@torch.no_grad()
def _mean_kl(model: VAE, X) -> float:
    mu, log_var = model.encode(torch.as_tensor(X, dtype=torch.float32))
    return float(kl_std_normal_torch(mu, log_var).mean())


def beta_study(X_train, X_test, betas, *, d_latent: int = 2, epochs: int = 50, sigma_x: float = 0.25,
               seed: int = 0, progress: bool = False) -> BetaStudy:
    """Train one β-VAE per β; measure how reconstruction error and KL trade off."""
    betas = [check_positive_float(b, "betas[i]", allow_zero=True) for b in betas]
    X_test = as_array(X_test, "X_test", ndim=2)
    it = betas
    if progress:
        from tqdm.auto import tqdm
        it = tqdm(betas, desc="β-VAE", leave=False)
    mse, kl, models = [], [], []
    for beta in it:
        model = fit_vae(X_train, d_latent, beta=beta, sigma_x=sigma_x, epochs=epochs, seed=seed).model
        mse.append(reconstruction_mse(model, X_test))
        kl.append(_mean_kl(model, X_test))
        models.append(model)
    return BetaStudy(np.array(betas), np.array(mse), np.array(kl), models)
