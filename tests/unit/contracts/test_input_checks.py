"""Issue 20, library-wide sweeps: data arguments with NaN or inf are refused with a ValueError naming
the argument, values outside a function's domain are refused, and legitimate input passes.

Each check sits once at a public entry point (training functions check their data before the
first step), so the NaN cases below fail at once, before any training.

It lives in tests/unit/contracts/ because each test sweeps many modules (the NaN/inf table is one
parametrised table over some fifty functions in twenty modules; the domain and legitimate-input
sweeps read the same way). Input checks of a single function live beside that module's tests
(e.g. tests/unit/lipschitz/test_trigger.py, tests/unit/nuclear/test_data.py)."""

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from physml import generative, train, uncertainty
from physml.fits import regression, toys as regression_toys
from physml.generative import cfm, gan, toys
from physml.learning import effective_theory, images, parallelograms
from physml.lipschitz import toys as lip_toys, trigger
from physml.lipschitz.layers import LipschitzMLP
from physml.nn import EnsembleMLP, MLP
from physml.nuclear import data, embedding, interpret, semf
from physml.phases import autoencoders, classifier


NAN = float("nan")
INF = float("inf")


def _with(x: torch.Tensor, value: float, index=0) -> torch.Tensor:
    x = x.clone()
    x.view(-1)[index] = value
    return x


# --------------------------------------------------------------------------------------------
# NaN and inf in data arguments: one case per function swept, each naming its argument

GAN_1D = gan.GAN(dim=1, latent=1, hidden=4, depth=1)
CFM_2D = cfm.CFM(dim=2, hidden=8, depth=1)
TASK = parallelograms.AdditionTask(4)
GOOD2 = torch.rand(8, 2) * 0.5 + 0.25


def _ae_fit(pixels):
    return autoencoders.fit(
        autoencoders.Autoencoder(4, hidden=4), pixels, steps=1, batch_size=2
    )


def _cnn_train(configs):
    return classifier.train_classifier(
        classifier.PhaseCNN(4, channels=2, n_conv=1),
        configs,
        torch.tensor([0, 1]),
        steps=1,
        batch_size=2,
    )


