"""streamcnn: compressed QKeras CNNs to bit-exact streaming FPGA firmware.

Data flows one way: model -> IR (frontend) -> backends (golden model, HLS, RTL) -> checks.
"""
from .errors import StreamcnnError
from .fixed import FixedType

__all__ = ["StreamcnnError", "FixedType"]
__version__ = "0.1.0"
