"""Phone numbers: stored in E.164, shown as people write them."""

from honeydesk.lib.phones import readable, to_e164


def test_it_shows_a_home_number_nationally_and_a_foreign_one_internationally():
    assert readable(to_e164("(415) 555-0134") or "") == "(415) 555-0134"
    assert readable("+442079460958") == "+44 20 7946 0958"


def test_it_shows_what_it_cannot_read_as_it_is():
    assert readable("ext. 12") == "ext. 12"
    assert readable("") == ""
