"""Mutation fuzzer over the corpus: render_message must never raise nor emit unsafe HTML.

Run from the repo root: /work/venv/bin/python -m bench.mime_fuzz [SEED] [SECONDS]
Failing inputs are written to the system temp directory as deskmail-fuzz-N.eml.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

from deskmail.engine.mime import render_message
from tests.integration.test_mime_corpus import corpus_messages
from tests.unit.mime_checks import assert_safe_html

TOKENS = [
    b"\r\n", b"\n", b"--", b"=?utf-8?b?", b"?=", b"boundary=", b"Content-Type: multipart/mixed; boundary=x\r\n",
    b"\x00", b"\xff\xfe", b"<script>", b"<img src=http://x>", b"charset=", b"filename*=", b"'", b'"', b";", b"=",
    b"Content-Transfer-Encoding: base64\r\n", b"begin 644 x\n", b"cid:", b"message/rfc822",
]  # fmt: skip


def mutate(rng: random.Random, raw: bytes) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 8)):
        op, pos = rng.random(), rng.randrange(len(data) + 1)
        if op < 0.3 and data:
            data[min(pos, len(data) - 1)] = rng.randrange(256)
        elif op < 0.6:
            data[pos:pos] = rng.choice(TOKENS)
        elif op < 0.8:
            del data[pos : pos + rng.randint(1, 200)]
        else:
            del data[pos:]
    return bytes(data)


def check(raw: bytes) -> None:
    view = render_message(raw)
    assert_safe_html(view.body_html)
    for attachment in view.message.attachments:
        view.message.attachment_data(attachment.part_id)


def main() -> None:
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
    rng = random.Random(seed)
    samples = [raw for _, raw in corpus_messages() if len(raw) < 200_000]
    runs = failures = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        raw = mutate(rng, rng.choice(samples))
        runs += 1
        try:
            check(raw)
        except Exception:
            failures += 1
            if failures <= 5:
                (Path(tempfile.gettempdir()) / f"deskmail-fuzz-{failures}.eml").write_bytes(raw)
                traceback.print_exc(limit=6)
    print(f"seed {seed}: {runs} mutated messages in {seconds:.0f} s, {failures} failures")


if __name__ == "__main__":
    main()
