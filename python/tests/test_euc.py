"""The Python module against the command line: the same figures, bytes, files and messages.

Run by CTest (`python_module`, with the module of the build tree on PYTHONPATH and EUC_CLI naming
build/bin/euc) or by hand after `pip install ./python`: `python3 -m pytest python/tests`.
The comparisons with the command line need build/bin/euc (or $EUC_CLI) and skip without it.
"""

import csv
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import euc

ROOT = Path(__file__).resolve().parents[2]
MODELS = Path(os.environ.get("EUC_MODELS", ROOT / "models"))
PERSON_DETECT = MODELS / "person_detect.tflite"
MALFORMED = ROOT / "tests" / "data" / "malformed"
CLI = Path(os.environ.get("EUC_CLI", ROOT / "build" / "bin" / "euc"))

needs_cli = pytest.mark.skipif(not CLI.exists(), reason=f"no command line at {CLI}")

# Two setups: the defaults, and a U65 with a cache in Dedicated_Sram from Arm's vela.ini, planned
# for size, under an arena cache limit.
SETUPS = [
    ({}, []),
    (
        dict(
            accelerator="ethos-u65-256",
            system_config="Ethos_U65_High_End",
            memory_mode="Dedicated_Sram",
            config_files=["Arm/vela.ini"],
            optimise="Size",
            arena_cache_size=393216,
        ),
        [
            "--accelerator-config",
            "ethos-u65-256",
            "--system-config",
            "Ethos_U65_High_End",
            "--memory-mode",
            "Dedicated_Sram",
            "--config",
            "Arm/vela.ini",
            "--optimise",
            "Size",
            "--arena-cache-size",
            "393216",
        ],
    ),
]


def run_cli(*args, cwd=None):
    return subprocess.run(
        [str(CLI), *map(str, args)], capture_output=True, text=True, cwd=cwd, check=False
    )


def csv_text(value):
    """A summary value as the CSV spells it: Vela writes Python's str() of each figure."""
    return "" if value is None else str(value)


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


@needs_cli
@pytest.mark.parametrize("kwargs,flags", SETUPS, ids=["default", "u65-dedicated-sram-size"])
def test_summary_and_files_match_the_command_line(tmp_path, kwargs, flags):
    compiled = euc.compile(PERSON_DETECT, verbose_performance=True, **kwargs)
    out = tmp_path / "cli"
    r = run_cli(PERSON_DETECT, "--output-dir", out, "--verbose-performance", *flags)
    assert r.returncode == 0, r.stderr

    # The summary: the CSV's columns in order, every figure identical.
    system_config = kwargs.get("system_config", "internal-default")
    header, row = read_csv(out / f"person_detect_summary_{system_config}.csv")
    assert list(compiled.summary) == header
    assert [csv_text(v) for v in compiled.summary.values()] == row
    assert compiled.summary["network"] == "person_detect"
    assert isinstance(compiled.summary["cycles_total"], float)
    assert compiled.summary["cycles_total"] > 0
    assert isinstance(compiled.summary["nn_macs"], int)

    # The compiled model, byte for byte.
    assert compiled.tflite == (out / "person_detect_vela.tflite").read_bytes()

    # Per layer: the rows of the per-layer CSV.
    rows = read_csv(out / "person_detect_per-layer.csv")
    assert len(compiled.per_layer) == len(rows) - 1 > 0
    for layer, cells in zip(compiled.per_layer, rows[1:]):
        assert [csv_text(v) for v in layer.values()] == cells
    assert set(rows[0]) == set(compiled.per_layer[0]) - {"MAC Network%"}

    # write(): the same files as the command line.
    written = euc.compile(PERSON_DETECT, verbose_performance=True, **kwargs).write(tmp_path / "py")
    assert sorted(p.name for p in written.values()) == sorted(p.name for p in out.iterdir())
    for path in written.values():
        assert path.read_bytes() == (out / path.name).read_bytes(), path.name


def test_bytes_and_path_give_the_same_model():
    data = PERSON_DETECT.read_bytes()
    from_bytes = euc.compile(data, name="person_detect")
    from_path = euc.compile(str(PERSON_DETECT))
    assert from_bytes.tflite == from_path.tflite
    assert from_bytes.summary == from_path.summary
    assert from_bytes.tflite[4:8] == b"TFL3"
    assert euc.compile(bytearray(data)).name == "model"


@pytest.mark.parametrize("data", [b"", b"not a model at all", b"\x18\x00\x00\x00TFL3" + bytes(40)])
def test_malformed_bytes_raise_input_error(data):
    with pytest.raises(euc.InputError) as caught:
        euc.compile(data)
    assert isinstance(caught.value, euc.Error)
    assert str(caught.value).startswith("model.tflite: ")


@needs_cli
@pytest.mark.parametrize(
    "model", sorted(MALFORMED.glob("*.tflite"))[:2] + [Path(__file__)], ids=lambda p: p.name
)
def test_malformed_model_has_the_command_lines_message(tmp_path, model):
    r = run_cli(model, "--output-dir", tmp_path)
    assert r.returncode == 1
    with pytest.raises(euc.InputError) as caught:
        euc.compile(model)
    assert r.stderr == f"euc: error: {caught.value}\n"


