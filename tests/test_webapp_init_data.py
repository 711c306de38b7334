"""Telegram's initData, checked as Telegram documents it, against vectors signed here with hmac."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from urllib.parse import quote, urlencode

import pytest

from tests.fakebotapi import TOKEN
from tests.miniapp import USER, fields_for, init_data, sign
from webapp.init_data import (
    MAX_FIELDS,
    MAX_LENGTH,
    InitDataError,
    WebAppUser,
    data_check_string,
    verify_init_data,
)

NOW = dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC)
OTHER_BOT = "987654321:ANOTHER-bot-token-abcdefghijklmnopq"


def refused(data: str, now: dt.datetime = NOW, token: str = TOKEN) -> str:
    """The reason initData is refused for."""
    with pytest.raises(InitDataError) as caught:
        verify_init_data(data, token, now)
    return caught.value.reason


def test_a_known_vector_by_hand() -> None:
    # Computed step by step as Telegram's page says, to pin the scheme itself down.
    when, user = str(int(NOW.timestamp())), '{"id":7,"first_name":"Bo"}'
    check = f"auth_date={when}\nquery_id=Q\nuser={user}"
    secret = hmac.new(b"WebAppData", TOKEN.encode(), hashlib.sha256).digest()
    digest = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    data = f"query_id=Q&user={quote(user)}&auth_date={when}&hash={digest}"
    assert data_check_string({"user": user, "hash": digest, "query_id": "Q", "auth_date": when}) == check
    assert verify_init_data(data, TOKEN, NOW) == WebAppUser(id=7, first_name="Bo")


def test_valid_init_data_names_its_user() -> None:
    user = verify_init_data(init_data(signed_at=NOW - dt.timedelta(minutes=50)), TOKEN, NOW)
    assert user == WebAppUser(id=1001, first_name="Ada", last_name="Lovelace", username="ada", language_code="en")


def test_values_are_checked_decoded_and_every_field_counts() -> None:
    user = {"id": 42, "first_name": "Zoë & Co", "last_name": "a=b\nc"}
    # A field Telegram added later (`signature`, for third parties) is part of the checked string too.
    data = init_data(user, signed_at=NOW, signature="c2lnbmF0dXJl", chat_type="sender", start_param="x y")
    assert verify_init_data(data, TOKEN, NOW).first_name == "Zoë & Co"


def test_one_byte_changed_is_refused() -> None:
    data = init_data(signed_at=NOW)
    assert refused(data.replace("%22id%22%3A1001", "%22id%22%3A1002")) == "bad_hash", "another user id"
    digest = data.rsplit("hash=", 1)[1]
    flipped = digest[:10] + ("0" if digest[10] != "0" else "1") + digest[11:]
    assert refused(data.replace(digest, flipped)) == "bad_hash", "one hex digit of the hash"
    assert refused(data.replace(digest, digest.upper())) == "bad_hash"
    assert refused(data + "&extra=1") == "bad_hash", "a field added after signing"


def test_another_bots_init_data_is_refused() -> None:
    assert refused(init_data(signed_at=NOW, bot_token=OTHER_BOT)) == "bad_hash"
    assert refused(init_data(signed_at=NOW), token=OTHER_BOT) == "bad_hash"


def test_expired_init_data_is_refused() -> None:
    hour, second = dt.timedelta(hours=1), dt.timedelta(seconds=1)
    assert verify_init_data(init_data(signed_at=NOW - hour), TOKEN, NOW).id == 1001, "an hour old is still good"
    assert refused(init_data(signed_at=NOW - hour - second)) == "expired"
    assert refused(init_data(signed_at=NOW - dt.timedelta(days=30))) == "expired"
    assert refused(init_data(signed_at=NOW + dt.timedelta(hours=1))) == "malformed", "from the future"


def test_how_old_init_data_may_be_is_the_callers_to_say() -> None:
    day = dt.timedelta(days=1)
    assert verify_init_data(init_data(signed_at=NOW - day), TOKEN, NOW, max_age=day).id == 1001
    with pytest.raises(InitDataError) as caught:
        verify_init_data(init_data(signed_at=NOW - day), TOKEN, NOW, max_age=day - dt.timedelta(seconds=1))
    assert caught.value.reason == "expired"


def test_missing_hash_is_refused() -> None:
    fields = fields_for(USER, NOW)
    assert refused(urlencode(fields)) == "no_hash"
    assert refused(urlencode({**fields, "hash": ""})) == "no_hash"


def test_duplicate_keys_are_refused() -> None:
    fields = fields_for(USER, NOW)
    signed = urlencode({**fields, "hash": sign(fields)})
    someone_else = json.dumps({"id": 666, "first_name": "Eve"})
    assert refused(f"user={quote(someone_else)}&{signed}") == "malformed"
    assert refused(f"{signed}&user={quote(someone_else)}") == "malformed"
    assert refused(f"{signed}&hash={sign(fields)}") == "malformed"


@pytest.mark.parametrize(
    "user",
    [None, "not json", "[1, 2]", '{"first_name": "Ada"}', '{"id": "1001", "first_name": "Ada"}', '{"id": 1001}'],
    ids=["missing", "not-json", "not-an-object", "no-id", "id-not-a-number", "no-first-name"],
)
def test_init_data_without_a_valid_user_is_refused(user: str | None) -> None:
    fields = {"auth_date": str(int(NOW.timestamp())), "query_id": "Q"}
    if user is not None:
        fields["user"] = user
    assert refused(urlencode({**fields, "hash": sign(fields)})) == "no_user"


@pytest.mark.parametrize(
    "data",
    ["", "just-text", "a=1&&b=2", "user=%ff&hash=00", "x=" + "a" * 5000],
    ids=["empty", "not-a-query", "empty-pair", "not-utf8", "too-long"],
)
def test_malformed_init_data_is_refused(data: str) -> None:
    assert refused(data) in {"missing", "malformed"}


def test_a_signed_auth_date_must_be_a_number() -> None:
    fields = {**fields_for(USER, NOW), "auth_date": "yesterday"}
    assert refused(urlencode({**fields, "hash": sign(fields)})) == "malformed"
    del fields["auth_date"]
    assert refused(urlencode({**fields, "hash": sign(fields)})) == "malformed"


def signed(fields: dict[str, str]) -> str:
    """initData of exactly these fields, signed for the tests' bot."""
    return urlencode({**fields, "hash": sign(fields)})


