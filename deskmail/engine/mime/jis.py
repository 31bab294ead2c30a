"""ISO-2022-JP as Japanese mail really writes it: the extensions Python's strict codecs refuse.

Mailers label many variants "iso-2022-jp": Microsoft's CP50220/50221/50222 (NEC and IBM extension
characters such as ① or ㈱, half-width katakana through ESC ( I or SO/SI), JIS X 0212 (ESC $ ( D),
JIS X 0213 (ESC $ ( O/Q/P). Python's iso2022_jp codec raises on all of these, and the whole
subject or body would otherwise show as escape codes. This decoder follows the escape sequences
itself and hands each run to the codec that knows that character set: JIS X 0208 through CP932
(Shift_JIS with the NEC/IBM extensions), JIS X 0212 through EUC-JP, JIS X 0213 through EUC-JIS-2004.
Anything it cannot map becomes U+FFFD; it never raises.
"""

from __future__ import annotations

import re

ESC = 0x1B
SO, SI = 0x0E, 0x0F
# escape sequence -> character set of what follows
DESIGNATIONS: dict[bytes, str] = {
    b"\x1b(B": "ascii",
    b"\x1b(J": "roman",  # JIS X 0201 Roman: ASCII with ¥ and ‾; shown as ASCII like every mailer does
    b"\x1b(H": "roman",  # an old mistaken label for the same
    b"\x1b(I": "kana",  # JIS X 0201 half-width katakana
    b"\x1b$@": "jis0208",  # JIS C 6226-1978
    b"\x1b$B": "jis0208",  # JIS X 0208-1983/1990
    b"\x1b&@\x1b$B": "jis0208",  # JIS X 0208-1990 with its announcer
    b"\x1b$(B": "jis0208",
    b"\x1b$(D": "jis0212",
    b"\x1b$(O": "jis0213-1",
    b"\x1b$(Q": "jis0213-1",
    b"\x1b$(P": "jis0213-2",
    b"\x1b$A": "gb2312",  # ISO-2022-JP-2 extras
    b"\x1b$(C": "ksc5601",
    b"\x1b.A": "g2-latin1",
    b"\x1b.F": "g2-greek",
}
_ESCAPE = re.compile(b"|".join(re.escape(k) for k in sorted(DESIGNATIONS, key=len, reverse=True)))
_SIGNATURE = re.compile(rb"\x1b(?:\$[@B]|\$\([DOQP]|\(I)")


def looks_like_jis(data: bytes) -> bool:
    """True for 7-bit text that switches into a Japanese character set (unlabelled JIS mail)."""
    return bool(_SIGNATURE.search(data))


def _pair_to_sjis(j1: int, j2: int) -> bytes:
    """One JIS X 0208 row/cell pair (0x21-0x7E each) as the Shift_JIS bytes CP932 decodes."""
    s1 = (j1 + 1) // 2 + (0x70 if j1 <= 0x5E else 0xB0)
    s2 = j2 + (0x1F if j1 % 2 else 0x7E)
    if j1 % 2 and s2 >= 0x7F:
        s2 += 1
    return bytes((s1, s2))


def _double(run: bytes, charset: str) -> str:
    pairs = [run[i : i + 2] for i in range(0, len(run) - len(run) % 2, 2)]
    out = []
    for pair in pairs:
        j1, j2 = pair[0] & 0x7F, pair[1] & 0x7F
        if not (0x21 <= j1 <= 0x7E and 0x21 <= j2 <= 0x7E):
            out.append("\ufffd")
            continue
        if charset == "jis0208":
            raw, codec = _pair_to_sjis(j1, j2), "cp932"
        elif charset == "jis0212":
            raw, codec = bytes((0x8F, j1 | 0x80, j2 | 0x80)), "euc_jp"
        elif charset == "jis0213-1":
            raw, codec = bytes((j1 | 0x80, j2 | 0x80)), "euc_jis_2004"
        elif charset == "jis0213-2":
            raw, codec = bytes((0x8F, j1 | 0x80, j2 | 0x80)), "euc_jis_2004"
        elif charset == "gb2312":
            raw, codec = bytes((j1 | 0x80, j2 | 0x80)), "gb18030"
        else:  # ksc5601
            raw, codec = bytes((j1 | 0x80, j2 | 0x80)), "cp949"
        text = raw.decode(codec, errors="replace")
        if charset == "jis0208" and "\ufffd" in text:  # a JIS X 0213 character labelled as 0208
            text = bytes((j1 | 0x80, j2 | 0x80)).decode("euc_jis_2004", errors="replace")
        out.append(text)
    if len(run) % 2:
        out.append("\ufffd")
    return "".join(out)


def _single(run: bytes, charset: str, shifted: bool) -> str:
    out = []
    for byte in run:
        if charset == "kana" or (shifted and 0x21 <= byte <= 0x5F):
            out.append(bytes((byte | 0x80,)).decode("cp932", errors="replace") if 0x21 <= byte & 0x7F <= 0x5F else " ")
        elif 0xA1 <= byte <= 0xDF:  # 8-bit half-width katakana (CP50222 and sloppy mailers)
            out.append(bytes((byte,)).decode("cp932"))
        elif byte >= 0x80:
            out.append("\ufffd")
        else:
            out.append(chr(byte))
    return "".join(out)


def decode_jis(data: bytes) -> str:
    """Decode any ISO-2022-JP variant; characters no table knows become U+FFFD."""
    out: list[str] = []
    charset = "ascii"
    shifted = False  # SO ... SI: half-width katakana (CP50221)
    g2 = ""
    position = 0
    for match in _ESCAPE.finditer(data):
        out.append(_run(data[position : match.start()], charset, shifted, g2))
        designated = DESIGNATIONS[match.group(0)]
        if designated.startswith("g2-"):
            g2 = designated
        else:
            charset = designated
        position = match.end()
    out.append(_run(data[position:], charset, shifted, g2))
    return "".join(out)


def _run(run: bytes, charset: str, shifted: bool, g2: str) -> str:
    if not run:
        return ""
    if charset in ("ascii", "roman", "kana"):
        pieces: list[str] = []
        for chunk in re.split(rb"([\x0e\x0f]|\x1bN.)", run):
            if chunk in (b"\x0e", b"\x0f"):
                shifted = chunk == b"\x0e"
            elif chunk.startswith(b"\x1bN") and len(chunk) == 3:  # single shift 2 (ISO-2022-JP-2)
                codec = "iso8859_7" if g2 == "g2-greek" else "latin-1"
                pieces.append(bytes((chunk[2] | 0x80,)).decode(codec, errors="replace"))
            elif chunk:
                pieces.append(_single(chunk, charset, shifted))
        return "".join(pieces)
    # Line ends inside a double-byte run: mailers that forget to switch back before a newline.
    lines = re.split(rb"(\r?\n)", run)
    return "".join(part.decode("ascii") if part.strip(b"\r\n") == b"" else _double(part, charset) for part in lines)
