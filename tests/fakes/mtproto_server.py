"""A local MTProto server on 127.0.0.1 that the real Telethon client talks to.

Telegram's network is out of reach in tests, so this speaks the real protocol at the socket:
the TCP "full" transport (length, sequence number, CRC32), the auth key exchange of
https://core.telegram.org/mtproto/auth_key (req_pq_multi, RSA-encrypted p_q_inner_data with
a server key registered through ``telethon.crypto.rsa.add_key``, Diffie-Hellman over the
RFC 3526 2048-bit safe prime, dh_gen_ok) and MTProto 2.0 encrypted messages (AES-256-IGE,
msg_key from SHA-256, x=0 client to server and x=8 back). Containers, gzip_packed, acks,
ping and invokeWithLayer/initConnection are unwrapped here; the RPCs themselves are answered
by :class:`tests.fakes.mtproto_world.World`. All TL (de)serialisation and crypto primitives
are Telethon's own, so a wire mismatch would show up as a client error, not be hidden.
"""

from __future__ import annotations

import asyncio
import logging
import os
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from hashlib import sha1, sha256
from typing import Any

import rsa as pyrsa
from Crypto.PublicKey import RSA
from Crypto.Util.number import getPrime
from telethon.crypto import AES, AuthKey
from telethon.crypto import rsa as tl_rsa
from telethon.extensions import BinaryReader
from telethon.helpers import generate_key_data_from_nonce
from telethon.network.mtprotostate import MTProtoState
from telethon.tl import TLObject, functions, types
from telethon.tl.core import GzipPacked, MessageContainer

from tests.fakes.mtproto_world import RpcFail, World

log = logging.getLogger(__name__)

DH_PRIME = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A0879"
    "8E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B"
    "0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA4836"
    "1C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804"
    "F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6"
    "955817183995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF",
    16,
)  # RFC 3526 group 14, a safe prime (checked by the tests of this fake)
DH_G = 2
RPC_RESULT = 0xF35C6D01
WRAPPERS = (
    functions.InvokeWithLayerRequest,
    functions.InitConnectionRequest,
    functions.InvokeWithoutUpdatesRequest,
    functions.InvokeAfterMsgRequest,
)
VECTOR = 0x1CB5C415

_KEY_LOCK = threading.Lock()
_SERVER_KEY: Any = None


def server_rsa_key() -> Any:
    """One RSA key per test process, registered with Telethon like Telegram's own keys."""
    global _SERVER_KEY
    with _KEY_LOCK:
        if _SERVER_KEY is None:
            _SERVER_KEY = RSA.generate(2048)
            pub = pyrsa.PublicKey(_SERVER_KEY.n, _SERVER_KEY.e).save_pkcs1()
            tl_rsa.add_key(pub.decode(), old=False)
        return _SERVER_KEY


def fingerprint(key: Any) -> int:
    blob = TLObject.serialize_bytes(tl_rsa.get_byte_array(key.n))
    blob += TLObject.serialize_bytes(tl_rsa.get_byte_array(key.e))
    return int(struct.unpack("<q", sha1(blob).digest()[-8:])[0])


def _int(data: bytes) -> int:
    return int.from_bytes(data, "big")


def serialize_result(result: Any) -> bytes:
    """A TL object, a Vector of them, or a bool, as the bytes of an rpc_result body."""
    if isinstance(result, bool):
        return struct.pack("<I", 0x997275B5 if result else 0xBC799737)
    if isinstance(result, list):
        return struct.pack("<Ii", VECTOR, len(result)) + b"".join(bytes(x) for x in result)
    return bytes(result)


