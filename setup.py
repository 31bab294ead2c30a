"""Installs the top-level resources/ folder as the data-only package `deskmail.assets`.

Everything else is in pyproject.toml; only this mapping of a folder outside the package needs code.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["deskmail", "deskmail.*"]), "deskmail.assets"],
    package_dir={"deskmail.assets": "resources"},
)
