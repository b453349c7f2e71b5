import pytest
from hypothesis import given
from hypothesis import strategies as st

from sizhi.core import regioncode


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("520327", "county"),
        ("520327101", "township"),
        ("520327101201", "village"),
        ("520327101201003", "group"),
    ],
)
def test_level_follows_from_length(code, level):
    assert regioncode.level_of(code) == level


@pytest.mark.parametrize(
    "code", ["", "52032", "5203271", "52032710120100", "52a327", "５２０３２７"]
)
def test_malformed_codes_are_refused(code):
    assert regioncode.is_valid(code) is False


@pytest.mark.parametrize("code", ["520327000", "520327101000", "520327101201000"])
def test_a_segment_of_zeros_below_the_county_is_refused(code):
    assert regioncode.is_valid(code) is False


def test_parent_of_drops_the_last_segment():
    assert regioncode.parent_of("520327101201003") == "520327101201"
    assert regioncode.parent_of("520327101") == "520327"
    assert regioncode.parent_of("520327") is None


@pytest.mark.parametrize(
    ("prefix", "bound"),
    [
        ("520327101", "520327102"),
        ("520327199", "520327200"),
        ("520399999", "520400000"),
        ("999", None),
        ("", None),
    ],
)
def test_upper_bound_is_the_next_prefix_of_the_same_length(prefix, bound):
    assert regioncode.upper_bound(prefix) == bound


def test_collapse_drops_prefixes_covered_by_shorter_ones():
    assert regioncode.collapse(["520327101201", "520327101", "520327102", "520327101"]) == [
        "520327101",
        "520327102",
    ]


@given(
    prefix=st.from_regex(r"\A[0-9]{6}([0-9]{3}){0,2}\Z"),
    code=st.from_regex(r"\A[0-9]{6}([0-9]{3}){0,3}\Z"),
)
def test_range_condition_matches_prefix_test(prefix, code):
    bound = regioncode.upper_bound(prefix)
    in_range = code >= prefix and (bound is None or code < bound)
    assert in_range is code.startswith(prefix)
