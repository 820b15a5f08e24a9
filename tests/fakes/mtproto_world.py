"""What the fake MTProto server knows: auth keys, the account, channels and their messages.

RPCs are answered with Telethon's TL types the way Telegram answers them: unknown usernames
give ``USERNAME_NOT_OCCUPIED``, unauthorised keys ``AUTH_KEY_UNREGISTERED`` (401), a method
put in ``flood`` gives ``FLOOD_WAIT_<s>`` (420), and ``messages.getHistory`` follows the
documented offset_id/add_offset/limit/max_id/min_id paging, newest first.
"""

from __future__ import annotations

import io
import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from PIL import Image
from telethon.crypto import AuthKey
from telethon.tl import functions, types

log = logging.getLogger(__name__)
DC_ID = 2
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

POSTS = [
    "Мефедрон, альфа-PVP в наличии. Закладки по городу 24/7. Оператор: @shop_operator_kz",
    "Доброе утро! Сегодня в Алматы солнечно, +18. Хорошего дня всем подписчикам.",
    "Шишки АК-47, гашиш. Оплата на карту 4400 4301 2345 6789 или BTC. Пиши t.me/drop_bot_kz",
    "Бүгін Астанада концерт өтеді, билеттер сатылымда.",
    "Есірткі емес, тек витаминдер! Жеткізу тегін. Байланыс: +7 701 555 12 34",
    "Fresh stock: MDMA, LSD, cocaine. Dead drops in Almaty. Contact @fresh_stock_admin",
    "Weekly news digest: roads, weather and the football results.",
    "Работа! Курьер-закладчик, от 300 000 тг в неделю. Писать в лс.",
]


