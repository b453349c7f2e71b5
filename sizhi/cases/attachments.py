"""What a case attachment may be: the shared check of uploaded files."""

from sizhi.core.files import SIGNATURES, check_upload, sniff

__all__ = ["SIGNATURES", "check_upload", "sniff"]
