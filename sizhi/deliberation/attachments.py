"""How a stored file of a motion is handed out: by the motion page, the public pages and the
API alike, as a case's files are (core/files.py)."""

from sizhi.core.files import file_response

__all__ = ["file_response"]
