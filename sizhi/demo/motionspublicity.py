"""⑤ and ⑥ of a demo motion (pure: no database): the resolution made public, objections and
their answers, carrying it out with progress reports and the sweep's overdue flag, the result
made public, and the close once every objection has its answer."""

import datetime as dt
from decimal import Decimal

from sizhi.deliberation.workflow import MotionState
from sizhi.demo import motionstexts as texts
from sizhi.demo.motionsfate import Fate, GroupInfo, Timing, Wording
from sizhi.demo.motionswalk import MotionWalk, ObjectionPlan, ProgressPlan, PublicationPlan

S = MotionState
OVERDUE_NOTE = "实施期限 {due} 已过"  # the sweep's words


class Publicity(Timing):
    """The steps of ⑤ and ⑥."""

    def publish(
        self,
        walk: MotionWalk,
        group: GroupInfo,
        kind: str,
        text: str,
        at: dt.datetime,
        by: int | None,
    ) -> PublicationPlan:
        settings = self.settings
        publication = PublicationPlan(
            kind=kind,
            text=text,
            published_at=at,
            visible_until=at + dt.timedelta(days=settings.publicity_days),
            objections_until=at + dt.timedelta(days=settings.objection_days),
            published_by=by,
            households_notified=group.households_notified,
        )
        walk.motion.publications.append(publication)
        return publication

    def objections(
        self, walk: MotionWalk, group: GroupInfo, publication: PublicationPlan, rate: float
    ) -> None:
        """Now and then a resident objects within the window; the convener answers."""
        rng = self.rng
        if rng.random() >= rate:
            return
        pool = self._take_part(group, walk.motion.is_public)
        if not pool:
            return
        days = self.settings.objection_days
        at = self.daytime(
            publication.published_at + dt.timedelta(days=rng.uniform(0.2, days - 0.6))
        )
        if at >= min(self.as_of, publication.objections_until):
            return
        index = rng.randrange(len(texts.OBJECTIONS))
        objection = ObjectionPlan(
            author=rng.choice(pool).user,
            text=texts.OBJECTIONS[index],
            at=at,
            answer_due_at=at + dt.timedelta(days=self.settings.objection_answer_days),
        )
        answered = self.later(at, 0.3, 6.5)
        if answered < self.as_of:
            objection.answer = texts.OBJECTION_ANSWERS[index]
            objection.answered_at = answered
            objection.answered_by = group.convener.user
        publication.objections.append(objection)

    def carry_out(
        self, walk: MotionWalk, group: GroupInfo, words: Wording, fate: Fate, by: int | None = None
    ) -> None:
        """⑤ publish the resolution, carry it out with progress reports, ⑥ publish the result
        and close once every objection has its answer."""
        rng, motion = self.rng, walk.motion
        by = by or group.convener.user
        at = self.later(walk.now, 1, 5)
        if not walk.step("publish_resolution", at, by):
            return
        resolution = self.publish(walk, group, "resolution", motion.resolution, at, by)
        self.objections(walk, group, resolution, fate.objection_rate)
        if fate.stop == S.RESOLUTION_PUBLISHED:
            return
        days = self.settings.publicity_days
        start = self.later(at, days, days + 5)
        planned = rng.randint(*words.days)
        factor = rng.uniform(0.6, 0.9) if fate.late else rng.uniform(1.1, 1.5)
        due = start.astimezone(self.tz).date() + dt.timedelta(days=max(7, round(planned * factor)))
        if not walk.step("start_implementation", start, by, changes={"implementation_due_on": due}):
            return
        finish: dt.datetime | None = self.later(start, planned, planned + 3)
        if fate.stop == S.IMPLEMENTING:
            finish = None
        self.implement(walk, words, start, dt.timedelta(days=planned), finish, due, by)
        if finish is None or not walk.alive or motion.state != S.IMPLEMENTING:
            return
        if not walk.step("publish_result", finish, by, changes={"implementation_overdue": False}):
            return
        result = self.publish(walk, group, "result", words.result, finish, by)
        self.objections(walk, group, result, fate.objection_rate * 0.6)
        if fate.stop == S.RESULT_PUBLISHED:
            return
        days = self.settings.objection_days
        close = self.later(finish, days + 1, days + 9)
        answers = [o.answered_at for p in motion.publications for o in p.objections]
        if any(answered is None for answered in answers):
            return  # an objection still waits for its answer: it cannot be closed
        close = max([close, *(self.later(a, 0.5, 3) for a in answers if a is not None)])
        walk.step("close", close, by, changes={"closed_at": close})

    def implement(
        self,
        walk: MotionWalk,
        words: Wording,
        start: dt.datetime,
        planned: dt.timedelta,
        finish: dt.datetime | None,
        due: dt.date,
        by: int | None,
    ) -> None:
        """Progress reports along the way and, past the due date, the sweep's flag."""
        rng, motion = self.rng, walk.motion
        count = len(words.progress)
        steps: list[tuple[dt.datetime, int, str]] = []
        for i, text in enumerate(words.progress):
            share = (i + 1) / (count + 1)
            at = self.daytime(start + planned * rng.uniform(share - 0.1, share + 0.1))
            steps.append((at, i, text))
        flag = dt.datetime(due.year, due.month, due.day, 0, 5, tzinfo=self.tz)
        flag += dt.timedelta(days=1)
        if finish is None or flag < finish:
            steps.append((flag, -1, ""))
        money = motion.money_yuan
        for at, i, text in sorted(steps):
            if finish is not None and at >= finish:
                break
            if i < 0:
                if not walk.step(
                    "flag_overdue", at, None, note=OVERDUE_NOTE.format(due=due.isoformat()),
                    changes={"implementation_overdue": True},
                ):  # fmt: skip
                    return
                continue
            percent = max(5, min(95, round(100 * (i + 1) / (count + 1)) + rng.randint(-10, 10)))
            spent = (money * percent / 100).quantize(Decimal("0.01")) if money else None
            data = {"percent_done": percent, "money_spent_yuan": str(spent) if spent else ""}
            if not walk.step("report_progress", at, by, note=text[:500], data=data):
                return
            day = at.astimezone(self.tz).date()
            motion.progress.append(ProgressPlan(day, text, spent, percent, by, at))
