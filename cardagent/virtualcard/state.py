"""The virtual card's memory, kept in a JSON file that is replaced atomically on every change."""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from .. import piv

FORMAT_VERSION = 1


@dataclass
class CardState:
    pin: str = piv.DEFAULT_PIN
    puk: str = piv.DEFAULT_PUK
    max_tries: int = 3
    pin_tries: int = 3
    puk_tries: int = 3
    management_algorithm: int = piv.ALG_3DES
    management_key_hex: str = piv.DEFAULT_MANAGEMENT_KEY.hex()
    serial: int = field(default_factory=lambda: 10_000_000 + secrets.randbelow(80_000_000))
    keys: dict = field(default_factory=dict)  # "9A" -> {"algorithm": 17, "pem": "..."}
    objects_hex: dict = field(default_factory=dict)  # "5FC105" -> hex of the 53 content
    profile: str = "blank"

    def __post_init__(self):
        self.objects = _HexDict(self.objects_hex)

    @property
    def management_key(self) -> bytes:
        return bytes.fromhex(self.management_key_hex)

    @management_key.setter
    def management_key(self, value: bytes):
        self.management_key_hex = bytes(value).hex()

    @property
    def personalised(self) -> bool:
        """A blank card has no key in 9A and no CHUID; personalising gives it both."""
        return bool(self.keys.get("9A")) or f"{piv.OBJECT_CHUID:06X}" in self.objects_hex

    def private_key(self, slot: int):
        entry = self.keys[f"{slot:02X}"]
        if "_loaded" not in entry:
            entry["_loaded"] = serialization.load_pem_private_key(entry["pem"].encode(), None)
        return entry["_loaded"]

    def set_private_key(self, slot: int, algorithm: int, private_key) -> None:
        pem = private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        self.keys[f"{slot:02X}"] = {"algorithm": algorithm, "pem": pem, "_loaded": private_key}

    def to_json(self) -> str:
        data = asdict(self)
        data["keys"] = {
            slot: {k: v for k, v in entry.items() if not k.startswith("_")} for slot, entry in self.keys.items()
        }
        data["personalised"] = self.personalised
        data["format"] = FORMAT_VERSION
        return json.dumps(data, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> CardState:
        data = json.loads(text)
        if data.pop("format", None) != FORMAT_VERSION:
            raise ValueError("unknown virtual card state format")
        data.pop("personalised", None)
        return cls(**data)


class _HexDict(dict):
    """A bytes view on the hex strings that are stored in JSON."""

    def __init__(self, backing: dict):
        super().__init__()
        self._backing = backing

    def get(self, key, default=None):
        value = self._backing.get(key)
        return bytes.fromhex(value) if value is not None else default

    def __setitem__(self, key, value):
        self._backing[key] = bytes(value).hex()

    def __contains__(self, key):
        return key in self._backing

    def pop(self, key, default=None):
        value = self._backing.pop(key, None)
        return bytes.fromhex(value) if value is not None else default


def load(path: Path) -> CardState:
    return CardState.from_json(Path(path).read_text())


def save(path: Path, state: CardState) -> None:
    """Write to a temporary file next to the target and rename it over, so a crash never
    leaves half a card behind."""
    path = Path(path)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(state.to_json())
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
