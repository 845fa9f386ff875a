"""The Teams app package: a current manifest with the app id filled in, the personal scope,
the command list, and icons of the sizes Teams requires."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import pytest

from bot.teams.package import build_package
from handlers.commands import COMMAND_WORDS
from settings import Settings

APP_ID = "11111111-2222-3333-4444-555555555555"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_package_has_the_manifest_with_the_app_id_and_both_icons(tmp_path: Path) -> None:
    path = build_package(Settings(microsoft_app_id=APP_ID, _env_file=None), tmp_path / "teams.zip")  # type: ignore[call-arg]

    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        assert png_size(archive.read("color.png")) == (192, 192)
        assert png_size(archive.read("outline.png")) == (32, 32)
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert manifest["manifestVersion"] == "1.19" and "v1.19" in manifest["$schema"]
    (bot,) = manifest["bots"]
    assert bot["scopes"] == ["personal"]
    (commands,) = bot["commandLists"]
    titles = [c["title"] for c in commands["commands"]]
    assert {"commit", "terms", "list", "done", "pause", "manager", "help"} <= set(titles)
    assert set(titles) - {"commit"} <= COMMAND_WORDS  # every suggestion is a command the bot runs
    assert len(titles) <= 10 and all(len(c["description"]) <= 128 for c in commands["commands"])
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["description"]["short"]) <= 80


def test_a_directory_gets_the_default_file_name(tmp_path: Path) -> None:
    path = build_package(Settings(microsoft_app_id=APP_ID, _env_file=None), tmp_path)  # type: ignore[call-arg]
    assert path == tmp_path / "follow-through-teams.zip" and path.exists()


def test_without_an_app_id_the_package_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="MICROSOFT_APP_ID is not set"):
        build_package(Settings(microsoft_app_id=None, _env_file=None), tmp_path / "teams.zip")  # type: ignore[call-arg]
    assert list(tmp_path.iterdir()) == []
