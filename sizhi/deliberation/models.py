"""Direct deliberation (党群直议): motions, topics, meetings, ballots, votes and publicity.

Bodies are units of the org tree (``orgs.Unit`` with a deliberative kind) and their members are
``residents.Membership`` rows; this app adds what a body does, not what it is.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sizhi.core.regioncode import within_q
from sizhi.deliberation import rules
from sizhi.deliberation.workflow import MotionState
from sizhi.orgs.models import Region, Unit, scope_prefixes
from sizhi.residents.models import Person


class Area(models.TextChoices):
    """The five areas of the county's "12345" scheme."""

    DEVELOPMENT = "development", _("发展")
    LAW = "law", _("法律")
    MORALITY = "morality", _("道德")
    CUSTOMS = "customs", _("风气")
    HARMONY = "harmony", _("和谐")


class Origin(models.TextChoices):
    RESIDENT = "resident", _("群众提议")
    MEMBER = "member", _("党员或议事会成员提议")
    ORGANISATION = "organisation", _("村组织提议")
    COUNTY_TOPIC = "county_topic", _("县级议题")
    TOWNSHIP_TOPIC = "township_topic", _("乡镇议题")
    CASES = "cases", _("群众诉求汇集")


class StatutoryMatter(models.TextChoices):
    """Matters the villagers' committee law reserves to the villagers' assembly (or an
    authorised representatives' assembly), art. 24."""

    SUBSIDY = "subsidy", _("误工补贴人员及标准")
    ENTERPRISE_INCOME = "enterprise_income", _("集体经济所得收益的使用")
    PUBLIC_WELFARE = "public_welfare", _("公益事业兴办和筹资筹劳方案")
    LAND_CONTRACTING = "land_contracting", _("土地承包经营方案")
    COLLECTIVE_PROJECT = "collective_project", _("集体经济项目的立项、承包方案")
    HOUSE_PLOT = "house_plot", _("宅基地的使用方案")
    COMPENSATION = "compensation", _("征地补偿费的使用、分配方案")
    COLLECTIVE_PROPERTY = "collective_property", _("以借贷、租赁等方式处分集体财产")
    OTHER = "other", _("村民会议认为应当决定的其他事项")


def _motion_condition(user: Any) -> Q:
    condition = within_q(scope_prefixes(user, "deliberation.view"))
    public = scope_prefixes(user, "deliberation.view_public")
    if public:
        condition |= within_q(public) & Q(is_public=True) & ~Q(state=MotionState.DRAFT)
    if getattr(user, "pk", None):
        condition |= Q(proposer_id=user.pk)
    return condition


class MotionQuerySet(models.QuerySet["Motion"]):
    def visible_to(self, user: Any) -> "MotionQuerySet":
        """Everything in the scope of a deliberation grant; public motions of the group for
        its residents; and one's own proposals."""
        return self.filter(_motion_condition(user))

    def public(self) -> "MotionQuerySet":
        """What anybody may read on a group's public page."""
        return self.filter(is_public=True).exclude(state=MotionState.DRAFT)


