"""Errors raised by actions. Adapters turn them into 403, 404, 409 or 400 answers."""

from django.utils.translation import gettext_lazy as _


class ActionError(Exception):
    code = "error"
    default_message = _("操作失败。")

    def __init__(self, message: object = None, *, code: str | None = None) -> None:
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        super().__init__(str(self.message))


class NotAllowed(ActionError):
    """The actor may not do this (403)."""

    code = "forbidden"
    default_message = _("您没有执行此操作的权限。")


class NotFound(ActionError):
    """Missing, or not visible to the actor: the two are never told apart (404)."""

    code = "not_found"
    default_message = _("未找到该对象。")


class InvalidState(ActionError):
    """The object is not in a state that allows this (409)."""

    code = "invalid_state"
    default_message = _("当前状态不允许此操作。")


class Invalid(ActionError):
    """Bad input (400). ``fields`` maps field names to messages."""

    code = "invalid"
    default_message = _("输入有误。")

    def __init__(
        self, message: object = None, *, fields: dict[str, list[str]] | None = None
    ) -> None:
        super().__init__(message)
        self.fields = fields or {}


class Throttled(ActionError):
    """Too many requests from one phone or address (429)."""

    code = "throttled"
    default_message = _("提交过于频繁，请稍后再试。")
