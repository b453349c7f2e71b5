"""The roles a grant can carry."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("群众")
    COUNCIL_MEMBER = "council_member", _("议事会成员")
    CONVENER = "convener", _("召集人")
    BRANCH_SECRETARY = "branch_secretary", _("支部书记")
    OPERATOR = "operator", _("话务员")
    DISPATCHER = "dispatcher", _("派单员")
    HANDLER = "handler", _("承办人")
    CADRE = "cadre", _("联系干部")
    SUPERVISOR = "supervisor", _("督查员")
    COUNTY_ADMIN = "county_admin", _("县级管理员")
