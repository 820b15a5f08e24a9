"""Character tables for folding: look-alike letters, digit/letter substitutions, emoji names.

The team's own tables (no library keeps Latin<->Cyrillic confusables *by target script* with
the Kazakh letters in mind; confusable lists map everything to Latin). Only letters that are
really used as look-alikes in obfuscated posts are listed, so that folding stays predictable.
"""

from __future__ import annotations

# Kazakh-specific Cyrillic letters (lower case): their presence is a strong language signal.
KAZAKH_LETTERS = frozenset("әғқңөұүһі")
CYRILLIC_VOWELS_EXTRA = frozenset("ё")

# Latin letter -> Cyrillic look-alike, used when a word's dominant script is Cyrillic.
LATIN_TO_CYRILLIC: dict[str, str] = {
    "a": "а",
    "b": "в",
    "c": "с",
    "e": "е",
    "h": "н",
    "i": "і",
    "k": "к",
    "m": "м",
    "n": "п",
    "o": "о",
    "p": "р",
    "r": "г",
    "t": "т",
    "u": "и",
    "x": "х",
    "y": "у",
    "ë": "ё",
}

# Cyrillic letter -> Latin look-alike, used when a word's dominant script is Latin.
CYRILLIC_TO_LATIN: dict[str, str] = {
    "а": "a",
    "в": "b",
    "с": "c",
    "е": "e",
    "н": "h",
    "і": "i",
    "ј": "j",
    "к": "k",
    "м": "m",
    "о": "o",
    "р": "p",
    "ѕ": "s",
    "т": "t",
    "у": "y",
    "х": "x",
    "һ": "h",
    "ԁ": "d",
    "г": "r",
    "п": "n",
    "и": "u",
}

# Digits and symbols used for letters. "Cyrillic" leet follows shapes of Cyrillic letters
# (3акладки); "Latin" leet follows the usual l33t (m3ф: 3 = e), then is folded to the target.
DIGIT_TO_CYRILLIC: dict[str, str] = {
    "0": "о",
    "3": "з",
    "4": "ч",
    "6": "б",
    "8": "в",
    "@": "а",
}
DIGIT_TO_LATIN: dict[str, str] = {
    "0": "o",
    "1": "i",
    "3": "e",
    "4": "a",
    "5": "s",
    "7": "t",
    "8": "b",
    "@": "a",
    "$": "s",
}

# Stylised letters NFKC leaves alone (small capitals, a few IPA look-alikes).
STYLISED: dict[str, str] = {
    "ᴀ": "a",
    "ʙ": "в",
    "ᴄ": "c",
    "ᴅ": "d",
    "ᴇ": "e",
    "ꜰ": "f",
    "ɢ": "g",
    "ʜ": "h",
    "ɪ": "i",
    "ᴊ": "j",
    "ᴋ": "k",
    "ʟ": "l",
    "ᴍ": "m",
    "ɴ": "n",
    "ᴏ": "o",
    "ᴘ": "p",
    "ʀ": "r",
    "ꜱ": "s",
    "ᴛ": "t",
    "ᴜ": "u",
    "ᴠ": "v",
    "ᴡ": "w",
    "ʏ": "y",
    "ᴢ": "z",
    "ɑ": "a",
    "ɡ": "g",
    "ı": "i",
    "ℓ": "l",
}

# Emoji that carry meaning in shop posts -> a word token (kept as a separate word).
EMOJI_TOKENS: dict[str, str] = {
    "❄": "emoji_snow",
    "☃": "emoji_snow",
    "⛄": "emoji_snow",
    "💎": "emoji_gem",
    "🔷": "emoji_gem",
    "🔹": "emoji_gem",
    "🧊": "emoji_ice",
    "🍁": "emoji_leaf",
    "🌿": "emoji_herb",
    "🥦": "emoji_leaf",
    "🌱": "emoji_herb",
    "☘": "emoji_herb",
    "🍀": "emoji_herb",
    "🌲": "emoji_tree",
    "🍄": "emoji_mushroom",
    "💊": "emoji_pill",
    "🍬": "emoji_candy",
    "🍭": "emoji_candy",
    "⚡": "emoji_bolt",
    "🚀": "emoji_rocket",
    "🏎": "emoji_rocket",
    "🔥": "emoji_fire",
    "💯": "emoji_hundred",
    "👽": "emoji_alien",
    "🛸": "emoji_alien",
    "🌈": "emoji_rainbow",
    "🦄": "emoji_unicorn",
    "🐇": "emoji_rabbit",
    "🐰": "emoji_rabbit",
    "🍫": "emoji_chocolate",
    "👃": "emoji_nose",
    "💨": "emoji_smoke",
    "📍": "emoji_pin",
    "🗺": "emoji_pin",
    "🧲": "emoji_magnet",
    "📦": "emoji_package",
    "🕳": "emoji_hole",
    "🤤": "emoji_drool",
    "😵": "emoji_dizzy",
    "💫": "emoji_dizzy",
    "💰": "emoji_money",
    "💵": "emoji_money",
    "💸": "emoji_money",
    "🤑": "emoji_money",
    "🚨": "emoji_siren",
    "⚠": "emoji_warning",
    "🚫": "emoji_forbidden",
    "⛔": "emoji_forbidden",
    "👮": "emoji_police",
    "🚔": "emoji_police",
    "🏥": "emoji_hospital",
    "❤": "emoji_heart",
    "✅": "emoji_check",
    "☎": "emoji_phone",
    "📞": "emoji_phone",
    "🤖": "emoji_robot",
}
