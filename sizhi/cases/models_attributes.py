"""Open311 service attributes: the questions a category asks (GeoReport v2 service
definitions)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AttributeDatatype(models.TextChoices):
    """The six datatypes of GeoReport v2 service attributes."""

    STRING = "string", _("单行文本")
    NUMBER = "number", _("数字")
    DATETIME = "datetime", _("日期时间")
    TEXT = "text", _("多行文本")
    SINGLEVALUELIST = "singlevaluelist", _("单选")
    MULTIVALUELIST = "multivaluelist", _("多选")


# The datatypes whose answers come from a list of values.
LIST_TYPES = frozenset({AttributeDatatype.SINGLEVALUELIST, AttributeDatatype.MULTIVALUELIST})


class ServiceAttribute(models.Model):
    """A question an Open311 client asks when filing a case of the category (the service
    definition's attribute). ``variable`` false: information shown to the user, not a
    question. ``values`` lists the choices of the list datatypes as ``[{"key", "name"}]``."""

    category = models.ForeignKey(
        "cases.Category",
        verbose_name=_("分类"),
        on_delete=models.CASCADE,
        related_name="service_attributes",
    )
    code = models.CharField(_("编码"), max_length=40)
    variable = models.BooleanField(_("需要填写"), default=True)
    datatype = models.CharField(_("数据类型"), max_length=16, choices=AttributeDatatype.choices)
    required = models.BooleanField(_("必填"), default=False)
    description = models.CharField(_("说明"), max_length=500)
    datatype_description = models.CharField(_("填写提示"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=1)
    values = models.JSONField(_("可选值"), default=list, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("服务属性")
        verbose_name_plural = _("服务属性")
        ordering = ["category", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="service_attribute_code"),
            models.UniqueConstraint(fields=["category", "order"], name="service_attribute_order"),
            models.CheckConstraint(condition=Q(order__gte=1), name="service_attribute_order_min"),
        ]

    def __str__(self) -> str:
        return f"{self.category_id} {self.code}"
