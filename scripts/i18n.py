"""Translation catalogs: extract the texts, update each language, compile, check.

    python scripts/i18n.py extract            # deskmail/locale/deskmail.pot from the source
    python scripts/i18n.py update             # every shipped .po gains new texts, loses old ones
    python scripts/i18n.py compile            # .po -> .mo (the app reads .mo)
    python scripts/i18n.py check              # what tests/unit/test_catalogs.py checks, as a list
    python scripts/i18n.py missing de         # the texts German still lacks, as a .po snippet
    python scripts/i18n.py part NAME FILES    # deskmail/locale/parts/NAME/<code>.po for FILES' texts
    python scripts/i18n.py check-part NAME FILES  # what `check` says, for a part
    python scripts/i18n.py merge-parts        # fold every part into the real catalogs, compile

Babel does the work (extraction from Python, plural rules per language, .mo writing).
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "deskmail"
LOCALE = PACKAGE / "locale"
TEMPLATE = LOCALE / "deskmail.pot"
# Galleries and samples are screenshot scenes made of example mail, not the app's own words.
SKIPPED = re.compile(r"(gallery|samples)\.py$")
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\([a-z_]+\)[sd]|%[sd]")


def shipped() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from deskmail.core.i18n import SHIPPED

    return [code for code in SHIPPED if code != "en"]


def po_path(code: str) -> Path:
    return LOCALE / code / "LC_MESSAGES" / "deskmail.po"


def extract(paths: list[Path] | None = None) -> Catalog:
    """Every marked text in deskmail/ (or in `paths`), with where it is used and the translators' comments."""
    catalog = Catalog(project="Deskmail", domain="deskmail", charset="utf-8")
    for path in sorted(p.resolve() for p in paths) if paths else sorted(PACKAGE.rglob("*.py")):
        if SKIPPED.search(path.name):
            continue
        rel = path.relative_to(ROOT).as_posix()
        for lineno, message, comments, context in extract_from_file(
            "python", str(path), keywords=DEFAULT_KEYWORDS, comment_tags=("Translators:",), strip_comment_tags=True
        ):
            catalog.add(message, None, [(rel, lineno)], auto_comments=comments, context=context)
    return catalog


def write_template(catalog: Catalog) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=120, omit_header=False, sort_output=False, include_lineno=False)
    _write_if_changed(TEMPLATE, buffer.getvalue())


def read(code: str, path: Path | None = None) -> Catalog:
    with (path or po_path(code)).open("rb") as f:
        return read_po(f, locale=code, domain="deskmail")


def write(code: str, catalog: Catalog, path: Path | None = None) -> None:
    path = path or po_path(code)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=120, include_lineno=False, ignore_obsolete=True)
    _write_if_changed(path, buffer.getvalue())


_DATES = re.compile(rb'^"(?:POT-Creation-Date|PO-Revision-Date): .*\n', re.MULTILINE)


def _write_if_changed(path: Path, data: bytes) -> None:
    """Leave a catalog alone when only its header's dates would change: every run of the tool
    would otherwise touch every file, and parallel branches would conflict on that line."""
    if path.exists() and _DATES.sub(b"", path.read_bytes()) == _DATES.sub(b"", data):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def update(template: Catalog, where: dict[str, Path] | None = None) -> None:
    for code in shipped():
        path = (where or {}).get(code) or po_path(code)
        if path.exists():
            catalog = read(code, path)
        else:
            catalog = Catalog(locale=code, domain="deskmail", project="Deskmail", charset="utf-8")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.fuzzy = False
        write(code, catalog, path)


# Parts: while several people translate different files at once, each keeps its own small
# catalogs in deskmail/locale/parts/<name>/<code>.po; merge-parts folds them into the real ones.
PARTS = LOCALE / "parts"


def part(name: str, files: list[Path]) -> None:
    update(extract(files), {code: PARTS / name / f"{code}.po" for code in shipped()})


