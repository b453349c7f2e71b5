"""How each demo case is handled: the steps of a hotline or mailbox case and of a petition,
with plausible timings, walked through the workflow table (pure: no database)."""

import datetime as dt

from sizhi.demo import casetexts as texts
from sizhi.demo.casedraw import PUBLIC_CHANNELS, Drawer
from sizhi.demo.casewalk import CasePlan, CaseWalk, ExtensionPlan, FollowUpPlan

FIRST_RATING = (55, 25, 10, 6, 4)  # satisfaction 5, 4, 3, 2, 1
SECOND_RATING = (40, 30, 18, 8, 4)


class Handling(Drawer):
    """The steps of a case after it is received, as ``CaseWalk`` steps."""

    def _dispatch(self, walk: CaseWalk, at: dt.datetime, unit: int) -> bool:
        case = walk.case
        window = self.rules.limits.objection_window(case.kind)
        return walk.step(
            "dispatch",
            at,
            unit_id=unit,
            actor="dispatcher",
            data={"unit": unit, "object_until": walk.deadline(at, *window).due_at.isoformat()},
            changes={
                "handling_unit_id": unit,
                "receiving_unit_id": case.receiving_unit_id or unit,
                "assigned_at": at,
            },
        )

    def _hotline(self, case: CasePlan, walk: CaseWalk) -> None:
        rng = self.rng
        at = case.received_at
        if case.kind != "praise" and rng.random() < 0.03:
            reason, where = rng.choice(texts.DECLINE_REASONS)
            at = self.after(at, 10, 300)
            walk.step(
                "decline",
                at,
                actor="dispatcher",
                note=f"{reason} 请向{where}反映。",
                data={"reason": reason, "redirect_to": where},
                changes={"closed_at": at},
            )
            return
        online = case.channel in {"mailbox", "web", "app"}
        if online and case.urgency == "normal" and rng.random() < 0.6:
            at = self.after(at, 5, 180)
            if not walk.step("accept", at, actor="dispatcher"):
                return
        right = self._route(case, case.region_code)
        if right is None:
            return  # nobody to send it to: it waits for a dispatcher's choice
        draw = rng.random()
        mode = "transfer" if draw < 0.04 else "object" if draw < 0.07 else ""
        founded = mode == "object" and rng.random() < 0.5
        first = (
            self._wrong_unit(right, case.region_code) if mode == "transfer" or founded else right
        )
        at = self._dispatch_time(case, at)
        if not self._dispatch(walk, at, first):
            return
        if mode == "object":
            at = self.after(at, 30, 20 * 60)
            handler = f"handler@{first}"
            if not walk.step(
                "object", at, unit_id=first, actor=handler, note=rng.choice(texts.OBJECTION_REASONS)
            ):
                return
            at = self.office(self.after(at, 60, 16 * 60))
            if founded:
                ok = walk.step(
                    "reassign",
                    at,
                    unit_id=right,
                    actor="county_admin",
                    note=texts.ARBITRATION_NOTES[1],
                    data={"from_unit": first, "unit": right},
                    changes={
                        "handling_unit_id": right,
                        "is_designated": True,
                        "transfer_count": case.transfer_count + 1,
                        "assigned_at": at,
                    },
                )
            else:
                right = first
                ok = walk.step(
                    "uphold",
                    at,
                    unit_id=first,
                    actor="county_admin",
                    note=texts.ARBITRATION_NOTES[0],
                    changes={"is_designated": True},
                )
            if not ok:
                return
        at = self._signing_time(case, at)
        if not walk.step("sign_for", at, unit_id=case.handling_unit_id, actor=self._handler(case)):
            return
        if mode == "transfer":
            at = self.after(at, 60, 24 * 60)
            window = self.rules.limits.objection_window(case.kind)
            if not walk.step(
                "transfer",
                at,
                unit_id=right,
                actor="dispatcher",
                note=rng.choice(texts.TRANSFER_REASONS),
                data={
                    "from_unit": first,
                    "unit": right,
                    "object_until": walk.deadline(at, *window).due_at.isoformat(),
                },
                changes={
                    "handling_unit_id": right,
                    "transfer_count": case.transfer_count + 1,
                    "assigned_at": at,
                },
            ):
                return
            at = self._signing_time(case, at)
            if not walk.step("sign_for", at, unit_id=right, actor=self._handler(case)):
                return
        self._handle(case, walk, at)

    def _handler(self, case: CasePlan) -> str:
        return f"handler@{case.handling_unit_id}"

    def _dispatch_time(self, case: CasePlan, at: dt.datetime) -> dt.datetime:
        rng = self.rng
        if case.urgency == "extra_urgent":
            return self.after(at, 5, 50)
        if case.urgency == "urgent":
            return self.after(at, 10, 100)
        if rng.random() < 0.03:
            return self.after(at, 25 * 60, 50 * 60)  # late
        return self.after(at, 10, 8 * 60)

    def _signing_time(self, case: CasePlan, at: dt.datetime) -> dt.datetime:
        if case.urgency != "normal":
            return self.after(at, 3, 25)
        if self.rng.random() < 0.92:
            return self.waking(self.after(at, 5, 120))
        return self.office(self.after(at, 5, 240))

    def _contact_time(self, case: CasePlan, at: dt.datetime) -> dt.datetime:
        if case.urgency != "normal":
            return self.after(at, 2, 20)
        if case.reopen_count or self.rng.random() < 0.93:
            return self.waking(self.after(at, 5, 180))
        return self.waking(self.after(at, 6 * 60, 30 * 60))

    def _reply_time(self, case: CasePlan, start: dt.datetime) -> dt.datetime:
        rng = self.rng
        draw = rng.random()
        if case.urgency == "extra_urgent":
            return self.after(start, 30, 110) if draw < 0.9 else self.after(start, 150, 360)
        if case.urgency == "urgent":
            return (
                self.after(start, 180, 20 * 60)
                if draw < 0.92
                else self.after(start, 26 * 60, 48 * 60)
            )
        if draw < 0.92:
            return self.working_days_after(start, rng.uniform(0.3, 4.6))
        if draw < 0.98:
            return self.working_days_after(start, rng.uniform(5.2, 9))
        return self.working_days_after(start, rng.uniform(15, 120))  # stuck for long

    def _handle(self, case: CasePlan, walk: CaseWalk, at: dt.datetime) -> None:
        """From signed for (in progress) to the answer and its evaluation."""
        rng = self.rng
        handler = self._handler(case)
        start = at if case.reopen_count else (case.assigned_at or at)
        if rng.random() >= 0.95 and not case.reopen_count:
            # Answered on the first call: the reply is the first contact.
            self._reply(case, walk, self.waking(self.after(at, 20, 300)))
            return
        at = self._contact_time(case, at)
        if not walk.step(
            "contact",
            at,
            unit_id=case.handling_unit_id,
            actor=handler,
            note=rng.choice(texts.CONTACT_NOTES),
            changes={} if case.first_contact_at else {"first_contact_at": at},
        ):
            return
        reply_at: dt.datetime | None = self._reply_time(case, start)
        if case.urgency == "normal" and not case.reopen_count:
            draw = rng.random()
            if draw < 0.05:
                reply_at = self._extension(case, walk, start, at)
            elif draw < 0.07 and reply_at is not None:
                reply_at = self._pause(case, walk, at, reply_at)
        if reply_at is not None:
            self._reply(case, walk, max(reply_at, self.after(walk.now, 10, 60)))

    def _extension(
        self, case: CasePlan, walk: CaseWalk, start: dt.datetime, at: dt.datetime
    ) -> dt.datetime | None:
        rng = self.rng
        value, unit = self.rules.limits.extension(case.kind)
        if case.kind == "petition":
            asked = max(start + dt.timedelta(days=rng.uniform(40, 55)), self.after(at, 60, 600))
        else:
            asked = max(
                self.working_days_after(start, rng.uniform(2.5, 4)), self.after(at, 60, 600)
            )
        asked = self.office(asked)
        case.extensions.append(
            ExtensionPlan(
                value, unit, rng.choice(texts.EXTENSION_REASONS), asked, self._handler(case)
            )
        )
        ref = {"extension": ("extension", len(case.extensions) - 1)}
        extension = case.extensions[-1]
        if not walk.step(
            "request_extension",
            asked,
            unit_id=case.handling_unit_id,
            actor=self._handler(case),
            note=extension.reason,
            refs=ref,
        ):
            case.extensions.pop()  # asked only after as_of: not asked at all
            return None
        decided = self.office(self.after(asked, 60, 20 * 60))
        approve = rng.random() < 0.85
        name = "approve_extension" if approve else "reject_extension"
        changes = {"extension_count": case.extension_count + 1} if approve else {}
        note = "同意延期。" if approve else "不同意延期，请按期办结。"
        if not walk.step(name, decided, actor="county_admin", note=note, changes=changes, refs=ref):
            return None
        extension.state = "approved" if approve else "rejected"
        extension.decided_at, extension.decided_by = decided, "county_admin"
        if approve:
            walk.extend(value, unit)
        due = walk.handle_due() or decided
        if case.kind == "petition":
            return due - dt.timedelta(days=rng.uniform(1, 25))
        late = rng.random() < 0.1
        return (
            due + dt.timedelta(days=rng.uniform(1, 5))
            if late
            else self.office(due - dt.timedelta(days=rng.uniform(1, 6)))
        )

    def _pause(
        self, case: CasePlan, walk: CaseWalk, at: dt.datetime, reply_at: dt.datetime
    ) -> dt.datetime | None:
        rng = self.rng
        paused = self.office(self.after(at, 60, 24 * 60))
        if not walk.step(
            "pause_clock",
            paused,
            actor=self._handler(case),
            note="等待群众补充材料",
            data={"reason": "waiting_resident"},
        ):
            return None
        walk.pause(paused, "waiting_resident")
        resumed = self.office(paused + dt.timedelta(days=rng.uniform(1, 6)))
        if not walk.step("resume_clock", resumed, actor=self._handler(case)):
            return None
        walk.resume(resumed)
        return reply_at + (resumed - paused)

    def _reply(self, case: CasePlan, walk: CaseWalk, at: dt.datetime) -> None:
        if not walk.step(
            "reply",
            at,
            unit_id=case.handling_unit_id,
            actor=self._handler(case),
            note=case.reply,
            changes={
                "replied_at": at,
                "first_contact_at": case.first_contact_at or at,
            },
        ):
            return
        self._evaluate(case, walk, at)

    def _evaluate(self, case: CasePlan, walk: CaseWalk, replied: dt.datetime) -> None:
        rng = self.rng
        if case.is_anonymous or (case.kind == "praise" and rng.random() < 0.5):
            at = self.office(self.after(replied, 60, 3 * 24 * 60))
            note = "匿名诉求，无法回访。" if case.is_anonymous else "表扬已转达，无需回访。"
            walk.step("close", at, actor="operator", note=note, changes={"closed_at": at})
            return
        resident = case.channel in PUBLIC_CHANNELS and rng.random() < 0.3
        if resident:
            at = self.waking(self.after(replied, 30, 2 * 24 * 60))
        else:
            at = self.office(self.after(replied, 4 * 60, 3 * 24 * 60))
        contacted = resident or rng.random() < 0.95
        satisfaction = solved = None
        if contacted:
            weights = SECOND_RATING if case.reopen_count else FIRST_RATING
            satisfaction = rng.choices((5, 4, 3, 2, 1), weights=weights)[0]
            solved = rng.random() < 0.95 if satisfaction >= 3 else rng.random() < 0.3
        bad = contacted and (solved is False or (satisfaction or 5) <= 2)
        if case.kind == "petition" and bad:
            satisfaction, solved, bad = 3, True, False
        note = texts.FOLLOW_UP_NOTES[satisfaction] if satisfaction else "电话无人接听。"
        if solved is False and satisfaction and satisfaction >= 3:
            note = "群众反映问题尚未解决。"
        actor = "" if resident else "operator"
        if not walk.step(
            "follow_up",
            at,
            actor=actor,
            data={"contacted": contacted},
            changes={"satisfaction": satisfaction, "is_solved": solved},
        ):
            return
        needs = walk.deadline(at, *self.rules.limits.named("bad_rating_contact")).due_at
        case.follow_ups.append(
            FollowUpPlan(
                at,
                actor,
                resident,
                contacted,
                solved,
                satisfaction,
                note,
                needs if bad else None,
            )
        )
        if bad and case.reopen_count < 1 and case.kind != "petition":
            walk.step(
                "reopen",
                at,
                note=note,
                changes={"reopen_count": case.reopen_count + 1, "satisfaction": None,
                         "is_solved": None},
            )  # fmt: skip
            self._handle(case, walk, at)
            return
        walk.step("close", at, changes={"closed_at": at})

    def _petition(self, case: CasePlan, walk: CaseWalk) -> None:
        rng = self.rng
        at = case.received_at
        if rng.random() < 0.05:
            reason, where = rng.choice(texts.DECLINE_REASONS[:2])
            at = self.office(at + dt.timedelta(days=rng.uniform(1, 10)))
            walk.step(
                "decline",
                at,
                actor="dispatcher",
                note=f"{reason} 请向{where}反映。",
                data={"reason": reason, "redirect_to": where},
                changes={"closed_at": at},
            )
            return
        days = rng.uniform(1, 12) if rng.random() < 0.97 else rng.uniform(16, 25)
        at = self.office(at + dt.timedelta(days=days))
        if not walk.step("accept", at, actor="dispatcher"):
            return
        unit = self._route(case, case.region_code)
        if unit is None:
            return
        at = self.office(self.after(at, 60, 3 * 24 * 60))
        if not self._dispatch(walk, at, unit):
            return
        at = self.office(self.after(at, 60, 2 * 24 * 60))
        if not walk.step("sign_for", at, unit_id=unit, actor=self._handler(case)):
            return
        at = self.office(self.after(at, 60, 5 * 24 * 60))
        if not walk.step(
            "contact",
            at,
            unit_id=unit,
            actor=self._handler(case),
            note=rng.choice(texts.CONTACT_NOTES),
            changes={"first_contact_at": at},
        ):
            return
        start = case.assigned_at or at
        if rng.random() < 0.1:
            reply_at = self._extension(case, walk, start, at)
            if reply_at is None:
                return
        else:
            late = rng.random() < 0.05
            reply_at = start + dt.timedelta(
                days=rng.uniform(62, 80) if late else rng.uniform(10, 55)
            )
        reply_at = self.office(max(reply_at, self.after(walk.now, 60, 600)))
        if not walk.step(
            "reply",
            reply_at,
            unit_id=unit,
            actor=self._handler(case),
            note=case.reply,
            changes={"replied_at": reply_at, "first_contact_at": case.first_contact_at or reply_at},
        ):
            return
        if not case.is_anonymous and rng.random() < 0.7:
            self._evaluate(case, walk, reply_at)
        else:
            at = self.office(reply_at + dt.timedelta(days=rng.uniform(1, 5)))
            walk.step(
                "close",
                at,
                actor="dispatcher",
                note="已书面答复信访人。",
                changes={"closed_at": at},
            )
        if case.state == "closed":
            self._review(case, walk)

    def _review(self, case: CasePlan, walk: CaseWalk) -> None:
        rng = self.rng
        assert case.closed_at is not None
        opinions = texts.REVIEW_OPINIONS
        if rng.random() >= 0.3:
            if rng.random() < 0.4:
                at = self.office(case.closed_at + dt.timedelta(days=rng.uniform(31, 45)))
                walk.step(
                    "terminate", at, actor="supervisor", note="未在期限内申请复查，该信访事项终结。"
                )
            return
        at = self.waking(case.closed_at + dt.timedelta(days=rng.uniform(3, 28)))
        if not walk.step("request_review", at, note=opinions[0]):
            return
        at = self.office(at + dt.timedelta(days=rng.uniform(10, 33)))
        if not walk.step("issue_review", at, actor="supervisor", note=opinions[1]):
            return
        draw = rng.random()
        if draw < 0.5:
            at = self.waking(at + dt.timedelta(days=rng.uniform(3, 28)))
            if not walk.step("request_recheck", at, note=opinions[2]):
                return
            at = self.office(at + dt.timedelta(days=rng.uniform(10, 33)))
            walk.step("issue_recheck", at, actor="supervisor", note=opinions[3])
        elif draw < 0.8:
            at = self.office(at + dt.timedelta(days=rng.uniform(31, 40)))
            walk.step(
                "terminate",
                at,
                actor="supervisor",
                note="复查意见作出后未在期限内申请复核，该信访事项终结。",
            )
