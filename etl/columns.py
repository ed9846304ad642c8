"""Per-kind schemas: Chinese/English column aliases → canonical names, and value maps.

A schema lists, for one layer kind, the canonical fields of its table, the headers that
mean each field in real files (经度/lon/longitude …), the field's type, whether it is
required, personal, has a closed list of values (a value map such as 级别 区→district)
or is coded by a vocabulary kept as data in PostGIS (geo.vocab: 警情类别, 危险源类别,
设施/重点场所类型, 风险等级). Columns matching no alias stay in `attributes`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from etl.validate import arrow_text


@dataclass(frozen=True)
class Field:
    """One canonical column: its aliases, type and value rules."""

    name: str
    aliases: tuple[str, ...] = ()
    type: str = "text"  # text | code | int | date | timestamp | coord
    required: bool = False
    values: dict[str, object] | None = None  # closed value map; others → unknown_category
    personal: bool = False
    vocab: str | None = None  # coded by this vocabulary (geo.vocab); others load as 未分类


@dataclass(frozen=True)
class Schema:
    """How one layer kind's files map onto its table."""

    kind: str
    table: str
    key: str  # canonical field that identifies a row across loads
    geometry: str  # point | polygon
    fields: tuple[Field, ...] = field(default_factory=tuple)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def personal(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.personal)


def _same(*values: str) -> dict[str, object]:
    return {v: v for v in values}


LON = Field(
    "lon", ("经度", "lon", "lng", "long", "longitude", "x", "x坐标", "横坐标", "东经"), "coord"
)
LAT = Field("lat", ("纬度", "lat", "latitude", "y", "y坐标", "纵坐标", "北纬"), "coord")
ADDRESS = Field("address", ("地址", "详细地址", "address", "addr"))
KEY = Field("source_key", ("编号", "source_key", "id", "key", "code"), "code", required=True)
NAME = Field("name", ("名称", "name", "单位名称"), required=True)
INSPECTED = Field(
    "last_inspected_at", ("最近检查日期", "检查日期", "last_inspected_at", "last_inspected"), "date"
)

LEVELS = {
    **{v: "city" for v in ("市", "地级市", "city")},
    **{v: "district" for v in ("区县", "区", "县", "县级市", "district", "county")},
    **{v: "town" for v in ("街镇", "街道", "镇", "乡", "town", "street", "township")},
    **{v: "community" for v in ("社区", "村", "村居", "社区/村", "community", "village")},
}
GRID_KINDS = {
    **{v: "urban" for v in ("城镇", "城市", "urban")},
    **{v: "rural" for v in ("农村", "rural")},
    **{v: "special" for v in ("专属", "专属网格", "special")},
}

