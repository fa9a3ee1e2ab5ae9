"""``nfacheck.inspect``: the NFA layer by layer on a user's own trained network and data.

``nfacheck.inspect(model, X, ...)`` is the function :func:`nfacheck.inspect.api.inspect`; the
package object is callable so that both ``nfacheck.inspect(...)`` and
``from nfacheck.inspect import inspect`` work.
"""

from __future__ import annotations

import sys
import types

from .api import InspectResult, as_network, inspect

__all__ = ["inspect", "InspectResult", "as_network"]


class _CallableModule(types.ModuleType):
    def __call__(self, *args, **kwargs):
        return inspect(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