NAN_CASES = {
    "Ramp.log_prob": (lambda: toys.Ramp().log_prob(_with(GOOD2, NAN)), "x"),
    "Ring.log_prob": (lambda: toys.Ring().log_prob(_with(GOOD2, INF)), "x"),
    "Ramp.marginal": (lambda: toys.Ramp.marginal(torch.tensor([0.5, NAN])), "x"),
    "Ramp.parameter_derivatives": (
        lambda: toys.Ramp.parameter_derivatives(torch.tensor([NAN])),
        "x",
    ),
    "Ring.radial_density": (
        lambda: toys.Ring().radial_density(torch.tensor([1.0, NAN])),
        "rho",
    ),
    "Ring.parameter_derivatives": (
        lambda: toys.Ring().parameter_derivatives(torch.tensor([INF])),
        "rho",
    ),
    "histogram_density": (
        lambda: toys.histogram_density(
            torch.tensor([0.5, INF]), torch.linspace(0, 1, 5)
        ),
        "values",
    ),
    "discriminator_loss_at_optimum": (
        lambda: gan.discriminator_loss_at_optimum(
            np.array([1.0, NAN, 1.0]), np.ones(3), np.arange(3.0)
        ),
        "p",
    ),
    "gan.train": (
        lambda: gan.train(
            GAN_1D,
            _with(torch.randn(16, 1), NAN),
            steps=1,
            batch_size=4,
            progress=False,
        ),
        "data",
    ),
    "CFM.log_prob": (lambda: CFM_2D.log_prob(_with(GOOD2, NAN), n_steps=1), "x0"),
    "generative.train": (
        lambda: generative.train(
            CFM_2D, _with(GOOD2, INF), steps=1, batch_size=4, progress=False
        ),
        r"data\[0\]",
    ),
    "train.fit": (
        lambda: train.fit(
            MLP(1, 1, hidden=4, depth=1),
            lambda m, x, y: ((m(x) - y) ** 2).mean(),
            (torch.zeros(4, 1), _with(torch.zeros(4, 1), NAN)),
            steps=1,
            batch_size=2,
        ),
        r"data\[1\]",
    ),
    "train.fit val_data": (
        lambda: train.fit(
            MLP(1, 1, hidden=4, depth=1),
            lambda m, x: m(x).mean(),
            (torch.zeros(4, 1),),
            val_data=(_with(torch.zeros(4, 1), INF),),
            steps=1,
            batch_size=2,
        ),
        r"val_data\[0\]",
    ),
    "semf.binding": (
        lambda: semf.binding(np.array([26.0, NAN]), np.array([30.0, 30.0])),
        "z",
    ),
    "semf.fit": (
        lambda: semf.fit(np.arange(8, 16), np.arange(8, 16), np.r_[np.ones(7), NAN]),
        "b",
    ),
    "semf.magic_distance": (lambda: semf.magic_distance(np.array([NAN])), "x"),
    "semf.rms": (lambda: semf.rms(np.array([1.0, INF])), "residuals"),
    "add_binding": (
        lambda: data.add_binding(
            pd.DataFrame({"Z": [26], "N": [30], "mass_excess": [NAN]})
        ),
        "table\\['mass_excess'\\]",
    ),
    "multitask_data": (
        lambda: embedding.multitask_data(
            pd.DataFrame(
                {"Z": [8, 9], "N": [8, 9], "estimated": False, "binding": [1.0, INF]}
            ),
            ("binding",),
        ),
        "table\\['binding'\\]",
    ),
    "Scaler.scale": (
        lambda: embedding.Scaler(np.zeros(1), np.ones(1)).scale([NAN], [0]),
        "values",
    ),
    "Scaler.unscale": (
        lambda: embedding.Scaler(np.zeros(1), np.ones(1)).unscale([INF], [0]),
        "scaled",
    ),
    "term_similarity": (
        lambda: interpret.term_similarity(
            np.array([[1.0], [NAN], [3.0]]), {"a": np.arange(3.0)}
        ),
        "contributions",
    ),
    "orthogonalised_terms": (
        lambda: interpret.orthogonalised_terms(
            {"a": np.array([1.0, NAN, 0.0])}, ("a",)
        ),
        "terms\\['a'\\]",
    ),
    "basis_search": (
        lambda: interpret.basis_search(
            np.arange(8.0, 12), np.arange(8.0, 12), np.array([1.0, 2, NAN, 4])
        ),
        "target",
    ),
    "first_crossing": (
        lambda: train.first_crossing(np.arange(3), np.array([0.1, NAN, 0.9]), 0.5),
        "values",
    ),
    "effective_theory.losses": (
        lambda: effective_theory.losses(
            TASK,
            torch.ones(TASK.n_samples, dtype=torch.bool),
            _with(torch.randn(4, 1), NAN),
        ),
        "embeddings",
    ),
    "distance_from_linear": (
        lambda: effective_theory.distance_from_linear(_with(torch.randn(4, 2), INF)),
        "embeddings",
    ),
    "AdditionTask.rqi": (lambda: TASK.rqi(_with(torch.randn(4, 2), NAN)), "embeddings"),
    "images.class_variance_ratio": (
        lambda: images.class_variance_ratio(
            _with(torch.randn(4, 2), NAN), torch.tensor([0, 0, 1, 1])
        ),
        "f",
    ),
    "images.collapse": (
        lambda: images.collapse(
            _with(torch.randn(4, 2), NAN), torch.tensor([0, 0, 1, 1]), 1, 1e-3
        ),
        "f",
    ),
    "images.train": (
        lambda: images.train(
            EnsembleMLP(1, 2, 2, hidden=4, depth=1),
            _with(torch.rand(4, 2), NAN),
            torch.tensor([0, 1, 0, 1]),
            torch.ones(4, dtype=torch.bool),
            1,
        ),
        "images",
    ),
    "threshold_at_rate": (
        lambda: trigger.threshold_at_rate(torch.tensor([0.0, NAN, 1.0]), 0.5),
        "background_scores",
    ),
    "trigger.signal": (
        lambda: trigger.signal(2, t_ps=torch.tensor([1.0, NAN])),
        "t_ps",
    ),
    "efficiency_in_bins": (
        lambda: trigger.efficiency_in_bins(
            torch.tensor([True, False]), torch.tensor([0.5, INF]), [0.0, 1.0]
        ),
        "t_ps",
    ),
    "lipschitz fit_1d": (
        lambda: lip_toys.fit_1d(
            LipschitzMLP(1, [4]),
            _with(torch.zeros(4), NAN),
            torch.zeros(4),
            steps=1,
            lr=1e-3,
        ),
        "x",
    ),
    "lipschitz slopes": (lambda: lip_toys.slopes(LipschitzMLP(1, [4]), 0.0, INF), "hi"),
    "autoencoders.fit": (lambda: _ae_fit(_with(torch.rand(4, 4), NAN)), "pixels"),
    "autoencoders.latent": (
        lambda: autoencoders.latent(
            autoencoders.Autoencoder(4, hidden=4), _with(torch.rand(4, 4), NAN)
        ),
        "pixels",
    ),
    "train_classifier": (
        lambda: _cnn_train(_with(torch.ones(2, 4, 4), NAN)),
        "configs",
    ),
    "ordered_probability": (
        lambda: classifier.ordered_probability(
            classifier.PhaseCNN(4, channels=2, n_conv=1),
            _with(torch.ones(2, 4, 4), INF),
        ),
        "configs",
    ),
    "Preprocessing.fit": (
        lambda: regression.Preprocessing.fit(torch.tensor([1.0, NAN, 2.0])),
        "y",
    ),
    "fit_curve": (
        lambda: regression.fit_curve(
            _with(torch.rand(8), NAN),
            torch.rand(8),
            regression.RegressionSettings(steps=1, batch_size=4),
            loss="mse",
        ),
        "x",
    ),
    "fit_heteroscedastic_ensemble": (
        lambda: regression.fit_heteroscedastic_ensemble(
            torch.rand(8),
            _with(torch.rand(8), INF),
            regression.RegressionSettings(steps=1, batch_size=4),
            n_members=2,
        ),
        "y",
    ),
    "spectrum": (lambda: regression_toys.spectrum(torch.tensor([0.5, NAN])), "x"),
    "smooth_truth": (lambda: regression_toys.smooth_truth(torch.tensor([INF])), "x"),
    "noise_width": (lambda: regression_toys.noise_width(torch.tensor([NAN])), "x"),
    "decompose": (
        lambda: uncertainty.decompose(_with(torch.randn(3, 4), NAN)),
        "means",
    ),
    "decompose sigmas": (
        lambda: uncertainty.decompose(torch.randn(3, 4), _with(torch.ones(3, 4), INF)),
        "sigmas",
    ),
    "pulls": (
        lambda: uncertainty.pulls(
            torch.zeros(3), torch.zeros(3), torch.tensor([1.0, INF, 1.0])
        ),
        "sigma",
    ),
    "coverage": (
        lambda: uncertainty.coverage(
            torch.tensor([NAN, 0.0]), torch.zeros(2), torch.ones(2)
        ),
        "truth",
    ),
    "binned_coverage": (
        lambda: uncertainty.binned_coverage(
            torch.zeros(3), torch.zeros(3), torch.tensor([1.0, INF, 1.0])
        ),
        "sigma",
    ),
    "mc_dropout": (
        lambda: uncertainty.mc_dropout(
            MLP(1, 1, hidden=4, depth=1, dropout=0.1), torch.tensor([[NAN]]), 2
        ),
        "x",
    ),
    "fit_parameter_uncertainties": (
        lambda: uncertainty.fit_parameter_uncertainties(
            torch.ones(3, 1), torch.tensor([1.0, NAN, 1.0])
        ),
        "sigma",
    ),
}