class Topic(models.Model):
    """A county or township topic sent to many councils at once (top-down)."""

    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("内容"), max_length=5000)
    area = models.CharField(_("领域"), max_length=12, choices=Area.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("发起区域"), on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField(_("区划代码"), max_length=15, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"))
    sent_at = models.DateTimeField(_("下发时间"), null=True, blank=True)
    due_on = models.DateField(_("完成期限"), null=True, blank=True)
    target_count = models.PositiveIntegerField(_("下发数"), default=0)

    class Meta:
        verbose_name = _("议题下发")
        verbose_name_plural = _("议题下发")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["region_code", "created_at"], name="topic_region_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def level(self) -> str:
        return "county" if len(self.region_code) <= 6 else "township"


class Motion(models.Model):
    """A matter a group deliberates: proposed, appraised, reviewed, resolved, published and
    carried out."""

    region = models.ForeignKey(
        Region, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField(_("区划代码"), max_length=15, editable=False)
    council = models.ForeignKey(
        Unit, verbose_name=_("议事机构"), on_delete=models.PROTECT, related_name="motions"
    )
    deciding_body = models.ForeignKey(
        Unit,
        verbose_name=_("决议机构"),
        on_delete=models.PROTECT,
        related_name="motions_to_decide",
    )
    topic = models.ForeignKey(
        Topic,
        verbose_name=_("上级议题"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="motions",
    )
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("内容"), max_length=5000)
    area = models.CharField(_("领域"), max_length=12, choices=Area.choices)
    origin = models.CharField(_("来源"), max_length=16, choices=Origin.choices)
    statutory_matter = models.CharField(
        _("法定村民会议事项"), max_length=24, choices=StatutoryMatter.choices, blank=True
    )
    money_yuan = models.DecimalField(
        _("涉及金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    land_mu = models.DecimalField(
        _("涉及土地（亩）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    is_public = models.BooleanField(_("向本组群众公开"), default=True)
    state = models.CharField(
        _("状态"), max_length=24, choices=MotionState.choices, default=MotionState.DRAFT
    )
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提议人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    proposer_name = models.CharField(_("提议人姓名"), max_length=50, blank=True)
    cosign_threshold = models.PositiveSmallIntegerField(_("附议人数要求"), default=0)
    cosign_count = models.PositiveIntegerField(_("附议人数"), default=0)
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("更新时间"))
    proposed_at = models.DateTimeField(_("提议时间"), null=True, blank=True)
    appraisal_ends_at = models.DateTimeField(_("评议截止"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("决议时间"), null=True, blank=True)
    resolution = models.TextField(_("决议内容"), max_length=5000, blank=True)
    is_advisory = models.BooleanField(_("仅为建议性决议"), default=False)
    implementation_due_on = models.DateField(_("实施期限"), null=True, blank=True)
    implementation_overdue = models.BooleanField(_("实施逾期"), default=False)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    objects = MotionQuerySet.as_manager()

    class Meta:
        verbose_name = _("议题")
        verbose_name_plural = _("议题")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["region_code", "state"], name="motion_region_state_idx"),
            models.Index(fields=["council", "state"], name="motion_council_state_idx"),
            models.Index(fields=["topic", "state"], name="motion_topic_state_idx"),
            models.Index(fields=["area", "created_at"], name="motion_area_created_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "council"],
                condition=Q(topic__isnull=False),
                name="motion_one_per_council_and_topic",
            ),
            models.CheckConstraint(
                condition=Q(money_yuan__isnull=True) | Q(money_yuan__gte=0),
                name="motion_money_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(land_mu__isnull=True) | Q(land_mu__gte=0),
                name="motion_land_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class MotionEvent(models.Model):
    """One step of a motion: who moved it from where to where, when and why."""

    motion = models.ForeignKey(
        Motion, verbose_name=_("议题"), on_delete=models.CASCADE, related_name="events"
    )
    region_code = models.CharField(_("区划代码"), max_length=15)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    transition = models.CharField(_("操作"), max_length=32)
    from_state = models.CharField(_("原状态"), max_length=24, blank=True)
    to_state = models.CharField(_("新状态"), max_length=24)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)

    class Meta:
        verbose_name = _("议题记录")
        verbose_name_plural = _("议题记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["motion", "at"], name="motion_event_idx")]

    def __str__(self) -> str:
        return f"{self.motion_id} {self.transition}"


class Cosign(models.Model):
    """A resident or member backing a proposal (附议)."""

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="cosigns")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("附议")
        verbose_name_plural = _("附议")
        constraints = [
            models.UniqueConstraint(fields=["motion", "user"], name="cosign_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.motion_id} · {self.user_id}"


class Stance(models.TextChoices):
    SUPPORT = "support", _("赞成")
    OPPOSE = "oppose", _("反对")
    SUGGEST = "suggest", _("建议")


class Opinion(models.Model):
    """A comment during appraisal (评议): support, oppose or a suggestion. One per person;
    saying it again replaces it."""

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="opinions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    is_member = models.BooleanField(_("议事会成员"), default=False)
    stance = models.CharField(_("意见"), max_length=8, choices=Stance.choices)
    text = models.TextField(_("内容"), max_length=1000, blank=True)
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("评议意见")
        verbose_name_plural = _("评议意见")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["motion", "author"], name="opinion_once_per_author")
        ]

    def __str__(self) -> str:
        return f"{self.motion_id} · {self.get_stance_display()}"


class Meeting(models.Model):
    """A sitting of a body: notice, agenda, attendance (应到/实到), minutes."""

    body = models.ForeignKey(
        Unit, verbose_name=_("会议机构"), on_delete=models.PROTECT, related_name="meetings"
    )
    region_code = models.CharField(_("区划代码"), max_length=15, editable=False)
    title = models.CharField(_("会议名称"), max_length=120)
    place = models.CharField(_("地点"), max_length=120)
    starts_at = models.DateTimeField(_("开会时间"))
    notice_sent_at = models.DateTimeField(_("通知时间"))
    convened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("召集人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    held = models.BooleanField(_("已召开"), default=False)
    expected = models.PositiveIntegerField(_("应到人数"), default=0)
    present = models.PositiveIntegerField(_("实到人数"), default=0)
    expected_households = models.PositiveIntegerField(_("应到户数"), default=0)
    present_households = models.PositiveIntegerField(_("实到户数"), default=0)
    women_present = models.PositiveIntegerField(_("到会妇女人数"), default=0)
    township_attendee = models.CharField(_("乡镇参会人员（含职务）"), max_length=100, blank=True)
    minutes = models.TextField(_("会议记录"), max_length=20000, blank=True)
    motions: "models.ManyToManyField[Motion, AgendaItem]" = models.ManyToManyField(
        Motion, through="AgendaItem", related_name="meetings", verbose_name=_("议程")
    )

    class Meta:
        verbose_name = _("会议")
        verbose_name_plural = _("会议")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["region_code", "starts_at"], name="meeting_region_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(present__lte=models.F("expected")),
                name="meeting_present_within_expected",
            ),
            models.CheckConstraint(
                condition=Q(present_households__lte=models.F("expected_households")),
                name="meeting_households_within_expected",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AgendaItem(models.Model):
    class Purpose(models.TextChoices):
        REVIEW = "review", _("审议")
        VOTE = "vote", _("表决")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="agenda_items")
    purpose = models.CharField(_("事项"), max_length=8, choices=Purpose.choices)
    order = models.PositiveSmallIntegerField(_("顺序"), default=1)

    class Meta:
        verbose_name = _("议程")
        verbose_name_plural = _("议程")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "motion", "purpose"], name="agenda_item_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} · {self.motion_id} · {self.get_purpose_display()}"


class Method(models.TextChoices):
    ROLL_CALL = "roll_call", _("逐人记名表决")
    SHOW_OF_HANDS = "show_of_hands", _("举手表决")
    SECRET = "secret", _("无记名投票")


class Outcome(models.TextChoices):
    OPEN = "", _("表决中")
    PASSED = "passed", _("通过")
    FAILED = "failed", _("未通过")
    NO_QUORUM = "no_quorum", _("未达法定人数（流会）")


class Ballot(models.Model):
    """One question put to one meeting: the review of a motion or the vote on it."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="ballots")
    motion = models.ForeignKey(Motion, on_delete=models.PROTECT, related_name="ballots")
    region_code = models.CharField(_("区划代码"), max_length=15, editable=False)
    purpose = models.CharField(_("事项"), max_length=8, choices=AgendaItem.Purpose.choices)
    method = models.CharField(_("表决方式"), max_length=16, choices=Method.choices)
    opened_at = models.DateTimeField(_("开始时间"))
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    yes = models.PositiveIntegerField(_("赞成"), default=0)
    no = models.PositiveIntegerField(_("反对"), default=0)
    abstain = models.PositiveIntegerField(_("弃权"), default=0)
    outcome = models.CharField(
        _("结果"), max_length=12, choices=Outcome.choices, default=Outcome.OPEN, blank=True
    )
    # The rule in words, in the site's language when the ballot was opened (the record as
    # written); shown only for ballots without ``rule_params`` (opened before they were kept).
    rule = models.CharField(_("适用规则"), max_length=200, blank=True)
    # The rule applied (rules.rule_params of the body's BodyRule when the ballot was opened),
    # described in the reader's language when shown: see ``rule_text``.
    rule_params = models.JSONField(_("适用规则参数"), default=dict, blank=True)
    is_advisory = models.BooleanField(_("仅为建议性决议"), default=False)

    class Meta:
        verbose_name = _("表决")
        verbose_name_plural = _("表决")
        ordering = ["opened_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "motion", "purpose"], name="ballot_once_per_meeting"
            )
        ]

    def __str__(self) -> str:
        return f"{self.motion} · {self.get_purpose_display()}"

    @property
    def rule_text(self) -> str:
        """The rule applied, in the active language (the stored words for older ballots)."""
        return rules.rule_text(self.rule_params, self.rule)


class Choice(models.TextChoices):
    YES = "yes", _("赞成")
    NO = "no", _("反对")
    ABSTAIN = "abstain", _("弃权")
    ABSENT = "absent", _("缺席")


class Vote(models.Model):
    """One member's vote on one ballot; the database refuses a second."""

    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="votes")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(_("表决意见"), max_length=8, choices=Choice.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("表决票")
        verbose_name_plural = _("表决票")
        constraints = [
            models.UniqueConstraint(fields=["ballot", "person"], name="vote_once_per_ballot")
        ]

    def __str__(self) -> str:
        return f"{self.ballot_id} · {self.get_choice_display()}"


class Authorisation(models.Model):
    """The villagers' assembly lets the representatives' assembly decide some statutory
    matters for a period (授权)."""

    assembly = models.ForeignKey(
        Unit, verbose_name=_("村民代表会议"), on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField(_("区划代码"), max_length=15, editable=False)
    matters = models.JSONField(_("授权事项"), default=list)
    valid_from = models.DateField(_("有效期起"))
    valid_to = models.DateField(_("有效期止"))
    granted_at_meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("授权")
        verbose_name_plural = _("授权")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__gte=models.F("valid_from")), name="authorisation_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.assembly_id} {self.valid_from}–{self.valid_to}"


# What a motion makes public and what comes of it live in their own module; importing them
# here registers them with the app.
from sizhi.deliberation.models_publicity import (  # noqa: E402
    LinkedCase,
    MotionAttachment,
    Objection,
    ProgressReport,
    Publication,
    attachment_path,
)

__all__ = [
    "LinkedCase",
    "MotionAttachment",
    "Objection",
    "ProgressReport",
    "Publication",
    "attachment_path",
]
