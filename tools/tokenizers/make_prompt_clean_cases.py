#!/usr/bin/env python3
"""Writes test cases of diffusers' WanPipeline prompt_clean (pipeline_wan.py basic_clean +
whitespace_clean, without ftfy, as on a machine where ftfy is not installed): every character
Python counts as whitespace, alone and inside text, and a few prompts with entities.

    python3 tools/tokenizers/make_prompt_clean_cases.py > java/src/test/resources/text/prompt_clean_cases.json
"""
import html
import json
import re
import sys


def basic_clean(text):
    text = html.unescape(html.unescape(text))
    return text.strip()


def whitespace_clean(text):
    text = re.sub(r"\s+", " ", text)
    text = text.strip()
    return text


def prompt_clean(text):
    return whitespace_clean(basic_clean(text))


spaces = [chr(c) for c in range(0x110000) if chr(c).isspace()]
cases = []
for s in spaces:
    cases += [s, "a" + s + "b", s + "a" + s + s + "b" + s]
cases += ["  two cats &amp; a dog\tplay ", "&amp;amp;", "&amp;lt;tag&amp;gt;", "a\u200bb", "caf&eacute; &#x1F642;",
          "&#160;x&#160;", "&nbsp;&nbsp;a", "line\r\nbreak", "", "   ", "\u00e9\u0301"]
json.dump([[c, prompt_clean(c)] for c in cases], sys.stdout, ensure_ascii=True, indent=0)
sys.stdout.write("\n")
