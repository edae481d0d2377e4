"""Text normalisation shared by the lexicon, the context rules and the statistical model.

Members write fast, on phones, often at a bad moment: no apostrophes, slang, stretched letters,
misspellings. Everything downstream works on one canonical lowercase form so that a rule written
once ("kill myself") also matches "KMS", "kil myslef" and "unalive myself".
"""

from __future__ import annotations

import re
import unicodedata

# Word-level rewrites: slang, chat shorthand and common misspellings of the words the rules use.
# Keys are whole tokens after lowercasing and apostrophe removal.
_WORD_MAP: dict[str, str] = {
    # suicide slang and algospeak
    "kms": "kill myself",
    "kmss": "kill myself",
    "kys": "kill yourself",
    "ctb": "kill myself",
    "unalive": "kill",
    "unalived": "killed",
    "unaliving": "killing",
    "unalivee": "kill",
    "sewerslide": "suicide",
    "sewerslid": "suicide",
    "suicde": "suicide",
    "sucide": "suicide",
    "suicid": "suicide",
    "suiside": "suicide",
    "suiscide": "suicide",
    "suacide": "suicide",
    "sucidal": "suicidal",
    "suicidle": "suicidal",
    "suicidel": "suicidal",
    "sucicidal": "suicidal",
    "suacidal": "suicidal",
    "suisidal": "suicidal",
    "suicida": "suicidal",
    "su1cide": "suicide",
    "s**cide": "suicide",
    "selfharm": "self harm",
    "selfharming": "self harming",
    "self-harm": "self harm",
    # overdose shorthand
    "od": "overdose",
    "ods": "overdoses",
    "oded": "overdosed",
    "odd": "odd",
    "odding": "overdosing",
    "oding": "overdosing",
    "overdosd": "overdosed",
    "overdoes": "overdose",
    "overdoseing": "overdosing",
    "fent": "fentanyl",
    "fenty": "fentanyl",
    "fetty": "fentanyl",
    "xans": "xanax",
    "xannies": "xanax",
    "zannies": "xanax",
    "xanny": "xanax",
    "percs": "percocet",
    "narcan": "narcan",
    # chat shorthand
    "wanna": "want to",
    "wana": "want to",
    "wnt": "want",
    "gonna": "going to",
    "gona": "going to",
    "gon": "going to",
    "gna": "going to",
    "finna": "going to",
    "gotta": "got to",
    "tryna": "trying to",
    "imma": "im going to",
    "ima": "im going to",
    "u": "you",
    "ur": "your",
    "ya": "you",
    "r": "are",
    "rn": "right now",
    "atm": "right now",
    "tn": "tonight",
    "tonite": "tonight",
    "2nite": "tonight",
    "2night": "tonight",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "2morrow": "tomorrow",
    "bc": "because",
    "cuz": "because",
    "coz": "because",
    "cause": "because",
    "idk": "i dont know",
    "idc": "i dont care",
    "idgaf": "i dont care",
    "ppl": "people",
    "every1": "everyone",
    "evry1": "everyone",
    "evr1": "everyone",
    "evryone": "everyone",
    "everyon": "everyone",
    "no1": "no one",
    "noone": "no one",
    "nobody": "no one",
    "some1": "someone",
    "b4": "before",
    "w": "with",
    "abt": "about",
    "bout": "about",
    "thru": "through",
    "tho": "though",
    "pls": "please",
    "plz": "please",
    "myslef": "myself",
    "myslf": "myself",
    "mysef": "myself",
    "mysefl": "myself",
    "meself": "myself",
    "miself": "myself",
    "self": "self",
    "kil": "kill",
    "kiled": "killed",
    "kiling": "killing",
    "ded": "dead",
    "dyin": "dying",
    "diee": "die",
    "anymor": "anymore",
    "anymoe": "anymore",
    "nomore": "no more",
    "alive": "alive",
    "liv": "live",
    "livin": "living",
    "lyf": "life",
    "lyfe": "life",
    "pils": "pills",
    "pillz": "pills",
    "bottel": "bottle",
    "sponser": "sponsor",
    "releapse": "relapse",
    "relaps": "relapse",
    "relasped": "relapsed",
    "relpased": "relapsed",
    "seizer": "seizure",
    "siezure": "seizure",
    "seizures": "seizures",
    "brethe": "breathe",
    "breath": "breathe",
    "breathin": "breathing",
    "gf": "girlfriend",
    "bf": "boyfriend",
    "hubby": "husband",
    "lol": "lol",
    "lmao": "lol",
    "lmfao": "lol",
    "haha": "lol",
    "hahaha": "lol",
    "hehe": "lol",
    "rofl": "lol",
    "jk": "lol",
    "nemore": "anymore",
    "anymore": "anymore",
    "wud": "would",
    "wld": "would",
    "b": "be",
    "dnt": "dont",
    "wnna": "want to",
    "wanan": "want to",
    "disapear": "disappear",
    "dissapear": "disappear",
    "evrything": "everything",
    "everythin": "everything",
    "nothin": "nothing",
    "somethin": "something",
    "goin": "going",
    "thinkin": "thinking",
    "endin": "ending",
    "tryin": "trying",
    "feelin": "feeling",
    "cuttin": "cutting",
    "drinkin": "drinking",
    "shakin": "shaking",
    "seein": "seeing",
    "poundin": "pounding",
    "lookin": "looking",
    "bein": "being",
    "usin": "using",
    "im": "im",
    "i‘m": "im",
    "tbh": "",
    "ngl": "",
    "fr": "",
    "frfr": "",
    "lowkey": "",
    "highkey": "",
    "literally": "",
    "like": "like",
    "ok": "okay",
}

