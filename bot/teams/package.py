"""The Teams app package: `manifest.json` with this deployment's app id, and the two icons,
zipped flat for upload in Teams (Apps > Manage your apps > Upload an app) or the admin center."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from settings import Settings

MANIFEST_DIR = Path(__file__).resolve().parent / "manifest"
ICONS = ("color.png", "outline.png")
DEFAULT_NAME = "follow-through-teams.zip"


def manifest_for(app_id: str) -> dict[str, object]:
    """The manifest with the bot's Microsoft app id as both the app id and the bot id."""
    manifest = json.loads((MANIFEST_DIR / "manifest.json").read_text(encoding="utf-8"))
    manifest["id"] = app_id
    manifest["bots"][0]["botId"] = app_id
    return dict(manifest)


def build_package(settings: Settings, out: Path) -> Path:
    """Write the package to `out` (a zip file path, or a directory to put it in); returns its path."""
    app_id = (settings.microsoft_app_id or "").strip()
    if not app_id:
        raise ValueError(
            "MICROSOFT_APP_ID is not set: the Teams package needs the bot's Microsoft app id "
            "(Azure Bot registration > Configuration > Microsoft App ID)."
        )
    target = out / DEFAULT_NAME if out.is_dir() else out
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest_for(app_id), indent=2, ensure_ascii=False) + "\n")
        for icon in ICONS:
            archive.write(MANIFEST_DIR / icon, icon)
    return target
