"""bookkit: the build tools of the physml book (execution, execution cache, scoreboard, Sphinx
extension). It imports physml; physml never imports it.

- :mod:`bookkit.build`: the chapters of ``_toc.yml``, their execution and the execution cache.
- :mod:`bookkit.scoreboard`: the scoreboard page from the chapters' claims records.
- :mod:`bookkit.sphinx_ext`: the Sphinx extension (MathJax served locally, clean console).

Command line: ``python -m bookkit --help``.
"""
