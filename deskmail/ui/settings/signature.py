"""The account's signature in the composer: below the person's text, above a quote, after a "-- " line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from deskmail.engine.accounts import Account, signature_block

if TYPE_CHECKING:
    from deskmail.ui.mail.composer import ComposerWindow


def with_signature(body: str, block: str) -> str:
    """`body` (empty, or a reply/forward starting with blank lines) with the signature block where one types."""
    if not block:
        return body
    rest = body.lstrip("\n")
    return f"\n\n{block}\n" + (f"\n{rest}" if rest.strip() else "")


def sign(composer: ComposerWindow) -> None:
    """Add the chosen account's signature; choosing another From swaps it while it is unchanged."""
    shown = {"block": _block(composer.account())}
    if shown["block"]:
        _set_body(composer, with_signature(composer.body.toPlainText(), shown["block"]))

    def from_changed(_index: int) -> None:
        old, new = shown["block"], _block(composer.account())
        text = composer.body.toPlainText()
        if old == new or (old and f"{old}\n" not in f"{text}\n"):
            return  # the person edited the signature: theirs now
        if old:
            text = f"{text}\n".replace(f"{old}\n", f"{new}\n" if new else "", 1)[:-1]
        elif text.startswith("\n\n") or not text.strip():
            text = with_signature(text, new)  # nothing typed above yet: where a signature goes
        else:
            return
        dirty = composer.dirty
        _set_body(composer, text)
        composer.dirty = dirty
        shown["block"] = new

    composer.from_box.currentIndexChanged.connect(from_changed)


def _block(account: Account | None) -> str:
    return signature_block(account.signature) if account is not None else ""


def _set_body(composer: ComposerWindow, text: str) -> None:
    composer.body.setPlainText(text)
    composer.body.moveCursor(composer.body.textCursor().MoveOperation.Start)
    composer.dirty = False  # a signature alone is not something to keep as a draft
