"""The learner's rules: step states, progress and its tallies, the learner's place, shared topics,
momentum, the slot rule and snoozes, the nudge plan. Pure functions over values: no SQL, no
Telegram, no I/O, no words."""

from progress.changes import Changed
from progress.model import (
    FROM_CHAT,
    OPEN_STATES,
    Confirmed,
    Mark,
    Marking,
    Note,
    Progress,
    SavedRoadmap,
    Source,
    StepState,
    digest_of,
    fingerprint,
    kept_roadmaps,
    percent,
    started_roadmaps,
    storable_text,
)
from progress.momentum import Momentum, Pace, done_since, pace_of, streak_shown, weekly_streak
from progress.place import Place, place_from
from progress.reminders import NudgeOutcome, Reminder, ReminderStatus
from progress.topics import Counted, DoneElsewhere, countable_here, done_elsewhere, needs_other_roadmaps

__all__ = [
    "FROM_CHAT",
    "OPEN_STATES",
    "Changed",
    "Confirmed",
    "Counted",
    "DoneElsewhere",
    "Mark",
    "Marking",
    "Momentum",
    "Note",
    "NudgeOutcome",
    "Pace",
    "Place",
    "Progress",
    "Reminder",
    "ReminderStatus",
    "SavedRoadmap",
    "Source",
    "StepState",
    "countable_here",
    "digest_of",
    "done_elsewhere",
    "done_since",
    "fingerprint",
    "kept_roadmaps",
    "needs_other_roadmaps",
    "pace_of",
    "percent",
    "place_from",
    "started_roadmaps",
    "storable_text",
    "streak_shown",
    "weekly_streak",
]
