"""A page's date read from its dateline (`copytrace.ingest.dateline`), and every way in
taking it when the input gives no date."""

from __future__ import annotations

import json

import pytest

from copytrace.ingest.dateline import HEAD, date_of_page, date_of_url

# Shapes seen at the top of crawled pages (written here, not copied from any page)
DATED = [
    ("Storm hits coast\nBy Staff Writers\nPosted Jul 4, 2012 3:43 AM CDT\nUpdated Jul 5, 2012\n"
     "The storm made landfall overnight.", "2012-07-04"),
    (" date 2019-04-15 PARIS - A fire broke out in the roof of the cathedral on Monday "
     "evening, officials said, as crowds gathered along the river.", "2019-04-15"),
    ("Random forest explained\n\nUpdated on September 27, 2022\nJane Doe\n\nA random forest "
     "is an ensemble of decision trees.", "2022-09-27"),
    ("Recipes\nWednesday, July 13, 2011\n\nThe best cookies I ever baked came from a bag.",
     "2011-07-13"),
    ("Particle found\n\n[ Wire ] - [ Jul 04, 2012 12:40:12 GMT ]\n\nScientists claimed the "
     "discovery of a new particle.", "2012-07-04"),
    ("Elon Musk Twitter\nPosted at 12:14 PM, Apr 25, 2022\n\nThe board agreed to the offer.",
     "2022-04-25"),
    ("[Submitted on 12 Jun 2017 (v1), last revised 6 Dec 2017 (this version, v5)]\nWe "
     "propose a new architecture.", "2017-06-12"),
    ("Exchange halts withdrawals\n18 Jan 2022 : 01:43\nCustomers could not move funds.",
     "2022-01-18"),
    ("Physics\n4th July 2012\nPhysicists at the laboratory said...", "2012-07-04"),
    ("Markets\nSept. 3, 2021\nShares rose.", "2021-09-03"),
]

UNDATED = [
    # a date inside a sentence names an event, not the page
    "The offer values the company at $54.20 a share, a 38% premium to its closing price on "
    "April 1, 2022, the last trading day before the investor disclosed his stake.",
    "FILE - In this May 20, 2011 file photo, a technician walks past the detector at the "
    "laboratory near the border.",
    "The team has been stuck in the cave since June 23rd, 2018. The whole world watched as "
    "divers went in.",
    # numeric dates other than ISO are ambiguous (March 4 or April 3?)
    "Notice\n03/04/2019\nThe office is closed.",
    # not a date at all
    "Published in 2019\nVolume 12, issue 3",
    "February 30, 2019\nA day that never was.",
    "",
]


@pytest.mark.parametrize("text,expected", DATED)
def test_a_dateline_at_the_top_of_a_page_is_read(text, expected):
    assert date_of_page(text) == expected


@pytest.mark.parametrize("text", UNDATED)
def test_a_date_inside_a_sentence_or_an_ambiguous_one_is_not(text):
    assert date_of_page(text) is None


