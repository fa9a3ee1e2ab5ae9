"""Taylor expansions with the samples split across worker processes.

The forward and backward passes of the gradient flow act on each sample (a column of every
hidden series) independently, and the gradient is a sum over samples. A :class:`SamplePool`
therefore gives each of ``workers - 1`` persistent processes a block of the samples, keeps the
first block in the calling process, and per Taylor order k broadcasts the weight coefficients
W_l[k] and adds up the blocks' unscaled gradient sums before forming W_l[k+1]. Only integers
travel (a few hundred to a few thousand per order).

With the pure-Python backend the result is identical to the serial one (integer sums are exact);
with flint the per-block operand truncation differs at the 2**-F level only.
Piecewise-linear activations (relu, leaky_relu) need the hidden pre-activation series for event
location and run serially (:meth:`NetworkField.expand` ignores the pool when ``with_z``).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import traceback
from fractions import Fraction
from multiprocessing.connection import Connection

from .flowfield import Expansion, NetworkField
from .taylor import FixedPointOverflow

__all__ = ["SamplePool", "split_samples"]

# a worker is one process's worth of work: BLAS threads of their own (numpy backend) would only
# fight the other processes for the cores
_ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def split_samples(n: int, blocks: int) -> list[range]:
    """Near-equal contiguous column ranges covering ``range(n)`` (at most ``n`` of them)."""
    blocks = max(1, min(blocks, n))
    q, r = divmod(n, blocks)
    out, start = [], 0
    for b in range(blocks):
        size = q + (1 if b < r else 0)
        out.append(range(start, start + size))
        start += size
    return out


def _block_field(spec: dict, cols: range) -> NetworkField:
    X = tuple(tuple(row[j] for j in cols) for row in spec["X"])
    Y = tuple(tuple(row[j] for j in cols) for row in spec["Y"])
    field = NetworkField(
        spec["widths"],
        spec["activation"],
        spec["activation_params"],
        X,
        Y,
        spec["weight_decay"],
        spec["frac_bits"],
        spec["backend"],
    )
    return field


def _worker_main(fd: int) -> None:
    """Worker loop on the socket ``fd``: first ``(spec, cols)``, then ``(k, [W_l[k]], order)``
    in and ``("ok", grads)`` (or ``("overflow", why)``) out; ``None`` (or the parent closing the
    socket) stops it.

    k = 0 starts a new expansion. Ctrl-C is left to the parent, which terminates the workers.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    conn = Connection(fd)
    try:
        spec, cols = conn.recv()
        field = _block_field(spec, cols)
        jet = None
        while True:
            msg = conn.recv()
            if msg is None:
                break
            k, coeffs, order = msg
            try:
                if k == 0:
                    jet = field.jet(field.weight_series(coeffs), order)
                else:
                    for Wl, c in zip(jet.W, coeffs, strict=True):
                        Wl.append(c)
                jet.forward(k)
                conn.send(("ok", jet.gradient(k)))
            except FixedPointOverflow as exc:  # the parent retries the step, shorter
                conn.send(("overflow", str(exc)))
            except Exception:  # reported to the parent, which raises
                conn.send(("error", traceback.format_exc()))
    except (EOFError, OSError):  # parent gone
        pass
    finally:
        conn.close()


