"""Milestone notifications: which messages each step queues, that nothing is queued or sent
before the transaction commits, and delivery by the log and the HTTP SMS backends."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.test import override_settings

from sizhi.cases import actions
from sizhi.cases.tests.factories import CaseFactory
from sizhi.messaging.actions import queue_message
from sizhi.messaging.models import Message
from sizhi.messaging.tasks import MAX_ATTEMPTS, deliver_message

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


def _submit(desk, **extra):
    values = {
        "channel": "web",
        "kind": "complaint",
        "category_id": desk.village_matter.pk,
        "title": "路灯不亮",
        "description": "临江村一组路口的路灯坏了。",
        "region_code": "520327101201001",
        "contact_phone": PHONE,
        "actor": None,
    }
    values.update(extra)
    return actions.submit_case(**values).case


class Step:
    """step(call): run an action; nothing may be queued before the commit callbacks run.
    Returns the messages queued by the step as (channel, phone or user, body); the action's
    result is kept in ``step.result``."""

    def __init__(self, capture):
        self.capture = capture
        self.result = None

    def __call__(self, call):
        last = Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        with self.capture(execute=True) as callbacks:
            self.result = call()
            assert not Message.objects.filter(pk__gt=last).exists()
        assert callbacks
        queued = Message.objects.filter(pk__gt=last).order_by("pk")
        return [(m.channel, m.address or m.user, m.body) for m in queued]


@pytest.fixture
def step(django_capture_on_commit_callbacks):
    return Step(django_capture_on_commit_callbacks)


def sms(text):
    return ("sms", PHONE, text)


def test_receiving_tells_the_submitter(desk, step):
    messages = step(lambda: _submit(desk))
    case = step.result
    assert messages == [sms(f"您的诉求已登记，编号 {case.number}，请凭编号和查询码查询办理进度。")]


def test_an_anonymous_submitter_gets_no_sms(desk, dispatcher, handler, step):
    messages = step(lambda: _submit(desk, contact_phone="", is_anonymous=True))
    assert messages == []
    case = step.result
    messages = step(lambda: actions.dispatch_case(case_id=case.pk, unit_id=None, actor=dispatcher))
    assert messages == [("inapp", handler, f"新派单：{case.number} 路灯不亮")]


def test_dispatch_tells_the_submitter_and_every_handler_of_the_unit(
    desk, dispatcher, handler, step
):
    from sizhi.cases.tests.conftest import _user

    second = _user("handler", unit=desk.village_centre)
    case = _submit(desk)
    messages = step(lambda: actions.dispatch_case(case_id=case.pk, unit_id=None, actor=dispatcher))
    new_order = f"新派单：{case.number} 路灯不亮"
    assert messages == [
        sms(f"您的诉求 {case.number} 已交由 临江村便民服务中心 办理。"),
        ("inapp", handler, new_order),
        ("inapp", second, new_order),
    ]


@pytest.fixture
def in_progress(desk, dispatcher, handler):
    case = _submit(desk)
    actions.dispatch_case(case_id=case.pk, unit_id=None, actor=dispatcher)
    actions.sign_for_case(case_id=case.pk, actor=handler)
    return case


def test_reply_tells_the_submitter(in_progress, handler, step):
    case = in_progress
    messages = step(lambda: actions.reply_to_case(case_id=case.pk, text="已修好。", actor=handler))
    assert messages == [sms(f"您的诉求 {case.number} 已有答复，请查看并评价。")]


def test_a_good_rating_closes_and_tells_the_submitter(in_progress, handler, operator, step):
    case = in_progress
    actions.reply_to_case(case_id=case.pk, text="已修好。", actor=handler)
    messages = step(
        lambda: actions.follow_up_case(
            case_id=case.pk, contacted=True, solved=True, satisfaction=5, actor=operator
        )
    )
    assert messages == [sms(f"您的诉求 {case.number} 已办结，感谢您的支持。")]


def test_closing_without_follow_up_tells_the_submitter(in_progress, handler, operator, step):
    case = in_progress
    actions.reply_to_case(case_id=case.pk, text="已修好。", actor=handler)
    messages = step(lambda: actions.close_case(case_id=case.pk, actor=operator, note="无法联系"))
    assert messages == [sms(f"您的诉求 {case.number} 已办结，感谢您的支持。")]


def test_a_bad_rating_reopens_and_tells_the_submitter_and_the_unit(
    in_progress, handler, operator, step
):
    case = in_progress
    actions.reply_to_case(case_id=case.pk, text="已修好。", actor=handler)
    messages = step(
        lambda: actions.follow_up_case(
            case_id=case.pk, contacted=True, solved=False, satisfaction=1, actor=operator
        )
    )
    assert messages == [
        sms(f"您的诉求 {case.number} 已退回重新办理。"),
        ("inapp", handler, f"退回重办：{case.number} 路灯不亮"),
    ]


def test_merging_tells_the_merged_submitter_where_to_follow(desk, dispatcher, step):
    parent = _submit(desk)
    child = _submit(desk, contact_phone="13900002222", description="路口路灯一直不亮。")
    messages = step(
        lambda: actions.merge_cases(parent_id=parent.pk, child_ids=[child.pk], actor=dispatcher)
    )
    assert messages == [
        (
            "sms",
            "13900002222",
            f"您的诉求 {child.number} 已与同一事项合并办理，进度请查询 {parent.number}。",
        )
    ]


def test_declining_tells_the_submitter_why_and_where_to_go(desk, dispatcher, step):
    case = _submit(desk)
    messages = step(
        lambda: actions.decline_case(
            case_id=case.pk, reason="属于诉讼程序。", redirect_to="县人民法院", actor=dispatcher
        )
    )
    assert messages == [
        sms(f"您的诉求 {case.number} 不予受理：属于诉讼程序。 请向县人民法院反映。")
    ]


def test_an_approved_extension_tells_the_submitter(in_progress, handler, county_admin, step):
    case = in_progress
    assert (
        step(
            lambda: actions.request_extension(case_id=case.pk, reason="需协调供电所", actor=handler)
        )
        == []
    )
    messages = step(
        lambda: actions.decide_extension(
            case_id=case.pk, approve=True, note="同意延期5个工作日", actor=county_admin
        )
    )
    assert messages == [sms(f"您的诉求 {case.number} 办理期限已延长：同意延期5个工作日")]


def test_a_rejected_extension_tells_nobody(in_progress, handler, county_admin, step):
    case = in_progress
    actions.request_extension(case_id=case.pk, reason="需协调供电所", actor=handler)
    messages = step(
        lambda: actions.decide_extension(
            case_id=case.pk, approve=False, note="不同意", actor=county_admin
        )
    )
    assert messages == []


def test_the_log_backend_marks_sms_sent_after_commit(desk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _submit(desk)
        assert not Message.objects.exists()
    message = Message.objects.get(channel="sms")
    assert (message.state, message.attempts, message.error) == ("sent", 1, "")
    assert message.sent_at is not None


def test_a_rollback_leaves_no_message(desk, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        _submit(desk)
        transaction.set_rollback(True)
    assert callbacks == []
    assert not Message.objects.exists()


class Gateway:
    """A tiny SMS gateway on 127.0.0.1 that records what it is sent and answers ``status``."""

    def __init__(self) -> None:
        self.status = 200
        self.received: list[dict] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                gateway.received.append(
                    {
                        "path": self.path,
                        "content_type": self.headers["Content-Type"],
                        "body": json.loads(self.rfile.read(length)),
                    }
                )
                self.send_response(gateway.status)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/sms/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def gateway():
    with Gateway() as running, override_settings(SIZHI_SMS_URL=running.url):
        yield running


def _queued_sms(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = queue_message(channel="sms", address=PHONE, body="您的诉求已办结。")
    message.refresh_from_db()
    return message


def test_the_http_backend_posts_json_to_the_gateway(gateway, django_capture_on_commit_callbacks):
    message = _queued_sms(django_capture_on_commit_callbacks)
    assert gateway.received == [
        {
            "path": "/sms/send",
            "content_type": "application/json",
            "body": {"to": PHONE, "text": "您的诉求已办结。"},
        }
    ]
    assert (message.state, message.attempts, message.error) == ("sent", 1, "")


def test_a_failing_gateway_leaves_the_message_for_retry_until_the_last_attempt(
    gateway, django_capture_on_commit_callbacks
):
    gateway.status = 503
    message = _queued_sms(django_capture_on_commit_callbacks)
    assert (message.state, message.attempts) == ("queued", 1)
    assert "503" in message.error
    assert message.sent_at is None
    for attempt in range(2, MAX_ATTEMPTS + 1):
        deliver_message.enqueue(message.pk)
        message.refresh_from_db()
        assert message.attempts == attempt
    assert message.state == "failed"
    assert len(gateway.received) == MAX_ATTEMPTS
    # With the gateway back, the next message goes out.
    gateway.status = 200
    retry = _queued_sms(django_capture_on_commit_callbacks)
    assert (retry.state, retry.attempts) == ("sent", 1)


def test_a_gateway_that_cannot_be_reached_counts_an_attempt(django_capture_on_commit_callbacks):
    with Gateway() as down:
        url = down.url
    with override_settings(SIZHI_SMS_URL=url):
        message = _queued_sms(django_capture_on_commit_callbacks)
    assert (message.state, message.attempts) == ("queued", 1)
    assert message.error


def test_in_app_messages_need_no_delivery(desk, handler, django_capture_on_commit_callbacks):
    case = CaseFactory.create(category=desk.village_matter, handling_unit=desk.village_centre)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        queue_message(channel="inapp", user=handler, body=f"督办：{case.number}")
    assert callbacks == []
    assert Message.objects.get().state == "sent"
