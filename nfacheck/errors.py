"""Every error nfacheck raises on purpose: what was received and what to do.

The CLI turns each into one line ``nfacheck: error: ...`` and the error's ``exit_status``.
"""

from __future__ import annotations

__all__ = [
    "NfacheckError",
    "InputError",
    "ProblemFileError",
    "CertificateError",
    "UsageError",
    "PrecisionError",
    "IntegrationError",
    "ProofError",
]


class NfacheckError(Exception):
    """Base class of nfacheck's deliberate errors; ``exit_status`` is what the CLI returns."""

    exit_status = 2


class InputError(NfacheckError):
    """Bad input: a file, a field in it, or a value handed to the API.

    The message reads ``SOURCE: FIELD: what is wrong (received: VALUE)``; parts that are
    unknown are left out.

    Parameters
    ----------
    what
        What is wrong and, where useful, what to do about it.
    field
        Dotted path of the offending field, e.g. ``init.weights[1][0][2]``.
    received
        The value that was received (shown with ``repr`` and truncated).
    source
        The file the value came from.
    """

    def __init__(
        self,
        what: str,
        field: str | None = None,
        received: object = None,
        *,
        source: str | None = None,
        show_received: bool | None = None,
    ) -> None:
        self.what = what
        self.field = field
        self.received = received
        self.source = source
        self.show_received = received is not None if show_received is None else show_received
        super().__init__(self._message())

    def _message(self) -> str:
        parts = [str(p) for p in (self.source, self.field) if p]
        text = self.what
        if self.show_received:
            rec = repr(self.received)
            if len(rec) > 80:
                rec = rec[:77] + "..."
            text += f" (received {rec})"
        return ": ".join(parts + [text])

    def with_source(self, source: str) -> InputError:
        """Return the same error attributed to the file ``source``."""
        self.source = source
        self.args = (self._message(),)
        return self


class ProblemFileError(InputError):
    """A problem file (TOML) is missing, malformed or invalid."""


class CertificateError(InputError):
    """A certificate file is missing, malformed or lacks a field (not: a claim fails)."""


class UsageError(NfacheckError):
    """The command line or an API call asks for something that cannot be done."""


class PrecisionError(InputError):
    """A requested precision (``dps``) is out of range."""


class IntegrationError(NfacheckError):
    """The integrator could not reach the requested time (step size underflow, blow-up)."""

    exit_status = 1


class ProofError(NfacheckError):
    """A proof could not be carried out (as opposed to: a claim was refuted)."""

    exit_status = 1
