"""physml.jets.anomalies: the convolutional AE/VAE's shapes, the reconstruction error, the VAE's
KL term, the Langevin sampler on a Gaussian energy, the NAE's negatives and loss sign, the
intensity scale, inputs moved to the model's device, bad inputs."""

import math

import pytest
import torch

from physml.jets.anomalies import (
    JetAutoencoder,
    NAESettings,
    gaussian_filter,
    intensity_scale,
    langevin,
    nae_loss,
    nae_negatives,
    reconstruction_error,
    train_autoencoder,
    train_nae,
    vae_loss,
)

MEAN = torch.tensor([1.0, -2.0])
COV = torch.tensor([[1.0, 0.6], [0.6, 0.5]])


def gaussian_energy(x: torch.Tensor) -> torch.Tensor:
    d = x - MEAN
    return 0.5 * (d @ torch.linalg.inv(COV) * d).sum(1)


def run_chains(step: float, noise: float, seed: int = 0) -> torch.Tensor:
    return langevin(
        gaussian_energy,
        torch.zeros(8000, 2),
        n_steps=600,
        step_size=step,
        noise=noise,
        generator=torch.Generator().manual_seed(seed),
    )


def test_shapes_of_ae_vae_and_spherical_latent():
    torch.manual_seed(0)
    x = torch.rand(5, 40, 40)
    ae = JetAutoencoder(latent=1, channels=4)
    assert ae(x).shape == (5, 40, 40) and ae.encode(x).shape == (5, 1)
    assert ae(x[:, None]).shape == (5, 40, 40)
    vae = JetAutoencoder(latent=2, channels=4, variational=True)
    mu, log_var = vae.encode_stats(x)
    assert mu.shape == log_var.shape == (5, 2) and vae.encode(x).shape == (5, 2)
    sph = JetAutoencoder(latent=3, channels=4, spherical=True)
    assert torch.allclose(sph.encode(x).norm(dim=1), torch.ones(5), atol=1e-6)
    assert reconstruction_error(ae, x).shape == (5,)
    assert torch.allclose(
        reconstruction_error(ae, x), reconstruction_error(ae, x, batch_size=2)
    )
    assert JetAutoencoder(n_pixels=20, channels=2)(torch.rand(2, 20, 20)).shape == (
        2,
        20,
        20,
    )


def test_gaussian_filter_keeps_the_intensity_and_spreads_a_point():
    x = torch.zeros(2, 40, 40)
    x[:, 20, 20] = 1.0
    y = gaussian_filter(x, 2.0)
    assert y.shape == x.shape
    assert torch.allclose(y.sum(dim=(1, 2)), torch.ones(2), atol=1e-5)
    # the second moment of the spread point is sigma² per axis
    rows = torch.arange(40.0) - 20
    var = float((y[0].sum(1) * rows**2).sum())
    assert var == pytest.approx(4.0, rel=0.02)


def test_reconstruction_error_is_the_pixel_mean_of_squares():
    class Zero(torch.nn.Module):
        def forward(self, x):
            return torch.zeros_like(x)

    x = torch.rand(3, 40, 40)
    expected = (x**2).mean(dim=(1, 2))
    assert torch.allclose(reconstruction_error(Zero(), x), expected)


def test_vae_kl_is_non_negative_and_zero_at_the_prior():
    torch.manual_seed(0)
    vae = JetAutoencoder(latent=2, channels=4, variational=True)
    x = torch.rand(64, 40, 40) * 0.01
    loss, kl = vae_loss(vae, x, beta_kl=1.0, generator=torch.Generator().manual_seed(0))
    assert loss.ndim == 0 and kl.shape == (64,)
    assert bool((kl >= 0).all())
    # beta_kl = 0 leaves the reconstruction term alone: the loss drops by the mean KL
    loss0, _ = vae_loss(vae, x, beta_kl=0.0, generator=torch.Generator().manual_seed(0))
    assert float((loss - loss0).detach()) == pytest.approx(
        float(kl.mean().detach()), rel=1e-5
    )


