"""Deciding how one delivery goes out and writing it for its channel (pure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time

from services.notifications.channels.base import ChannelKind
from services.notifications.compose import (
    Exhausted,
    Hold,
    Send,
    Suppress,
    prepare,
)
from services.notifications.delivery_rows import Claimed
from services.notifications.people import Contact
from services.notifications.preference_store import Stored
from services.notifications.preferences import Channel, Preferences, QuietHours
from services.notifications.templates import default_catalogue

# 09:00 in Tashkent.
MORNING = datetime(2026, 12, 4, 4, 0, tzinfo=UTC)
# 23:30 in Tashkent.
NIGHT = datetime(2026, 12, 4, 18, 30, tzinfo=UTC)
ALL = (ChannelKind.TELEGRAM, ChannelKind.EMAIL, ChannelKind.SMS)
PERSON = Contact(
    user_id="u1",
    language="uz",
    telegram_chat="700000001",
    email="aziza@example.uz",
    phone="+998901234567",
    roles=frozenset({"applicant"}),
    status="approved",
)
DELIVERY = Claimed(
    id="d1",
    kind="request.confirmed",
    template="request.confirmed.applicant",
    recipient_id="u1",
    subject="251125-007",
    data={"number": "251125-007", "category": "plumbing"},
    body=None,
    subject_line=None,
    actions=("accept", "return"),
    urgent=False,
    staff_only=False,
    allowed_channels=None,
    contacts={},
    language_hint="",
    secret_fields=(),
    channels=(),
    channel_index=0,
    channel_attempts=0,
    attempt_count=0,
    dedup_key="notification:v1:e:u1",
    created_at=MORNING,
)
NIGHTS = Preferences(quiet_hours=QuietHours(time(22), time(8)))


def decide(
    delivery: Claimed = DELIVERY,
    contact: Contact | None = PERSON,
    stored: Stored | None = None,
    *,
    now: datetime = MORNING,
    configured: tuple[ChannelKind, ...] = ALL,
) -> object:
    return prepare(
        delivery,
        contact,
        stored or Stored(Preferences()),
        catalogue=default_catalogue(),
        configured=configured,
        now=now,
    )


def test_telegram_first_in_the_profile_language_with_the_buttons() -> None:
    send = decide()
    assert isinstance(send, Send)
    assert send.channels == ALL and send.index == 0
    assert send.language == "uz"
    assert send.message.address == "700000001"
    assert "251125-007" in send.message.text
    [row] = send.message.buttons
    assert [b.callback_data for b in row] == ["act:accept:251125-007", "act:return:251125-007"]
    assert row[0].label == "Ishni qabul qilish"


def test_the_chosen_language_wins_over_the_profile_and_the_event_over_both() -> None:
    stored = Stored(Preferences(language="en"))
    assert decide(stored=stored).language == "en"  # type: ignore[attr-defined]
    hinted = replace(DELIVERY, language_hint="ru")
    assert decide(hinted, stored=stored).language == "ru"  # type: ignore[attr-defined]


def test_people_without_telegram_get_email_with_subject_and_html() -> None:
    send = decide(contact=replace(PERSON, telegram_chat=""))
    assert isinstance(send, Send)
    assert send.channels == (ChannelKind.EMAIL, ChannelKind.SMS)
    assert send.message.subject and send.message.html and "<br>" in send.message.html
    assert send.message.buttons == ()


def test_channels_without_a_provider_are_skipped() -> None:
    send = decide(configured=(ChannelKind.SMS,))
    assert isinstance(send, Send) and send.channels == (ChannelKind.SMS,)
    assert send.message.address == "+998901234567"


def test_unknown_blocked_and_residents_reading_staff_texts_are_suppressed() -> None:
    assert isinstance(decide(contact=None), Suppress)
    assert decide(contact=replace(PERSON, status="blocked")) == Suppress("the recipient is blocked")
    internal = replace(DELIVERY, staff_only=True)
    assert decide(internal) == Suppress("staff only")
    manager = replace(PERSON, roles=frozenset({"manager"}))
    assert isinstance(decide(internal, manager), Send)


def test_quiet_hours_hold_ordinary_messages_until_morning() -> None:
    held = decide(stored=Stored(NIGHTS), now=NIGHT)
    assert isinstance(held, Hold)
    assert held.until == datetime(2026, 12, 5, 3, 0, tzinfo=UTC)  # 08:00 Tashkent


def test_urgent_messages_ignore_quiet_hours_and_mutes() -> None:
    urgent = replace(DELIVERY, urgent=True)
    muted = Stored(replace(NIGHTS, muted=frozenset({"request.confirmed"})))
    assert isinstance(decide(urgent, stored=muted, now=NIGHT), Send)
    assert isinstance(decide(stored=muted), Suppress)


def test_a_channel_marked_unreachable_is_not_used() -> None:
    stored = Stored(Preferences(), unreachable=frozenset({Channel.TELEGRAM}))
    send = decide(stored=stored)
    assert isinstance(send, Send) and send.channels[0] is ChannelKind.EMAIL


def test_a_retry_stays_on_its_channel_and_skips_one_that_stopped_reaching() -> None:
    on_email = replace(DELIVERY, channels=("telegram", "email", "sms"), channel_index=1)
    send = decide(on_email)
    assert isinstance(send, Send) and send.index == 1
    no_email = replace(PERSON, email="")
    send = decide(on_email, no_email)
    assert isinstance(send, Send) and send.index == 2
    assert decide(on_email, replace(no_email, phone="")) == Exhausted(
        "no channel chosen for this message reaches the person any more"
    )


def test_an_address_the_event_named_is_used_instead_of_the_profile() -> None:
    reset = replace(
        DELIVERY,
        kind="auth.password_reset",
        template="auth.password_reset.subject",
        allowed_channels=("email",),
        contacts={"email": "asked@example.uz"},
        data={"reset_token": "t0k3n", "expires": "04.12.2026 10:00"},
        urgent=True,
    )
    send = decide(reset, replace(PERSON, email=""))
    assert isinstance(send, Send)
    assert send.channels == (ChannelKind.EMAIL,)
    assert send.message.address == "asked@example.uz"
    assert "t0k3n" in send.message.text


def test_a_direct_text_is_escaped_for_telegram_and_kept_plain_elsewhere() -> None:
    text = replace(DELIVERY, template="direct.text", body="Lift <3> & stairs", actions=())
    send = decide(text)
    assert isinstance(send, Send)
    assert send.message.text == "Lift &lt;3&gt; &amp; stairs"
    assert send.rendered.text == "Lift <3> & stairs"


def test_a_photo_goes_with_the_telegram_message_when_the_text_fits_a_caption() -> None:
    with_photo = replace(DELIVERY, data={**DELIVERY.data, "photo": "AgACAgIAAxkBAAIB"})
    send = decide(with_photo)
    assert isinstance(send, Send) and send.message.photo == "AgACAgIAAxkBAAIB"
    long_text = replace(with_photo, template="direct.text", body="Длинный текст. " * 80)
    send = decide(long_text)
    assert isinstance(send, Send) and send.message.photo is None
    on_email = decide(with_photo, replace(PERSON, telegram_chat=""))
    assert isinstance(on_email, Send) and on_email.message.photo is None
