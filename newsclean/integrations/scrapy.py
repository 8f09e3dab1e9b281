"""A Scrapy item pipeline that cleans each item's text field and drops items with no article
text left, or that repeat earlier items in full (with the near-duplicate filter on).

Enable it in the project settings::

    ITEM_PIPELINES = {"newsclean.integrations.scrapy.NewsCleanPipeline": 300}
    NEWSCLEAN_TEXT_FIELD = "text"        # the field to clean (default "text")
    NEWSCLEAN_ID_FIELD = "url"           # names the item in reasons and the index (default "url")
    NEWSCLEAN_DEDUP = True               # drop near-duplicate paragraphs across items (default off)
    NEWSCLEAN_INDEX = "index.sqlite"     # keep the near-duplicate index in a file (default memory)
    NEWSCLEAN_FILTERS = ["ad-marker", "prompt"]  # only these default filters (default all)
    NEWSCLEAN_ENABLED = False            # switch it off without editing ITEM_PIPELINES
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem, NotConfigured

from ..document import Document, Result
from ..pipeline import Pipeline, default_pipeline
from ..stats import NEAR_DUPLICATE_FILTER

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from scrapy.spiders import Spider


def build_pipeline(dedup: bool = False, index: str | None = None, filters: list[str] | None = None) -> Pipeline:
    """The default pipeline, with the near-duplicate filter when `dedup`, restricted to the
    named `filters` when given (the near-duplicate filter stays when `dedup` is on)."""
    pipeline = default_pipeline(dedup=True, index=index) if dedup else default_pipeline()
    if filters is None:
        return pipeline
    available = [item.name for item in pipeline.filters]
    unknown = sorted(set(filters) - set(available))
    if unknown:
        pipeline.close()
        raise ValueError(f"NEWSCLEAN_FILTERS names unknown filters {unknown}; choose from {available}")
    wanted = set(filters) | ({NEAR_DUPLICATE_FILTER} if dedup else set())
    return Pipeline([item for item in pipeline.filters if item.name in wanted])


class NewsCleanPipeline:
    """Cleans the text field of every item; raises DropItem for an item whose text is empty after
    cleaning, or whose every paragraph duplicates earlier items (with NEWSCLEAN_DEDUP)."""

    def __init__(self, text_field: str = "text", id_field: str = "url", pipeline: Pipeline | None = None) -> None:
        self.text_field = text_field
        self.id_field = id_field
        self.pipeline = pipeline if pipeline is not None else default_pipeline()
        self.items_seen = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NewsCleanPipeline:
        settings: BaseSettings = crawler.settings
        if not settings.getbool("NEWSCLEAN_ENABLED", True):
            raise NotConfigured("NEWSCLEAN_ENABLED is off")
        filters = settings.getlist("NEWSCLEAN_FILTERS") or None
        pipeline = build_pipeline(
            dedup=settings.getbool("NEWSCLEAN_DEDUP", False),
            index=settings.get("NEWSCLEAN_INDEX") or None,
            filters=filters,
        )
        return cls(
            text_field=settings.get("NEWSCLEAN_TEXT_FIELD", "text"),
            id_field=settings.get("NEWSCLEAN_ID_FIELD", "url"),
            pipeline=pipeline,
        )

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        adapter = ItemAdapter(item)
        self.items_seen += 1
        text = adapter.get(self.text_field)
        if text is None:
            raise DropItem(f"no {self.text_field!r} field to clean (set NEWSCLEAN_TEXT_FIELD)")
        if not isinstance(text, str):
            raise DropItem(f"{self.text_field!r} is a {type(text).__name__}, not text")
        document_id = str(adapter.get(self.id_field) or f"item {self.items_seen}")
        result = self.pipeline.run(Document.from_text(text, document_id))
        cleaned = result.text
        if not cleaned:
            raise DropItem(self.drop_reason(result))
        adapter[self.text_field] = cleaned
        return item

    @staticmethod
    def drop_reason(result: Result) -> str:
        """Why an item with no text left is dropped: a full duplicate when its article paragraphs
        were near-duplicates (naming the originals), else page furniture only (removals counted
        per filter)."""
        duplicates = [removal for removal in result.removals if removal.filter == NEAR_DUPLICATE_FILTER]
        if duplicates:
            originals = sorted({str(removal.details.get("original_document")) for removal in duplicates})
            return f"{result.id}: full duplicate of {', '.join(originals)}"
        counts: dict[str, int] = {}
        for removal in result.removals:
            counts[removal.filter] = counts.get(removal.filter, 0) + 1
        summary = ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))
        return f"{result.id}: no article text left after cleaning" + (f" (removed: {summary})" if summary else " (empty)")

    def close_spider(self, spider: Spider | None = None) -> None:
        self.pipeline.close()
