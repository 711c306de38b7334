"""Announcements: the message learners get (the operator's HTML, a button to open a roadmap, and
"🔕 No announcements" in the learner's language), and the operator's screens: how to write one, the
audience, the preview's check, and the progress, edited in place. Pure functions."""

from __future__ import annotations

import datetime as dt
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.actions import (
    CancelAnnouncement,
    ChooseAudience,
    ConfirmAnnouncement,
    ResumeAnnouncements,
    StopAnnouncements,
)
from handlers.language_views import own_name
from handlers.screens import Screen, button, keyboard
from i18n.catalogs import LANGUAGES, _, ngettext
from i18n.formats import count, time_of_day
from i18n.shared_views import separated
from progress.announcements import AnnouncementStatus, Audience, AudienceKind, RecipientState, Tally
from roadmaps import Catalog, Roadmap

# Telegram's cap on a picture's caption.
MAX_CAPTION = 1024
# Roadmaps offered as an audience on the operator's screen, at most.
MOST_ROADMAPS = 8


def stop_button() -> InlineKeyboardButton:
    """The button under every announcement that turns them off."""
    # Translators: a button under every announcement; keep it short.
    return button(_("🔕 No announcements"), StopAnnouncements())


def announcement_keyboard(roadmap_button: InlineKeyboardButton | None) -> InlineKeyboardMarkup:
    """An announcement's buttons: the roadmap it is about (when it has one), then the way to stop them."""
    return keyboard([[roadmap_button] if roadmap_button else [], [stop_button()]])


def render_announcement(text: str, roadmap: Roadmap | None, bot_username: str | None) -> Screen:
    """An announcement as a learner reads it, in the learner's language: the operator's HTML, a
    button that opens its roadmap (a deep link to /start), and "🔕 No announcements"."""
    opens = None
    if roadmap is not None and bot_username:
        # Translators: a button under an announcement; %(roadmap)s is a roadmap's title. Keep it short.
        label = _("📚 Open %(roadmap)s") % {"roadmap": roadmap.title}
        opens = InlineKeyboardButton(label, url=f"https://t.me/{bot_username}?start={roadmap.id}")
    return Screen(text, announcement_keyboard(opens))


def announcements_stopped() -> str:
    """The toast after "🔕 No announcements"."""
    # Translators: a toast (at most 200 characters); keep /remind as it is.
    return _("🔕 No more announcements. /remind turns them back on.")


def announcements_resumed() -> str:
    """The toast after turning announcements back on."""
    # Translators: a toast (at most 200 characters).
    return _("🔔 Announcements are on again.")


def with_announcements_off(screen: Screen) -> Screen:
    """/remind for a chat that turned announcements off: it says so, with a button to turn them on."""
    rows = screen.keyboard.inline_keyboard if isinstance(screen.keyboard, InlineKeyboardMarkup) else ()
    # Translators: a button on /remind; keep it short.
    on = button(_("🔔 Announcements on"), ResumeAnnouncements())
    text = screen.text + "\n\n" + _("🔕 You turned announcements off.")
    return Screen(text, keyboard([*rows, [on]]))


# --- the operator's screens -------------------------------------------------------------------


def render_how_to_announce() -> Screen:
    """/announce with nothing to send: how to give it a message."""
    text = _(
        "📣 <b>Announce</b>\n"
        "Write the announcement after the command (HTML as the bot writes it): "
        "<code>/announce &lt;b&gt;New roadmap!&lt;/b&gt; …</code>\n"
        "Or send or forward a message (a picture with a caption too), then reply to it with "
        "<code>/announce</code>, or <code>/announce roadmap-id</code> for a button that opens that roadmap.\n"
        "You see it as learners will, choose who gets it, and confirm."
    )
    return Screen(text)


def render_not_announceable(reason: str) -> Screen:
    """What cannot be announced, and why."""
    return Screen(reason)


def too_long(limit: int) -> str:
    """The answer to an announcement longer than Telegram takes."""
    return _("📣 That is too long to announce: at most %(limit)s characters.") % {"limit": count(limit)}


def not_sendable(reason: str) -> str:
    """The answer to an announcement Telegram refused as the preview (HTML it cannot read, mostly)."""
    # Translators: %(reason)s is Telegram's own reason, in English.
    return _("📣 Telegram would not send that: %(reason)s. Nothing was announced.") % {
        "reason": f"<code>{escape(reason)}</code>"
    }


def nothing_to_announce() -> str:
    """The answer to a reply to a message with no text or picture."""
    return _("📣 That message has no text or picture to announce.")


def unknown_roadmap(roadmap_id: str) -> str:
    """The answer to /announce naming a roadmap the bot does not have."""
    return _("📣 There is no roadmap %(roadmap)s.") % {"roadmap": f"<code>{escape(roadmap_id)}</code>"}


def audience_name(audience: Audience, catalog: Catalog) -> str:
    """Who an audience is, in words."""
    match audience.kind:
        case AudienceKind.EVERYONE:
            return _("everyone")
        case AudienceKind.ACTIVE:
            return _("active in the last 28 days")
        case AudienceKind.ROADMAP:
            roadmap = catalog.get(audience.value or "")
            title = roadmap.title if roadmap is not None else audience.value or ""
            # Translators: an audience; %(roadmap)s is a roadmap's title.
            return _("learners of %(roadmap)s") % {"roadmap": escape(title)}
        case AudienceKind.LANGUAGE:
            # Translators: an audience; %(language)s is a language's own name.
            return _("chats in %(language)s") % {"language": own_name(audience.value or "en")}


