"""torch's zip checkpoint format, read and written without Python's pickle.

:func:`read_torch_zip` runs ``data.pkl`` through a whitelisting opcode
interpreter (:mod:`.unpickler`); :func:`write_torch_zip` emits the pickle
opcodes itself (:mod:`.writer`). Anything outside the whitelist raises
:class:`CheckpointError`.
"""

from .reader import LEGACY_MAGIC, read_torch_zip
from .unpickler import CheckpointError
from .writer import write_torch_zip

__all__ = ["CheckpointError", "LEGACY_MAGIC", "read_torch_zip", "write_torch_zip"]
