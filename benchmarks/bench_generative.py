"""Speed of notebooks 11 and 12 (dl_helpers.vae, dl_helpers.gan).

* ``generative_one_over_two_threads``: 200 Adam steps of the digits autoencoder with torch on
  one thread / on two threads, timed interleaved. The models are tiny (64×128 weights), so
  a second thread gains nothing (measured 1.02 on an idle 2-core machine) and, when the other
  core is busy, costs a lot (0.03 measured under load, i.e. one thread 30× faster); one thread
  also makes trained results independent of the reader's thread setting. That is why
  ``threads.one_thread`` exists. Goal ≤ 1.25: one thread may cost at most a quarter more on
  an idle machine.
* ``generative_ae_epoch_ms`` / ``generative_gan_step_ms`` / ``generative_wgan_gp_step_ms``: one
  autoencoder epoch (1347 digits, batch 128) and one generator step of ``train_gan`` (GAN: one
  discriminator step; WGAN-GP: three critic steps with the penalty's double backward).
* ``generative_nb11_training_s`` / ``generative_nb12_training_s``: all training of each
  notebook with the notebook's settings (must leave room in the 20 s budget per notebook).
* ``generative_sliced_w_ms``: sliced W₁ between two sets of 1000 points, 64 directions.
"""
from __future__ import annotations

import time

import numpy as np
import torch

from benchmarks._common import Result, interleaved_ratio, median_time
from dl_helpers import gan, vae
from dl_helpers.data import load_digits_data


def _ae_steps(threads: int, X: torch.Tensor, n: int = 200):
    model = vae.seeded_module(vae.AutoEncoder, 0)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    old = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        for i in range(n):
            xb = X[(i * 128) % 1200:(i * 128) % 1200 + 128]
            loss = torch.mean((model(xb) - xb) ** 2)
            opt.zero_grad()
            loss.backward()
            opt.step()
    finally:
        torch.set_num_threads(old)


def nb11_training(d):
    vae.bottleneck_study(d.X_train, d.X_test, [2, 4, 8, 16])
    vae.beta_study(d.X_train, d.X_test, [0.25, 1.0, 4.0])


def nb12_training():
    ring, grid = gan.ring_means(), gan.grid_means(3, 2.0)
    gan.train_gan(ring, 0.1, method="gan", steps=800, batch_size=256)
    gan.train_gan(grid, 0.1, method="gan", steps=800, batch_size=256)
    for method in ("wgan_clip", "wgan_gp"):
        gan.train_gan(ring, 0.1, method=method, steps=300, n_critic=3, batch_size=256, lr=2e-3, gp_weight=1.0)


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def run() -> dict[str, Result]:
    d = load_digits_data()
    X = torch.as_tensor(d.X_train, dtype=torch.float32)
    _, _, ratio = interleaved_ratio(lambda: _ae_steps(1, X), lambda: _ae_steps(2, X), repeats=3)
    epoch = median_time(lambda: vae.fit_autoencoder(d.X_train, 2, epochs=1), repeats=3)
    ring = gan.ring_means()
    gan_step = median_time(lambda: gan.train_gan(ring, 0.1, steps=50, batch_size=256), repeats=3) / 50
    gp_step = median_time(lambda: gan.train_gan(ring, 0.1, method="wgan_gp", steps=20, n_critic=3,
                                                 batch_size=256), repeats=3) / 20
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(1000, 2)), rng.normal(size=(1000, 2))
    sw = median_time(lambda: gan.sliced_wasserstein(A, B), repeats=9)
    return {
        "generative_one_over_two_threads": Result(ratio, "ratio", 1.25),
        "generative_ae_epoch_ms": Result(1e3 * epoch, "ms", 40.0),
        "generative_gan_step_ms": Result(1e3 * gan_step, "ms", 4.0),
        "generative_wgan_gp_step_ms": Result(1e3 * gp_step, "ms", 12.0),
        "generative_nb11_training_s": Result(_timed(lambda: nb11_training(d)), "s", 10.0),
        "generative_nb12_training_s": Result(_timed(nb12_training), "s", 10.0),
        "generative_sliced_w_ms": Result(1e3 * sw, "ms", 30.0),
    }