def merge_parts() -> None:
    template = extract()
    write_template(template)
    for code in shipped():
        merged = read(code) if po_path(code).exists() else Catalog(locale=code, domain="deskmail")
        for path in sorted(PARTS.glob(f"*/{code}.po")):
            for message in read(code, path):
                if message.id and all(_strings(message)) and not message.fuzzy:
                    have = merged.get(message.id, context=message.context)
                    if have is None or not all(_strings(have)):
                        merged[message.id] = message
        merged.update(template, no_fuzzy_matching=True)
        write(code, merged)
    compile_all()


def mo_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def compile_all() -> None:
    for code in shipped():
        path = po_path(code).with_suffix(".mo")
        path.write_bytes(mo_bytes(read(code)))


def _strings(message: Message) -> list[str]:
    return list(message.string) if isinstance(message.string, (tuple, list)) else [message.string]


def _key(message: Message) -> tuple[str, str | None]:
    msgid = message.id[0] if isinstance(message.id, (tuple, list)) else message.id
    return str(msgid), message.context


def problems(template: Catalog | None = None, where: dict[str, Path] | None = None) -> list[str]:
    """Every way a shipped catalog falls short: missing, fuzzy, placeholders, plural forms, stale .mo."""
    template = template or extract()
    found: list[str] = []
    for code in shipped():
        path = (where or {}).get(code) or po_path(code)
        if not path.exists():
            found.append(f"{code}: no catalog")
            continue
        catalog = read(code, path)
        for wanted in template:
            if not wanted.id:
                continue
            have = catalog.get(wanted.id, context=wanted.context)
            label = f"{code}: {_key(wanted)[0][:70]!r}"
            if have is None:
                found.append(f"{label}: missing")
                continue
            if have.fuzzy:
                found.append(f"{label}: fuzzy")
            strings = _strings(have)
            if not all(strings):
                found.append(f"{label}: not translated")
                continue
            if wanted.pluralizable and len(strings) != catalog.num_plurals:
                found.append(f"{label}: {len(strings)} plural forms, {catalog.num_plurals} needed")
            ids = list(wanted.id) if wanted.pluralizable else [wanted.id]
            expected = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
            for text in strings:
                got = set(PLACEHOLDER.findall(text))
                # A singular form may leave out {n} ("one message"); a form must add no placeholder.
                if not got <= expected or (not wanted.pluralizable and got != expected):
                    found.append(f"{label}: placeholders {sorted(got)} != {sorted(expected)}")
                    break
        mo = po_path(code).with_suffix(".mo")
        if where is None and (not mo.exists() or mo.read_bytes() != mo_bytes(catalog)):
            found.append(f"{code}: deskmail.mo is not compiled from deskmail.po (python scripts/i18n.py compile)")
    return found


def missing(code: str) -> str:
    """The texts `code` lacks, as a .po snippet to fill in."""
    template = extract()
    catalog = read(code) if po_path(code).exists() else Catalog(locale=code)
    out = Catalog(locale=code, domain="deskmail")
    for wanted in template:
        have = catalog.get(wanted.id, context=wanted.context) if wanted.id else None
        strings = (
            [] if have is None else (list(have.string) if isinstance(have.string, (tuple, list)) else [have.string])
        )
        if wanted.id and (have is None or have.fuzzy or not all(strings)):
            out[wanted.id] = Message(
                wanted.id, locations=wanted.locations, auto_comments=wanted.auto_comments, context=wanted.context
            )
    buffer = io.BytesIO()
    write_po(buffer, out, width=120, omit_header=True, include_lineno=False)
    return buffer.getvalue().decode()


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "extract":
        write_template(extract())
    elif command == "update":
        template = extract()
        write_template(template)
        update(template)
    elif command == "compile":
        compile_all()
    elif command == "check":
        found = problems()
        print("\n".join(found) or "every catalog is complete")
        return 1 if found else 0
    elif command == "part":
        part(argv[1], [Path(f) for f in argv[2:]])
    elif command == "check-part":
        found = problems(extract([Path(f) for f in argv[2:]]), {c: PARTS / argv[1] / f"{c}.po" for c in shipped()})
        print("\n".join(found) or "every part catalog is complete")
        return 1 if found else 0
    elif command == "merge-parts":
        merge_parts()
    elif command == "missing":
        print(missing(argv[1]), end="")
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
