"""A page's own date, read from its dateline -- or its address -- when the input gives none.

Crawled text keeps what the top of a page says: "Posted Jul 4, 2012 3:43 AM CDT", "Updated on
September 27, 2022", "Wednesday, July 13, 2011", "[ BBC ] - [ Jul 04, 2012 12:40:12 GMT ]",
an extractor's "date 2019-04-15" header. Dates decide three things downstream: which copy came
first (`copytrace.relate.direction`, a family's source in `copytrace.cluster`) and whether two
reports are one story (`copytrace.semantic`: dated documents more than ``story_days`` apart are
not), so a page's dateline is worth reading when a record has no date field.

**The rule** (`date_of_page`): in the first ``HEAD`` (600) characters, the first date written
in full -- day, month and year: ``2019-04-15``, ``April 15, 2019``, ``15 April 2019``, ``Apr. 15
2019``, ``Sept 27th, 2022`` -- that either follows a label on its line (``date``, ``dated``,
``posted``, ``published``, ``updated``, ``submitted``, ``last modified``, optionally with
``on``/``at`` and a time) or stands on a short line (the rest of the line holds at most
``SHORT_LINE_WORDS`` (6) words: a dateline or byline, not a sentence). Dates inside sentences are
left alone: "the closing stock price on April 1, 2022", "FILE - In this May 20, 2011 file
photo", "trapped since June 23rd, 2018" name events, not the page. Numeric dates other than ISO
(``03/04/2019``: March or April?) are never read, nor month names outside English.

**Measured** on webreuse_dev's 289 real page excerpts (`python -m bench.real`): 68 pages get a
date this way, every one of them checked by hand against the page's text and the story it
covers (one is a weather widget's "today", the day the page was crawled); 11 more pages carry a
full date only inside a sentence and get none. Story ARI 0.867 -> 0.876: a 2009 blog copy
of a cookie recipe and a 2007 post of an oatmeal variant (whose probe links it on to another
recipe's story) were the bridge between two stories; their datelines now part them (3
same-story links in all are no longer made). The
near-miss pages of the set (the same kind of event in another year) stay joined to their
stories: none of them carries a dateline on both sides of its link. Every other figure there,
and on xling_dev (4 of 58 pages dated), PAN-13 (3 of 374) and Clough & Stevenson (none),
unchanged. Cost: ~6 us a document (the full pattern is tried only around a year), about 6 s
of `dedup --fast`'s 45 s on a million documents.

**The address** (`date_of_url`), when the page top has no dateline: news sites file their
pages under the day they publish them -- ``/2019/03/10/airline-crash/``,
``/news/2024-12-08/cathedral-reopens``, ``/wp/2016/04/21/...`` -- so a year, month and day
written in that order as parts of the URL's path (separated by ``/``, ``-`` or ``_``) are the
page's date. Nothing else in an address is read: a bare ``20190415`` or ``id=20130805`` may be
an article number, and a path with year and month only (``/2022/10/``) gives no day.
**Measured** on webreuse_dev (`python -m bench.real`, which feeds each page's ``url`` since
2026-12-07, as a crawl has it): 35 addresses carry a date; on the 12 of those pages that also
have a dateline the two agree to the day 11 times (one blog post's address is 26 days older
than its "Posted" line); 23 pages with no dateline get a date this way -- for the news pages
among them the day of the event they report or the day after. One near-miss page (a
cathedral's reopening five years after its fire) leaves the fire's story; a 2013 recipe post
leaves a story that had merged two recipe stories (posts dated 2007-2015), taking with it its
links to the two pages of its own story as well (a recipe has no event day): story ARI 0.876
-> 0.882. Family, relation and source figures unchanged; xling_dev's 4 pages dated
this way change nothing there.
"""

from __future__ import annotations

import re
from datetime import date

#: Characters of the top of a page searched for a dateline.
HEAD = 600
#: Words (two letters or more) the rest of a line may hold for a date on it to be its dateline.
SHORT_LINE_WORDS = 6

_MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
           "sep": 9, "oct": 10, "nov": 11, "dec": 12}
