"""The catalogue check reads every message id, also one wrapped over several lines."""

from sizhi.core.i18ncheck import _msgids


def test_a_long_message_wrapped_over_lines_is_read_whole() -> None:
    text = "\n".join(
        [
            'msgid ""',
            'msgstr ""',
            '"Content-Type: text/plain; charset=UTF-8\\n"',
            "",
            'msgid "短的"',
            'msgstr ""',
            "",
            'msgid ""',
            '"很长的第一行，"',
            '"第二行。"',
            'msgstr ""',
        ]
    )
    assert _msgids(text) == ['"短的"', '"很长的第一行，第二行。"']