def render_preview_check(announcement_id: int, audience: Audience, recipients: int, catalog: Catalog) -> Screen:
    """Under the preview: who gets it and how many, other audiences, send or cancel."""
    # Translators: under the preview of an announcement; %(audience)s is who gets it.
    text = _("📣 Above is the announcement as learners will read it.\nTo: <b>%(audience)s</b>.") % {
        "audience": audience_name(audience, catalog)
    }
    text += "\n" + ngettext("%(count)s chat gets it.", "%(count)s chats get it.", recipients) % {
        "count": count(recipients)
    }
    rows = audience_rows(announcement_id, audience, catalog)
    send = ngettext("✅ Send to %(count)s chat", "✅ Send to %(count)s chats", recipients) % {
        "count": count(recipients)
    }
    last = [button(send, ConfirmAnnouncement(announcement_id))] if recipients else []
    last.append(button(_("✖️ Cancel"), CancelAnnouncement(announcement_id)))
    return Screen(text, keyboard([*rows, last]))


def audience_rows(announcement_id: int, chosen: Audience, catalog: Catalog) -> list[list[InlineKeyboardButton]]:
    """The audiences an operator can choose, the chosen one marked."""

    def choice(label: str, action: ChooseAudience, audience: Audience) -> InlineKeyboardButton:
        return button(("• " if audience == chosen else "") + label, action)

    everyone, active = Audience(AudienceKind.EVERYONE), Audience(AudienceKind.ACTIVE)
    rows = [
        [
            choice(_("Everyone"), ChooseAudience(announcement_id, "everyone"), everyone),
            choice(_("Active, 28 days"), ChooseAudience(announcement_id, "active"), active),
        ],
        [
            choice(
                own_name(language),
                ChooseAudience(announcement_id, "language", index=index),
                Audience(AudienceKind.LANGUAGE, language),
            )
            for index, language in enumerate(LANGUAGES)
        ],
    ]
    for roadmap in catalog.roadmaps[:MOST_ROADMAPS]:
        try:
            action = ChooseAudience(announcement_id, "roadmap", roadmap_id=roadmap.id)
            rows.append([choice("📚 " + roadmap.title, action, Audience(AudienceKind.ROADMAP, roadmap.id))])
        except ValueError:  # an id too long for a button's data
            continue
    return rows


def recipient_figures(tally: Tally) -> str:
    """The figures of an announcement's recipients, one line."""
    figures = (
        # Translators: figures of an announcement; %(count)s is a number.
        (_("sent %(count)s"), RecipientState.SENT),
        (_("blocked %(count)s"), RecipientState.BLOCKED),
        (_("failed %(count)s"), RecipientState.FAILED),
        (_("opted out %(count)s"), RecipientState.OPTED_OUT),
        (_("left %(count)s"), RecipientState.LEFT),
        (_("unknown %(count)s"), RecipientState.UNKNOWN),
        (_("not sent %(count)s"), RecipientState.CANCELLED),
    )
    return separated(*(words % {"count": count(tally[state])} for words, state in figures))


def render_progress(
    announcement_id: int,
    status: AnnouncementStatus,
    audience: str,
    tally: Tally,
    finish: dt.datetime | None,
) -> Screen:
    """The operator's message while an announcement goes out (and after): its figures, the
    estimated finish, and Cancel while it can still stop something."""
    heads = {
        AnnouncementStatus.DRAFT: _("📣 <b>Announcement %(number)s</b> to %(audience)s: not sent."),
        AnnouncementStatus.SENDING: _("📣 <b>Announcement %(number)s</b> to %(audience)s: sending…"),
        AnnouncementStatus.DONE: _("📣 <b>Announcement %(number)s</b> to %(audience)s: done."),
        AnnouncementStatus.CANCELLED: _("📣 <b>Announcement %(number)s</b> to %(audience)s: cancelled."),
    }
    lines = [heads[status] % {"number": count(announcement_id), "audience": audience}]
    # Translators: %(done)s of %(total)s recipients have an outcome.
    lines.append(_("%(done)s of %(total)s") % {"done": count(tally.total - tally.waiting), "total": count(tally.total)})
    lines.append(recipient_figures(tally))
    if status is AnnouncementStatus.SENDING and finish is not None:
        # Translators: when an announcement should finish; %(time)s is a time of day in UTC.
        lines.append(_("Done by about %(time)s UTC.") % {"time": time_of_day(finish.hour, finish.minute)})
    buttons = (
        [[button(_("✖️ Cancel"), CancelAnnouncement(announcement_id))]] if status is AnnouncementStatus.SENDING else []
    )
    return Screen("\n".join(lines), keyboard(buttons))


def cancelled_toast() -> str:
    """The toast after an operator cancels an announcement."""
    return _("✖️ Cancelled: what has not gone stays unsent.")


def already_over() -> str:
    """The toast on a button of an announcement that has already ended (or gone out)."""
    return _("📣 That announcement has already ended.")


def without(message: object, data: object) -> InlineKeyboardMarkup:
    """A message's buttons but the one whose data is `data` (none, for a message that is not ours to read)."""
    markup = getattr(message, "reply_markup", None)
    rows = markup.inline_keyboard if isinstance(markup, InlineKeyboardMarkup) else ()
    return keyboard([[b for b in row if b.callback_data != data] for row in rows])
