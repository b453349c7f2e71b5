"""Check that the English catalogue is complete and that the compiled catalogue is current.

Run as ``python -m sizhi.core.i18ncheck``. It extracts the messages afresh (makemessages), fails
if any message lacks an English translation or is marked fuzzy, and fails if the committed
``django.mo`` does not hold exactly what ``django.po`` compiles to. The locale folder is restored
afterwards, so the check changes nothing. ``--fix`` keeps the refreshed ``.po`` and recompiles.
"""

import gettext
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
LOCALE = ROOT / "sizhi" / "locale"
LANGUAGES = ("en",)


def _catalog(mo_path: Path) -> dict[object, str]:
    with mo_path.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)  # type: ignore[attr-defined]


def _extract() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sizhi.config.settings_test")
    import django
    from django.core.management import call_command

    django.setup()
    cwd = Path.cwd()
    os.chdir(ROOT / "sizhi")
    try:
        call_command(
            "makemessages",
            locale=list(LANGUAGES),
            ignore_patterns=["tests/*", "*/tests/*"],
            no_obsolete=True,
            verbosity=0,
        )
    finally:
        os.chdir(cwd)


def _problems(po: Path) -> list[str]:
    found = []
    for flag, label in (("--untranslated", "untranslated"), ("--only-fuzzy", "fuzzy")):
        out = subprocess.run(  # noqa: S603 - fixed arguments
            ["msgattrib", flag, "--no-obsolete", str(po)],  # noqa: S607
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        found += [f"{label}: {msgid}" for msgid in _msgids(out)]
    return found


def _msgids(po_text: str) -> list[str]:
    """The message ids of a catalogue's text, each whole (a long id is wrapped over several
    lines after an empty ``msgid ""``), without the header's empty id."""
    ids: list[str] = []
    current: list[str] | None = None
    for line in po_text.splitlines():
        if line.startswith("msgid "):
            current = [line[6:]]
            ids.append("")
        elif current is not None and line.startswith('"'):
            current.append(line)
        else:
            current = None
        if current is not None:
            ids[-1] = "".join(part.strip()[1:-1] for part in current)
    return [f'"{msgid}"' for msgid in ids if msgid]


def main(fix: bool) -> int:
    backup = Path(tempfile.mkdtemp()) / "locale"
    shutil.copytree(LOCALE, backup)
    failures: list[str] = []
    try:
        _extract()
        for language in LANGUAGES:
            po = LOCALE / language / "LC_MESSAGES" / "django.po"
            mo = po.with_suffix(".mo")
            failures += [f"{language} {problem}" for problem in _problems(po)]
            fresh = Path(tempfile.mkdtemp()) / "django.mo"
            subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(po)], check=True)  # noqa: S603,S607
            if fix:
                shutil.copyfile(fresh, mo)
            elif not mo.exists() or _catalog(fresh) != _catalog(mo):
                failures.append(f"{language}: django.mo is out of date (run with --fix)")
    finally:
        if not fix:
            shutil.rmtree(LOCALE)
            shutil.copytree(backup, LOCALE)
    for failure in failures:
        print(failure, file=sys.stderr)  # noqa: T201
    return 1 if failures and not fix else 0


if __name__ == "__main__":
    sys.exit(main(fix="--fix" in sys.argv[1:]))
