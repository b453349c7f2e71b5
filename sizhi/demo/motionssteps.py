"""The life of one demo motion from its proposal to its close (pure: no database): co-signs,
appraisal with opinions, review and vote at recorded meetings, then publicity and carrying out
(``sizhi.demo.motionspublicity``). Each step goes through ``MotionWalk``, so the history is a
path through the workflow table; a ``Fate`` says where the motion turns off the main road
(withdrawn, rejected, sent back, defeated, adjourned) or where it is waiting when the demo is
built.
"""

import datetime as dt

from sizhi.deliberation import rules
from sizhi.deliberation.workflow import MotionState
from sizhi.demo import motionstexts as texts
from sizhi.demo.motionsballots import (
    FAILED,
    NAMED_LIMIT,
    NO_QUORUM,
    PASSED,
    Body,
    attend,
    cast,
    open_only,
)
from sizhi.demo.motionsfate import Fate, GroupInfo, Wording
from sizhi.demo.motionspublicity import Publicity
from sizhi.demo.motionswalk import MeetingPlan, MotionWalk, OpinionPlan, ballot_data

S = MotionState
AUTO_ADMIT_NOTE = "附议人数达到{n}人，自动进入评议。"  # the action's words, in Chinese


class Steps(Publicity):
    """The steps of ①-④; those of ⑤ and ⑥ come from ``Publicity``."""

    # -- the whole road -----------------------------------------------------------------

    def run(self, walk: MotionWalk, group: GroupInfo, words: Wording, fate: Fate) -> None:
        """Walk ``walk.motion`` (a draft, or proposed by a topic) as far as its fate and the
        build time allow."""
        if walk.motion.state == S.DRAFT and not self.propose(walk, group, fate):
            return
        if walk.motion.state == S.PROPOSED and not self.admit(walk, group, fate):
            return
        if not self.appraise(walk, group, words, fate, fate.early_review):
            return
        if not self.review(walk, group, fate):
            return
        vote_at = walk.now
        if not self.vote(walk, group.council, group, words, fate, vote_at):
            return
        self.carry_out(walk, group, words, fate)

    # -- ① propose and co-sign ----------------------------------------------------------

    def propose(self, walk: MotionWalk, group: GroupInfo, fate: Fate) -> bool:
        motion = walk.motion
        if fate.stop == S.DRAFT:
            return False
        if fate.withdraw_at == S.DRAFT:
            at = self.later(motion.created_at, 1, 6)
            walk.step("withdraw", at, motion.proposer, note=self.rng.choice(texts.WITHDRAW_NOTES))
            return False
        at = self.later(motion.created_at, 0.2, 3) if fate.propose_later else motion.created_at
        return walk.step("propose", at, motion.proposer, changes={"proposed_at": at})

    def admit(self, walk: MotionWalk, group: GroupInfo, fate: Fate) -> bool:
        """Co-signs; the threshold admits it by itself, else the convener does (or not)."""
        rng, motion = self.rng, walk.motion
        at = walk.now
        if motion.cosign_threshold:
            pool = [
                m
                for m in self._take_part(group, motion.is_public)
                if m.user is not None and m.user != motion.proposer
            ]
            threshold = motion.cosign_threshold
            wanted = threshold if fate.auto_admit else rng.randint(0, min(3, threshold - 1))
            for member in rng.sample(pool, min(wanted, len(pool))):
                at = self.later(at, 0.05, 1.2)
                count = motion.cosign_count + 1
                if not walk.step("cosign", at, member.user, changes={"cosign_count": count}):
                    return False
                motion.cosigns.append((member.user or 0, at))
                if count >= threshold:
                    days = self.settings.appraisal_days
                    return walk.step(
                        "admit",
                        at,
                        None,
                        note=AUTO_ADMIT_NOTE.format(n=count),
                        changes={"appraisal_ends_at": at + dt.timedelta(days=days)},
                    )
        if fate.stop == S.PROPOSED:
            return False
        convener = group.convener.user
        if fate.withdraw_at == S.PROPOSED:
            at = self.later(at, 0.5, 4)
            walk.step("withdraw", at, motion.proposer, note=rng.choice(texts.WITHDRAW_NOTES))
            return False
        if fate.reject_at == S.PROPOSED:
            walk.step(
                "reject", self.later(at, 1, 5), convener, note=rng.choice(texts.REJECT_REASONS)
            )
            return False
        at = self.later(at, 0.5 + fate.admit_delay, 4 + fate.admit_delay)
        ends = at + dt.timedelta(days=self.settings.appraisal_days)
        return walk.step("admit", at, convener, changes={"appraisal_ends_at": ends})

    # -- ② appraise ---------------------------------------------------------------------

    def appraise(
        self, walk: MotionWalk, group: GroupInfo, words: Wording, fate: Fate, early: bool
    ) -> bool:
        """Opinions during the appraisal, then the convener hands it to review."""
        rng, motion = self.rng, walk.motion
        opened = walk.now
        ends = motion.appraisal_ends_at or opened
        if early:
            start = self.later(opened, 2, max(2.5, self.settings.appraisal_days - 1))
        else:
            start = self.later(ends, 0, 4)
        said = {opinion.author for opinion in motion.opinions}
        pool = [
            m
            for m in self._take_part(group, motion.is_public)
            if m.user not in said and m.user != motion.proposer
        ]
        members = {m.user for m in group.council.members}
        count = min(len(pool), rng.choice((1, 2, 2, 3, 3, 4, 5, 6, 8)))
        against = fate.review_fail or fate.vote in {"fail", "adjourn_fail"}
        stances = ("support", "suggest", "oppose")
        weights = (40, 25, 35) if against else (62, 28, 10)
        times = sorted(self.daytime(opened + (start - opened) * rng.random()) for _ in pool[:count])
        for member, at in zip(rng.sample(pool, count), times, strict=True):
            if at >= start or at < walk.now:
                continue
            stance = rng.choices(stances, weights=weights)[0]
            if stance == "suggest":
                text = rng.choice(words.suggestions or texts.SUGGEST)
            elif stance == "support":
                text = rng.choice(texts.SUPPORT) if rng.random() < 0.5 else ""
            else:
                text = rng.choice(texts.OPPOSE) if rng.random() < 0.7 else ""
            if not walk.step("comment", at, member.user, data={"stance": stance}):
                return False
            opinion = OpinionPlan(member.user or 0, member.user in members, stance, text, at)
            motion.opinions.append(opinion)
        if fate.stop == S.APPRAISING:
            return False
        if fate.withdraw_at == S.APPRAISING:
            at = self.daytime(opened + (start - opened) * rng.uniform(0.5, 0.9))
            walk.step("withdraw", max(at, walk.now), motion.proposer)
            return False
        convener = group.convener.user
        if fate.reject_at == S.APPRAISING:
            walk.step("reject", start, convener, note=rng.choice(texts.REJECT_REASONS))
            return False
        is_early = start < ends
        note = rng.choice(texts.EARLY_REVIEW_NOTES) if is_early else ""
        return walk.step("start_review", start, convener, note=note, data={"early": is_early})

    # -- ③ review -----------------------------------------------------------------------

    def meeting(
        self,
        walk: MotionWalk,
        body: Body,
        purpose: str,
        earliest: dt.datetime,
        place: str,
        notice_days: int = 0,
    ) -> MeetingPlan | None:
        """Call a meeting of ``body`` with the motion on its agenda; None when it has not met
        yet at the build time (the meeting stays scheduled) or was not even called."""
        rng, motion = self.rng, walk.motion
        notice = self.later(earliest, 0.1, 2)
        if notice >= self.as_of:
            walk.alive = False
            return None
        day = notice.astimezone(self.tz).date() + dt.timedelta(
            days=max(notice_days, rng.randint(1, 4))
        )
        starts = self.meeting_time(day)
        title = (texts.REVIEW_TITLE if purpose == "review" else texts.VOTE_TITLE).format(
            body=body.name
        )
        meeting = MeetingPlan(
            body_id=body.unit,
            body_kind=body.kind,
            region_code=body.region_code,
            title=title,
            place=place,
            starts_at=starts,
            notice_sent_at=notice,
            convened_by=body.manager,
            expected=len(body.members),
            township_attendee=rng.choice(texts.TOWNSHIP_ATTENDEES),
        )
        meeting.agenda.append((motion, purpose))
        motion.meetings.append(meeting)
        if starts + dt.timedelta(hours=2) >= self.as_of:
            walk.alive = False
            return None
        meeting.minutes = texts.MINUTES.format(
            chair=body.chair,
            expected=meeting.expected,
            present="{present}",
            title=motion.title,
            purpose="审议" if purpose == "review" else "表决",
        )
        return meeting

    def _place(self, group: GroupInfo, village: bool = False) -> str:
        pool = texts.VILLAGE_PLACES if village else texts.PLACES
        return self.rng.choice(pool).format(group=group.place, village=group.village_name)

    def review(self, walk: MotionWalk, group: GroupInfo, fate: Fate) -> bool:
        """Amend, review at the party branch's meeting, and send back or reject on a fail."""
        rng, motion = self.rng, walk.motion
        convener = group.convener.user
        if fate.stop == S.REVIEWING:
            return False
        if fate.amend:
            at = self.later(walk.now, 0.2, 2)
            before = {"title_before": motion.title, "body_before": motion.body}
            title = (motion.title + texts.AMEND_TITLE_SUFFIX)[:120]
            text = motion.body + texts.AMEND_BODY_SUFFIX
            note = rng.choice(texts.AMEND_NOTES)
            if not walk.step(
                "amend",
                at,
                convener,
                note=note,
                data=before,
                changes={"title": title, "body": text},
            ):
                return False
        if fate.reject_at == S.REVIEWING:
            walk.step(
                "reject",
                self.later(walk.now, 1, 6),
                convener,
                note=rng.choice(texts.REJECT_REASONS),
            )
            return False
        failing = bool(fate.review_fail)
        while True:
            body = group.review
            place = self._place(group, village=len(body.region_code) == 12)
            meeting = self.meeting(walk, body, "review", walk.now, place)
            if meeting is None:
                return False
            info = self.settings.rules[body.kind]
            attend(rng, meeting, body, info.rule, quorum=True)
            meeting.minutes = meeting.minutes.format(present=meeting.present)
            small = len(body.members) <= NAMED_LIMIT
            method = "roll_call" if small and rng.random() < 0.15 else "show_of_hands"
            opened = meeting.starts_at + dt.timedelta(minutes=rng.randint(10, 40))
            want = FAILED if failing else PASSED
            ballot = cast(
                rng, meeting, info, purpose="review", method=method, want=want,
                opened_at=opened, recorder=body.manager,
            )  # fmt: skip
            motion.ballots.append(ballot)
            assert ballot.closed_at is not None
            walk.step(
                "record_review", ballot.closed_at, body.manager,
                data=ballot_data(ballot), ballot=ballot, ref="ballot",
            )  # fmt: skip
            if not failing:
                return True
            failing = False
            if fate.review_fail == "reject":
                note = rng.choice(texts.REVIEW_REJECT_REASONS)
                walk.step("reject", self.later(walk.now, 0.2, 2), convener, note=note)
                return False
            at = self.later(walk.now, 0.5, 3)
            ends = at + dt.timedelta(days=self.settings.appraisal_days)
            if not walk.step(
                "send_back", at, convener, note=rng.choice(texts.SEND_BACK_NOTES),
                changes={"appraisal_ends_at": ends},
            ):  # fmt: skip
                return False
            words = Wording("", (), "", texts.SUGGEST, (0, 0))
            if not self.appraise(walk, group, words, Fate(), early=False):
                return False

    # -- ④ vote -------------------------------------------------------------------------

    def vote(
        self,
        walk: MotionWalk,
        body: Body,
        group: GroupInfo,
        words: Wording,
        fate: Fate,
        earliest: dt.datetime,
        place: str = "",
        meeting: MeetingPlan | None = None,
    ) -> bool:
        """The vote of the deciding body; a 流会 may be reconvened. True once resolved."""
        rng, motion = self.rng, walk.motion
        info = self.settings.rules[body.kind]
        plan = {
            "pass": [PASSED],
            "fail": [FAILED],
            "adjourn": [NO_QUORUM],
            "adjourn_pass": [NO_QUORUM, PASSED],
            "adjourn_fail": [NO_QUORUM, FAILED],
        }[fate.vote]
        for round_number, want in enumerate(plan):
            if meeting is None or round_number:
                meeting = self.meeting(
                    walk, body, "vote", earliest, place or self._place(group),
                    notice_days=info.rule.notice_days,
                )  # fmt: skip
                if meeting is None:
                    return False
                attend(rng, meeting, body, info.rule, quorum=want != NO_QUORUM)
                meeting.minutes = meeting.minutes.format(present=meeting.present)
            name = "reconvene" if motion.state == S.ADJOURNED else "open_vote"
            opened = meeting.starts_at + dt.timedelta(minutes=rng.randint(15, 60))
            small = len(body.members) <= NAMED_LIMIT
            method = "roll_call" if small and rng.random() < 0.35 else "show_of_hands"
            authorised = bool(fate.extra.get("authorised"))
            advisory = rules.is_advisory(body.kind, motion.statutory_matter, authorised)
            recent = self.as_of - meeting.starts_at < dt.timedelta(days=2)
            if fate.stop == S.VOTING or (fate.left_open and recent and want != NO_QUORUM):
                ballot = open_only(
                    meeting, info, method=method, opened_at=opened, advisory=advisory
                )
                motion.ballots.append(ballot)
                walk.step(name, opened, body.manager, ballot=ballot, ref="meeting")
                return False
            ballot = cast(
                rng, meeting, info, purpose="vote", method=method, want=want, opened_at=opened,
                recorder=body.manager, advisory=advisory,
            )  # fmt: skip
            motion.ballots.append(ballot)
            if not walk.step(name, opened, body.manager, ballot=ballot, ref="meeting"):
                return False
            assert ballot.closed_at is not None
            closed = ballot.closed_at
            data = ballot_data(ballot)
            if want == PASSED:
                changes = {
                    "resolved_at": closed,
                    "resolution": words.resolution or motion.body,
                    "is_advisory": ballot.is_advisory,
                }
                walk.step(
                    "resolve", closed, body.manager, data=data, changes=changes, ballot=ballot,
                    ref="ballot",
                )  # fmt: skip
                return fate.stop != S.RESOLVED
            step = "defeat" if want == FAILED else "adjourn"
            walk.step(step, closed, body.manager, data=data, ballot=ballot, ref="ballot")
            if want == FAILED or fate.stop == S.ADJOURNED:
                return False
            earliest = self.later(closed, 7, 25)
            meeting = None
        return False

    # -- ⑤ ⑥ publicise and carry out ----------------------------------------------------