class _Conn:
    """One client TCP connection: framing, the plain handshake, then encrypted messages."""

    def __init__(self, server: FakeMTProtoServer, reader: Any, writer: Any) -> None:
        self.server, self.reader, self.writer = server, reader, writer
        self.send_seq = 0
        self.auth_key: AuthKey | None = None
        self.session_id = 0
        self.seq = 0
        self.last_msg_id = 0
        self.dh: dict[str, Any] = {}

    # -- transport (tcp_full) -------------------------------------------------------------
    async def read_packet(self) -> bytes:
        head = await self.reader.readexactly(8)
        length, _seq = struct.unpack("<ii", head)
        body = await self.reader.readexactly(length - 8)
        if struct.unpack("<I", body[-4:])[0] != zlib.crc32(head + body[:-4]):
            raise ConnectionError("bad CRC32 from client")
        return body[:-4]

    def write_packet(self, data: bytes) -> None:
        packet = struct.pack("<ii", len(data) + 12, self.send_seq) + data
        self.writer.write(packet + struct.pack("<I", zlib.crc32(packet)))
        self.send_seq += 1

    def new_msg_id(self, response: bool) -> int:
        msg_id = (int(time.time() * 2**32) & ~3) | (1 if response else 3)
        if msg_id <= self.last_msg_id:
            msg_id = self.last_msg_id + 4
        self.last_msg_id = msg_id
        return msg_id

    async def run(self) -> None:
        try:
            while True:
                packet = await self.read_packet()
                key_id = struct.unpack("<q", packet[:8])[0]
                if key_id == 0:
                    self.on_plain(packet)
                else:
                    await self.on_encrypted(packet)
                await self.writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.writer.close()

    # -- auth key exchange ----------------------------------------------------------------
    def on_plain(self, packet: bytes) -> None:
        reader = BinaryReader(packet[20:])
        req = reader.tgread_object()
        answer = self.handshake(req)
        body = bytes(answer)
        self.write_packet(struct.pack("<qqi", 0, self.new_msg_id(True), len(body)) + body)

    def handshake(self, req: Any) -> Any:
        key = server_rsa_key()
        if isinstance(req, functions.ReqPqMultiRequest):
            p, q = sorted((getPrime(31), getPrime(31)))
            server_nonce = int.from_bytes(os.urandom(16), "big", signed=True)
            self.dh = {"nonce": req.nonce, "server_nonce": server_nonce, "pq": p * q}
            return types.ResPQ(
                nonce=req.nonce,
                server_nonce=server_nonce,
                pq=tl_rsa.get_byte_array(p * q),
                server_public_key_fingerprints=[fingerprint(key)],
            )
        if isinstance(req, functions.ReqDHParamsRequest):
            if req.public_key_fingerprint != fingerprint(key):
                raise ConnectionError("client used an unknown RSA key")
            plain = pow(_int(req.encrypted_data), key.d, key.n).to_bytes(255, "big")
            inner = BinaryReader(plain[20:]).tgread_object()
            if sha1(bytes(inner)).digest() != plain[:20]:
                raise ConnectionError("p_q_inner_data hash mismatch")
            if not isinstance(inner, types.PQInnerData) or _int(inner.p) * _int(
                inner.q
            ) != self.dh.get("pq"):
                raise ConnectionError("p_q_inner_data does not factor pq")
            a = _int(os.urandom(256)) % (DH_PRIME - 2**1985) + 2**1984
            self.dh.update(a=a, new_nonce=inner.new_nonce)
            answer = bytes(
                types.ServerDHInnerData(
                    nonce=req.nonce,
                    server_nonce=req.server_nonce,
                    g=DH_G,
                    dh_prime=tl_rsa.get_byte_array(DH_PRIME),
                    g_a=tl_rsa.get_byte_array(pow(DH_G, a, DH_PRIME)),
                    server_time=int(time.time()),
                )
            )
            answer = sha1(answer).digest() + answer
            answer += os.urandom(-len(answer) % 16)
            aes_key, aes_iv = generate_key_data_from_nonce(req.server_nonce, inner.new_nonce)
            return types.ServerDHParamsOk(
                nonce=req.nonce,
                server_nonce=req.server_nonce,
                encrypted_answer=AES.encrypt_ige(answer, aes_key, aes_iv),
            )
        if isinstance(req, functions.SetClientDHParamsRequest):
            aes_key, aes_iv = generate_key_data_from_nonce(
                self.dh["server_nonce"], self.dh["new_nonce"]
            )
            plain = AES.decrypt_ige(req.encrypted_data, aes_key, aes_iv)
            inner = BinaryReader(plain[20:]).tgread_object()
            if sha1(bytes(inner)).digest() != plain[:20]:
                raise ConnectionError("client_DH_inner_data hash mismatch")
            g_b = _int(inner.g_b)
            auth_key = AuthKey(tl_rsa.get_byte_array(pow(g_b, self.dh["a"], DH_PRIME)))
            self.server.world.keys[auth_key.key_id] = auth_key
            return types.DhGenOk(
                nonce=req.nonce,
                server_nonce=req.server_nonce,
                new_nonce_hash1=auth_key.calc_new_nonce_hash(self.dh["new_nonce"], 1),
            )
        raise ConnectionError(f"unexpected plain message {type(req).__name__}")

    # -- encrypted messages ---------------------------------------------------------------
    async def on_encrypted(self, packet: bytes) -> None:
        key_id = struct.unpack("<Q", packet[:8])[0]
        auth_key = self.server.world.keys.get(key_id)
        if auth_key is None:  # Telegram answers an unknown key with transport error -404
            self.write_packet(struct.pack("<i", -404))
            return
        self.auth_key = auth_key
        msg_key = packet[8:24]
        aes_key, aes_iv = MTProtoState._calc_key(auth_key.key, msg_key, True)
        plain = AES.decrypt_ige(packet[24:], aes_key, aes_iv)
        if sha256(auth_key.key[88:120] + plain).digest()[8:24] != msg_key:
            raise ConnectionError("msg_key mismatch from client")
        reader = BinaryReader(plain)
        reader.read_long()  # salt: any is accepted
        self.session_id = reader.read_long()
        msg_id = reader.read_long()
        reader.read_int()  # seq_no
        length = reader.read_int()
        obj = BinaryReader(reader.read(length)).tgread_object()
        await self.on_message(msg_id, obj)

    async def on_message(self, msg_id: int, obj: Any) -> None:
        if isinstance(obj, MessageContainer):
            for inner in obj.messages:
                await self.on_message(inner.msg_id, inner.obj)
            return
        if isinstance(obj, GzipPacked):
            await self.on_message(msg_id, BinaryReader(obj.data).tgread_object())
            return
        if isinstance(obj, types.MsgsAck):
            return
        if isinstance(obj, (functions.PingRequest, functions.PingDelayDisconnectRequest)):
            self.send(bytes(types.Pong(msg_id=msg_id, ping_id=obj.ping_id)), response=False)
            return
        self.send(struct.pack("<Iq", RPC_RESULT, msg_id) + await self.call(obj), response=True)

    async def call(self, req: Any) -> bytes:
        while isinstance(req, WRAPPERS):
            req = req.query
        assert self.auth_key is not None
        try:
            body = serialize_result(await self.server.world.handle(self.auth_key.key_id, req))
        except RpcFail as fail:
            return bytes(types.RpcError(error_code=fail.code, error_message=fail.message))
        except Exception:  # a bug in the fake answers like a Telegram server error
            log.exception("fake MTProto failed on %s", type(req).__name__)
            return bytes(types.RpcError(error_code=500, error_message="INTERNAL"))
        if len(body) > 512:  # Telegram gzips big results; the client must unpack them
            packed = bytes(GzipPacked(body))
            body = packed if len(packed) < len(body) else body
        return body

    def send(self, body: bytes, response: bool) -> None:
        assert self.auth_key is not None
        self.seq += 1
        msg_id = self.new_msg_id(response)
        data = struct.pack("<qqqii", 0, self.session_id, msg_id, self.seq, len(body))
        data += body
        data += os.urandom(-(len(data) + 12) % 16 + 12)
        msg_key = sha256(self.auth_key.key[96:128] + data).digest()[8:24]
        aes_key, aes_iv = MTProtoState._calc_key(self.auth_key.key, msg_key, False)
        key_id = struct.pack("<Q", self.auth_key.key_id)
        self.write_packet(key_id + msg_key + AES.encrypt_ige(data, aes_key, aes_iv))


class FakeMTProtoServer:
    """Runs the protocol on its own event loop thread; ``world`` holds accounts and channels."""

    def __init__(self, world: World | None = None) -> None:
        server_rsa_key()
        self.world = world or World()
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self._server: Any = None
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        self.world.address = ("127.0.0.1", self.port)

    async def _client(self, reader: Any, writer: Any) -> None:
        await _Conn(self, reader, writer).run()

    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)

    def stop(self) -> None:
        async def close() -> None:
            self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


@contextmanager
def serve_mtproto(world: World | None = None) -> Iterator[FakeMTProtoServer]:
    server = FakeMTProtoServer(world)
    server.start()
    try:
        yield server
    finally:
        server.stop()