def test_vae_loss_is_deterministic_given_the_generator():
    torch.manual_seed(0)
    vae = JetAutoencoder(latent=1, channels=4, variational=True)
    x = torch.rand(8, 40, 40)
    a = vae_loss(vae, x, generator=torch.Generator().manual_seed(3))[0]
    b = vae_loss(vae, x, generator=torch.Generator().manual_seed(3))[0]
    assert torch.equal(a.detach(), b.detach())


def test_langevin_reproduces_a_gaussian_mean_and_covariance():
    """With 2λ = σ² and λ small, the chains sample exp(-E): mean and covariance within 5 %."""
    x = run_chains(0.01, math.sqrt(0.02))
    mean, cov = x.mean(0), torch.cov(x.T)
    scale = torch.sqrt(torch.diag(COV))
    assert float(((mean - MEAN) / scale).abs().max()) < 0.05
    assert float(((cov - COV) / torch.outer(scale, scale)).abs().max()) < 0.05


def test_langevin_with_the_wrong_noise_misses_the_covariance():
    """σ² = λ instead of 2λ halves the covariance: the 5 % check fails."""
    x = run_chains(0.01, math.sqrt(0.01))
    ratio = torch.diag(torch.cov(x.T)) / torch.diag(COV)
    assert bool((ratio < 0.6).all())


def test_langevin_is_deterministic_and_projects():
    a = run_chains(0.01, 0.1, seed=5)
    b = run_chains(0.01, 0.1, seed=5)
    assert torch.equal(a, b)
    on_sphere = langevin(
        lambda z: z[:, 0],
        torch.randn(10, 3, generator=torch.Generator().manual_seed(0)),
        n_steps=5,
        step_size=0.1,
        noise=0.1,
        generator=torch.Generator().manual_seed(0),
        project=lambda z: z / z.norm(dim=1, keepdim=True),
    )
    assert torch.allclose(on_sphere.norm(dim=1), torch.ones(10), atol=1e-6)


def test_nae_loss_sign_convention():
    """Loss = ⟨E⟩_data - ⟨E⟩_negatives: lower on the data, higher on the negatives, lowers it."""

    class Scale(torch.nn.Module):
        def forward(self, x):
            return 0.5 * x

    data, neg = torch.full((4, 40, 40), 0.1), torch.full((6, 40, 40), 0.3)
    loss, e_data, e_neg = nae_loss(Scale(), data, neg, gamma=0.0)
    assert float(loss) == pytest.approx(float(e_data.mean() - e_neg.mean()))
    assert float(loss) < 0
    loss_g, _, _ = nae_loss(Scale(), data, neg, gamma=2.0)
    extra = 2.0 * float((e_data**2).mean() + (e_neg**2).mean())
    assert float(loss_g) == pytest.approx(float(loss) + extra)


def test_nae_negatives_and_one_training_step():
    torch.manual_seed(0)
    model = JetAutoencoder(latent=3, channels=2, hidden=8, spherical=True)
    settings = NAESettings(
        steps=2, batch_size=4, latent_steps=2, pixel_steps=2, lr=1e-4
    )
    gen = torch.Generator().manual_seed(1)
    z, x = nae_negatives(model, 5, settings, generator=gen)
    assert z.shape == (5, 3) and x.shape == (5, 40, 40)
    assert torch.allclose(z.norm(dim=1), torch.ones(5), atol=1e-5)
    assert bool((x >= 0).all())
    z2, x2 = nae_negatives(
        model, 5, settings, generator=torch.Generator().manual_seed(1)
    )
    assert torch.equal(x, x2)
    images = torch.rand(16, 40, 40) * 0.01
    hist = train_nae(
        model, images, settings, generator=gen, device="cpu", progress=False
    )
    assert hist.steps == 2 and hist["e_negatives"].shape == (2,)
    off = NAESettings(steps=1, batch_size=4, negative_phase=False)
    hist_off = train_nae(model, images, off, device="cpu", progress=False)
    assert math.isnan(hist_off["e_negatives"][0])


