"""Places to choose without the map: districts and landmarks (points are marked approximate)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from geoalchemy2.shape import to_shape
from sqlalchemy import select

from crowdplan.core.models import Area
from crowdplan.core.operations import list_current_areas
from crowdplan.extensions import db
from crowdplan.memo import Memo

LANDMARKS = Path(__file__).resolve().parents[2] / "geodata" / "xianning_landmarks.geojson"


@dataclass(frozen=True)
class Place:
    """A named place with a point; `key` identifies it in forms."""

    key: str
    name: str
    name_en: str
    lon: float
    lat: float

    def label(self, lang: str) -> str:
        """Name in the page's language."""
        return self.name_en if lang == "en" and self.name_en else self.name


@cache
def _landmarks(path: Path = LANDMARKS) -> tuple[Place, ...]:
    if not path.exists():
        return ()
    data = json.loads(path.read_text(encoding="utf-8"))
    return tuple(
        Place(
            f"l{i}",
            f["properties"]["name"],
            f["properties"].get("name_en", ""),
            *f["geometry"]["coordinates"][:2],
        )
        for i, f in enumerate(data["features"])
    )


_districts: Memo[tuple[Place, ...]] = Memo(size=4)


def list_places() -> list[Place]:
    """Districts (at a point inside each) then landmarks."""
    # The outlines are large and rarely change, and a changed outline is a new row: load them
    # only when the set of current area rows differs from the one last seen.
    current = tuple(
        db.session.execute(
            select(Area.id).where(Area.valid_to.is_(None)).order_by(Area.adcode)
        ).scalars()
    )
    return list(_districts.get(current, _district_places)) + list(_landmarks())


def _district_places() -> tuple[Place, ...]:
    places = []
    for area in list_current_areas():
        point = to_shape(area.geom).representative_point()
        places.append(Place(f"a{area.adcode}", area.name, area.name_en or "", point.x, point.y))
    return tuple(places)


def get_place(key: str) -> Place | None:
    """The place with this key, or None."""
    return next((p for p in list_places() if p.key == key), None)
