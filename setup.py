"""Package discovery: every package under scanner/, plus the top-level rules/ folder shipped as
scanner.builtin_rules (metadata lives in pyproject.toml)."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["scanner", "scanner.*"]), "scanner.builtin_rules"],
    package_dir={"scanner.builtin_rules": "rules"},
)