class SamplePool:
    """``workers`` processes' worth of sample blocks for :meth:`NetworkField.expand`.

    Parameters
    ----------
    field
        The full field (all samples); the pool attaches itself as ``field.pool``.
    X, Y
        The problem's exact data (d x n and k x n nested sequences of rationals).
    workers
        Number of sample blocks; block 0 is computed in the calling process, the others in
        ``workers - 1`` spawned processes (numpy backend: every block in a spawned process
        with one BLAS thread, the calling process only adds up). Capped at the number of
        samples.

    Use as a context manager (or call :meth:`close`): the workers are stopped on exit, also on
    an exception or Ctrl-C (they ignore SIGINT themselves and are terminated by the parent).
    The workers are fresh interpreters (``python -m nfacheck.numeric.parallel FD``) talking over
    a socket pair: neither fork (unsafe with threads) nor multiprocessing's spawn (which
    re-imports the caller's ``__main__``) is involved.
    """

    def __init__(self, field: NetworkField, X, Y, workers: int) -> None:
        self.field = field
        self.blocks = split_samples(field.n, workers)
        spec = {
            "widths": field.widths,
            "activation": field.activation,
            "activation_params": dict(field.activation_params),
            "X": tuple(tuple(Fraction(v) for v in row) for row in X),
            "Y": tuple(tuple(Fraction(v) for v in row) for row in Y),
            "weight_decay": field.weight_decay,
            "frac_bits": field.F,
            "backend": field.backend,
        }
        # numpy: BLAS in the calling process would use threads of its own and fight the workers
        # for the cores, so every block goes to a single-threaded worker
        self.local = None if field.backend == "numpy" else _block_field(spec, self.blocks[0])
        self._procs: list = []
        self._conns: list = []
        try:
            for cols in self.blocks[1:] if self.local is not None else self.blocks:
                self._start(spec, cols)
        except BaseException:
            self.close(abort=True)
            raise
        field.pool = self

    def _start(self, spec: dict, cols: range) -> None:
        parent, child = socket.socketpair()
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", __name__, str(child.fileno())],
                pass_fds=(child.fileno(),),
                stdin=subprocess.DEVNULL,
                env={**os.environ, **_ONE_THREAD},
            )
        finally:
            child.close()
        self._procs.append(proc)
        conn = Connection(parent.detach())
        self._conns.append(conn)
        conn.send((spec, cols))

    @property
    def workers(self) -> int:
        """Number of sample blocks (processes, the calling one included)."""
        return len(self.blocks)

    def __enter__(self) -> SamplePool:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(abort=exc_type is not None)

    def _receive(self, conn) -> tuple[str, object]:
        try:
            tag, payload = conn.recv()
        except (EOFError, OSError):
            raise RuntimeError("a sample worker process died") from None
        if tag == "error":
            raise RuntimeError(f"sample worker failed:\n{payload}")
        return tag, payload

    def expand(self, field: NetworkField, weights, order: int, h0: int) -> Expansion:
        """As :meth:`NetworkField.expand` without ``with_z``, the samples split by block."""
        W = field.weight_series(weights)
        # the local jet shares W: append_next extends it for every block
        jet = self.local.jet(W, order) if self.local is not None else None
        for k in range(order):
            coeffs = [Wl.coeffs[k] for Wl in W]
            for conn in self._conns:
                conn.send((k, coeffs, order))
            overflow, grads = None, None
            if jet is not None:
                try:
                    jet.forward(k)
                    grads = jet.gradient(k)
                except FixedPointOverflow as exc:
                    overflow = exc
            for conn in self._conns:  # every reply is read, so none is left for the next step
                tag, part = self._receive(conn)
                if tag == "overflow" or overflow is not None:
                    overflow = overflow or FixedPointOverflow(part)
                    continue
                grads = (
                    part
                    if grads is None
                    else [
                        [u + v for u, v in zip(g, p, strict=True)]
                        for g, p in zip(grads, part, strict=True)
                    ]
                )
            if overflow is not None:
                raise overflow
            field.append_next(W, grads, k, h0)
        return Expansion(W=W, z=[], h0=h0)

    def close(self, abort: bool = False) -> None:
        """Stop the workers and detach from the field. Normally they are asked to exit; with
        ``abort`` (an exception or Ctrl-C during an expansion) they are terminated at once."""
        for conn in self._conns:
            try:
                if not abort:
                    conn.send(None)
            except (OSError, ValueError):
                pass
        for proc in self._procs:
            try:
                proc.wait(timeout=0.01 if abort else 5)
            except subprocess.TimeoutExpired:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:  # pragma: no cover - a stuck worker
                    proc.kill()
                    proc.wait()
        for conn in self._conns:
            conn.close()
        self._procs, self._conns = [], []
        if getattr(self.field, "pool", None) is self:
            self.field.pool = None


if __name__ == "__main__":  # a worker process started by SamplePool
    _worker_main(int(sys.argv[1]))
