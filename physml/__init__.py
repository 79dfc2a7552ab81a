"""physml: the supporting library of the executable book on physics and machine learning.

A chapter starts with :func:`start_chapter`, which applies the thread setting and the figure
style, seeds every generator, prints profile, device and versions, and opens the chapter's
claims registry (:class:`physml.claims.Chapter`).
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["start_chapter", "__version__"]


def start_chapter(name: str, title: str | None = None, seed: int = 0):
    """Set up a chapter: threads, figure style, seeds, a printed run summary, its claims registry.

    Args:
        name: the chapter's slug, the stem of its ``.md`` file.
        title: the chapter's title, for its claims table; ``None`` for the slug.
        seed: seeds Python's, numpy's and torch's generators (:func:`physml.config.seed_everything`).

    Returns:
        ``(claims, generator)``, the chapter's :class:`physml.claims.Chapter` and a seeded CPU
        ``torch.Generator``.

    Raises:
        ValueError: on a bad slug, seed or ``PHYSML_*`` variable.
        TypeError: on a seed that is not an int.

    Used in:
        - :doc:`/book/how-the-book-checks-itself` and the set-up cell of every chapter
    """
    from physml import claims as claims_registry, config, plotting

    config.configure_threads()
    plotting.use_style()
    generator = config.seed_everything(seed)
    claims = claims_registry.Chapter(name, title=title)
    info = config.describe()
    print(" | ".join(f"{k}: {v}" for k, v in info.items()) + f" | seed: {seed}")
    return claims, generator
