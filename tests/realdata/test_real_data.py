"""Real public crime files (../shared/data) through the real import, checked against pandas and shapely.

Every expected number here is computed in this module from the raw file, with its own logic (pandas reading
the file as text, shapely for point-in-polygon, pyproj for coordinates); nothing is copied from an earlier run
of compstat-desk. Each file goes into its own fresh workspace; workspaces shared by several tests are
module-scoped so that each large file is imported once. The data README says what each file teaches.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from support.paths import ROOT, SHARED_DATA

DATA = SHARED_DATA
if not DATA.is_dir():
    pytest.skip(f"real data not found at {DATA} (it lives beside the project, not in it)", allow_module_level=True)

import shapely  # noqa: E402
from pyproj import Transformer  # noqa: E402

from compstat_desk.core.errors import ImportRefused  # noqa: E402
from compstat_desk.core.ingest import ImportOptions, import_file  # noqa: E402
from compstat_desk.core.ingest.boundaries import import_boundaries  # noqa: E402
from compstat_desk.core.store import catalog  # noqa: E402
from compstat_desk.core.store.workspace import open_workspace  # noqa: E402

pytestmark = pytest.mark.realdata

CHICAGO_ASSAULTS = DATA / "chicago" / "chicago_aggravated_assaults.csv.gz"
CHICAGO_DISTRICTS = DATA / "chicago" / "police_districts_2012.geojson"
CHICAGO_BEATS = DATA / "chicago" / "police_beats_2012_simplified.geojson"
CHICAGO_SAMPLE = DATA / "chicago" / "chicago_crimes_sample_2017_2019.csv"
VANCOUVER = DATA / "vancouver" / "crimedata_csv_AllNeighbourhoods_2020.csv"
VANCOUVER_BOUNDARIES = DATA / "vancouver" / "vancouver_neighbourhoods.geojson"
UK = DATA / "uk_police" / "2016-07-west-yorkshire-street.csv"
NYPD = DATA / "nypd_compstat" / "weekly_compstat_2026.csv"
NYC_SHOOTINGS = DATA / "nyc" / "nyc_shootings.csv"

CHICAGO_OPTIONS = dict(mapping={"date": "occurred", "district": "unit", "longitude": "lon", "latitude": "lat"},
                       constants={"category": "Aggravated assault"})
SAMPLE_MAPPING = {"primary_type": "category", "beat": "unit", "date": "occurred", "id": "id",
                  "longitude": "lon", "latitude": "lat"}
VANCOUVER_MAPPING = {"TYPE": "category", "NEIGHBOURHOOD": "unit", "X": "lon", "Y": "lat", "YEAR": "year",
                     "MONTH": "month_number", "DAY": "day", "HOUR": "hour", "MINUTE": "minute"}
VANCOUVER_ALIASES = {"Central Business District": "Downtown", "Arbutus Ridge": "Arbutus-Ridge"}
WITHHELD_TYPES = ["Offence Against a Person", "Homicide"]
NYPD_COUNTS = ["wtd_current", "wtd_prior", "d28_current", "d28_prior", "ytd_current", "ytd_prior"]


# -- independent helpers (no compstat_desk code) ----------------------------------------------------------
def read_text(path: Path) -> pd.DataFrame:
    """The file as a user's spreadsheet shows it: every cell text, blanks as ''."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def as_code(value: str) -> str:
    """'08', '8' and '8.0' are the same code; anything else is itself, trimmed."""
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() else text


def polygons(path: Path, key: str) -> dict[str, shapely.Geometry]:
    """Each code's area: the union of every feature carrying it."""
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    parts: dict[str, list] = {}
    for f in features:
        parts.setdefault(as_code(f["properties"][key]), []).append(shapely.geometry.shape(f["geometry"]))
    out = {code: shapely.union_all(shapes) for code, shapes in parts.items()}
    for geom in out.values():
        shapely.prepare(geom)
    return out


def own_disagreements(codes: pd.Series, lon: np.ndarray, lat: np.ndarray,
                      areas: dict[str, shapely.Geometry]) -> tuple[int, int]:
    """(points outside their recorded unit's area, points checked): only units with an area, only real points."""
    codes = codes.reset_index(drop=True)
    real = ~(np.isnan(lon) | np.isnan(lat) | ((lon == 0) & (lat == 0)))
    outside = checked = 0
    for code, rows in codes[real].groupby(codes[real]).groups.items():
        if code not in areas:
            continue
        idx = np.asarray(rows)
        inside = shapely.intersects_xy(areas[code], lon[idx], lat[idx])
        outside += int((~inside).sum())
        checked += len(idx)
    return outside, checked


def locate(areas: dict[str, shapely.Geometry], lon: float, lat: float) -> str | None:
    hits = [code for code, geom in areas.items() if shapely.intersects_xy(geom, lon, lat)]
    return hits[0] if hits else None


def frame(ws, sql: str, *params) -> pd.DataFrame:
    return pd.read_sql_query(sql, ws.conn, params=params)