def test_only_the_top_of_the_page_is_searched():
    body = "Word " * (HEAD // 5)
    assert date_of_page(body + "\nPosted Jul 4, 2012\n") is None
    assert date_of_page("Posted Jul 4, 2012\n" + body) == "2012-07-04"


def test_the_first_dateline_wins_and_a_bad_date_does_not_stop_the_search():
    text = "Posted February 30, 2019\nUpdated March 2, 2019\nBody text follows here."
    assert date_of_page(text) == "2019-03-02"


URL_DATED = [
    ("https://news.example.com/2019/03/10/airliner-crashes-after-take-off/", "2019-03-10"),
    ("http://example.org/news/2024-12-08/cathedral-reopens-to-the-public", "2024-12-08"),
    ("https://radio.example.com/content/2021-05-13-company-stops-taking-payments", "2021-05-13"),
    ("https://www.example.com/news/arts/wp/2016/04/21/singer-dies-at-57/", "2016-04-21"),
    ("https://example.com/archive/2019_3_9.html", "2019-03-09"),
]
URL_UNDATED = [
    "https://example.com/puzzles/index.asp?id=20130805",  # an 8-digit number: an id?
    "https://example.com/2022/10/ceo-fired/",  # year and month: no day
    "http://2019-03-10.example.com/story",  # the host is no date
    "https://example.com/story/2019/02/30/",  # no such day
    "https://example.com/item/12019/03/10/",  # not a year
    "https://example.com/story?date=2019-03-10",  # the query is not the address's path
    "not an address", "", None,
]


@pytest.mark.parametrize("url,expected", URL_DATED)
def test_a_date_filed_in_a_pages_address_is_read(url, expected):
    assert date_of_url(url) == expected


@pytest.mark.parametrize("url", URL_UNDATED)
def test_an_address_without_a_full_date_in_its_path_gives_none(url):
    assert date_of_url(url) is None


def test_a_record_without_a_date_or_dateline_takes_its_address_date(tmp_path):
    """The dateline comes first (it is the page's own word), the address second; a date the
    record gives beats both."""
    from copytrace.ingest import read_inputs

    url = "https://news.example.com/2019/03/11/airliner-crash/"
    recs = [{"id": "url", "text": "No date in this text.", "url": url},
            {"id": "both", "text": "Posted Mar 10, 2019\nText.", "url": url},
            {"id": "given", "text": "Text.", "url": url, "date": "2019-03-12"}]
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    docs = {d.id: d for d in read_inputs([path])}
    assert docs["url"].date == "2019-03-11" and docs["url"].meta["date_from"] == "url"
    assert docs["both"].date == "2019-03-10" and docs["both"].meta["date_from"] == "dateline"
    assert docs["given"].date == "2019-03-12" and "date_from" not in docs["given"].meta


def test_records_without_a_date_take_their_dateline_and_given_dates_win(tmp_path):
    """The jsonl reader (and so every reader, through `ingest.admit`) fills only a missing
    date, and marks it as read from the text."""
    from copytrace.ingest import read_inputs

    recs = [{"id": "given", "text": "Posted Jul 4, 2012\nText.", "date": "2012-07-09"},
            {"id": "read", "text": "Posted Jul 4, 2012\nText."},
            {"id": "none", "text": "No date anywhere in this text."}]
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    docs = {d.id: d for d in read_inputs([path])}
    assert docs["given"].date == "2012-07-09" and "date_from" not in docs["given"].meta
    assert docs["read"].date == "2012-07-04" and docs["read"].meta["date_from"] == "dateline"
    assert docs["none"].date is None


def test_documents_given_in_python_take_their_dateline_too():
    from copytrace.api import documents_from
    from copytrace.document import Document

    got = list(documents_from([Document("a", "Updated on May 2, 2020\nSome text here."),
                               {"id": "b", "text": "Posted Jul 4, 2012\nMore text."}]))
    assert [d.date for d in got] == ["2020-05-02", "2012-07-04"]


def test_dedup_gives_records_back_with_the_date_they_came_with(tmp_path):
    """A de-duplicated record is the user's record: a date read from its text is not
    written into it."""
    from copytrace.api import dedup

    text = ("Posted Jul 4, 2012\nThe committee met on Tuesday to discuss the budget for the "
            "coming year and agreed to raise spending on schools, roads and public health by "
            "a modest amount after a long debate that lasted well into the evening hours.")
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"id": "a", "text": text}) + "\n"
                    + json.dumps({"id": "b", "text": text, "date": "2012-07-05"}) + "\n",
                    encoding="utf-8")
    path.write_text(path.read_text(encoding="utf-8") + json.dumps(
        {"id": "c", "text": text.replace("Posted Jul 4, 2012\n", ""),
         "url": "https://example.com/2012/07/04/budget/"}) + "\n", encoding="utf-8")
    rows = {r["id"]: r for r in dedup([path], keep="all")}
    assert rows["a"]["date"] is None and "date_from" not in rows["a"]
    assert rows["c"]["date"] is None and "date_from" not in rows["c"]
    assert rows["b"]["date"] == "2012-07-05"


def test_dated_reports_of_events_years_apart_are_not_one_story():
    """Two reports that read alike (same kind of event, same words) but whose datelines are
    years apart are not linked as one story; without datelines they are."""
    from copytrace.api import scan

    a = ("A passenger jet crashed minutes after take-off on Sunday, killing all 157 people on "
         "board, the airline said. The Boeing 737 MAX 8 lost contact with air traffic control "
         "six minutes into its flight. Investigators recovered both flight recorders at the "
         "crash site.")
    b = ("A Boeing 737 MAX 8 passenger jet went down minutes after take-off on Monday, killing "
         "all 189 people on board, officials said. The plane lost contact with controllers "
         "thirteen minutes into its flight. Divers recovered the flight data recorder from the "
         "crash site.")
    undated = scan([{"id": "a", "text": a}, {"id": "b", "text": b}])
    dated = scan([{"id": "a", "text": "Posted March 10, 2019\n" + a},
                  {"id": "b", "text": "Posted October 29, 2018\n" + b}])
    assert undated.pairs.column("relation").to_pylist() == ["same-story"]
    assert len(set(undated.documents.column("story").to_pylist())) == 1
    assert dated.pairs.num_rows == 0
    stories = dated.documents.column("story").to_pylist()
    assert stories[0] != stories[1]
    assert dated.documents.column("date").to_pylist() == ["2019-03-10", "2018-10-29"]
    # the same two reports dated by their addresses alone
    by_url = scan([{"id": "a", "text": a, "url": "https://a.example.com/2019/03/10/crash/"},
                   {"id": "b", "text": b, "url": "https://b.example.com/2018/10/29/crash/"}])
    assert by_url.pairs.num_rows == 0
    assert by_url.documents.column("date").to_pylist() == ["2019-03-10", "2018-10-29"]
