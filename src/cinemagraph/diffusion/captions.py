"""The natural caption for the twin: the prompt's scene without its style, as a photograph.

"a large waterfall falling from hills during sunset in the style of Leonid Afremov"
becomes "a large waterfall falling from hills during sunset, nature, realistic,
photography, 4k, 8k". Style phrases go ("in the style of …", "by <artist>", "oil painting
of", "digital art", "trending on artstation" …), as do well-known artists' names (with
frequent misspellings such as "Van Gough") and medium and style words (pencil, brushstrokes,
lowpoly, cinematic, cyberpunk, "ancient photo, brown tint" …); what remains is the
scene — its nouns with the words that place them, which the twin needs since it keeps the
artistic image's layout. The published pipeline keeps only
nouns from a fixed list, via a part-of-speech tagger; that needs an extra model and drops
scene nouns missing from the list. Users can always pass their own twin caption.
"""

from __future__ import annotations

import re

#: Appended to every natural caption (the published suffix minus "bright", which would
#: relight night scenes).
NATURAL_SUFFIX = ("nature", "realistic", "photography", "4k", "8k")

#: Artists frequent in Stable Diffusion prompts; removed wherever they appear.
ARTISTS = (
    "leonid afremov", "afremov", "vincent van gogh", "van gogh", "claude monet", "monet",
    "greg rutkowski", "rutkowski", "thomas kinkade", "kinkade", "hokusai", "studio ghibli",
    "hayao miyazaki", "miyazaki", "makoto shinkai", "alphonse mucha", "mucha", "artgerm",
    "rembrandt", "william turner", "j. m. w. turner", "jmw turner", "turner", "bob ross",
    "salvador dali", "dali", "pablo picasso", "picasso", "edvard munch", "munch",
    "gustav klimt", "klimt", "caspar david friedrich", "albert bierstadt", "bierstadt",
    "ivan aivazovsky", "aivazovsky", "james gurney", "thomas cole", "john constable",
    "constable", "camille pissarro", "pissarro", "georges seurat", "seurat",
    "katsushika hokusai", "beeple", "simon stalenhag", "moebius", "wlop", "ross tran",
    # frequent misspellings
    "vincent van gough", "van gough", "van gogh's", "van goh", "vangogh", "monnet",
    "afremov's", "leonid afremow", "afremow", "rutkowsky", "picaso", "hokusay",
)

#: Words and phrases that describe a medium, a style or image quality, not the scene.
STYLE_PHRASES = (
    "trending on artstation", "artstation", "art nouveau", "art deco", "deviantart",
    "concept art", "digital art",
    "digital painting", "fine art", "pixel art", "line art", "fantasy art", "oil on canvas",
    "oil painting", "acrylic painting", "watercolor painting", "watercolour painting",
    "matte painting", "ink drawing", "pencil drawing", "charcoal drawing", "unreal engine",
    "octane render", "highly detailed", "ultra detailed", "very detailed", "intricate details",
    "sharp focus", "high quality", "best quality", "masterpiece", "award winning",
    "award-winning", "painting", "paintings", "painted", "illustration", "illustrated",
    "drawing", "sketch", "artwork", "render", "rendering", "watercolor", "watercolour",
    "impressionist", "impressionism", "expressionist", "expressionism", "post-impressionist",
    "surrealist", "surrealism", "surreal", "cubist", "cubism", "pointillism", "ukiyo-e",
    "anime", "cartoon", "comic", "cel shaded", "psychedelic", "stylized", "stylised",
    "artistic", "art", "style", "oil", "acrylic", "canvas", "4k", "8k", "hd", "uhd", "hdr",
    "pencil", "pencils", "crayon", "charcoal", "pastel", "gouache", "ink", "impasto",
    "brushstrokes", "brushstroke", "brush strokes", "brush stroke", "visible brushstrokes",
    "thick paint", "cyberpunk", "steampunk", "synthwave", "vaporwave", "lowpoly", "low poly",
    "low-poly", "polygonal", "3d render", "cgi", "cinematic lighting", "cinematic shot",
    "cinematic", "dramatic lighting", "ancient photo", "old photo", "vintage photo",
    "old photograph", "vintage photograph", "brown tint", "sepia tone", "sepia", "tint",
    "vintage", "retro", "digital illustration", "digital", "shot",
)

_WORDS = r"[\w'’.-]+"
_ARTIST = "|".join(sorted((re.escape(a) for a in ARTISTS), key=len, reverse=True))
_STYLE = "|".join(sorted((re.escape(s) for s in STYLE_PHRASES), key=len, reverse=True))
_DETERMINER = r"(?:an?|the|some)"
_PLACE = r"(?:in|on|at|of|by|with|from|over|under|near|above|below|during|into|an?|the)"

_REMOVALS = [
    # "in the style of X", "in X's style", "in an impressionist style": to the segment's end
    re.compile(r"\b(?:in|with|after)\s+(?:the\s+|an?\s+)?(?:art\s+)?style\s+of\b[^,;]*", re.I),
    re.compile(rf"\bin\s+(?:{_DETERMINER}\s+)?(?:(?!{_PLACE}\b){_WORDS}\s+){{0,3}}?style\b", re.I),
    # "painted by X", "art by X": to the segment's end
    re.compile(r"\b(?:painted|drawn|illustrated|made|created|art|artwork|painting)\s+by\b[^,;]*",
               re.I),
    # "by X" when X is a known artist or a capitalised name
    re.compile(rf"\bby\s+(?:(?:{_ARTIST})\b|(?-i:[A-Z])[\w'’.-]*(?:\s+(?-i:[A-Z])[\w'’.-]*)*)",
               re.I),
    # "a beautiful oil painting of" opening a segment; "a watercolor of" anywhere
    re.compile(rf"^\s*(?:{_DETERMINER}\s+)?(?:{_WORDS}\s+){{0,2}}?(?:{_STYLE})\s+of\b", re.I),
    re.compile(rf"\b(?:{_DETERMINER}\s+)?(?:(?:{_STYLE})\s+)*(?:{_STYLE})\s+of\b", re.I),
    re.compile(rf"\b(?:{_ARTIST})(?:['’]s)?\b", re.I),
    re.compile(rf"(?<![\w-])(?:{_STYLE})(?![\w-])", re.I),
]

#: Words left dangling at the end of a segment once a style phrase is cut away.
_DANGLING = re.compile(rf"(?:\s+(?:{_DETERMINER}|in|of|by|with|and|from|on|as|after))+\s*$", re.I)
_LEADING = re.compile(r"^(?:\s*(?:and|with|of|by|in)\b)+\s*", re.I)


def _clean_segment(segment: str) -> str:
    for pattern in _REMOVALS:
        segment = pattern.sub(" ", segment)
    segment = re.sub(r"\s+", " ", segment).strip(" -–—:;.!")
    segment = _DANGLING.sub("", " " + segment).strip()
    segment = _LEADING.sub("", segment).strip()
    # A bare determiner is all that may remain of "a painting".
    return "" if re.fullmatch(rf"{_DETERMINER}?", segment, re.I) else segment


def natural_caption(prompt: str) -> str:
    """The twin's caption: the scene of ``prompt`` without style, plus a photographic suffix.

    Comma-separated parts that hold only style words disappear; the suffix terms are
    added unless the scene already has them.
    """
    segments = [_clean_segment(part) for part in re.split(r"[,;\n]", prompt)]
    scene = [segment for segment in segments if segment]
    present = {word.lower() for segment in scene for word in re.findall(r"[\w']+", segment)}
    suffix = [term for term in NATURAL_SUFFIX if term not in present]
    return ", ".join([*scene, *suffix])
