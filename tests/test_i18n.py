"""The Chinese catalogue is complete and matches the strings in the code."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "crowdplan/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
METHODS = [("crowdplan/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def _catalogue():
    with CATALOGUE.open("rb") as fh:
        return read_po(fh)


def _ids(message_id):
    return message_id[0] if isinstance(message_id, tuple) else message_id


def test_every_chinese_message_is_translated_and_not_fuzzy():
    catalogue = _catalogue()
    missing = [
        _ids(m.id)
        for m in catalogue
        if m.id and (m.fuzzy or not all(m.string if isinstance(m.string, tuple) else [m.string]))
    ]
    assert missing == []


def test_every_string_in_the_code_is_in_the_catalogue():
    catalogue = {_ids(m.id) for m in _catalogue() if m.id}
    in_code = {
        _ids(message)
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            ROOT, METHODS, keywords=KEYWORDS
        )
    }
    assert len(in_code) > 100  # the extractor really read the code
    assert sorted(in_code - catalogue) == []
