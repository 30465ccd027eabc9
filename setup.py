"""Build of the compiled core of the group moves (`ahs_routing.solve._lnscore`); metadata is in pyproject.toml."""

from pybind11.setup_helpers import Pybind11Extension
from setuptools import setup

setup(
    ext_modules=[
        Pybind11Extension(
            "ahs_routing.solve._lnscore",
            ["csrc/lnscore/lnscore.cpp"],
            cxx_std=17,
            extra_compile_args=["-O2"],
        )
    ],
)
