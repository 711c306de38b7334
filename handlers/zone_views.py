"""The answers to a zone typed after /timezone that is not one zone: the places it could mean, or
the place it nearly names. Pure functions."""

from __future__ import annotations

from html import escape

from handlers.actions import SetZone
from handlers.reminder_views import all_roadmaps_button, zone_label_at
from handlers.screens import Screen, button, keyboard, quoted
from i18n.catalogs import _
from i18n.formats import country_name
from progress.schedule import zone_label
from progress.typed_zones import Choices, Guess, ZoneFound


def place_name(place: ZoneFound) -> str:
    """A place as a button names it: `Córdoba, Argentina`, `India` (an abbreviation's country), or the zone."""
    if place.name and place.country:
        # Translators: a city and its country, such as "Córdoba, Argentina".
        return _("%(city)s, %(country)s") % {"city": place.name, "country": country_name(place.country)}
    if place.country:
        return country_name(place.country)
    return place.zone


def place_button_label(place: ZoneFound) -> str:
    """A place and its offset now: `Córdoba, Argentina · UTC−3`."""
    return f"{place_name(place)} · {zone_label_at(place.zone)}"


def render_zone_choices(choices: Choices) -> Screen:
    """The question when a typed name or abbreviation is used in several zones: which one."""
    # Translators: %(name)s is what the person typed after /timezone, such as IST or Springfield.
    text = _("🌍 “%(name)s” is used in more than one place. Which one is yours?") % {"name": quoted(choices.typed)}
    rows = [[button(place_button_label(place), SetZone(place.zone))] for place in choices.places]
    return Screen(text, keyboard(rows))


def render_zone_guess(guess: Guess) -> Screen:
    """The answer to a name nothing is called, when a place is called nearly that: did you mean it?"""
    # Translators: %(name)s is what the person typed after /timezone; %(place)s a place such as
    # "Berlin, Germany" and %(zone)s its time zone, such as Europe/Berlin. Keep /timezone as it is.
    text = _(
        "I don't know “%(name)s”. Did you mean <b>%(place)s</b> (%(zone)s)? "
        "If not, send /timezone with another city, or an offset such as UTC+3."
    )
    values = {"name": quoted(guess.typed), "place": escape(place_name(guess.place)), "zone": escape(guess.place.zone)}
    # Translators: a button that takes the guessed place's time zone; %(place)s is like "Berlin, Germany".
    yes = button(_("✅ Yes, %(place)s") % {"place": place_name(guess.place)}, SetZone(guess.place.zone))
    return Screen(text % values, keyboard([[yes]]))


def render_zone_kept(zone: str) -> Screen:
    """A zone told before any reminder is on: kept, and the first reminder will start in it."""
    # Translators: %(zone)s is a time zone such as Europe/Berlin or UTC+3.
    text = _(
        "🌍 Your time zone is now <b>%(zone)s</b>. When you mark your first step, I'll ask when to nudge you, "
        "in this zone. Pick a roadmap:"
    ) % {"zone": escape(zone_label(zone))}
    return Screen(text, keyboard([[all_roadmaps_button()]]))