def with_user(user: object) -> str:
    """Signed initData whose `user` field is this JSON value."""
    return signed(fields_for({}, NOW) | {"user": json.dumps(user)})


def with_auth_date(value: str) -> str:
    """Signed initData dated with this `auth_date` text."""
    return signed({**fields_for(USER, NOW), "auth_date": value})


ARABIC_INDIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
NO_VALID_ID = ("no_user", "initData's user has no valid id")
NO_DATE = ("malformed", "initData has no valid auth_date")

# Every way initData is refused: the reason counted in the metrics and the words the API answers with.
REFUSALS = {
    "empty": (lambda: "", ("missing", "no initData")),
    "too long": (lambda: "x=" + "a" * 5000, ("malformed", "initData is too long")),
    "empty pair": (lambda: "a=1&&b=2", ("malformed", "initData is not a query string")),
    "repeated field": (lambda: init_data(signed_at=NOW) + "&user=x", ("malformed", "initData repeats a field")),
    "no hash": (lambda: urlencode(fields_for(USER, NOW)), ("no_hash", "initData has no hash")),
    "bad hash": (
        lambda: init_data(signed_at=NOW, bot_token=OTHER_BOT),
        ("bad_hash", "initData is not signed for this bot"),
    ),
    "date in words": (lambda: with_auth_date("yesterday"), NO_DATE),
    "date too big": (lambda: with_auth_date("9" * 30), NO_DATE),
    "date in other digits": (
        lambda: with_auth_date(str(int(NOW.timestamp())).translate(ARABIC_INDIC_DIGITS)),
        NO_DATE,
    ),
    "expired": (
        lambda: init_data(signed_at=NOW - dt.timedelta(days=2)),
        ("expired", "initData has expired; reopen the page from the bot"),
    ),
    "from the future": (
        lambda: init_data(signed_at=NOW + dt.timedelta(minutes=6)),
        ("malformed", "initData is dated in the future"),
    ),
    "no user": (lambda: signed({"auth_date": str(int(NOW.timestamp()))}), ("no_user", "initData names no user")),
    "user not JSON": (
        lambda: signed(fields_for({}, NOW) | {"user": "{"}),
        ("no_user", "initData's user is not JSON"),
    ),
    "user a list": (lambda: with_user([1001]), ("no_user", "initData's user is not an object")),
    "user id 0": (lambda: with_user({"id": 0, "first_name": "Ada"}), NO_VALID_ID),
    "user id negative": (lambda: with_user({"id": -1001, "first_name": "Ada"}), NO_VALID_ID),
    "user id true": (lambda: with_user({"id": True, "first_name": "Ada"}), NO_VALID_ID),
    "user id text": (lambda: with_user({"id": "1001", "first_name": "Ada"}), NO_VALID_ID),
    "no first name": (lambda: with_user({"id": 1001}), ("no_user", "initData's user has no first name")),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_each_refusal_says_why(case: str) -> None:
    make, (reason, words) = REFUSALS[case]
    with pytest.raises(InitDataError) as caught:
        verify_init_data(make(), TOKEN, NOW)
    assert (caught.value.reason, str(caught.value)) == (reason, words)


def test_the_edges_of_what_is_taken() -> None:
    """Each limit holds at its edge: what sits on it is taken, one more is refused."""
    assert verify_init_data(with_user({"id": 1, "first_name": "A"}), TOKEN, NOW).id == 1, "the smallest id"

    skew = dt.timedelta(minutes=5)
    assert verify_init_data(init_data(signed_at=NOW + skew), TOKEN, NOW).id == 1001, "five minutes ahead"
    with pytest.raises(InitDataError, match="in the future"):
        verify_init_data(init_data(signed_at=NOW + skew + dt.timedelta(seconds=1)), TOKEN, NOW)

    base = fields_for(USER, NOW)
    filler = MAX_LENGTH - len(signed({**base, "pad": ""}))
    assert len(signed({**base, "pad": "p" * filler})) == MAX_LENGTH
    assert verify_init_data(signed({**base, "pad": "p" * filler}), TOKEN, NOW).id == 1001, "as long as can be"
    with pytest.raises(InitDataError, match="too long"):
        verify_init_data(signed({**base, "pad": "p" * (filler + 1)}), TOKEN, NOW)

    extra = MAX_FIELDS - len(base) - 1  # the hash is a field too
    most = {**base, **{f"f{n}": "1" for n in range(extra)}}
    assert verify_init_data(signed(most), TOKEN, NOW).id == 1001, "as many fields as can be"
    with pytest.raises(InitDataError, match="not a query string"):
        verify_init_data(signed({**most, "one_more": "1"}), TOKEN, NOW)


def test_a_blank_field_is_part_of_what_was_signed() -> None:
    # Telegram signs every field it sends, blank ones too: dropping one would break the check.
    assert verify_init_data(signed(fields_for(USER, NOW, start_param="")), TOKEN, NOW).id == 1001


def test_optional_user_fields_that_are_not_text_are_left_out() -> None:
    user = verify_init_data(with_user({"id": 7, "first_name": "Bo", "username": 5, "last_name": None}), TOKEN, NOW)
    assert user == WebAppUser(id=7, first_name="Bo")