def scalar(ws, sql: str, *params):
    return ws.conn.execute(sql, params).fetchone()[0]


def counts(ws, sql: str, *params) -> dict:
    """A two-or-more column query as {key: last column} (key a tuple when there are several)."""
    out = {}
    for row in ws.conn.execute(sql, params):
        key = row[0] if len(row) == 2 else tuple(row[:-1])
        out[key] = row[-1]
    return out


TIMINGS: dict[str, float] = {}


def timed(label: str, fn):
    started = time.perf_counter()
    report = fn()
    TIMINGS[label] = time.perf_counter() - started
    print(f"\n== {label}: {TIMINGS[label]:.2f} s")
    print("\n".join(report.lines()))
    return report


@pytest.fixture(scope="module", autouse=True)
def _print_timings():
    yield
    print("\nImport timings: " + "; ".join(f"{k} {v:.2f} s" for k, v in TIMINGS.items()))


def workspace(tmp_path_factory, name: str):
    return open_workspace(tmp_path_factory.mktemp(name) / "ws.sqlite")


# -- 1. Chicago aggravated assaults by district ------------------------------------------------------------
@pytest.fixture(scope="module")
def chicago(tmp_path_factory):
    ws = workspace(tmp_path_factory, "chicago")
    bnd = timed("Chicago districts", lambda: import_boundaries(
        ws, CHICAGO_DISTRICTS, ImportOptions(profile="boundaries", key="DIST_NUM", level="district")))
    # The districts are established: a district the boundaries lack would be rejected (add_missing is off).
    report = timed("Chicago assaults", lambda: import_file(ws, CHICAGO_ASSAULTS, ImportOptions(**CHICAGO_OPTIONS)))
    df = read_text(CHICAGO_ASSAULTS)
    df["code"] = df["district"].map(as_code)
    yield SimpleNamespace(ws=ws, bnd=bnd, report=report, df=df, areas=polygons(CHICAGO_DISTRICTS, "DIST_NUM"))
    ws.close()


def test_chicago_district_boundaries_one_unit_per_code_with_every_polygon(chicago):
    features = json.loads(CHICAGO_DISTRICTS.read_text())["features"]
    codes = [as_code(f["properties"]["DIST_NUM"]) for f in features]
    assert chicago.bnd.rows_read == len(features)
    assert chicago.bnd.rows_accepted + chicago.bnd.rows_rejected == len(features)
    assert sorted(map(as_code, chicago.bnd.created_units)) == sorted(set(codes))
    stored = counts(chicago.ws, "SELECT code, boundary FROM units WHERE boundary IS NOT NULL")
    assert {as_code(c) for c in stored} == set(codes)
    # A code drawn as several features (district 31 is three, in the file) keeps all of them.
    for code, text in stored.items():
        area = chicago.areas[as_code(code)]
        assert shapely.from_geojson(text).area == pytest.approx(area.area, rel=1e-6), code


def test_chicago_every_row_accepted_or_rejected_for_an_unknown_district(chicago):
    r, df = chicago.report, chicago.df
    unknown = df[~df["code"].isin(chicago.areas)]
    assert r.rows_read == len(df)
    assert r.rows_accepted + r.rows_rejected == len(df)
    assert r.rows_rejected == len(unknown)
    assert r.unknown_units == unknown["code"].value_counts().to_dict()
    assert scalar(chicago.ws, "SELECT count(*) FROM rejected_rows WHERE import_id = ?", r.import_id) == len(unknown)
    assert scalar(chicago.ws, "SELECT count(*) FROM incidents") == r.rows_accepted == len(df) - len(unknown)


def test_chicago_counts_per_district_day_and_year_match_the_file(chicago):
    ws, df = chicago.ws, chicago.df
    kept = df[df["code"].isin(chicago.areas)].assign(day=lambda d: d["date"].str[:10])
    daily = frame(ws, "SELECT u.code, d.day, d.n FROM daily_counts d JOIN units u ON u.id = d.unit_id")
    daily["code"] = daily["code"].map(as_code)
    per_district = daily.groupby("code")["n"].sum().to_dict()
    assert per_district == kept.groupby("code").size().to_dict()
    assert daily.groupby("day")["n"].sum().to_dict() == kept.groupby("day").size().to_dict()
    assert (daily.groupby(daily["day"].str[:4])["n"].sum().to_dict()
            == kept.groupby(kept["date"].str[:4]).size().to_dict())
    per_day_district = daily.groupby(["code", "day"])["n"].sum()
    assert per_day_district.to_dict() == kept.groupby(["code", "day"]).size().to_dict()
    # The incidents table agrees with the counts table.
    assert counts(ws, "SELECT u.code, count(*) FROM incidents i JOIN units u ON u.id = i.unit_id GROUP BY u.code") \
        == {c: n for c, n in per_district.items()}


