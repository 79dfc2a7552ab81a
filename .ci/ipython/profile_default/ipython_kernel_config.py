# Kernels started by the test suite and the book build print tracebacks without ANSI colours.
c = get_config()  # noqa: F821
c.InteractiveShell.colors = "NoColor"