@pytest.mark.parametrize("case", sorted(NAN_CASES))
def test_nan_or_inf_data_are_refused_by_name(case):
    call, name = NAN_CASES[case]
    with pytest.raises(ValueError, match=f"^{name} contains NaN or infinite values"):
        call()


# --------------------------------------------------------------------------------------------
# Domains


def test_values_outside_a_domain_are_refused():
    with pytest.raises(ValueError, match="z must hold whole numbers"):
        semf.terms(np.array([26.5]), np.array([30.0]))
    with pytest.raises(ValueError, match="nucleon numbers >= 0"):
        semf.magic_distance(np.array([-1.0]))
    with pytest.raises(ValueError, match="residuals is empty"):
        semf.rms(np.array([]))
    with pytest.raises(ValueError, match="task indices \\[1\\] have a single value"):
        embedding.Scaler(np.array([0.0, 2.0]), np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="rho is a radius"):
        toys.Ring().radial_density(torch.tensor([-1.0]))
    with pytest.raises(ValueError, match="rho is a radius: it must be > 0"):
        toys.Ring().parameter_derivatives(torch.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="support \\[0, 1\\]"):
        toys.Ramp.parameter_derivatives(torch.tensor([1.5]))
    with pytest.raises(ValueError, match="q is a density"):
        gan.discriminator_loss_at_optimum(
            np.ones(3), np.array([1.0, -0.1, 1.0]), np.arange(3.0)
        )
    with pytest.raises(ValueError, match="increasing grid"):
        gan.discriminator_loss_at_optimum(
            np.ones(3), np.ones(3), np.array([0.0, 2.0, 1.0])
        )
    with pytest.raises(ValueError, match="negative proper times"):
        trigger.signal(2, t_ps=torch.tensor([1.0, -0.5]))
    with pytest.raises(TypeError, match="accepted must be a boolean"):
        trigger.efficiency_in_bins(
            torch.tensor([1.0, 0.0]), torch.tensor([0.5, 0.7]), [0.0, 1.0]
        )
    with pytest.raises(ValueError, match=r"\+1 or -1"):
        autoencoders.as_pixels(torch.tensor([[[1.0, 0.0], [1.0, -1.0]]]))
    with pytest.raises(ValueError, match="pixels must lie in \\[0, 1\\]"):
        _ae_fit(torch.full((4, 4), 2.0))
    with pytest.raises(ValueError, match="labels must be 0 .* or 1"):
        classifier.train_classifier(
            classifier.PhaseCNN(4, channels=2, n_conv=1),
            torch.ones(2, 4, 4),
            torch.tensor([0, 2]),
            steps=1,
            batch_size=2,
        )
    with pytest.raises(ValueError, match=r"labels must be integers in \[0, 2\)"):
        images.train(
            EnsembleMLP(1, 2, 2, hidden=4, depth=1),
            torch.rand(4, 2),
            torch.tensor([0, 1, 2, 1]),
            torch.ones(4, dtype=torch.bool),
            1,
        )
    with pytest.raises(ValueError, match="at least two classes"):
        images.class_variance_ratio(torch.randn(4, 2), torch.zeros(4, dtype=torch.long))
    with pytest.raises(ValueError, match="y is constant"):
        regression.Preprocessing.fit(torch.ones(5))
    with pytest.raises(ValueError, match="sigma must be > 0"):
        regression.fit_curve(
            torch.rand(4),
            torch.rand(4),
            regression.RegressionSettings(steps=1, batch_size=2),
            loss="chi2",
            sigma=torch.zeros(4),
        )
    with pytest.raises(ValueError, match="sigma is a width"):
        uncertainty.fit_parameter_uncertainties(
            torch.ones(3, 1), torch.tensor([1.0, -1.0, 1.0])
        )
    with pytest.raises(ValueError, match="columns \\[0\\] are constant"):
        interpret.term_similarity(np.ones((3, 1)), {"a": np.arange(3.0)})
    with pytest.raises(ValueError, match="term 'a' is constant"):
        interpret.term_similarity(np.arange(3.0)[:, None], {"a": np.ones(3)})


def test_checks_do_not_fire_on_legitimate_input():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert (
            trigger.efficiency_in_bins(
                torch.tensor([True]), torch.tensor([0.0]), [0.0, 1.0]
            ).item()
            == 1.0
        )
    assert (
        train.first_crossing(np.arange(3), np.array([0.1, 0.6, 0.9]), 0.5).item() == 1.0
    )
    px = autoencoders.as_pixels(torch.tensor([[[1, -1], [-1, 1]]], dtype=torch.int8))
    assert px.tolist() == [[1.0, 0.0, 0.0, 1.0]]
    d = uncertainty.decompose(
        torch.tensor([[1.0], [3.0]]), torch.tensor([[0.0], [0.0]])
    )
    assert d.mean.item() == 2.0 and d.sigma_pred.item() == pytest.approx(math.sqrt(2))
