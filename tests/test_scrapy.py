"""The Scrapy item pipeline in a real crawl: `scrapy runspider` in a subprocess fetches data:
URLs (no network), NewsCleanPipeline cleans the items, and a JSON-lines feed is written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("scrapy")

from .conftest import seed_text

SPIDER = '''
import json, os
from urllib.parse import quote
import scrapy

class PagesSpider(scrapy.Spider):
    name = "pages"

    async def start(self):
        for url, text in json.loads(os.environ["NEWSCLEAN_TEST_PAGES"]):
            yield scrapy.Request("data:text/plain;charset=utf-8," + quote(text), cb_kwargs={"url": url})

    def parse(self, response, url):
        yield {"url": url, "text": response.text}
'''
SEED = "002_1d7f724c3669c58c.txt"


def crawl(tmp_path: Path, pages: list[tuple[str, str]], *settings: str) -> tuple[list[dict], str]:
    """Crawl `pages` (url, text) one at a time through NewsCleanPipeline; the feed and the log."""
    spider = tmp_path / "spider.py"
    spider.write_text(SPIDER, encoding="utf-8")
    feed = tmp_path / "items.jsonl"
    pipelines = json.dumps({"newsclean.integrations.scrapy.NewsCleanPipeline": 300})
    # One request at a time keeps item order (and so which copy is the original) fixed; a whole
    # article in a data: URL is longer than the default URL length limit.
    arguments = ["-s", f"ITEM_PIPELINES={pipelines}", "-s", "CONCURRENT_REQUESTS=1", "-s", "URLLENGTH_LIMIT=0"]
    arguments += ["-s", "LOG_LEVEL=INFO"]
    for setting in settings:
        arguments += ["-s", setting]
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "runspider", str(spider), "-O", str(feed), *arguments],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={**os.environ, "NEWSCLEAN_TEST_PAGES": json.dumps(pages)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    items = [json.loads(line) for line in feed.read_text(encoding="utf-8").splitlines()]
    return items, done.stderr


def test_crawl_cleans_items_and_drops_furniture_only_pages(tmp_path: Path) -> None:
    seed = seed_text(SEED)
    items, log = crawl(tmp_path, [("https://news.example/seed", seed), ("https://news.example/ads", "Advertisement\n\nShare\n")])
    assert [item["url"] for item in items] == ["https://news.example/seed"]
    text = items[0]["text"]
    assert text.startswith("United States and Russia Plan Joint Air Command")
    assert "Advertisement" not in text.splitlines() and len(text) > len(seed) / 2
    assert "Dropped: https://news.example/ads: no article text left after cleaning (removed: ad-marker 1, share-button 1)" in log
    assert "ScrapyDeprecationWarning" not in log


def test_full_duplicate_item_is_dropped(tmp_path: Path) -> None:
    pytest.importorskip("newsclean.dedup")
    seed = seed_text(SEED)
    index = tmp_path / "index.sqlite"
    pages = [("https://news.example/first", seed), ("https://news.example/copy", "Advertisement\n\n" + seed)]
    items, log = crawl(tmp_path, pages, "NEWSCLEAN_DEDUP=True", f"NEWSCLEAN_INDEX={index}")
    assert [item["url"] for item in items] == ["https://news.example/first"]
    assert "Dropped: https://news.example/copy: full duplicate of https://news.example/first" in log
    assert index.is_file()


def test_pipeline_in_process_raises_dropitem_and_reads_any_item_type() -> None:
    from scrapy.exceptions import DropItem, NotConfigured
    from scrapy.utils.test import get_crawler

    from newsclean.integrations.scrapy import NewsCleanPipeline

    pipeline = NewsCleanPipeline.from_crawler(get_crawler(settings_dict={"NEWSCLEAN_TEXT_FIELD": "body"}))
    item = {"body": "Sign up for our newsletter\nThe mayor resigned on Friday after the inquiry.\n"}
    assert pipeline.process_item(item) is item
    assert item["body"] == "The mayor resigned on Friday after the inquiry.\n"
    with pytest.raises(DropItem, match="no 'body' field"):
        pipeline.process_item({"text": "x"})
    with pytest.raises(DropItem, match="item 3: no article text left"):
        pipeline.process_item({"body": "Advertisement\n"})
    pipeline.close_spider()
    with pytest.raises(NotConfigured):
        NewsCleanPipeline.from_crawler(get_crawler(settings_dict={"NEWSCLEAN_ENABLED": False}))
    only_ads = NewsCleanPipeline.from_crawler(get_crawler(settings_dict={"NEWSCLEAN_FILTERS": "ad-marker"}))
    item = {"text": "Share\n\nAdvertisement\n\nThe council approved the budget on Monday.\n"}
    assert only_ads.process_item(item)["text"] == "Share\n\nThe council approved the budget on Monday.\n"
    with pytest.raises(ValueError, match="unknown filters \\['ads'\\]"):
        NewsCleanPipeline.from_crawler(get_crawler(settings_dict={"NEWSCLEAN_FILTERS": ["ads"]}))