def test_chicago_point_in_polygon_disagreement_is_about_two_percent(chicago):
    df, r = chicago.df, chicago.report
    lon = pd.to_numeric(df["longitude"], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(df["latitude"], errors="coerce").to_numpy(dtype=float)
    outside, checked = own_disagreements(df["code"], lon, lat, chicago.areas)
    rate = outside / checked
    print(f"\nChicago districts: own {outside:,} of {checked:,} ({rate:.2%}); report {r.disagreements:,}")
    assert 0.01 < rate < 0.03  # the README's "~98% agree"
    assert abs(r.disagreements - outside) <= max(5, 0.001 * checked)
    assert r.disagreements / checked == pytest.approx(rate, abs=0.001)
    assert r.not_checked == 0  # every district has a boundary
    # The recorded district stands: nothing was reassigned by its point.
    assert scalar(chicago.ws, "SELECT count(*) FROM incidents WHERE unit_from_point = 1") == 0


# -- 2. Chicago crimes sample: US dates, float-looking ids and beats --------------------------------------------
@pytest.fixture(scope="module")
def chicago_sample(tmp_path_factory):
    ws = workspace(tmp_path_factory, "chicago_sample")
    report = timed("Chicago sample", lambda: import_file(ws, CHICAGO_SAMPLE, ImportOptions(mapping=SAMPLE_MAPPING)))
    yield SimpleNamespace(ws=ws, report=report, df=read_text(CHICAGO_SAMPLE))
    ws.close()


def test_chicago_sample_reads_us_dates_month_first(chicago_sample):
    r, df, ws = chicago_sample.report, chicago_sample.df, chicago_sample.ws
    assert "month/day" in (r.date_format or "")
    assert r.rows_accepted == len(df) and r.rows_rejected == 0
    expected = pd.to_datetime(df["date"], format="%m/%d/%Y %H:%M").dt.strftime("%Y-%m-%d %H:%M")
    expected.index = df["id"].map(as_code)
    stored = pd.Series(counts(ws, "SELECT source_id, occurred FROM incidents"))
    assert stored.sort_index().equals(expected.sort_index())
    assert r.date_min == expected.str[:10].min() and r.date_max == expected.str[:10].max()


def test_chicago_sample_counts_per_category_and_beat(chicago_sample):
    df, ws = chicago_sample.df, chicago_sample.ws
    assert counts(ws, "SELECT c.code, count(*) FROM incidents i JOIN categories c ON c.id = i.category_id"
                      " GROUP BY c.code") == df["primary_type"].str.strip().value_counts().to_dict()
    per_beat = counts(ws, "SELECT u.code, count(*) FROM incidents i JOIN units u ON u.id = i.unit_id GROUP BY u.code")
    assert per_beat == df["beat"].map(as_code).value_counts().to_dict()  # stored '832', never '832.0'


def test_chicago_sample_ids_lose_their_float_suffix(chicago_sample):
    df, ws = chicago_sample.df, chicago_sample.ws
    assert df["id"].str.endswith(".0").all()  # the file's own quirk
    ids = {i for (i,) in ws.conn.execute("SELECT source_id FROM incidents")}
    assert ids == set(df["id"].map(as_code))
    assert not any(i.endswith(".0") for i in ids)


@pytest.fixture(scope="module")
def chicago_beats(tmp_path_factory):
    ws = workspace(tmp_path_factory, "chicago_beats")
    bnd = timed("Chicago beats", lambda: import_boundaries(
        ws, CHICAGO_BEATS, ImportOptions(profile="boundaries", key="BEAT_NUM", level="beat")))
    report = timed("Chicago sample by beat", lambda: import_file(
        ws, CHICAGO_SAMPLE, ImportOptions(mapping=SAMPLE_MAPPING)))
    yield SimpleNamespace(ws=ws, bnd=bnd, report=report, df=read_text(CHICAGO_SAMPLE),
                          areas=polygons(CHICAGO_BEATS, "BEAT_NUM"))
    ws.close()


def test_chicago_sample_beats_match_zero_padded_boundary_codes_and_disagree_about_nine_percent(chicago_beats):
    """'0111' in the boundary file and '111.0' in the crimes file are the same beat."""
    r, df, ws = chicago_beats.report, chicago_beats.df, chicago_beats.ws
    codes = df["beat"].map(as_code)
    unknown = codes[~codes.isin(chicago_beats.areas)]
    assert r.rows_rejected == len(unknown)
    assert r.rows_accepted == len(df) - len(unknown)
    assert r.created_units == []  # no beat was invented: each matched its polygon
    lon = pd.to_numeric(df["longitude"], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(df["latitude"], errors="coerce").to_numpy(dtype=float)
    outside, checked = own_disagreements(codes, lon, lat, chicago_beats.areas)
    print(f"\nChicago beats: own {outside:,} of {checked:,} ({outside / checked:.2%}); report {r.disagreements:,}")
    assert 0.05 < outside / checked < 0.15  # the README's "~91% agree"
    assert abs(r.disagreements - outside) <= max(5, 0.002 * checked)
    assert scalar(ws, "SELECT count(*) FROM incidents WHERE unit_from_point = 1") == 0


# -- 3. Vancouver: projected coordinates, withheld locations, names that differ from the boundaries ------------
def vancouver_expectations() -> SimpleNamespace:
    """What should happen to each row, worked out from the file, the boundary file and pyproj."""
    df = read_text(VANCOUVER)
    x = pd.to_numeric(df["X"], errors="coerce").to_numpy(dtype=float)
    y = pd.to_numeric(df["Y"], errors="coerce").to_numpy(dtype=float)
    withheld = np.isnan(x) | np.isnan(y) | ((x == 0) & (y == 0))
    lon, lat = np.full(len(df), np.nan), np.full(len(df), np.nan)
    lon[~withheld], lat[~withheld] = Transformer.from_crs("EPSG:32610", "EPSG:4326", always_xy=True).transform(
        x[~withheld], y[~withheld])
    areas = polygons(VANCOUVER_BOUNDARIES, "name")
    recorded = df["NEIGHBOURHOOD"].str.strip().replace(VANCOUVER_ALIASES)
    unit = recorded.copy()
    blank = (recorded == "").to_numpy()
    for i in np.flatnonzero(blank & ~withheld):
        unit.iloc[i] = locate(areas, lon[i], lat[i]) or ""
    kept = (unit != "").to_numpy()
    day = (df["YEAR"] + "-" + df["MONTH"].str.zfill(2) + "-" + df["DAY"].str.zfill(2))
    return SimpleNamespace(df=df, lon=lon, lat=lat, withheld=withheld, areas=areas, recorded=recorded, unit=unit,
                           blank=blank, kept=kept, from_point=blank & kept, day=day)


@pytest.fixture(scope="module")
def vancouver(tmp_path_factory):
    ws = workspace(tmp_path_factory, "vancouver")
    timed("Vancouver neighbourhoods", lambda: import_boundaries(
        ws, VANCOUVER_BOUNDARIES, ImportOptions(profile="boundaries", key="name", level="neighbourhood")))
    for alias, name in VANCOUVER_ALIASES.items():
        catalog.add_unit_alias(ws, alias, name)
    report = timed("Vancouver 2020", lambda: import_file(
        ws, VANCOUVER, ImportOptions(mapping=VANCOUVER_MAPPING, crs="EPSG:32610", add_missing=True)))
    yield SimpleNamespace(ws=ws, report=report, e=vancouver_expectations())
    ws.close()


def test_vancouver_every_row_accepted_or_rejected_with_a_reason(vancouver):
    r, e, ws = vancouver.report, vancouver.e, vancouver.ws
    assert r.rows_read == len(e.df)
    assert r.rows_accepted + r.rows_rejected == len(e.df)
    assert r.rows_accepted == int(e.kept.sum())
    assert r.rows_rejected == int((~e.kept).sum())
    reasons = [why for (why,) in ws.conn.execute("SELECT reason FROM rejected_rows WHERE import_id = ?",
                                                 (r.import_id,))]
    assert len(reasons) == r.rows_rejected
    assert all(why.startswith("no unit") for why in reasons)
    withheld_and_blank = int((e.blank & e.withheld).sum())
    assert sum("withheld" in why for why in reasons) == withheld_and_blank


def test_vancouver_withheld_offences_are_kept_counted_and_flagged(vancouver):
    r, e, ws = vancouver.report, vancouver.e, vancouver.ws
    person = e.df["TYPE"].isin(WITHHELD_TYPES).to_numpy()
    x = pd.to_numeric(e.df["X"], errors="coerce").to_numpy()
    y = pd.to_numeric(e.df["Y"], errors="coerce").to_numpy()
    assert ((x[person] == 0) & (y[person] == 0)).all()  # the file withholds them all, on purpose
    assert r.withheld == int((e.withheld & e.kept).sum())
    assert scalar(ws, "SELECT sum(withheld) FROM incidents") == r.withheld
    assert scalar(ws, "SELECT count(*) FROM incidents WHERE withheld = 1 AND (lon IS NOT NULL OR lat IS NOT NULL)") == 0
    by_cat = frame(ws, "SELECT c.code, count(*) AS n, sum(i.withheld) AS w FROM incidents i"
                       " JOIN categories c ON c.id = i.category_id GROUP BY c.code").set_index("code")
    for kind in WITHHELD_TYPES:
        in_file = (e.df["TYPE"] == kind).to_numpy()
        rejected = in_file & ~e.kept
        assert by_cat.loc[kind, "n"] == by_cat.loc[kind, "w"] == int((in_file & e.kept).sum())
        # None dropped: what is not an incident is a rejected row with its reason (no unit, no location).
        assert by_cat.loc[kind, "n"] + int(rejected.sum()) == int(in_file.sum())
        assert (e.blank[rejected]).all()


def test_vancouver_counts_per_category_unit_and_day(vancouver):
    e, ws = vancouver.e, vancouver.ws
    kept = e.df[e.kept]
    assert counts(ws, "SELECT c.code, count(*) FROM incidents i JOIN categories c ON c.id = i.category_id"
                      " GROUP BY c.code") == kept["TYPE"].value_counts().to_dict()
    assert counts(ws, "SELECT u.code, count(*) FROM incidents i JOIN units u ON u.id = i.unit_id GROUP BY u.code") \
        == e.unit[e.kept].value_counts().to_dict()
    assert counts(ws, "SELECT day, sum(n) FROM daily_counts GROUP BY day") == e.day[e.kept].value_counts().to_dict()


def test_vancouver_units_without_a_polygon_are_kept(vancouver):
    r, e, ws = vancouver.report, vancouver.e, vancouver.ws
    without = sorted(set(e.recorded[e.recorded != ""]) - set(e.areas))
    assert without == ["Musqueam", "Stanley Park"]  # the README's two neighbourhoods with no polygon
    assert sorted(r.created_units) == without
    per_unit = counts(ws, "SELECT u.code, count(*) FROM incidents i JOIN units u ON u.id = i.unit_id"
                          " WHERE u.boundary IS NULL GROUP BY u.code")
    assert per_unit == e.recorded[e.recorded.isin(without)].value_counts().to_dict()
    assert r.not_checked == int((e.recorded.isin(without).to_numpy() & ~e.withheld).sum())


def test_vancouver_blank_neighbourhood_placed_by_point_or_rejected(vancouver):
    r, e, ws = vancouver.report, vancouver.e, vancouver.ws
    assert e.blank.any()
    assert r.unit_from_point == int(e.from_point.sum())
    placed = sorted(code for (code,) in ws.conn.execute(
        "SELECT u.code FROM incidents i JOIN units u ON u.id = i.unit_id WHERE i.unit_from_point = 1"))
    assert placed == sorted(e.unit[e.from_point])
    assert r.rows_rejected == int((e.blank & ~e.from_point).sum())


def test_vancouver_coordinates_converted_to_lon_lat_in_vancouver(vancouver):
    e, ws = vancouver.e, vancouver.ws
    stored = frame(ws, "SELECT lon, lat FROM incidents WHERE withheld = 0")
    assert len(stored) == int((e.kept & ~e.withheld).sum())
    assert stored["lon"].between(-123.30, -123.00).all() and stored["lat"].between(49.18, 49.33).all()
    mine = np.sort(e.lon[e.kept & ~e.withheld])
    assert np.allclose(np.sort(stored["lon"].to_numpy()), mine, atol=1e-7)
    assert np.allclose(np.sort(stored["lat"].to_numpy()), np.sort(e.lat[e.kept & ~e.withheld]), atol=1e-7)


def test_vancouver_disagreements_match_own_point_in_polygon(vancouver):
    r, e = vancouver.report, vancouver.e
    recorded = e.recorded.where(e.kept & ~e.blank, "")
    outside, checked = own_disagreements(recorded, e.lon, e.lat, e.areas)
    print(f"\nVancouver: own {outside:,} of {checked:,} ({outside / checked:.2%}); report {r.disagreements:,}")
    assert abs(r.disagreements - outside) <= max(5, 0.002 * checked)


def test_vancouver_without_crs_is_refused_and_writes_nothing(tmp_path):
    with open_workspace(tmp_path / "ws.sqlite") as ws:
        with pytest.raises(ImportRefused, match="--crs"):
            import_file(ws, VANCOUVER, ImportOptions(mapping=VANCOUVER_MAPPING, add_missing=True))
        for table in ("imports", "incidents", "units", "categories", "rejected_rows", "daily_counts"):
            assert scalar(ws, f"SELECT count(*) FROM {table}") == 0, table


def test_vancouver_unknown_neighbourhoods_rejected_in_an_established_workspace(tmp_path):
    """Without add_missing, the two neighbourhoods the boundaries lack are rejected, named and counted."""
    e = vancouver_expectations()
    with open_workspace(tmp_path / "ws.sqlite") as ws:
        import_boundaries(ws, VANCOUVER_BOUNDARIES,
                          ImportOptions(profile="boundaries", key="name", level="neighbourhood"))
        for alias, name in VANCOUVER_ALIASES.items():
            catalog.add_unit_alias(ws, alias, name)
        report = timed("Vancouver 2020, no add_missing", lambda: import_file(
            ws, VANCOUVER, ImportOptions(mapping=VANCOUVER_MAPPING, crs="EPSG:32610")))
        unknown = e.recorded[(e.recorded != "") & ~e.recorded.isin(e.areas)]
        assert report.unknown_units == unknown.value_counts().to_dict()
        assert report.rows_rejected == len(unknown) + int((~e.kept).sum())
        assert report.rows_accepted + report.rows_rejected == len(e.df)
        assert report.rejected_reasons.get("unknown unit") == len(unknown)
        assert scalar(ws, "SELECT count(*) FROM units WHERE code IN ('Musqueam', 'Stanley Park')") == 0


def test_cli_import_without_crs_exits_2_with_a_message(tmp_path):
    db = tmp_path / "cli.sqlite"
    maps = [arg for src, dst in VANCOUVER_MAPPING.items() for arg in ("--map", f"{src}={dst}")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-m", "compstat_desk", "import", str(VANCOUVER), "--db", str(db), *maps,
                           "--add-missing"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "--crs" in done.stderr
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    with open_workspace(db, create=False) as ws:
        assert scalar(ws, "SELECT count(*) FROM imports") == 0


# -- 4. UK street-level file ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def uk(tmp_path_factory):
    ws = workspace(tmp_path_factory, "uk")
    report = timed("UK West Yorkshire", lambda: import_file(ws, UK))
    yield SimpleNamespace(ws=ws, report=report, df=read_text(UK))
    ws.close()


def test_uk_profile_detected_and_every_row_kept(uk):
    r, df, ws = uk.report, uk.df, uk.ws
    assert r.profile == "police-uk"
    assert r.rows_read == r.rows_accepted == len(df) and r.rows_rejected == 0
    assert scalar(ws, "SELECT count(*) FROM incidents") == len(df)
    assert df.duplicated().sum() > 0  # identical rows exist: each is its own incident
    no_id = df["Crime ID"].str.strip() == ""
    assert scalar(ws, "SELECT count(*) FROM incidents WHERE source_id IS NULL") == int(no_id.sum())
    ids = df.loc[~no_id, "Crime ID"].str.strip()
    assert r.rows_merged == len(ids) - ids.nunique()
    assert {i for (i,) in ws.conn.execute("SELECT source_id FROM incidents WHERE source_id IS NOT NULL")} == set(ids)


def test_uk_counts_per_crime_type_and_place_include_identical_rows(uk):
    df, ws = uk.df, uk.ws
    assert counts(ws, "SELECT c.code, count(*) FROM incidents i JOIN categories c ON c.id = i.category_id"
                      " GROUP BY c.code") == df["Crime type"].value_counts().to_dict()
    place = df["LSOA code"].where(df["LSOA code"] != "", "(no location)")
    stored = counts(ws, "SELECT CASE WHEN u.level = 'force' THEN '(no location)' ELSE u.code END, c.code, count(*)"
                        " FROM incidents i JOIN units u ON u.id = i.unit_id JOIN categories c ON c.id = i.category_id"
                        " GROUP BY 1, 2")
    assert stored == df.groupby([place, df["Crime type"]]).size().to_dict()


def test_uk_rows_without_location_counted_and_withheld(uk):
    r, df, ws = uk.report, uk.df, uk.ws
    no_location = (df["Longitude"].str.strip() == "") | (df["Latitude"].str.strip() == "")
    assert r.withheld == int(no_location.sum())
    assert scalar(ws, "SELECT sum(withheld) FROM incidents") == int(no_location.sum())
    assert scalar(ws, "SELECT count(*) FROM incidents i JOIN units u ON u.id = i.unit_id"
                      " WHERE i.withheld = 1 AND u.level = 'force'") == int(no_location.sum())


def test_uk_dates_are_months(uk):
    df, ws = uk.df, uk.ws
    # Month precision: 'YYYY-MM', never a made-up day.
    assert counts(ws, "SELECT length(occurred), count(*) FROM incidents GROUP BY 1") == {7: len(df)}
    assert counts(ws, "SELECT occurred, count(*) FROM incidents GROUP BY 1") == df["Month"].value_counts().to_dict()
    assert counts(ws, "SELECT day, sum(n) FROM daily_counts GROUP BY day") \
        == (df["Month"] + "-01").value_counts().to_dict()
    assert uk.report.month_only == len(df)


# -- 5. NYPD weekly CompStat figures ---------------------------------------------------------------------------
def nypd_frame() -> pd.DataFrame:
    df = read_text(NYPD)
    df["end"] = pd.to_datetime(df["week_end"], format="%m/%d/%Y").dt.strftime("%Y-%m-%d")
    for c in NYPD_COUNTS:
        df[c + "_n"] = pd.to_numeric(df[c])
    return df


@pytest.fixture(scope="module")
def nypd(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("nypd")
    ws = open_workspace(tmp / "ws.sqlite")
    df = nypd_frame()
    first = timed("NYPD weekly", lambda: import_file(ws, NYPD))
    figures_after_first = scalar(ws, "SELECT count(*) FROM weekly_figures")
    again = timed("NYPD weekly again", lambda: import_file(ws, NYPD))
    figures_after_again = scalar(ws, "SELECT count(*) FROM weekly_figures")
    imports_after_again = scalar(ws, "SELECT count(*) FROM imports")
    # A republication of one week with revised figures (week-to-date in some rows, year-to-date in others).
    week = sorted(df["week_end"].unique(), key=lambda d: pd.to_datetime(d, format="%m/%d/%Y"))[-2]
    revised = read_text(NYPD)
    revised = revised[revised["week_end"] == week].reset_index(drop=True)
    original = revised.copy()
    wtd = revised.index % 7 == 0
    revised.loc[wtd, "wtd_current"] = (pd.to_numeric(revised.loc[wtd, "wtd_current"]) + 1).astype(str)
    ytd = revised.index % 11 == 3
    revised.loc[ytd, "ytd_current"] = (pd.to_numeric(revised.loc[ytd, "ytd_current"]) + 2).astype(str)
    path = tmp / "weekly_compstat_revised.csv"
    revised.to_csv(path, index=False)
    numbers = lambda f: f[NYPD_COUNTS].apply(pd.to_numeric)  # noqa: E731
    changed = int((numbers(revised) != numbers(original)).any(axis=1).sum())
    # One week alone ('8/3/2026' to '8/9/2026') cannot show its day/month order: say it, as the refusal asks.
    third = timed("NYPD revised week", lambda: import_file(ws, path, ImportOptions(date_format="mm/dd/yyyy")))
    yield SimpleNamespace(ws=ws, df=df, first=first, again=again, third=third, week=week, revised=revised,
                          changed=changed, figures_after_first=figures_after_first,
                          figures_after_again=figures_after_again, imports_after_again=imports_after_again)
    ws.close()


def test_nypd_profile_and_weeks(nypd):
    r, df, ws = nypd.first, nypd.df, nypd.ws
    assert r.profile == "weekly-figures"
    assert r.rows_read == r.rows_accepted == len(df) and r.rows_rejected == 0
    weeks = sorted(df["end"].unique())
    assert len(weeks) == 25
    assert scalar(ws, "SELECT count(*) FROM weekly_reports WHERE import_id = ?", r.import_id) == len(weeks)
    assert r.weeks == weeks
    starts = counts(ws, "SELECT week_end, week_start FROM weekly_reports WHERE import_id = ?", r.import_id)
    assert starts == dict(zip(df["end"], pd.to_datetime(df["week_start"], format="%m/%d/%Y").dt.strftime("%Y-%m-%d")))


def test_nypd_week_to_date_sums_per_week_and_category(nypd):
    r, df, ws = nypd.first, nypd.df, nypd.ws
    stored = counts(ws, "SELECT r.week_end, c.code, sum(f.wtd_current) FROM weekly_figures f"
                        " JOIN weekly_reports r ON r.id = f.report_id JOIN categories c ON c.id = f.category_id"
                        " WHERE r.import_id = ? GROUP BY 1, 2", r.import_id)
    assert stored == df.groupby(["end", "category"])["wtd_current_n"].sum().astype(int).to_dict()


def test_nypd_counts_written_as_floats_read_as_whole_numbers(nypd):
    r, df, ws = nypd.first, nypd.df, nypd.ws
    assert df["wtd_prior"].str.endswith(".0").any()  # the file writes '1.0'
    stored = frame(ws, "SELECT r.week_end AS end, u.code AS geography, c.code AS category, f.*,"
                       " typeof(f.wtd_prior) AS t FROM weekly_figures f JOIN weekly_reports r ON r.id = f.report_id"
                       " JOIN units u ON u.id = f.unit_id JOIN categories c ON c.id = f.category_id"
                       " WHERE r.import_id = ?", r.import_id)
    assert set(stored["t"]) == {"integer"}
    both = stored.merge(df, on=["end", "geography", "category"], suffixes=("", "_file"), validate="1:1")
    assert len(both) == len(df)
    for c in NYPD_COUNTS:
        assert (both[c] == both[c + "_n"]).all(), c
    ones = both[df.set_index(["end", "geography", "category"]).loc[
        list(zip(both["end"], both["geography"], both["category"])), "wtd_prior"].to_numpy() == "1.0"]
    assert len(ones) and (ones["wtd_prior"] == 1).all()


def test_nypd_parts_and_totals_warnings_follow_the_file(nypd):
    r, df = nypd.first, nypd.df
    key = ["end", "geography"]
    majors = df[df["group"] == "seven_major_felonies"].groupby(key)[["wtd_current_n", "ytd_current_n"]].sum()
    total = df[df["group"] == "total"].set_index(key)[["wtd_current_n", "ytd_current_n"]]
    gap = (total - majors.reindex(total.index)).abs()
    headline = [w for w in r.warnings if w.startswith("Headline categories do not add up")]
    for m, word in (("wtd_current_n", "wtd current"), ("ytd_current_n", "ytd current")):
        off = gap[m][gap[m] != 0]
        mine = [w for w in headline if f"for {word} " in w]
        if len(off):
            assert mine and f"in {len(off)} of {len(gap)} unit-weeks" in mine[0]
        else:
            assert mine == []
    # Precincts against citywide, per category and week.
    precincts = df[df["geography"].str.contains("Precinct")].groupby(["end", "category"])[
        ["wtd_current_n", "ytd_current_n"]].sum()
    city = df[df["geography"] == "citywide"].set_index(["end", "category"])[["wtd_current_n", "ytd_current_n"]]
    diff = (city - precincts.reindex(city.index)).abs()
    sector = [w for w in r.warnings if w.startswith("Sectors do not add up")]
    for m, word in (("wtd_current_n", "wtd current"), ("ytd_current_n", "ytd current")):
        off = diff[m][diff[m] != 0]
        mine = [w for w in sector if f"for {word} " in w]
        if len(off):
            assert mine and f"in {len(off)} of {len(diff)} category-weeks (largest gap {int(off.max())})" in mine[0]
        else:
            assert mine == []


def test_nypd_same_file_again_changes_nothing(nypd):
    assert nypd.again.already_imported and nypd.again.already_imported["id"] == nypd.first.import_id
    assert nypd.figures_after_again == nypd.figures_after_first == len(nypd.df)
    assert nypd.imports_after_again == 1


def test_nypd_revised_week_kept_beside_the_original(nypd):
    r, ws = nypd.third, nypd.ws
    end = pd.to_datetime(nypd.week, format="%m/%d/%Y").strftime("%Y-%m-%d")
    assert r.already_imported is None
    assert counts(ws, "SELECT import_id, count(*) FROM weekly_reports WHERE week_end = ? GROUP BY import_id", end) \
        == {nypd.first.import_id: 1, r.import_id: 1}
    assert nypd.changed > 0
    assert (r.added, r.updated, r.unchanged) == (0, nypd.changed, len(nypd.revised) - nypd.changed)
    assert scalar(ws, "SELECT count(*) FROM weekly_figures") == len(nypd.df) + len(nypd.revised)
    new = counts(ws, "SELECT u.code, c.code, f.wtd_current FROM weekly_figures f JOIN weekly_reports r"
                     " ON r.id = f.report_id JOIN units u ON u.id = f.unit_id JOIN categories c ON c.id = f.category_id"
                     " WHERE r.import_id = ?", r.import_id)
    assert new == {(g, c): int(w) for g, c, w in nypd.revised[["geography", "category", "wtd_current"]].itertuples(
        index=False, name=None)}



def test_nypd_agenda_pack_from_the_published_figures_alone(nypd, tmp_path, capsys):
    """A workspace of published weekly figures (no incidents) gets an agenda pack, not a refusal: the Compstat
    table as the NYPD published it for the latest week, its week columns the file's wtd figures."""
    from compstat_desk.cli import main

    copy = tmp_path / "nypd.sqlite"
    with open_workspace(copy) as target:  # a copy: the module's workspace stays as the other tests expect it
        nypd.ws.conn.backup(target.conn)
    latest = nypd.df.sort_values("end")["end"].iloc[-1]
    day = (pd.Timestamp(latest) + pd.Timedelta(days=4)).strftime("%Y-%m-%d")
    assert main(["meetings", "plan", "--db", str(copy), "--title", "Citywide CompStat", "--date", day]) == 0
    out = tmp_path / "pack.pdf"
    assert main(["pack", "--db", str(copy), "-o", str(out), "--anyway"]) == 0
    assert f"stamped with the data to the week ending {latest}" in capsys.readouterr().err
    from support.pdf import page_texts

    pages = page_texts(out)
    pages = [p for p in pages if p.strip()]
    assert all("OFFICIAL-SENSITIVE" in p for p in pages)
    text = "\n".join(pages)
    week = nypd.df[(nypd.df["end"] == latest) & (nypd.df["geography"] == "citywide")
                   & (nypd.df["category"] == "TOTAL")].iloc[0]
    row = next(line for line in text.splitlines() if line.strip().startswith("TOTAL"))
    assert row.split()[1:3] == [f"{int(week['wtd_current_n']):,}", f"{int(week['wtd_prior_n']):,}"]
    assert "Annex: each division" in text and "as published" in text
    divisions = [n for (n,) in nypd.ws.conn.execute("SELECT name FROM units WHERE level = 'division'")]
    assert divisions and all(f"{n} (" in text for n in divisions)

# -- 6. NYC shootings: one row per victim ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def nyc(tmp_path_factory):
    ws = workspace(tmp_path_factory, "nyc")
    report = timed("NYC shootings", lambda: import_file(ws, NYC_SHOOTINGS, ImportOptions(
        mapping={"incident_key": "id", "occur_date": "occurred", "boro": "unit"}, constants={"category": "Shooting"})))
    yield SimpleNamespace(ws=ws, report=report, df=read_text(NYC_SHOOTINGS))
    ws.close()


def test_nyc_shootings_one_incident_per_key(nyc):
    r, df, ws = nyc.report, nyc.df, nyc.ws
    keys = df["incident_key"].str.strip()
    assert keys.nunique() == 777
    assert scalar(ws, "SELECT count(*) FROM incidents") == keys.nunique() == r.added
    assert r.rows_merged == len(df) - keys.nunique()
    assert r.rows_accepted + r.rows_rejected == len(df) == r.rows_read
    assert {i for (i,) in ws.conn.execute("SELECT source_id FROM incidents")} == set(keys)
    first = df.drop_duplicates("incident_key")
    assert counts(ws, "SELECT u.code, count(*) FROM incidents i JOIN units u ON u.id = i.unit_id GROUP BY u.code") \
        == first["boro"].value_counts().to_dict()
    assert counts(ws, "SELECT day, sum(n) FROM daily_counts GROUP BY day") \
        == first["occur_date"].value_counts().to_dict()