def test_train_autoencoder_lowers_the_error():
    torch.manual_seed(0)
    ae = JetAutoencoder(latent=1, channels=2, hidden=8)
    x = torch.rand(32, 40, 40) * 0.1
    before = float(reconstruction_error(ae, x).mean())
    hist = train_autoencoder(
        ae, x, steps=20, batch_size=32, lr=3e-3, device="cpu", progress=False
    )
    assert hist.steps == 20
    assert float(reconstruction_error(ae, x).mean()) < before
    vae = JetAutoencoder(latent=1, channels=2, hidden=8, variational=True)
    h = train_autoencoder(vae, x, steps=2, batch_size=8, device="cpu", progress=False)
    assert h.loss.shape == (2,)


def test_intensity_scale_is_the_mean_largest_pixel_and_scales_along():
    x = torch.zeros(3, 40, 40)
    x[0, 1, 1], x[1, 5, 5], x[2, 7, 7] = 0.3, 0.6, 0.9
    x[0, 2, 2] = 0.1  # not the largest pixel: no effect
    assert intensity_scale(x) == pytest.approx(0.6)
    images = torch.rand(20, 40, 40) ** 8 * 1e-3
    images = images / images.flatten(1).sum(1)[:, None, None]  # unit sum, as jet_image
    scale = intensity_scale(images)
    assert intensity_scale(7.0 * images) == pytest.approx(7.0 * scale, rel=1e-6)
    scaled = images / scale
    assert float(scaled.flatten(1).max(1).values.mean()) == pytest.approx(1.0, rel=1e-6)
    # one constant for all images: the ratios between jets stay
    assert torch.allclose(scaled.flatten(1).sum(1), torch.full((20,), 1 / scale))


def test_functions_move_the_inputs_to_the_models_device():
    # a model on the meta device stands in for a GPU: CPU inputs must be moved to it, or the
    # convolutions fail on mixed devices
    torch.manual_seed(0)
    x = torch.rand(3, 40, 40)
    ae = JetAutoencoder(latent=3, channels=2, hidden=8, spherical=True).to("meta")
    assert reconstruction_error(ae, x).device.type == "meta"
    assert ae.encode(x).device.type == "meta"
    assert ae.decode(torch.rand(3, 3)).device.type == "meta"
    vae = JetAutoencoder(channels=2, hidden=8, variational=True).to("meta")
    mu, log_var = vae.encode_stats(x)
    assert mu.device.type == "meta" and log_var.device.type == "meta"
    loss, kl = vae_loss(vae, x, generator=torch.Generator().manual_seed(0))
    assert loss.device.type == "meta" and kl.shape == (3,)
    # scoring in batches brings the errors back to the CPU (here from a CPU model)
    cpu_ae = JetAutoencoder(channels=2, hidden=8)
    scores = reconstruction_error(cpu_ae, x, batch_size=2)
    assert scores.device.type == "cpu" and scores.shape == (3,)
    assert torch.allclose(scores, reconstruction_error(cpu_ae, x).detach())


