"""The line filters: each drops paragraphs of one kind of page furniture, with a reason."""

from .base import Filter, PageView
from .body import ArticleBodyFilter
from .language import LanguageFilter
from .markers import AdMarkerFilter, ShareButtonFilter
from .prompts import PromptFilter
from .sections import CommentSectionFilter, NavigationFilter

__all__ = [
    "ArticleBodyFilter",
    "AdMarkerFilter",
    "CommentSectionFilter",
    "Filter",
    "LanguageFilter",
    "NavigationFilter",
    "PageView",
    "PromptFilter",
    "ShareButtonFilter",
]