class RpcFail(Exception):
    """An ``rpc_error`` answer (code and message exactly as Telegram words them)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code} {message}")
        self.code, self.message = code, message


@dataclass
class FakeChannel:
    id: int
    username: str
    title: str
    megagroup: bool = False
    access_hash: int = field(default_factory=lambda: int.from_bytes(os.urandom(7), "big"))
    messages: dict[int, types.Message] = field(default_factory=dict)

    def tl(self) -> types.Channel:
        return types.Channel(
            id=self.id,
            title=self.title,
            photo=types.ChatPhotoEmpty(),
            date=T0,
            broadcast=not self.megagroup,
            megagroup=self.megagroup,
            access_hash=self.access_hash,
            username=self.username,
        )


def jpeg(seed: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (seed * 40 % 256, 90, 160)).save(buf, "JPEG")
    return buf.getvalue()


class World:
    """Accounts and channels; ``handle`` answers one unwrapped RPC for an auth key."""

    def __init__(self, phone: str = "+77010000000", code: str = "24680") -> None:
        self.keys: dict[int, AuthKey] = {}
        self.authorized: set[int] = set()
        self.phone, self.code = phone, code
        self.me = types.User(
            id=5550001, is_self=True, access_hash=77, first_name="Operator", phone=phone[1:]
        )
        self.poster = types.User(id=5550002, access_hash=78, first_name="Seller", username="seller")
        self.channels: dict[str, FakeChannel] = {}
        self.photos: dict[int, bytes] = {}
        self.flood: dict[str, int] = {}  # request class name -> seconds to wait
        self.calls: list[str] = []
        self.downloads: list[int] = []  # photo ids whose first chunk was asked for
        self.address = ("127.0.0.1", 0)

    # -- content --------------------------------------------------------------------------
    def add_channel(self, username: str, n: int, megagroup: bool = False) -> FakeChannel:
        ch = FakeChannel(id=1_000_000 + len(self.channels), username=username, title=username)
        ch.megagroup = megagroup
        self.channels[username] = ch
        self.post(ch, n)
        return ch

    def post(self, ch: FakeChannel, n: int) -> None:
        """Add ``n`` messages: ads and ordinary posts, every 5th forwarded, every 4th a photo."""
        start = max(ch.messages, default=0) + 1
        for mid in range(start, start + n):
            text = f"{POSTS[mid % len(POSTS)]} #{mid}"
            entities: list[Any] = []
            if mid % 3 == 0:
                url = f"https://t.me/new_shop_{mid}"
                text += "\nЗаказ здесь"
                entities.append(
                    types.MessageEntityTextUrl(offset=len(text) - 11, length=11, url=url)
                )
            media = None
            if mid % 4 == 0:
                pid = ch.id * 10_000 + mid
                self.photos[pid] = jpeg(mid)
                media = types.MessageMediaPhoto(
                    photo=types.Photo(
                        id=pid,
                        access_hash=pid * 3,
                        file_reference=b"ref",
                        date=T0,
                        sizes=[types.PhotoSize(type="x", w=64, h=48, size=len(self.photos[pid]))],
                        dc_id=DC_ID,
                    )
                )
            fwd = None
            if mid % 5 == 0:
                fwd = types.MessageFwdHeader(date=T0, from_name="Other Shop", channel_post=mid)
            ch.messages[mid] = types.Message(
                id=mid,
                peer_id=types.PeerChannel(ch.id),
                date=T0 + timedelta(hours=mid),
                message=text,
                post=not ch.megagroup,
                from_id=types.PeerUser(self.poster.id) if ch.megagroup else None,
                fwd_from=fwd,
                media=media,
                entities=entities or None,
                views=None if ch.megagroup else mid * 10,
                forwards=None if ch.megagroup else mid,
            )

    def edit(self, ch: FakeChannel, mid: int, text: str) -> None:
        msg = ch.messages[mid]
        msg.message, msg.entities = text, None
        msg.edit_date = T0 + timedelta(days=30)

    # -- RPCs -----------------------------------------------------------------------------
    async def handle(self, key_id: int, req: Any) -> Any:
        name = type(req).__name__
        self.calls.append(name)
        if name in self.flood:
            raise RpcFail(420, f"FLOOD_WAIT_{self.flood[name]}")
        if isinstance(req, functions.help.GetConfigRequest):
            return self.config()
        if isinstance(req, functions.auth.SendCodeRequest):
            return types.auth.SentCode(
                type=types.auth.SentCodeTypeApp(length=len(self.code)), phone_code_hash="h4sh"
            )
        if isinstance(req, functions.auth.SignInRequest):
            if req.phone_code != self.code or req.phone_number.lstrip("+") != self.me.phone:
                raise RpcFail(400, "PHONE_CODE_INVALID")
            self.authorized.add(key_id)
            return types.auth.Authorization(user=self.me)
        if key_id not in self.authorized:
            raise RpcFail(401, "AUTH_KEY_UNREGISTERED")
        handler = getattr(self, "rpc_" + name, None)
        if handler is None:
            log.warning("fake MTProto: unhandled %s", name)
            raise RpcFail(400, "METHOD_NOT_SUPPORTED_BY_FAKE")
        return handler(req)

    def config(self) -> types.Config:
        ip, port = self.address
        now = datetime.now(UTC)
        ints = dict.fromkeys(
            [
                "chat_size_max",
                "megagroup_size_max",
                "forwarded_count_max",
                "online_update_period_ms",
                "offline_blur_timeout_ms",
                "offline_idle_timeout_ms",
                "online_cloud_timeout_ms",
                "notify_cloud_delay_ms",
                "notify_default_delay_ms",
                "push_chat_period_ms",
                "push_chat_limit",
                "edit_time_limit",
                "revoke_time_limit",
                "revoke_pm_time_limit",
                "rating_e_decay",
                "stickers_recent_limit",
                "channels_read_media_period",
                "call_receive_timeout_ms",
                "call_ring_timeout_ms",
                "call_connect_timeout_ms",
                "call_packet_timeout_ms",
                "caption_length_max",
                "message_length_max",
            ],
            1000,
        )
        return types.Config(
            date=now,
            expires=now + timedelta(hours=1),
            test_mode=False,
            this_dc=DC_ID,
            dc_options=[types.DcOption(id=DC_ID, ip_address=ip, port=port)],
            dc_txt_domain_name="localhost",
            me_url_prefix="https://t.me/",
            webfile_dc_id=DC_ID,
            **ints,
        )

    def _channel(self, peer: Any) -> FakeChannel:
        cid = getattr(peer, "channel_id", None)
        for ch in self.channels.values():
            if ch.id == cid and getattr(peer, "access_hash", None) == ch.access_hash:
                return ch
        raise RpcFail(400, "CHANNEL_INVALID")

    def rpc_GetUsersRequest(self, req: Any) -> list[types.User]:
        return [self.me if isinstance(u, types.InputUserSelf) else self.poster for u in req.id]

    def rpc_GetStateRequest(self, req: Any) -> types.updates.State:
        return types.updates.State(pts=1, qts=0, date=datetime.now(UTC), seq=1, unread_count=0)

    def rpc_GetDifferenceRequest(self, req: Any) -> types.updates.DifferenceEmpty:
        return types.updates.DifferenceEmpty(date=datetime.now(UTC), seq=1)

    def rpc_GetChannelDifferenceRequest(self, req: Any) -> Any:
        return types.updates.ChannelDifferenceEmpty(pts=req.pts, final=True, timeout=30)

    def rpc_ResolveUsernameRequest(self, req: Any) -> types.contacts.ResolvedPeer:
        ch = self.channels.get(req.username)
        if ch is None:
            raise RpcFail(400, "USERNAME_NOT_OCCUPIED")
        return types.contacts.ResolvedPeer(peer=types.PeerChannel(ch.id), chats=[ch.tl()], users=[])

    def rpc_GetChannelsRequest(self, req: Any) -> types.messages.Chats:
        return types.messages.Chats(chats=[self._channel(c).tl() for c in req.id])

    def rpc_GetHistoryRequest(self, req: Any) -> types.messages.ChannelMessages:
        ch = self._channel(req.peer)
        ids = sorted(ch.messages, reverse=True)
        start = 0
        if req.offset_id:
            start = next((i for i, m in enumerate(ids) if m < req.offset_id), len(ids))
        start += req.add_offset
        limit = req.limit + min(start, 0)
        page = ids[max(start, 0) : max(start, 0) + max(limit, 0)]
        page = [m for m in page if m > req.min_id and (not req.max_id or m < req.max_id)]
        return types.messages.ChannelMessages(
            pts=len(ids) + 1,
            count=len(ids),
            messages=[ch.messages[m] for m in page],
            topics=[],
            chats=[ch.tl()],
            users=[self.poster] if ch.megagroup else [],
        )

    def rpc_GetFileRequest(self, req: Any) -> types.upload.File:
        loc = req.location
        data = self.photos.get(getattr(loc, "id", 0))
        if data is None or loc.access_hash != loc.id * 3:
            raise RpcFail(400, "FILE_REFERENCE_INVALID")
        if req.offset == 0:
            self.downloads.append(loc.id)
        return types.upload.File(
            type=types.storage.FileJpeg(), mtime=0, bytes=data[req.offset : req.offset + req.limit]
        )