SCHEMAS: dict[str, Schema] = {
    "boundaries": Schema(
        "boundaries",
        "admin_units",
        "code",
        "polygon",
        (
            Field(
                "code",
                ("代码", "行政区划代码", "区划代码", "code", "adcode"),
                "code",
                required=True,
            ),
            Field("name", ("名称", "name"), required=True),
            Field("level", ("级别", "层级", "level"), values=LEVELS),
            Field("parent_code", ("上级代码", "parent_code", "parent"), "code"),
            Field("households", ("户数", "households"), "int"),
            Field("population", ("人口", "人口数", "population"), "int"),
        ),
    ),
    "grids": Schema(
        "grids",
        "grids",
        "grid_code",
        "polygon",
        (
            Field(
                "grid_code", ("网格编码", "网格代码", "grid_code", "code"), "code", required=True
            ),
            Field("name", ("网格名称", "名称", "name")),
            Field("community_code", ("社区代码", "community_code"), "code"),
            Field("town_code", ("街镇代码", "town_code"), "code"),
            Field("district_code", ("区县代码", "district_code"), "code"),
            Field("kind", ("网格类型", "类型", "kind"), values=GRID_KINDS),
            Field("households", ("户数", "households"), "int"),
            Field("population", ("人口", "population"), "int"),
        ),
    ),
    "hazards": Schema(
        "hazards",
        "hazards",
        "source_key",
        "point",
        (
            KEY,
            NAME,
            Field("category", ("类别", "类型", "category"), required=True, vocab="hazard_category"),
            Field(
                "risk_level",
                ("风险等级", "risk_level", "risk"),
                "int",
                required=True,
                vocab="risk_level",
            ),
            ADDRESS,
            Field("unit_code", ("所属社区代码", "社区代码", "unit_code"), "code"),
            INSPECTED,
            LON,
            LAT,
        ),
    ),
    "rentals": Schema(
        "rentals",
        "rentals",
        "source_key",
        "point",
        (
            Field("source_key", ("房屋编号", *KEY.aliases), "code", required=True),
            Field("address", ADDRESS.aliases, required=True),
            Field("rooms", ("房间数", "rooms"), "int"),
            Field("tenants", ("租住人数", "租户人数", "tenants"), "int"),
            Field("landlord", ("房东姓名", "房东", "landlord"), personal=True),
            Field("landlord_phone", ("房东电话", "房东联系电话", "landlord_phone"), personal=True),
            Field("landlord_id_no", ("房东身份证号", "身份证号", "landlord_id_no"), personal=True),
            INSPECTED,
            LON,
            LAT,
        ),
    ),
    "incidents": Schema(
        "incidents",
        "incidents",
        "source_key",
        "point",
        (
            Field("source_key", ("警情编号", "接警编号", *KEY.aliases), "code", required=True),
            Field(
                "occurred_at",
                ("报警时间", "发生时间", "接警时间", "occurred_at", "time"),
                "timestamp",
                required=True,
            ),
            Field(
                "category",
                ("警情类别", "类别", "category"),
                required=True,
                vocab="incident_category",
            ),
            Field("subcategory", ("警情细类", "细类", "subcategory")),
            Field("disposition", ("处置结果", "disposition")),
            Field("address", ("发生地址", *ADDRESS.aliases)),
            LON,
            LAT,
            Field("reporter", ("报警人", "报警人姓名", "reporter"), personal=True),
            Field("reporter_phone", ("联系电话", "报警电话", "reporter_phone"), personal=True),
        ),
    ),
    "facilities": Schema(
        "facilities",
        "facilities",
        "source_key",
        "point",
        (
            KEY,
            NAME,
            Field("kind", ("类型", "类别", "kind"), required=True, vocab="facility_kind"),
            ADDRESS,
            LON,
            LAT,
        ),
    ),
    "jurisdictions": Schema(
        "jurisdictions",
        "jurisdictions",
        "code",
        "polygon",
        (
            Field(
                "code",
                ("辖区代码", "辖区编码", "单位代码", "编号", "编码", "代码", "code", "id"),
                "code",
                required=True,
            ),
            Field("name", ("辖区名称", "名称", "派出所", "警务区", "name")),
            Field("department", ("部门", "所属部门", "条线", "department", "dept"), required=True),
        ),
    ),
    "key-sites": Schema(
        "key-sites",
        "key_sites",
        "source_key",
        "point",
        (
            KEY,
            NAME,
            Field("kind", ("类型", "类别", "kind"), required=True, vocab="key_site_kind"),
            ADDRESS,
            LON,
            LAT,
        ),
    ),
}
KINDS = tuple(SCHEMAS)


def _norm(header: str) -> str:
    return re.sub(r"[\s_\-]+", "", str(header)).lower()


@dataclass
class Mapping:
    """Which file column feeds each canonical field, and what is left over."""

    fields: dict[str, str]  # canonical → file header
    extra: list[str]  # headers kept in `attributes`
    warnings: list[str]


def map_columns(headers: list[str], schema: Schema) -> Mapping:
    """Match file headers to the schema's fields (first alias match wins, case/space-blind)."""
    lookup: dict[str, str] = {}
    for f in schema.fields:
        for alias in (f.name, *f.aliases):
            lookup.setdefault(_norm(alias), f.name)
    fields: dict[str, str] = {}
    extra, warnings = [], []
    for header in headers:
        name = lookup.get(_norm(header))
        if name is None:
            extra.append(header)
        elif name in fields:
            extra.append(header)
            warnings.append(f"column {header!r} also looks like {name}; kept in attributes")
        else:
            fields[name] = header
    return Mapping(fields, extra, warnings)


def apply_values(series: pd.Series, f: Field) -> tuple[pd.Series, pd.Series]:
    """(mapped values, mask of unknown values) for a field with a closed value map."""
    text = arrow_text(series)
    keys = pa.array([str(k) for k in f.values])
    mapped = pa.array(list(f.values.values())).take(pc.index_in(text, value_set=keys))
    unknown = pd.Series(
        pc.and_(text.is_valid(), mapped.is_null()).to_numpy(zero_copy_only=False),
        index=series.index,
    )
    if pa.types.is_string(mapped.type):
        out = pd.array(mapped, dtype="string")
    else:
        out = pd.array(mapped.to_pylist(), dtype="Int64")
    return pd.Series(out, index=series.index), unknown
