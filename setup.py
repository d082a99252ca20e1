"""Package discovery: every package under scanner/, plus the top-level rules/ folder shipped as
scanner.builtin_rules (metadata lives in pyproject.toml); and one optional C module (the changed
region of two file versions, for history sweeps: scanner.sources.gitblobs has the same function in
Python and uses it when no compiler was at hand)."""

from setuptools import Extension, find_packages, setup

setup(
    packages=[*find_packages(include=["scanner", "scanner.*"]), "scanner.builtin_rules"],
    package_dir={"scanner.builtin_rules": "rules"},
    ext_modules=[Extension("scanner.sources._blobdiff", ["scanner/sources/_blobdiff.c"], optional=True)],
)
