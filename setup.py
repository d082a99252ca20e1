"""Package discovery: every package under scanner/, plus the top-level rules/ folder shipped as
scanner.builtin_rules (metadata lives in pyproject.toml); and two optional C modules, each with the
same functions in Python that are used when no compiler was at hand: the changed region of two file
versions, for history sweeps (scanner.sources.gitblobs), and the spans rules run on around keyword
occurrences (scanner.engine.prefilter and matcher)."""

from setuptools import Extension, find_packages, setup

setup(
    packages=[*find_packages(include=["scanner", "scanner.*"]), "scanner.builtin_rules"],
    package_dir={"scanner.builtin_rules": "rules"},
    ext_modules=[Extension("scanner.sources._blobdiff", ["scanner/sources/_blobdiff.c"], optional=True),
                 Extension("scanner.engine._spans", ["scanner/engine/_spans.c"], optional=True)],
)
