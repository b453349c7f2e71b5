"""What a case attachment may be (the shared check of uploaded files), and how a stored one is
handed out: by the desk, the resident's tracking page and the API alike (core/files.py)."""

from sizhi.core.files import SIGNATURES, check_upload, file_response, sniff

__all__ = ["SIGNATURES", "check_upload", "file_response", "sniff"]