# Emoji that change the reading of a message (laughter marks hyperbole; the others carry intent).
_EMOJI_MAP = {
    "😂": " lol ",
    "🤣": " lol ",
    "😆": " lol ",
    "😹": " lol ",
    "💀": " lol ",
    "☠": " lol ",
    "🙃": " ",
    "😭": " crying ",
    "💔": " heartbroken ",
    "🔪": " knife ",
    "💊": " pills ",
    "🔫": " gun ",
    "🪦": " grave ",
    "⚰": " coffin ",
}

# Words members stretch at the end ("byee", "myselff"); the doubled last letter is dropped.
_STRETCHED = frozenset(
    "myself me die bye goodbye now help pls please anymore everyone gone done dead tired alone "
    "tonight life pain hurt why no so go nope ugh".split()
)

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "“": '"', "”": '"'})
_OD_FORMS = re.compile(r"\bod'e?d\b|\bo\.d\.?(?:'?e?d)?(?=[\s,.!?]|$)")
_REPEATS = re.compile(r"([a-z])\1{2,}")
_NON_TEXT = re.compile(r"[^a-z0-9.!?,;:\"\s]")
_SPACES = re.compile(r"[ \t]+")
_TO_FROM_2 = re.compile(r"\b(want|going|need|have|got|wish|trying|ready) 2\b")
_SELF_HARM_SHORT = re.compile(r"(?<![a-z])s/h(?![a-z])")
_TOKEN = re.compile(r"[a-z0-9*\-]+|[^a-z0-9*\-\s]")


# Words people censor or disguise to get past filters: "s*icide", "su!cide", "k1ll", "d!e", "unal!ve".
_CENSORED = re.compile(r"\bs[u*!1]{1,2}[i*!1]c[i*!1]d(?:e|al)\b|\bk[i*!1]ll\b|\bd[i*!1]e\b|\bunal[i*!1]ve\b")


def _uncensor(match: re.Match) -> str:
    word = match.group(0)
    if word.startswith("s"):
        return "suicidal" if word.endswith("al") else "suicide"
    return {"k": "kill", "d": "die", "u": "unalive"}[word[0]]


# Multi-word suicide slang, rewritten before tokens are mapped.
_SLANG_PHRASE_MAP = {
    "delete myself": "kill myself",
    "toaster bath": "suicide",
    "neck myself": "kill myself",
    "rope myself": "kill myself",
    "kermit suicide": "suicide",
    "final nap": "sleep forever",
    "permanent nap": "sleep forever",
    "commit die": "kill myself",
}
# "self delete" is suicide slang when someone means to do it, a phone setting otherwise.
_SELF_DELETE = re.compile(
    r"\b((?:want|going|ready|about|plan|planning|trying|need) to|wanna|gonna|will|might|should|"
    r"could|gon|finna|just|im going to) self[- ]?delete\b"
)
_SLANG_PHRASES = re.compile("|".join(re.escape(k) for k in sorted(_SLANG_PHRASE_MAP, key=len, reverse=True)))


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    for emoji, replacement in _EMOJI_MAP.items():
        if emoji in text:
            text = text.replace(emoji, replacement)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize(text: str) -> str:
    """Return the canonical lowercase form used by every rule and by the model."""
    text = _strip_accents(text.lower().translate(_APOSTROPHES))
    # "od'd", "o.d." and "od'ed" must become "overdosed" before apostrophes vanish ("odd" is a word).
    # Cheap substring guards first: most messages need none of these rewrites (see bench/).
    if "od" in text or "o.d" in text:
        text = _OD_FORMS.sub(" overdosed ", text)
    if "sewer slide" in text:
        text = text.replace("sewer slide", "suicide")
    if ("*" in text or "!" in text or "1" in text) and _CENSORED.search(text):
        text = _CENSORED.sub(_uncensor, text)
    if any(phrase in text for phrase in _SLANG_PHRASE_MAP):
        text = _SLANG_PHRASES.sub(lambda m: _SLANG_PHRASE_MAP[m.group(0)], text)
    if "delete" in text:
        text = _SELF_DELETE.sub(r"\1 kill myself", text)
    if "/" in text:
        # "s/h" alone is self-harm shorthand; inside "his/her" it is not.
        text = _SELF_HARM_SHORT.sub(
            " self harm ", text.replace("w/o", " without ").replace("b/c", " because ")
        )
    text = text.replace("'", "")
    text = _REPEATS.sub(r"\1\1", text)
    text = _NON_TEXT.sub(" ", text)
    if " 2" in text:
        text = _TO_FROM_2.sub(r"\1 to", text)
    words = []
    for token in _TOKEN.findall(text):
        mapped = _WORD_MAP.get(token)
        if mapped is None and len(token) > 3 and token[-1] == token[-2] and token[:-1] in _STRETCHED:
            mapped = token[:-1]  # "myselff", "dyingg": a stretched last letter
        if mapped is None:
            words.append(token)
        elif mapped:
            words.append(mapped)
    return _SPACES.sub(" ", " ".join(words)).strip()


def clauses(normalized: str) -> list[str]:
    """Split normalised text into clauses: context (negation, the past) rarely crosses these."""
    parts = _CLAUSE_SPLIT.split(normalized)
    return [part.strip() for part in parts if part and part.strip()]


_CLAUSE_SPLIT = re.compile(
    r"\s*[.!?;]+\s*|\s+(?:but|though|although|however|except|yet)\s+|,\s*(?:but|and|so)?\s*"
)
