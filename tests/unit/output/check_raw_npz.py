"""Reads euc's raw output of a model with NumPy, as ExecuTorch's Arm backend does.

usage: check_raw_npz.py EUC MODEL WORKDIR   (exit 77: no numpy here, the test is skipped)
"""
import pathlib
import subprocess
import sys

try:
    import numpy as np
except ImportError:
    sys.exit(77)

euc, model, work = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
work.mkdir(parents=True, exist_ok=True)
for fmt in ("tflite", "raw"):
    subprocess.run([euc, str(model), "--output-dir", str(work), "--output-format", fmt],
                   check=True, stdout=subprocess.DEVNULL)
stem = model.stem
tflite = (work / f"{stem}_vela.tflite").read_bytes()

with np.load(work / f"{stem}_vela.npz", allow_pickle=False) as data:
    cmd = data["cmd_data"]
    assert cmd.dtype == np.uint8 and cmd.ndim == 1, cmd.dtype
    assert cmd.tobytes()[:4] == b"COP1"
    # The same bytes are the command stream buffer of the .tflite.
    assert tflite.count(cmd.tobytes()) == 1
    weights = data["weight_data"]
    assert weights.dtype == np.uint8 and tflite.count(weights.tobytes()) == 1
    # ExecuTorch reads scratch_shape[0] as an int64 byte count.
    assert isinstance(data["scratch_shape"][0], np.int64)
    scratch = int(data["scratch_shape"][0])
    assert scratch == int(data["scratch_size"]) > 0
    for prefix in ("input", "output"):
        shapes = data[prefix + "_shape"]
        assert shapes.ndim == 2 and shapes.shape[1] == 6, shapes.shape
        for i in range(len(shapes)):
            size = int(np.prod(shapes[i])) * int(data[prefix + "_elem_size"][i])
            offset = int(data[prefix + "_offset"][i])
            assert int(data[prefix + "_region"][i]) == 1
            assert 0 <= offset and offset + size <= scratch, (prefix, i, offset, size)
    assert data["variable_shape"].size == 0
print("raw npz read back by numpy: ok")
