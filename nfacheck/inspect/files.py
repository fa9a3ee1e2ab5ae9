"""Reading ``inspect``'s input files: weights (.safetensors, .npz, .pt) and data (.npz, .npy, .csv).

Data are n × d with samples as rows (the PyTorch convention). torch is needed only for ``.pt``;
``.safetensors`` is read with ``safetensors.numpy`` and ``.npz`` with numpy (no pickles).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from ..errors import InputError
from .model import DEFAULT_SLOPE, Network, network_from_state_dict

__all__ = ["read_weights", "read_data", "read_state_dict"]

WEIGHT_SUFFIXES = (".safetensors", ".npz", ".pt", ".pth")
_TORCH_INT_NAMES = ("uint8", "int8", "int16", "int32", "int64")
DATA_SUFFIXES = (".npz", ".npy", ".csv")


def _exists(path: str) -> Path:
    p = Path(path)
    if p.is_dir():
        raise InputError("is a directory, expected a file", source=path)
    if p.exists() and not p.is_file():
        raise InputError("not a regular file (a device, FIFO or socket?); give a file",
                         source=path)
    if not p.is_file():
        raise InputError("no such file", source=path)
    return p


def _first_line(exc: BaseException) -> str:
    """The first non-empty line of an exception's message (some have none)."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return (lines[0] if lines else type(exc).__name__)[:160]


def _torch_refusal(exc: BaseException) -> str:
    """What ``torch.load(weights_only=True)`` refused, in one line: the unpickler's own reason
    (e.g. ``Unsupported global: GLOBAL posix.system``) rather than its long preamble."""
    text = str(exc).replace("WeightsUnpickler error:", "\n")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    skip = ("Weights only load failed", "Please file an issue", "Check the documentation")
    reason = [ln for ln in lines if not ln.startswith(skip)]
    if reason:
        return reason[0][:160]
    return _first_line(exc)


def _unique_names(names, path: str) -> None:
    """Refuse an archive holding two arrays of one name (one would silently hide the other)."""
    seen = set()
    for name in names:
        if name in seen:
            raise InputError("duplicate array name in the archive (one would hide the other)",
                             name, source=path)
        seen.add(name)


def _safetensors_header(p: Path, path: str) -> None:
    """Check a .safetensors header before the library reads it: its length fits the file and
    its JSON names each tensor once (the library keeps one of two equal names silently)."""
    import json
    import struct

    size = p.stat().st_size
    with open(p, "rb") as fh:
        head = fh.read(8)
        if len(head) < 8:
            raise InputError("not a safetensors file (shorter than its 8-byte header length)",
                             source=path)
        (n,) = struct.unpack("<Q", head)
        if n > size - 8:
            raise InputError(f"not a safetensors file: the header length says {n} bytes, the "
                             f"file holds {size - 8} after it (truncated or lying)", source=path)
        text = fh.read(n)

    def pairs(items):
        out = {}
        for key, value in items:
            if key in out:
                raise InputError("duplicate tensor name in the header (one would hide the "
                                 "other)", key, source=path)
            out[key] = value
        return out

    try:
        json.loads(text.decode("utf-8"), object_pairs_hook=pairs)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InputError("not a safetensors file (its header is not JSON)", source=path) from None


def _too_large(path: str) -> InputError:
    return InputError("the file declares arrays larger than this machine's memory (a lying "
                      "header or too much data); make it smaller", source=path)


def read_state_dict(path: str) -> tuple[dict, bool]:
    """The tensors of a weights file as ``{name: array}`` and whether to sort the keys."""
    p = _exists(path)
    suffix = p.suffix.lower()
    if suffix == ".safetensors":
        try:
            from safetensors.numpy import load_file
        except ImportError:  # pragma: no cover - the [torch] extra installs it
            raise InputError("reading .safetensors needs the 'safetensors' package "
                             "(pip install 'nfacheck[torch]')", source=path) from None
        _safetensors_header(p, path)
        try:
            return dict(load_file(str(p))), True
        except MemoryError:
            raise _too_large(path) from None
        except Exception as exc:
            raise InputError(f"not a safetensors file ({type(exc).__name__}: {exc})",
                             source=path) from None
    if suffix == ".npz":
        try:
            with np.load(p, allow_pickle=False) as z:
                _unique_names(z.files, path)
                return {k: z[k] for k in z.files}, False
        except MemoryError:
            raise _too_large(path) from None
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            raise InputError(f"not a readable .npz archive ({exc})", source=path) from None
    if suffix in (".pt", ".pth"):
        try:
            import torch
        except ImportError:
            raise InputError("reading .pt needs torch (pip install 'nfacheck[torch]'); "
                             ".safetensors and .npz need no torch", source=path) from None
        import warnings

        try:  # weights_only: a pickle's code is never run (a hostile file is refused)
            with warnings.catch_warnings():  # torch warns about the pickle protocol on stderr
                warnings.simplefilter("ignore")
                obj = torch.load(p, map_location="cpu", weights_only=True)
        except MemoryError:
            raise _too_large(path) from None
        except Exception as exc:
            raise InputError("not a PyTorch state dict of tensors: torch.load(weights_only=True) "
                             f"refused it, running none of its code ({_torch_refusal(exc)})",
                             source=path) from None
        if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor)
                                                for v in obj.values()):
            raise InputError(f"expected a state dict of tensors, got {type(obj).__name__}",
                             source=path)
        for key, v in obj.items():
            if not (v.dtype.is_floating_point or str(v.dtype)[6:] in _TORCH_INT_NAMES):
                raise InputError(f"expected a real numeric tensor, got dtype {v.dtype}", str(key),
                                 source=path)
        return dict(obj), False
    raise InputError(f"unknown weights format {suffix!r}; expected one of "
                     + ", ".join(WEIGHT_SUFFIXES), source=path)


