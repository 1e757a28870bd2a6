"""French number formatting and typography, the one layer every page and message goes through."""
from __future__ import annotations

import math
import re

NBSP = "\u00a0"  # non-breaking space: before % : ; ! ? and between thousands


def integer(value: int | float) -> str:
    """60000 -> '60 000' (non-breaking space as thousands separator)."""
    return f"{int(round(value)):,}".replace(",", NBSP).replace("-", "−")


def decimal(value: float, digits: int = 2) -> str:
    """0.8853 -> '0,89' with a decimal comma; thousands grouped like integer()."""
    if math.isnan(value):
        return "n/d"
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", NBSP).replace("-", "−")


def long_decimal(value: float, digits: int) -> str:
    """0.9999666 -> '0,999 966 6': many decimals grouped by three, as French typography groups them."""
    whole, _, decimals = decimal(value, digits).partition(",")
    groups = [decimals[i:i + 3] for i in range(0, len(decimals), 3)]
    return whole + ("," + NBSP.join(groups) if decimals else "")


def percent(ratio: float, digits: int = 1) -> str:
    """0.885 -> '88,5 %' (ratio in [0, 1], non-breaking space before %)."""
    return f"{decimal(ratio * 100, digits)}{NBSP}%"


def seconds(value: float) -> str:
    """Durations for humans: '0,9 s', '31 s', '2 min 05 s'."""
    if value < 10:
        return f"{decimal(value, 1)}{NBSP}s"
    if value < 60:
        return f"{int(round(value))}{NBSP}s"
    minutes, rest = divmod(int(round(value)), 60)
    return f"{minutes}{NBSP}min{NBSP}{rest:02d}{NBSP}s"


def points(value: float, digits: int = 2) -> str:
    """Percentage points: '0,27 point', '1,10 point', '2,5 points' (French plural from 2 on)."""
    return f"{decimal(value, digits)}{NBSP}point{'s' if abs(value) >= 2 else ''}"


MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre")


def date_time(iso: str) -> str:
    """'2026-11-26T05:45:12+0000' -> '26 novembre 2026 à 05 h 45' (unparseable text is returned as is)."""
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})", iso or "")
    if not match:
        return iso
    year, month, day, hour, minute = match.groups()
    return f"{int(day)}{NBSP}{MONTHS[int(month) - 1]}{NBSP}{year} à {hour}{NBSP}h{NBSP}{minute}"


_FENCE = re.compile(r"^(```|~~~)")
_INLINE_CODE = re.compile(r"(`+)(.+?)\1")
# A plain space (or none after a word/number) before a high punctuation mark becomes non-breaking.
# Start of a piece counts as a word: the piece may follow inline code or a link ("`fit` :").
_BEFORE_MARK = re.compile(r"(?:(?<=[\w»)\]*_%`])|^)[ ]?([;!?%])(?!\[)|(?:(?<=[\w»)\]*_%`])|^) (:)")
_GUILLEMETS = re.compile(r"« | »")


def typography(markdown: str) -> str:
    """Put non-breaking spaces before ; ! ? % and : in prose, leaving code untouched."""
    out, in_fence = [], False
    for line in markdown.split("\n"):
        if _FENCE.match(line.lstrip()):
            in_fence = not in_fence
            out.append(line)
            continue
        if in_fence or line.lstrip().startswith(("--8<--", "!!!", "???", "|--")):
            out.append(line if in_fence or not line.lstrip().startswith(("!!!", "???"))
                       else _fix_admonition_title(line))
            continue
        out.append(_fix_prose(line))
    return "\n".join(out)


def _fix_admonition_title(line: str) -> str:
    head, sep, title = line.partition('"')
    return head + sep + _fix_prose(title) if sep else line


def _fix_prose(line: str) -> str:
    parts, last = [], 0
    for match in _INLINE_CODE.finditer(line):
        parts.append(_fix_marks(line[last:match.start()]))
        parts.append(match.group(0))
        last = match.end()
    parts.append(_fix_marks(line[last:]))
    return "".join(parts)


# URLs, link targets, attribute lists, HTML tags and entities keep their punctuation as is.
_PROTECTED = re.compile(r"(\]\([^)]*\)|https?://\S+|\{[^}]*\}|<[^>]*>|&#?\w+;)")


# A thousands separator typed as an ordinary space in a template (« 10 000 images »): made non-breaking.
_THOUSANDS = re.compile(r"(?<![\d,.])(\d{1,3})((?: \d{3})+)(?![\d,])")


def _fix_marks(text: str) -> str:
    pieces = _PROTECTED.split(text)
    for i in range(0, len(pieces), 2):
        piece = _THOUSANDS.sub(lambda m: m.group(1) + m.group(2).replace(" ", NBSP), pieces[i])
        piece = _BEFORE_MARK.sub(lambda m: NBSP + (m.group(1) or m.group(2)), piece)
        pieces[i] = _GUILLEMETS.sub(lambda m: m.group(0).replace(" ", NBSP), piece)
    return "".join(pieces)


def kilobytes(n_bytes: int) -> str:
    """543127 -> '543 ko' (decimal kilobytes, as browsers report download sizes)."""
    return f"{integer(n_bytes / 1000)}{NBSP}ko"


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def scientific(value: float) -> str:
    """2.1e-07 -> '2,1 × 10⁻⁷' (0 stays '0'): tiny differences readable by students."""
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa.replace('.', ',')}{NBSP}×{NBSP}10{str(int(exponent)).translate(_SUPERSCRIPT)}"
