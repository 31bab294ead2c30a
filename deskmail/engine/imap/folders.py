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
    """Give a special use by name only where no folder already has it by attribute.

    One pass over the folders (an account may have tens of thousands), then a look-up per name.
    """
    taken = {info.special_use for info in infos}
    by_full: dict[str, int] = {}
    by_last: dict[str, int] = {}
    for index, info in enumerate(infos):
        if info.special_use is not SpecialUse.NONE or not info.selectable:
            continue
        name = info.name.lower()
        by_full.setdefault(name, index)
        by_last.setdefault(name.rsplit(info.delimiter, 1)[-1] if info.delimiter else name, index)
    out = list(infos)
    for use, names in FALLBACK_NAMES.items():
        if use in taken:
            continue
        for rank_name in names:
            found = _first(by_full.get(rank_name), None if "/" in rank_name else by_last.get(rank_name))
            if found is not None and out[found].special_use is SpecialUse.NONE:
                info = out[found]
                out[found] = FolderInfo(
                    info.name, info.delimiter, use, info.attributes, info.subscribed, info.selectable
                )
                break
    return out


def _first(*indexes: int | None) -> int | None:
    """The earliest folder of those found (the old scan took the first folder matching either way)."""
    found = [i for i in indexes if i is not None]
    return min(found) if found else None