def read_weights(path: str, activation: str, slope: float = DEFAULT_SLOPE) -> Network:
    """A :class:`Network` from a weights file (see :func:`network_from_state_dict`)."""
    state, sort = read_state_dict(path)
    if not state:
        raise InputError("the file holds no tensors", source=path)
    return network_from_state_dict(state, activation, slope=slope, source=path, sort_keys=sort)


def _matrix(a, field: str, source: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype.kind not in "fiub":
        raise InputError(f"expected numbers, got dtype {arr.dtype}", field, source=source)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise InputError(f"expected an n × d array (samples as rows), got shape {arr.shape}",
                         field, source=source)
    if arr.shape[0] == 0:
        raise InputError("no samples (the array is empty)", field, source=source)
    out = arr.astype(np.float64)
    if not np.all(np.isfinite(out)):
        i, j = np.argwhere(~np.isfinite(out))[0]
        raise InputError(f"non-finite value at sample {int(i)}, column {int(j)}", field,
                         source=source)
    return out


def read_data(path: str) -> tuple[np.ndarray, np.ndarray | None]:
    """``(X, Y)``: an ``.npz`` with ``X`` (and optionally ``Y`` or integer labels ``y``), a
    ``.npy`` array or a ``.csv`` of numbers (no header), samples as rows. Labels become one-hot."""
    p = _exists(path)
    suffix = p.suffix.lower()
    Y = None
    if p.stat().st_size == 0:
        raise InputError("the file is empty", source=path)
    try:
        if suffix == ".npz":
            with np.load(p, allow_pickle=False) as z:
                files = list(z.files)
                _unique_names(files, path)
                if "X" in files:
                    X = z["X"]
                elif len(files) == 1:
                    X = z[files[0]]
                else:
                    raise InputError(f"expected an array 'X' (found {', '.join(files) or 'none'})",
                                     source=path)
                if "Y" in files:
                    Y = _matrix(z["Y"], "Y", path)
                elif "y" in files:
                    Y = _one_hot(z["y"], path)
        elif suffix == ".npy":
            X = np.load(p, allow_pickle=False)
        elif suffix == ".csv":
            X = np.loadtxt(p, delimiter=",", ndmin=2)
        else:
            raise InputError(f"unknown data format {suffix!r}; expected one of "
                             + ", ".join(DATA_SUFFIXES), source=path)
    except InputError:
        raise
    except MemoryError:
        raise _too_large(path) from None
    except (ValueError, OSError, zipfile.BadZipFile) as exc:
        if suffix == ".npz" and not zipfile.is_zipfile(p):
            raise InputError("not an .npz archive (a .npz is a zip of .npy arrays)",
                             source=path) from None
        raise InputError(f"cannot read the data ({_first_line(exc)})", source=path) from None
    X = _matrix(X, "X", path)
    if Y is not None and Y.shape[0] != X.shape[0]:
        raise InputError(f"{Y.shape[0]} targets for {X.shape[0]} samples", "Y", source=path)
    return X, Y


def _one_hot(y, path: str) -> np.ndarray:
    from ..limits import check_memory

    y = np.asarray(y)
    if y.ndim != 1 or y.dtype.kind not in "iu" or (y.size and y.min() < 0):
        raise InputError("labels 'y' must be a 1-D array of non-negative integers", "y",
                         source=path)
    if y.size:  # the one-hot targets are n × (max label + 1) floats
        try:
            check_memory(8.0 * y.size * (int(y.max()) + 1),
                         f"one-hot targets for {y.size} labels up to {int(y.max())}", "y")
        except InputError as exc:
            raise exc.with_source(path) from None
    out = np.zeros((y.size, int(y.max()) + 1 if y.size else 0))
    out[np.arange(y.size), y] = 1.0
    return out