@pytest.mark.parametrize(
    "call, error, word",
    [
        (lambda: JetAutoencoder(latent=0), ValueError, "latent"),
        (lambda: JetAutoencoder(n_pixels=41), ValueError, "n_pixels"),
        (lambda: JetAutoencoder(latent=1, spherical=True), ValueError, "spherical"),
        (
            lambda: JetAutoencoder(latent=3, spherical=True, variational=True),
            ValueError,
            "spherical",
        ),
        (lambda: JetAutoencoder()(torch.rand(2, 30, 30)), ValueError, "images"),
        (
            lambda: JetAutoencoder()(torch.zeros(2, 40, 40, dtype=torch.long)),
            TypeError,
            "images",
        ),
        (
            lambda: JetAutoencoder().encode_stats(torch.rand(2, 40, 40)),
            ValueError,
            "variational",
        ),
        (lambda: JetAutoencoder().decode(torch.rand(2, 3)), ValueError, "z"),
        (lambda: reconstruction_error("ae", torch.rand(2, 40, 40)), TypeError, "model"),
        (
            lambda: reconstruction_error(
                JetAutoencoder(), torch.rand(2, 40, 40), batch_size=0
            ),
            ValueError,
            "batch_size",
        ),
        (
            lambda: vae_loss(JetAutoencoder(), torch.rand(2, 40, 40)),
            ValueError,
            "variational",
        ),
        (
            lambda: vae_loss(
                JetAutoencoder(variational=True), torch.rand(2, 40, 40), beta_kl=-1
            ),
            ValueError,
            "beta_kl",
        ),
        (
            lambda: langevin(
                1.0, torch.zeros(2, 2), n_steps=1, step_size=0.1, noise=0.1
            ),
            TypeError,
            "energy",
        ),
        (
            lambda: langevin(
                gaussian_energy,
                torch.zeros(2, 2, dtype=torch.long),
                n_steps=1,
                step_size=0.1,
                noise=0.1,
            ),
            TypeError,
            "x0",
        ),
        (
            lambda: langevin(
                gaussian_energy, torch.zeros(2, 2), n_steps=0, step_size=0.1, noise=0.1
            ),
            ValueError,
            "n_steps",
        ),
        (
            lambda: langevin(
                gaussian_energy, torch.zeros(2, 2), n_steps=1, step_size=0.0, noise=0.1
            ),
            ValueError,
            "step_size",
        ),
        (
            lambda: langevin(
                gaussian_energy, torch.zeros(2, 2), n_steps=1, step_size=0.1, noise=-1.0
            ),
            ValueError,
            "noise",
        ),
        (
            lambda: langevin(
                lambda x: x, torch.zeros(2, 2), n_steps=1, step_size=0.1, noise=0.1
            ),
            ValueError,
            "energy",
        ),
        (lambda: NAESettings(steps=0), ValueError, "steps"),
        (lambda: intensity_scale(torch.rand(40, 40)), ValueError, "images"),
        (lambda: intensity_scale(torch.zeros(0, 40, 40)), ValueError, "images"),
        (lambda: intensity_scale(torch.zeros(2, 40, 40)), ValueError, "largest"),
        (
            lambda: intensity_scale(torch.zeros(2, 40, 40, dtype=torch.long)),
            TypeError,
            "images",
        ),
        (lambda: gaussian_filter(torch.rand(2, 40, 40), 0.0), ValueError, "sigma"),
        (lambda: gaussian_filter(torch.rand(40, 40), 1.0), ValueError, "images"),
        (lambda: NAESettings(pixel_noise=-1.0), ValueError, "pixel_noise"),
        (lambda: NAESettings(latent_step_size=0.0), ValueError, "latent_step_size"),
        (
            lambda: nae_negatives(JetAutoencoder(), 2, NAESettings()),
            ValueError,
            "spherical",
        ),
        (
            lambda: nae_negatives(JetAutoencoder(latent=3, spherical=True), 2, {}),
            TypeError,
            "settings",
        ),
        (
            lambda: nae_loss(
                JetAutoencoder(),
                torch.rand(2, 40, 40),
                torch.rand(2, 40, 40),
                gamma=-1.0,
            ),
            ValueError,
            "gamma",
        ),
        (
            lambda: train_autoencoder("ae", torch.rand(2, 40, 40), steps=1),
            TypeError,
            "model",
        ),
        (
            lambda: train_nae(JetAutoencoder(), torch.rand(2, 40, 40), NAESettings()),
            ValueError,
            "spherical",
        ),
    ],
)
def test_bad_inputs_raise_naming_the_argument(call, error, word):
    with pytest.raises(error, match=word):
        call()
