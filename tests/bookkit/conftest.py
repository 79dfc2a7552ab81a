import pytest

#: The front matter of a jupytext MyST notebook, as every chapter of the book starts.
NOTEBOOK_FRONT = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""


@pytest.fixture
def notebook_front() -> str:
    """The front matter of a chapter notebook (for fake books in tests)."""
    return NOTEBOOK_FRONT
