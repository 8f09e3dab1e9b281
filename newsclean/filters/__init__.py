"""The line filters: each drops paragraphs of one kind of page furniture, with a reason."""

from .base import Filter, LineFilter, PageView
from .body import ArticleBodyFilter
from .credits import PhotoCreditFilter
from .language import LanguageFilter
from .legal import LegalNoticeFilter
from .markers import AdMarkerFilter, ShareButtonFilter
from .prompts import PromptFilter
from .repeats import RepeatedLineFilter
from .sections import CommentSectionFilter, NavigationFilter

__all__ = [
    "AdMarkerFilter",
    "ArticleBodyFilter",
    "CommentSectionFilter",
    "Filter",
    "LineFilter",
    "LanguageFilter",
    "LegalNoticeFilter",
    "NavigationFilter",
    "PageView",
    "PhotoCreditFilter",
    "PromptFilter",
    "RepeatedLineFilter",
    "ShareButtonFilter",
]
