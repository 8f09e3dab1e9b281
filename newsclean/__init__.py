"""newsclean: turn scraped news text into clean article text.

    >>> import newsclean
    >>> newsclean.clean("Share\\n\\nThe minister resigned on Monday after a week of protests.\\n")
    'The minister resigned on Monday after a week of protests.\\n'
"""

from .dedup import NearDuplicateFilter
from .document import Document, LineDecision, Normalisation, Paragraph, Removal, Result
from .filters import (
    AdMarkerFilter,
    ArticleBodyFilter,
    CommentSectionFilter,
    Filter,
    LineFilter,
    LanguageFilter,
    LegalNoticeFilter,
    NavigationFilter,
    PageView,
    PhotoCreditFilter,
    PromptFilter,
    RepeatedLineFilter,
    ShareButtonFilter,
)
from .pipeline import Pipeline, clean, default_pipeline

__version__ = "0.1.0"

__all__ = [
    "AdMarkerFilter",
    "ArticleBodyFilter",
    "CommentSectionFilter",
    "Document",
    "Filter",
    "LineFilter",
    "LanguageFilter",
    "LegalNoticeFilter",
    "LineDecision",
    "NavigationFilter",
    "NearDuplicateFilter",
    "Normalisation",
    "PageView",
    "Paragraph",
    "PhotoCreditFilter",
    "Pipeline",
    "PromptFilter",
    "RepeatedLineFilter",
    "Removal",
    "Result",
    "ShareButtonFilter",
    "clean",
    "default_pipeline",
]
