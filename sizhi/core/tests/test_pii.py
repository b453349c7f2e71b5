import pytest
from django.test import override_settings

from sizhi.core import pii
from sizhi.core.text import name_pinyin_of


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("138 1234 5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("0086-138-1234-5678", "13812345678"),
    ],
)
def test_mobile_numbers_are_normalised(raw, normalised):
    assert pii.normalise_mobile(raw) == normalised


@pytest.mark.parametrize(
    ("value", "valid"),
    [("13812345678", True), ("19912345678", True), ("12812345678", False), ("1381234567", False)],
)
def test_mobile_numbers_are_validated(value, valid):
    assert pii.is_mobile(value) is valid


def test_id_numbers_need_a_correct_check_character():
    first17 = "52032719800101001"
    good = first17 + pii.id_check_char(first17)
    wrong = first17 + ("0" if good[-1] != "0" else "1")
    assert pii.is_id_number(good) is True
    assert pii.is_id_number(wrong) is False
    assert pii.is_id_number("52032719800101") is False


def test_id_hash_is_keyed_and_ignores_case_and_spaces():
    value = "11010519491231002X"
    with override_settings(PII_HASH_KEY="key-one"):
        first = pii.hash_id_number(value)
        assert pii.hash_id_number(" 11010519491231002x ") == first
    with override_settings(PII_HASH_KEY="key-two"):
        assert pii.hash_id_number(value) != first


@pytest.mark.parametrize(
    ("func", "value", "masked"),
    [
        (pii.mask_phone, "13812345678", "138****5678"),
        (pii.mask_phone, "", ""),
        (pii.mask_name, "张三", "张*"),
        (pii.mask_name, "欧阳娜娜", "欧***"),
        (pii.mask_name, "李", "李*"),
        (pii.mask_id_last4, "002X", "**************002X"),
        (pii.mask_address, "进化镇临江村一组12号", "进化镇临江村****"),
    ],
)
def test_masks(func, value, masked):
    assert func(value) == masked


@pytest.mark.parametrize(
    ("name", "reading"),
    [
        ("曾国藩", "zengguofan"),
        ("覃小红", "qinxiaohong"),
        ("张三", "zhangsan"),
        ("尉迟恭", "yuchigong"),
    ],
)
def test_names_read_surnames_as_surnames(name, reading):
    assert name_pinyin_of(name) == reading
