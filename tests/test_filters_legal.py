"""Copyright lines and legal link rows go; sentences about copyright or privacy stay."""

from __future__ import annotations

import pytest

from newsclean import LegalNoticeFilter


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("© 2005-2019 SlashGear, All Rights Reserved.", "copyright notice"),
        ("Copyright © 2019, Los Angeles Times | Terms of Service | Privacy Policy", "copyright notice"),
        ("© Autonomous Nonprofit Organization “TV-Novosti”, 2005–2019. All rights reserved.", "copyright notice"),
        ("© 2019 by Cruz Bay Publishing, Inc., an Active Interest Media company", "copyright notice"),
        ("Contact Us/FAQ | Terms of Use | Privacy Policy", "legal links"),
        ("Editorial Standards / Ethics Statement / Privacy Policy / Terms of Use", "legal links"),
    ],
)
def test_legal_small_print_goes(line: str, kind: str) -> None:
    assert LegalNoticeFilter().notice_kind(line) == kind


@pytest.mark.parametrize(
    "line",
    [
        "The court ruled that the song was protected by copyright and ordered the label to pay damages.",
        "Privacy campaigners said the new terms of service went too far.",
        'The phrase "All rights reserved" at the foot of every page means little in court, a copyright lawyer said.',
        "About / Advertise / Tip Us / Contact",
    ],
)
def test_sentences_about_copyright_and_privacy_stay(line: str) -> None:
    assert LegalNoticeFilter().notice_kind(line) is None