_MONTH = (r"(?P<{g}>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|"
          r"aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DAY = r"(?P<{g}>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<{g}>(?:19|20)\d\d)"
_DATE = re.compile(
    r"\b(?:"
    + r"(?P<iy>(?:19|20)\d\d)-(?P<im>[01]\d)-(?P<id>[0-3]\d)(?![\d-])"  # 2019-04-15
    + "|" + _MONTH.format(g="am") + r"\s+" + _DAY.format(g="ad") + r",?\s+"
    + _YEAR.format(g="ay")  # April 15, 2019
    + "|" + _DAY.format(g="bd") + r"\s+" + _MONTH.format(g="bm") + r",?\s+"
    + _YEAR.format(g="by")  # 15 April 2019
    + r")(?!\d)", re.IGNORECASE)
# a label right before the date on its line: "Posted", "Updated on", "date", "Posted at 12:14 PM,"
_LABEL = re.compile(
    r"\b(?:date|dated|posted|published|updated|submitted|last\s+modified)\b"
    r"(?:\s+(?:on|at))?[\s:|,\-–—]*(?:\d{1,2}[:.]\d\d(?:\s*[ap]\.?m\.?)?[\s,]*)?"
    r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s*)?$",
    re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]{2,}")
# every date above holds a year: the full pattern is tried only around one (~30 us for a
# page top searched whole, ~3 us this way), from up to ``_BEFORE`` characters before it
_ANY_YEAR = re.compile(r"(?:19|20)\d\d")
# year, month, day as parts of a URL's path: "/2019/03/10/", "/2024-12-08/", "/2021-05-13-elon"
_URL_DATE = re.compile(r"(?<![^/_-])((?:19|20)\d\d)[/_-]([01]?\d)[/_-]([0-3]?\d)(?![^/_.-])")
_BEFORE = 40


def _iso(m: re.Match) -> str | None:
    g = m.groupdict()
    if g["iy"]:
        y, mo, d = int(g["iy"]), int(g["im"]), int(g["id"])
    else:
        y = int(g["ay"] or g["by"])
        mo = _MONTHS[(g["am"] or g["bm"])[:3].lower()]
        d = int(g["ad"] or g["bd"])
    try:
        return date(y, mo, d).isoformat()
    except ValueError:  # "February 30, 2019"
        return None


def date_of_page(text: str) -> str | None:
    """The ISO date (``YYYY-MM-DD``) of ``text``'s dateline, or None (see the module docstring).

    Examples:
        >>> date_of_page("Particle found\\nPosted Jul 4, 2012 3:43 AM CDT\\nScientists said...")
        '2012-07-04'
        >>> date_of_page(" date 2019-04-15 PARIS - A catastrophic fire engulfed the cathedral")
        '2019-04-15'
        >>> date_of_page("Shares closed on April 1, 2022, the last day before the bid.") is None
        True
    """
    head = text[:HEAD]
    seen = -1  # where the last date tried ended: each is tried once, in order
    for year in _ANY_YEAR.finditer(head):
        m = _DATE.search(head, max(seen, year.start() - _BEFORE), year.end() + 8)
        if m is None or m.end() <= seen:
            continue
        seen = m.end()
        iso = _iso(m)
        if iso is None:
            continue
        start = head.rfind("\n", 0, m.start()) + 1
        end = head.find("\n", m.end())
        before = head[start:m.start()]
        rest = before + " " + head[m.end():len(head) if end < 0 else end]
        if _LABEL.search(before) or len(_WORD.findall(rest)) <= SHORT_LINE_WORDS:
            return iso
    return None


def date_of_url(url: str | None) -> str | None:
    """The ISO date a page's address files it under, or None (see the module docstring).

    Examples:
        >>> date_of_url("https://example.com/2019/03/10/airline-crash-kills-157/")
        '2019-03-10'
        >>> date_of_url("https://example.com/news/2024-12-08/cathedral-reopens")
        '2024-12-08'
        >>> date_of_url("https://example.com/puzzles/index.asp?id=20130805") is None
        True
    """
    if not url:
        return None
    path = url.split("://", 1)[-1]
    path = path[path.find("/"):] if "/" in path else ""  # the host is no date
    path = path.split("?", 1)[0].split("#", 1)[0]
    for m in _URL_DATE.finditer(path):
        try:
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        except ValueError:  # "/2019/13/40/"
            continue
    return None
