"""Whole dialogues through the bot's engine and the fake Bot API server (ru, kk, en)."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from narcowatch.reports.images import gps_exif, read_gps
from narcowatch.runtime import Runtime
from narcowatch.store.tables import ReportRecord
from narcowatch.store.tables_reports import ReportLinkRecord
from tests.bot.helpers import (
    choose_kind,
    finish,
    has_button,
    jpeg,
    reply_to,
    say,
    send_report,
    start_dialogue,
)
from tests.fakes.telegram_bot_api import FakeTelegram


def report(live: Runtime, number: str) -> ReportRecord:
    with live.db.session() as s:
        rec = s.scalar(select(ReportRecord).where(ReportRecord.number == number))
        assert rec is not None, number
        return rec


def test_link_report_with_campaign(tg: FakeTelegram, live: Runtime) -> None:
    user = tg.user(501234567, "Aigerim", last_name="Nurlanova", username="aigerim_kz")
    menu = start_dialogue(tg, user, "en", payload="TRZ-01")
    assert "anonymously" in menu.text
    collecting = choose_kind(tg, user, menu, "link")
    added = say(
        tg,
        user,
        lambda: user.send(
            "they sell here https://Shop-Kz.example/catalog?utm_source=tg and @Kladmen_KZ"
        ),
    )
    assert "Added" in added.text
    summary = finish(tg, user, collecting)
    assert "https://shop-kz.example/catalog" in summary.text and "TRZ-01" in summary.text
    number = send_report(tg, user, summary)
    rec = report(live, number)
    assert (rec.kind, rec.campaign, rec.lang, rec.channel) == ("link", "TRZ-01", "en", "bot")
    with live.db.session() as s:
        urls = set(s.scalars(select(ReportLinkRecord.url)))
    assert {"https://shop-kz.example/catalog", "https://t.me/kladmen_kz"} <= urls
    # The summary message lost its buttons once sent (editMessageText).
    assert any(m.edited and number in m.text and not m.buttons() for m in tg.messages_to(user.id))
    mark = len(tg.sent)
    user.send("/status")
    status = reply_to(tg, user, lambda s: number in s.text, mark)
    assert "received" in status.text


def test_kazakh_dialogue_and_forwarded_post(tg: FakeTelegram, live: Runtime) -> None:
    user = tg.user(702000111, "Ерлан", username="erlan_a")
    menu = start_dialogue(tg, user, "kk")
    assert "Не туралы хабарлағыңыз келеді?" in menu.text
    collecting = choose_kind(tg, user, menu, "link")
    added = say(tg, user, lambda: user.forward_from_channel("Закладки 24/7", "magaz_almaty", 42))
    assert "Қосылды" in added.text
    number = send_report(tg, user, finish(tg, user, collecting))
    rec = report(live, number)
    assert rec.lang == "kk" and "Закладки 24/7" in rec.text
    with live.db.session() as s:
        assert (
            s.scalar(
                select(ReportLinkRecord).where(
                    ReportLinkRecord.url == "https://t.me/magaz_almaty/42"
                )
            )
            is not None
        )


def test_russian_stash_with_location(tg: FakeTelegram, live: Runtime) -> None:
    user = tg.user(703000222, "Иван")
    menu = start_dialogue(tg, user, "ru")
    assert "О чём вы хотите сообщить?" in menu.text
    collecting = choose_kind(tg, user, menu, "stash")
    assert "геопозицию" in collecting.text
    say(tg, user, lambda: user.send_location(43.238949, 76.889709))
    say(tg, user, lambda: user.send("у гаражей за школой"))
    number = send_report(tg, user, finish(tg, user, collecting))
    rec = report(live, number)
    assert (rec.kind, rec.lat, rec.lon) == ("stash", 43.238949, 76.889709)


def _exif_with_identity() -> Image.Exif:
    exif = gps_exif(42.9001, 71.3667)
    exif[0x010F] = "CameraMaker"
    exif[0x013B] = "Photographer Private-Name"  # Artist
    exif[0xA431] = "SERIAL-998877"  # BodySerialNumber
    return exif


def _photo_dialogue(tg: FakeTelegram, live: Runtime, user_id: int, consent: str) -> ReportRecord:
    user = tg.user(user_id, "Photo")
    collecting = choose_kind(tg, user, start_dialogue(tg, user, "en"), "photo")
    ask = say(
        tg,
        user,
        lambda: user.send_photo(
            jpeg(exif=_exif_with_identity()), caption="graffiti on Abai st", as_document=True
        ),
    )
    assert has_button("gps:yes")(ask), ask.text
    mark = len(tg.sent)
    user.click(ask, consent)
    reply_to(tg, user, has_button("done"), mark)
    return report(live, send_report(tg, user, finish(tg, user, collecting)))


def test_photo_exif_stripped_gps_kept_with_consent(tg: FakeTelegram, live: Runtime) -> None:
    rec = _photo_dialogue(tg, live, 704000333, "gps:yes")
    assert (rec.lat, rec.lon) == (42.9001, 71.3667)
    (photo,) = rec.blobs
    data = live.blobs.get(photo["sha256"])
    assert photo["gps"] is True
    assert (
        b"Private-Name" not in data and b"SERIAL-998877" not in data and b"CameraMaker" not in data
    )
    img = Image.open(io.BytesIO(data))
    assert read_gps(img) == (42.9001, 71.3667)
    assert set(img.getexif()) == {0x8825}  # the GPS pointer and nothing else


def test_photo_gps_removed_without_consent(tg: FakeTelegram, live: Runtime) -> None:
    rec = _photo_dialogue(tg, live, 705000444, "gps:no")
    assert rec.lat is None
    data = live.blobs.get(rec.blobs[0]["sha256"])
    assert dict(Image.open(io.BytesIO(data)).getexif()) == {}


def test_fake_photo_is_refused_and_dialogue_goes_on(tg: FakeTelegram, live: Runtime) -> None:
    user = tg.user(706000555, "Sly")
    collecting = choose_kind(tg, user, start_dialogue(tg, user, "en"), "photo")
    refused = say(
        tg, user, lambda: user.send_photo(b"%PDF-1.7 not an image at all" * 20, as_document=True)
    )
    assert "not an image" in refused.text
    refused = say(tg, user, lambda: user.send_photo(b"\xff\xd8\xff\xe0" + b"\0" * 300))
    assert "not an image" in refused.text
    summary_or_empty = finish_or_empty(tg, user, collecting)
    assert "Nothing added yet" in summary_or_empty
    say(tg, user, lambda: user.send_photo(jpeg("green")))
    rec = report(live, send_report(tg, user, finish(tg, user, collecting)))
    assert len(rec.blobs) == 1


def finish_or_empty(tg: FakeTelegram, user, collecting) -> str:  # type: ignore[no-untyped-def]
    mark = len(tg.sent)
    user.click(collecting, "done")
    return reply_to(tg, user, lambda s: True, mark).text


def test_cancel_at_every_step(tg: FakeTelegram, live: Runtime) -> None:
    user = tg.user(707000666, "Undecided")
    with live.db.session() as s:
        before = len(s.scalars(select(ReportRecord.id)).all())
    menu = start_dialogue(tg, user, "en")
    mark = len(tg.sent)
    user.click(menu, "cancel")  # at the menu
    reply_to(tg, user, lambda s: "Cancelled" in s.text, mark)
    collecting = choose_kind(tg, user, start_dialogue(tg, user, "en"), "den")
    say(tg, user, lambda: user.send("a flat on the 3rd floor"))
    mark = len(tg.sent)
    user.click(collecting, "cancel")  # while collecting
    reply_to(tg, user, lambda s: "Cancelled" in s.text, mark)
    collecting = choose_kind(tg, user, start_dialogue(tg, user, "en"), "lab")
    say(tg, user, lambda: user.send("chemical smell at night"))
    summary = finish(tg, user, collecting)
    mark = len(tg.sent)
    user.click(summary, "cancel")  # at the confirmation
    reply_to(tg, user, lambda s: "Cancelled" in s.text, mark)
    mark = len(tg.sent)
    user.click(summary, "send")  # a stale button after cancelling does nothing
    reply_to(tg, user, lambda s: "expired" in s.text, mark)
    collecting = choose_kind(tg, user, start_dialogue(tg, user, "en"), "other")
    mark = len(tg.sent)
    user.send("/cancel")  # the command works too
    reply_to(tg, user, lambda s: "Cancelled" in s.text, mark)
    with live.db.session() as s:
        assert len(s.scalars(select(ReportRecord.id)).all()) == before


def test_odd_updates_do_not_crash_the_bot(tg: FakeTelegram, live: Runtime) -> None:
    user = tg.user(708000777, "Odd", username="odd_one")
    collecting = choose_kind(tg, user, start_dialogue(tg, user, "en"), "other")
    sticker = {
        "file_id": "CAACAgIAAxk",
        "file_unique_id": "AgAD",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    assert "I accept" in say(tg, user, lambda: user.send_content(sticker=sticker)).text
    poll = {
        "id": "5",
        "question": "?",
        "options": [{"text": "a", "voter_count": 0}],
        "total_voter_count": 0,
        "is_closed": False,
        "is_anonymous": True,
        "type": "regular",
        "allows_multiple_answers": False,
    }
    chat = {"id": user.id, "type": "private", "first_name": "Odd"}
    frm = {"id": user.id, "is_bot": False, "first_name": "Odd"}
    tg.push({"poll": poll})
    tg.push(
        {
            "edited_message": {
                "message_id": 3,
                "date": 1,
                "edit_date": 2,
                "chat": chat,
                "from": frm,
                "text": "edited",
            }
        }
    )
    tg.push(
        {
            "channel_post": {
                "message_id": 9,
                "date": 1,
                "text": "post",
                "chat": {"id": -100555, "type": "channel", "title": "c"},
            }
        }
    )
    tg.push({"future_update_kind": {"anything": [1, 2, 3]}})
    tg.push(
        {
            "message": {
                "message_id": 4,
                "date": 1,
                "text": "/start",
                "chat": {"id": -4001, "type": "group", "title": "g"},
                "from": frm,
            }
        }
    )
    tg.push(
        {
            "callback_query": {
                "id": "x1",
                "from": frm,
                "chat_instance": "c",
                "inline_message_id": "AAA",
                "data": "send",
            }
        }
    )
    assert (
        "I accept"
        in say(tg, user, lambda: user.send_content(dice={"emoji": "🎲", "value": 3})).text
    )
    assert (
        "I accept"
        in say(
            tg,
            user,
            lambda: user.send_content(
                contact={"phone_number": "+77011234567", "first_name": "Odd", "user_id": user.id}
            ),
        ).text
    )
    tg.wait_confirmed()
    # The bot is still alive and the dialogue intact.
    say(tg, user, lambda: user.send("a stranger asked kids about 'candy' near school 12"))
    number = send_report(tg, user, finish(tg, user, collecting))
    assert "+77011234567" not in report(live, number).text
    group = [m for m in tg.sent if m.chat_id == -4001]
    assert group == []  # groups are not served (the fake knows no such chat anyway)


def test_flood_is_limited_per_reporter(tg: FakeTelegram, live: Runtime) -> None:
    user = tg.user(709000888, "Flooder")
    collecting = choose_kind(tg, user, start_dialogue(tg, user, "en"), "other")
    mark = len(tg.sent)
    for n in range(45):
        user.send(f"spam message {n}")
    tg.wait_confirmed()
    replies = [m.text for m in tg.sent[mark:] if m.chat_id == user.id]
    assert sum("Too many messages" in r for r in replies) == 1
    added = sum(r.startswith("Added") for r in replies)
    assert 20 <= added < 45
    from narcowatch.reports.pseudonyms import Pseudonymizer
    from narcowatch.store.tables_reports import BotDialogueRecord

    pseudonym = Pseudonymizer.from_settings(live.settings)("tg", user.id)
    with live.db.session() as s:
        dialogue = s.get(BotDialogueRecord, pseudonym)
        assert dialogue is not None and dialogue.state == "collect"
        assert len(dialogue.data["draft"]["texts"]) == added  # dropped updates changed nothing
    assert collecting.buttons()


def test_templated_answers_reach_every_reporter_of_a_link(tg: FakeTelegram, live: Runtime) -> None:
    from narcowatch.reports.status import set_link_status, set_status
    from narcowatch.reports.tx import write_session

    numbers = []
    users = [tg.user(710000001 + i, f"Neighbour{i}") for i in range(2)]
    for user in users:
        collecting = choose_kind(tg, user, start_dialogue(tg, user, "ru"), "link")
        say(tg, user, lambda u=user: u.send("https://dealer-shop.example/buy"))
        numbers.append(send_report(tg, user, finish(tg, user, collecting)))
    mark = len(tg.sent)
    with write_session(live.db) as s:
        assert (
            set_link_status(
                s, "https://dealer-shop.example/buy", "sent_for_blocking", actor="analyst1"
            )
            == 2
        )
    for user, number in zip(users, numbers, strict=True):
        answer = reply_to(tg, user, lambda m, n=number: n in m.text, mark)
        assert "направлены на блокировку" in answer.text
    mark = len(tg.sent)
    with write_session(live.db) as s:
        rec = s.scalar(select(ReportRecord).where(ReportRecord.number == numbers[0]))
        assert rec is not None
        assert set_status(s, rec, "blocked", actor="analyst1")
        assert not set_status(s, rec, "checking", actor="analyst1")  # never backwards
    answer = reply_to(tg, users[0], lambda m: numbers[0] in m.text, mark)
    assert "заблокирован" in answer.text
    mark = len(tg.sent)
    users[0].send("/status")
    status = reply_to(tg, users[0], lambda m: numbers[0] in m.text, mark)
    assert "заблокировано" in status.text


def test_nothing_identifies_a_reporter_at_rest(tg: FakeTelegram, live: Runtime) -> None:
    """Scan every column of every table, and every blob, for the reporters' identifiers."""
    from sqlalchemy import MetaData

    from narcowatch.ingest.reports import process_reports

    result = process_reports(live)  # reports into items, through the whole pipeline
    assert result.items > 0
    needles = {str(uid) for uid in tg.chats} | {
        "aigerim_kz",
        "erlan_a",
        "odd_one",
        "Aigerim",
        "Nurlanova",
        "Ерлан",
        "Flooder",
        "Neighbour0",
        "77011234567",
        "7011234567",
    }
    meta = MetaData()
    meta.reflect(live.db.engine)
    hits = []
    with live.db.engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(table.select()):
                for column, value in zip(table.columns.keys(), row, strict=True):
                    text = str(value)
                    hits += [(table.name, column, n) for n in needles if n in text]
    assert hits == []
    blob_files = [p for p in live.settings.blob_dir.rglob("*") if p.is_file()]
    assert blob_files
    for path in blob_files:
        data = path.read_bytes()
        assert not [n for n in needles if n.encode() in data], path
    with live.db.session() as s:
        assert s.scalar(select(ReportRecord.id)) is not None
