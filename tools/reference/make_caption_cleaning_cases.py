"""Cases for CaptionCleaningTest: Open-Sora v1.2.0's clean_caption run on tricky captions.

Reads opensora/models/text_encoder/t5.py from the Open-Sora mirror (not copied here) and runs its
clean_caption / text_preprocessing with two stand-ins for libraries this machine lacks, the same
approximations the Java port documents: bs4.BeautifulSoup(...).text = drop tags + html.unescape,
ftfy.fix_text = identity. What this checks is the regex port (Java's regex vs Python's re).

usage: python3 tools/reference/make_caption_cleaning_cases.py > java/src/test/resources/text/caption_cleaning.json
"""
import html
import json
import re
import subprocess
import sys
import types

MIRROR = "/work/.mirror/hpcaitech+Open-Sora/repo"
source = subprocess.run(["git", "-C", MIRROR, "show", "v1.2.0:opensora/models/text_encoder/t5.py"],
                        check=True, capture_output=True, text=True).stdout
start = source.index("def basic_clean(text):")
code = source[start:]

TAG = re.compile(r"<(?:[a-zA-Z][^>]*|/[a-zA-Z][^>]*|![^>]*|\?[^>]*)>")


class BeautifulSoup:
    def __init__(self, text, features=None):
        self.text = html.unescape(TAG.sub("", text))


sys.modules["bs4"] = types.SimpleNamespace(BeautifulSoup=BeautifulSoup)
namespace = {"re": re, "html": html, "ftfy": types.SimpleNamespace(fix_text=lambda t: t)}
exec(compile(code, "t5.py", "exec"), namespace)

CASES = [
    "A small red fox runs across the snowy field at dawn aesthetic score: 6.5.",
    "  Two cats &amp; a dog play in the GARDEN!   aesthetic score: 6.5.",
    "Check https://example.com/page?id=3 now, or www.test.org/x",
    "A <b>bold</b> move &quot;here&quot; &lt;3",
    "@someone look at this #123 and #123456 photo IMG_2024.jpg",
    "this-is-my-cute-cat_again",
    "a - b — c – d",
    "“Quoted” ‘single’ «guillemets» `tick`",
    "'whole thing quoted'",
    "Server at 192.168.0.1 says 12:30   ",
    "Wait... what?? ***SALE*** [new] {x} (y) |z| a/b \\\\ c",
    "jc6640 and jc6640vc and 6640vc231 and j2d1a2a",
    "Worldwide free shipping! free download now, click for details on page 12",
    "wallpaper 1920x1080 in 4k",
    "time : now, red,green.blue",
    ", leading comma and trailing plus+",
    "Hello%20World+again%E2%9C%93 and 100%",
    "Crème brûlée über alles, naïve café",
    "line one\\nline two",
    "<person> walks a dog",
    "東京 tower at night 漢字",
    "png image of a cat, jpeg images",
    ".hidden",
    "\"\"\"AUSVERKAUFT\"\"\"",
]

print(json.dumps({
    "_source": "Open-Sora v1.2.0 clean_caption via " + __file__.split("/")[-1] + " (bs4 = drop tags + html.unescape, ftfy = identity)",
    "cases": [{"in": c, "clean_caption": namespace["clean_caption"](c), "text_preprocessing": namespace["text_preprocessing"](c)} for c in CASES],
}, ensure_ascii=False, indent=1))
