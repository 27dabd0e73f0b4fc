"""euc from Python: compile TensorFlow Lite models for Arm Ethos-U NPUs.

    import euc
    compiled = euc.compile("person_detect.tflite", accelerator="ethos-u55-128")
    compiled.summary["cycles_total"], len(compiled.tflite), compiled.cpu_operators
    compiled.write("output")   # the files `euc person_detect.tflite --output-dir output` writes

The module runs the command line's own C++ code (the euc_cli library) in this process: the same
options, checks, figures, files and error messages as `euc`. The GIL is released while a compile
runs, so compiles in several threads run in parallel. `python3 -m euc ARGS` is the command line.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable, Optional, Union

from . import _euc
from ._euc import Error, InputError, InternalError, UsageError

__all__ = [
    "CompiledModel",
    "Error",
    "InputError",
    "InternalError",
    "UsageError",
    "compile",
    "main",
    "supported_operators",
]
__version__: str = _euc.__version__

# vela.ini files shipped with the package (`config_files=["Arm/vela.ini"]` finds them here);
# $EUC_CONFIG_FILES overrides the folder, as for the command line.
_CONFIG_DIR = str(Path(__file__).resolve().parent / "config_files")

# Columns of the summary and per-layer CSVs that hold text; every other cell is a number.
_TEXT_COLUMNS = frozenset(
    {
        "experiment",
        "network",
        "accelerator_configuration",
        "system_config",
        "memory_mode",
        "weights_storage_area",
        "feature_map_storage_area",
        "TFLite_operator",
        "NNG Operator",
        "Name",
    }
)


def _cell(column: str, text: str) -> Union[int, float, str, None]:
    """A CSV cell as a Python value: None when empty, int or float for figures."""
    if column in _TEXT_COLUMNS:
        return text
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        return float(text)


class CompiledModel:
    """The result of euc.compile()."""

    def __init__(self, compiled: Any) -> None:
        self._compiled = compiled

    @property
    def name(self) -> str:
        """The network's name (the file name's stem): the output files are named after it."""
        return self._compiled.stem

    @property
    def tflite(self) -> bytes:
        """The compiled model: the bytes of <name>_vela.tflite."""
        return self._compiled.tflite

    @property
    def summary(self) -> dict:
        """The summary CSV as a dict keyed by Vela's column names (values: int, float, str, or
        None where the CSV cell is empty); the same figures as <name>_summary_<config>.csv."""
        return {k: _cell(k, v) for k, v in self._compiled.summary_columns}

    @property
    def per_layer(self) -> list:
        """One dict per NPU operation in execution order, keyed by the columns of
        <name>_per-layer.csv (--verbose-performance). That CSV has two "Network%" columns: the
        first (share of cycles) keeps the name, the second (share of MACs) is "MAC Network%"."""
        rows = self._compiled.per_layer_rows
        if not rows:
            return []
        header = []
        for column in rows[0]:
            header.append("MAC Network%" if column in header else column)
        return [{k: _cell(k, v) for k, v in zip(header, row)} for row in rows[1:]]

    @property
    def cpu_operators(self) -> list:
        """The operators left on the CPU, as --show-cpu-operations lists them: dicts with
        "subgraph", "index" (in the input model), "operator", "output" (tensor name), "reasons"."""
        return self._compiled.cpu_operators

    def write(self, directory: Union[str, os.PathLike]) -> dict:
        """Writes the files the command line writes into `directory` (created if missing);
        returns their paths: {"tflite": ..., "summary": ...}."""
        return {k: Path(p) for k, p in self._compiled.write(os.fspath(directory))}

    def __repr__(self) -> str:
        s = self.summary
        return (
            f"<euc.CompiledModel {self.name!r}: {s['accelerator_configuration']}, "
            f"{len(self.tflite)} bytes, {len(self.cpu_operators)} CPU operators>"
        )


def _flag(name: str, value: Any) -> list:
    return [f"--{name}={value}"]


def compile(  # noqa: A001 (the name the issue asks for)
    model: Union[str, os.PathLike, bytes, bytearray, memoryview],
    *,
    accelerator: str = "ethos-u55-256",
    system_config: str = "internal-default",
    memory_mode: str = "internal-default",
    optimise: str = "Performance",
    config_files: Iterable[Union[str, os.PathLike]] = (),
    arena_cache_size: Optional[int] = None,
    tensor_allocator: str = "HillClimb",
    cpu_tensor_alignment: int = 16,
    hillclimb_max_iterations: int = 99999,
    ignore_ops: Union[str, Iterable[str]] = (),
    force_symmetric_int_weights: bool = False,
    disable_cascading: bool = False,
    disable_buffering: bool = False,
    verify: int = 0,
    verbose_performance: bool = False,
    output_format: str = "tflite",
    enable_debug_db: bool = False,
    separate_io_regions: bool = False,
    name: Optional[str] = None,
) -> CompiledModel:
    """Compiles a TensorFlow Lite model: a file path, or the model's bytes.

    Each keyword is the command-line option of the same name (--accelerator-config, --config for
    config_files, --verify=N for verify > 0, ...) and is checked as the command line checks it.
    `name` names the network in the outputs (default: the file's stem, or "model" for bytes);
    verbose_performance makes write() also write <name>_per-layer.csv; output_format="raw" makes
    write() write <name>_vela.npz instead of the .tflite (the .tflite property stays the model);
    enable_debug_db makes write() also write <name>_debug.xml.
    Raises euc.UsageError for a wrong option or missing file, euc.InputError for a malformed or
    unsupported model, euc.InternalError for a compiler fault; each carries the message `euc`
    prints after "euc: error: ".
    """
    data: Optional[bytes] = None
    if isinstance(model, (bytes, bytearray, memoryview)):
        data = bytes(model)
        network = f"{name or 'model'}.tflite"
    else:
        network = os.fspath(model)
        if not isinstance(network, str):
            network = os.fsdecode(network)
        if name is not None:
            raise UsageError("name= is for a model given as bytes; a file is named by its path")
    args = []
    args += _flag("accelerator-config", accelerator)
    args += _flag("system-config", system_config)
    args += _flag("memory-mode", memory_mode)
    args += _flag("optimise", optimise)
    for config in [config_files] if isinstance(config_files, (str, os.PathLike)) else config_files:
        args += _flag("config", os.fspath(config))
    if arena_cache_size is not None:
        args += _flag("arena-cache-size", arena_cache_size)
    args += _flag("tensor-allocator", tensor_allocator)
    args += _flag("cpu-tensor-alignment", cpu_tensor_alignment)
    args += _flag("hillclimb-max-iterations", hillclimb_max_iterations)
    ops = [ignore_ops] if isinstance(ignore_ops, str) else list(ignore_ops)
    if ops:
        args += _flag("ignore-ops", ",".join(ops))
    if force_symmetric_int_weights:
        args.append("--force-symmetric-int-weights")
    if disable_cascading:
        args.append("--disable-cascading")
    if disable_buffering:
        args.append("--disable-buffering")
    if verify:
        args += _flag("verify", verify)
    if verbose_performance:
        args.append("--verbose-performance")
    args += _flag("output-format", output_format)
    if enable_debug_db:
        args.append("--enable-debug-db")
    if separate_io_regions:
        args.append("--separate-io-regions")
    args += ["--", network]
    return CompiledModel(_euc.compile(args, data, _CONFIG_DIR))


def supported_operators() -> list:
    """The TensorFlow Lite operator types euc places on the NPU when an instance meets the
    constraints (SUPPORTED_OPS.md lists them), in name order."""
    return _euc.supported_operators()


def main(argv: Optional[Iterable[str]] = None) -> int:
    """Runs the command line (`euc ARGS`) in this process and returns its exit code."""
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    sys.stdout.flush()
    sys.stderr.flush()
    return _euc.main(args, _CONFIG_DIR)
