"""newsclean: turn scraped news text into clean article text.

    >>> import newsclean
    >>> newsclean.clean("Share\\n\\nThe minister resigned on Monday after a week of protests.\\n")
    'The minister resigned on Monday after a week of protests.\\n'
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# The public names are imported on first use (PEP 562), not here: `import newsclean` stays cheap
# and loads no numpy, so the command line's entry point (newsclean/_console.py) can limit
# numpy's BLAS threads before numpy starts them, without touching a library user's environment.
_SUBMODULE_OF = {
    "NearDuplicateFilter": "dedup",
    **dict.fromkeys(("Document", "LineDecision", "Normalisation", "Paragraph", "Removal", "Result"), "document"),
    **dict.fromkeys(
        (
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
        ),
        "filters",
    ),
    **dict.fromkeys(("Pipeline", "clean", "default_pipeline"), "pipeline"),
}


def __getattr__(name: str) -> Any:
    """A public name, imported from its submodule on first use and kept as an attribute; a
    submodule (`newsclean.io`, `newsclean.runtime`, ...) is imported on first use too, as
    `import newsclean` once made each of them an attribute by importing it."""
    submodule = _SUBMODULE_OF.get(name)
    if submodule is None:
        if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
            return importlib.import_module(f".{name}", __name__)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{submodule}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
