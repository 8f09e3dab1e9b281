"""Rules added for real pages to the core filters: skip links, "Also on <site>" links, share
prompts, related lists that end where the article resumes, and Portuguese lines made of words
English shares with it."""

from __future__ import annotations

import pytest

from newsclean import Document, LanguageFilter, NavigationFilter, Pipeline, PromptFilter

from .conftest import devset_lines


def dropped(filter_, text: str) -> dict[int, str]:
    result = Pipeline([filter_]).run(Document.from_text(text))
    return {removal.line: removal.reason for removal in result.removals}


@pytest.mark.parametrize("line", ["Skip to content", "Skip to main content", "Skip to navigation"])
def test_skip_links_go(line: str) -> None:
    assert dropped(NavigationFilter(), line) == {1: f"accessibility skip link {line!r}"}


def test_skip_as_a_verb_stays() -> None:
    assert dropped(NavigationFilter(), "Skip to the end of the queue, the officer told the crowd.") == {}


def test_also_on_site_link_goes_sentence_with_also_on_stays() -> None:
    link = "Also on rt.com Journalists & politicians from Morales’ party threatened with sedition arrests as Bolivia purges socialist elements"
    assert 1 in dropped(NavigationFilter(), link)
    assert dropped(NavigationFilter(), "Also on Tuesday, the ministry said talks would resume.") == {}


def test_related_list_ends_where_the_article_resumes() -> None:
    lines = devset_lines("34a7328535ad")
    result = Pipeline([NavigationFilter()]).run(Document.from_text("\n".join(lines)))
    kept = {paragraph.text for paragraph in result.kept()}
    assert any(line.startswith("Photos which were released online and are making the rounds") for line in kept)
    assert "October 06, 2018" not in kept


@pytest.mark.parametrize("line", ["Like this story? Share it with a friend!", "Enjoyed this article? Tell us what you think."])
def test_share_prompts_go(line: str) -> None:
    assert dropped(PromptFilter(), line)[1].startswith("share prompt")


def test_sentence_about_sharing_with_a_friend_stays() -> None:
    assert dropped(PromptFilter(), "She said she would never share her password with anyone at the firm.") == {}


def test_portuguese_line_with_words_english_shares_goes() -> None:
    line = "Nunca ouviu as sensacionais brinquedorias musicais do grupo Serelepe, de Belo Horizonte? Assista a uma palinha!"
    reasons = dropped(LanguageFilter(), line)
    assert reasons[1].startswith("non-English fragment")


def test_english_line_of_shared_words_stays() -> None:
    line = "He said a deal was as good as done, and that the two sides would sign it in Geneva on Monday."
    assert dropped(LanguageFilter(), line) == {}
