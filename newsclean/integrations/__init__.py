"""Adapters that fit newsclean into pipelines people already run: Scrapy item pipelines
(`newsclean.integrations.scrapy`, extra `[scrapy]`) and Hugging Face datasets / pandas batch
functions (`newsclean.integrations.hf`, extra `[hf]`). Each imports its framework only when used."""
