#!/usr/bin/env python3
"""Writes test cases of Python's html.unescape (what diffusers' prompt_clean applies twice):
every HTML5 entity name (with and without its semicolon, then followed by letters), numeric
references at the edges of the HTML5 rules, and malformed references.

    python3 tools/tokenizers/make_unescape_cases.py > java/src/test/resources/text/html_unescape_cases.json
"""
import html
import html.entities
import json
import sys

cases = []
for name in sorted(html.entities.html5):
    cases.append("&" + name)
    cases.append("x&" + name + "yz")
    if not name.endswith(";"):
        cases.append("&" + name + "abc;")
for n in [0, 1, 8, 9, 10, 11, 12, 13, 14, 31, 32, 38, 65, 127, 128, 129, 130, 141, 143, 144, 152, 157, 159, 160,
          255, 0xD7FF, 0xD800, 0xDBFF, 0xDC00, 0xDFFF, 0xE000, 0xFDCF, 0xFDD0, 0xFDEF, 0xFDF0, 0xFFFD, 0xFFFE,
          0xFFFF, 0x10000, 0x1F642, 0x1FFFE, 0x1FFFF, 0x10FFFE, 0x10FFFF, 0x110000, 10 ** 30]:
    cases += ["&#%d;" % n, "&#%d" % n, "&#x%x;" % n, "&#X%X" % n, "a&#%dz" % n]
cases += ["&", "&&", "&;", "&#;", "&#x;", "&#xZ;", "&#", "a & b", "&amp;amp;", "&ampamp;", "&notit;", "&notin;",
          "&noti;", "&no", "&n", "&AMP", "&Amp;", "&a", "two cats &amp; a dog", "&" + "a" * 40 + ";",
          "&lt&gt&quot;&apos;", "&#0000065;", "&#x0041", "&#65&#66", "&copy2024", "&unknown;", "\t&amp;\n",
          "&\u00e9;", "&am\u00e9;"]
json.dump([[c, html.unescape(c)] for c in cases], sys.stdout, ensure_ascii=True, indent=0)
sys.stdout.write("\n")