@needs_cli
@pytest.mark.parametrize(
    "kwargs,flags",
    [
        (dict(accelerator="ethos-u99-1"), ["--accelerator-config", "ethos-u99-1"]),
        (dict(system_config="Nowhere"), ["--system-config", "Nowhere"]),
        (dict(ignore_ops=["NOT_AN_OP"]), ["--ignore-ops", "NOT_AN_OP"]),
        (dict(config_files=["missing.ini"]), ["--config", "missing.ini"]),
    ],
    ids=["accelerator", "system-config", "ignore-ops", "config"],
)
def test_usage_errors_have_the_command_lines_message(tmp_path, kwargs, flags):
    r = run_cli(PERSON_DETECT, "--output-dir", tmp_path, *flags)
    assert r.returncode == 2
    with pytest.raises(euc.UsageError) as caught:
        euc.compile(PERSON_DETECT, **kwargs)
    assert r.stderr == f"euc: error: {caught.value}\n"


def test_missing_file_is_a_usage_error(tmp_path):
    with pytest.raises(euc.UsageError, match="no such file"):
        euc.compile(tmp_path / "absent.tflite")


def test_two_compiles_in_threads():
    setups = [{}, dict(accelerator="ethos-u55-64", optimise="Size")]
    expected = [euc.compile(PERSON_DETECT, **s) for s in setups]
    assert expected[0].tflite != expected[1].tflite
    results = [None] * 4
    errors = []

    def work(i):
        try:
            results[i] = euc.compile(PERSON_DETECT, **setups[i % 2])
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for i, r in enumerate(results):
        assert r.tflite == expected[i % 2].tflite
        assert r.summary == expected[i % 2].summary


def test_the_gil_is_released_while_compiling():
    # The main thread keeps running Python while another thread compiles; were the GIL held
    # through the compile, no sample could fall between its start and end.
    window = {}
    samples = []

    def work():
        window["start"] = time.perf_counter()
        euc.compile(PERSON_DETECT, optimise="Size")
        window["end"] = time.perf_counter()

    t = threading.Thread(target=work)
    t.start()
    while t.is_alive():
        samples.append(time.perf_counter())
        time.sleep(0.001)
    t.join()
    inside = [x for x in samples if window["start"] < x < window["end"]]
    assert len(inside) >= 2, (window, len(samples))


@needs_cli
def test_cpu_operators_are_those_the_command_line_shows(tmp_path):
    compiled = euc.compile(PERSON_DETECT, ignore_ops="depthwise_conv_2d")
    r = run_cli(
        PERSON_DETECT, "--output-dir", tmp_path, "--ignore-ops", "DEPTHWISE_CONV_2D",
        "--show-cpu-operations",
    )
    assert r.returncode == 0, r.stderr
    shown = re.findall(r"^  op +(\d+) (\S+)", r.stdout, re.M)
    assert shown
    ops = compiled.cpu_operators
    assert [(str(o["index"]), o["operator"]) for o in ops] == shown
    assert all(o["operator"] == "DEPTHWISE_CONV_2D" for o in ops)
    assert all("listed in --ignore-ops" in o["reasons"] for o in ops)
    assert compiled.summary["passes_before_fusing"] == 31


def test_supported_operators_are_those_of_supported_ops_md():
    listed = re.findall(r"^\| ([A-Z0-9_]+) \| \[Generic\]", (ROOT / "SUPPORTED_OPS.md").read_text(),
                        re.M)
    ops = euc.supported_operators()
    assert ops == sorted(listed)
    assert "CONV_2D" in ops


@needs_cli
def test_python_m_euc_is_the_command_line(tmp_path):
    flags = ["--accelerator-config", "ethos-u55-32", "--show-cpu-operations"]
    r = run_cli(PERSON_DETECT, "--output-dir", tmp_path / "cli", *flags)
    p = subprocess.run(
        [sys.executable, "-m", "euc", str(PERSON_DETECT), "--output-dir", str(tmp_path / "py"),
         *flags],
        capture_output=True, text=True, check=False,
    )
    assert (p.returncode, p.stderr) == (r.returncode, r.stderr) == (0, "")
    assert p.stdout == r.stdout.replace(str(tmp_path / "cli"), str(tmp_path / "py"))
    for f in (tmp_path / "cli").iterdir():
        assert (tmp_path / "py" / f.name).read_bytes() == f.read_bytes()
    bad = subprocess.run(
        [sys.executable, "-m", "euc", str(PERSON_DETECT), "--optimise", "Fast"],
        capture_output=True, text=True, check=False,
    )
    cli_bad = run_cli(PERSON_DETECT, "--optimise", "Fast")
    assert (bad.returncode, bad.stderr, bad.stdout) == (2, cli_bad.stderr, "")
    assert bad.stderr.startswith("euc: error: option --optimise")
