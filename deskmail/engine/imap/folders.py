"""Which folder is Sent, Drafts, Trash...: SPECIAL-USE attributes first, well-known names second."""

from __future__ import annotations

from collections.abc import Iterable

from deskmail.engine.store.models import FolderInfo, SpecialUse

_ATTRIBUTES = {
    "\\SENT": SpecialUse.SENT,
    "\\DRAFTS": SpecialUse.DRAFTS,
    "\\TRASH": SpecialUse.TRASH,
    "\\JUNK": SpecialUse.JUNK,
    "\\ARCHIVE": SpecialUse.ARCHIVE,
    "\\ALL": SpecialUse.ALL,
    "\\FLAGGED": SpecialUse.FLAGGED,
}
# Names mail servers use without SPECIAL-USE (lower case; matched on the full name or the last part).
FALLBACK_NAMES: dict[SpecialUse, tuple[str, ...]] = {
    SpecialUse.SENT: ("sent", "sent items", "sent messages", "sent mail", "[gmail]/sent mail", "gesendet"),
    SpecialUse.DRAFTS: ("drafts", "draft", "[gmail]/drafts", "entwürfe"),
    SpecialUse.TRASH: ("trash", "deleted items", "deleted messages", "bin", "[gmail]/trash", "[gmail]/bin"),
    SpecialUse.JUNK: ("junk", "spam", "junk e-mail", "junk email", "bulk mail", "[gmail]/spam"),
    SpecialUse.ARCHIVE: ("archive", "archives", "[gmail]/all mail"),
}
_NOT_SELECTABLE = {"\\NOSELECT", "\\NONEXISTENT"}


def folder_infos(listed: Iterable[tuple[tuple[str, ...], str, str]], subscribed: set[str]) -> list[FolderInfo]:
    """LIST results (attributes, delimiter, name) -> FolderInfo with special use filled in."""
    infos = [_info(attributes, delimiter, name, subscribed) for attributes, delimiter, name in listed]
    return assign_fallback_names(infos)


def _info(attributes: tuple[str, ...], delimiter: str, name: str, subscribed: set[str]) -> FolderInfo:
    upper = {a.upper() for a in attributes}
    use = SpecialUse.INBOX if name.upper() == "INBOX" else SpecialUse.NONE
    for attribute, candidate in _ATTRIBUTES.items():
        if attribute in upper and use is SpecialUse.NONE:
            use = candidate
    return FolderInfo(
        name="INBOX" if name.upper() == "INBOX" else name,
        delimiter=delimiter or "/",
        special_use=use,
        attributes=tuple(attributes),
        subscribed=name in subscribed or name.upper() == "INBOX",
        selectable=not (upper & _NOT_SELECTABLE),
    )


def assign_fallback_names(infos: list[FolderInfo]) -> list[FolderInfo]:
    """Give a special use by name only where no folder already has it by attribute."""
    taken = {info.special_use for info in infos}
    out = list(infos)
    for use, names in FALLBACK_NAMES.items():
        if use in taken:
            continue
        for rank_name in names:
            index = _find(out, rank_name)
            if index is not None:
                info = out[index]
                out[index] = FolderInfo(
                    info.name, info.delimiter, use, info.attributes, info.subscribed, info.selectable
                )
                break
    return out


def _find(infos: list[FolderInfo], wanted: str) -> int | None:
    for index, info in enumerate(infos):
        if info.special_use is not SpecialUse.NONE or not info.selectable:
            continue
        name = info.name.lower()
        last = name.rsplit(info.delimiter, 1)[-1] if info.delimiter else name
        if name == wanted or (last == wanted and "/" not in wanted):
            return index
    return None
