#!/usr/bin/env python3
"""Generate the synthetic Wessex Constabulary sample data set deterministically.

Everything comes from one numpy generator seeded with 20261115 and the --end date: no clock, no
network. Running the script twice writes byte-identical files (gzip mtime 0, fixed float formats,
sorted rows and keys). See compstat_desk/core/samples/data/README.md, beside the files it writes there, for what
they hold and what is planted.

    python scripts/make_sample_data.py [--out DIR] [--end YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
import shapely.ops
from scipy import ndimage

SEED = 20261115
DEFAULT_END = "2026-11-15"
WEEKS = 156
FORCE_CODE = "FORCE"
FORCE_NAME = "Wessex Constabulary"
ID_PREFIX = "WX"
MARKING = "OFFICIAL-SENSITIVE"

# A local equirectangular plane (km) around the force centre: distances, noise and simplification are
# done in km so they are isotropic; lon/lat are derived only when writing.
LON0, LAT0 = -1.55, 51.05
KX = 111.32 * math.cos(math.radians(LAT0))  # km per degree of longitude
KY = 111.25  # km per degree of latitude
CELL = 0.2  # raster cell (km) used to draw the boundaries and the population surface
NX, NY = 460, 396
X0, Y0 = -46.0, -39.6
TOTAL_POPULATION = 1_010_000
CITY = "Kingsbridge"  # its two divisions split the city north and south


def to_km(lon: float, lat: float) -> tuple[float, float]:
    return (lon - LON0) * KX, (lat - LAT0) * KY


def km_to_lonlat(xy: np.ndarray) -> np.ndarray:
    return np.column_stack([LON0 + xy[:, 0] / KX, LAT0 + xy[:, 1] / KY])


# --------------------------------------------------------------------------------------------------
# The force: towns, divisions, sector names
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Town:
    name: str
    lon: float
    lat: float  # for coastal towns: km north of the coast instead (see `coastal`)
    population: int
    spread_km: float
    coastal: bool = False


TOWNS = [
    Town("Kingsbridge", -1.430, 51.090, 236_000, 2.3),
    Town("Avonmouth", -1.800, 2.4, 138_000, 2.3, coastal=True),
    Town("Brackenhurst", -1.100, 51.240, 80_000, 2.0),
    Town("Chesterbury", -1.950, 51.215, 62_000, 1.8),
    Town("Stourminster", -2.020, 50.955, 40_000, 1.5),
    Town("Seacombe", -1.170, 2.2, 42_000, 1.6, coastal=True),
    Town("Marlbury", -1.620, 51.300, 27_000, 1.3),
    Town("Ashcombe", -1.215, 51.040, 25_000, 1.3),
    Town("Hartfield", -1.020, 51.110, 18_000, 1.1),
    Town("Wyvernham", -1.520, 50.880, 17_000, 1.1),
    Town("Selwood", -1.960, 2.8, 14_000, 1.0, coastal=True),
    Town("Lymford", -1.330, 2.0, 13_000, 1.0, coastal=True),
    Town("Tollard", -2.080, 51.090, 12_000, 0.9),
    Town("Kennet Bridge", -1.350, 51.300, 11_000, 0.9),
    Town("Harnbury", -1.720, 51.130, 10_000, 0.9),
    Town("Eastcombe", -1.640, 50.990, 9_000, 0.8),
]


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    town: str  # the main town: its sector is numbered 1 and named `centre`
    seed: tuple[float, float]  # lon, lat of the seed point that draws the division
    target_pop: int  # the division's boundary is grown or shrunk until it holds about this many residents
    n_sectors: int
    rank: str
    centre: str
    octants: tuple[str, str, str, str, str, str, str, str]  # N NE E SE S SW W NW of the main town


DIVISIONS = [
    Division("KBN", "Kingsbridge North", "Kingsbridge", (-1.437, 51.122), 128_000, 4, "Ch Supt",
             "Kingsbridge City Centre",
             ("Northgate", "Hollins Park", "Eastfield", "Cathedral Quarter", "Riverside", "Westbury Cross",
              "Millbrook", "Ashdown Heights")),
    Division("KBS", "Kingsbridge South", "Kingsbridge", (-1.422, 51.062), 134_000, 4, "Ch Supt",
             "Kingsbridge City Centre",
             ("Station Quarter", "Canal Wharf", "St Anne's", "Priory Fields", "Southmead", "Lower Hatch",
              "Westbury", "Riverside South")),
    Division("AVM", "Avonmouth", "Avonmouth", (-1.800, 50.790), 142_000, 5, "Ch Supt",
             "Avonmouth Town Centre",
             ("Hallen Park", "Coldharbour", "Eastern Docks", "Harbourside", "Quayside", "Sandbanks", "Westcliff",
              "Penpole")),
    Division("BRK", "Brackenhurst", "Brackenhurst", (-1.140, 51.250), 104_000, 4, "Supt",
             "Brackenhurst Town Centre",
             ("Fairfield", "Farnleigh", "Tilford Common", "Bramshott Vale", "Ravensworth", "Upper Basing",
              "Heathcote", "Silchester Fields")),
    Division("CHS", "Chesterbury", "Chesterbury", (-1.945, 51.210), 96_000, 4, "Supt",
             "Chesterbury Town",
             ("Oxley Downs", "Purlbrook", "Whitcombe Vale", "Harnham Plain", "Saxonbury", "Westmead",
              "Yarnfield", "Calloway")),
    Division("STV", "Stourvale", "Stourminster", (-2.010, 50.960), 88_000, 4, "Supt",
             "Stourminster",
             ("Tollard Chase", "Cranmore Heath", "Blanford Down", "Shaston Ridge", "Gillham Vale", "Wincombe",
              "Zeals Common", "Mere Vale")),
    Division("MAR", "Marlbury and Downs", "Marlbury", (-1.560, 51.290), 82_000, 4, "Supt",
             "Marlbury Town",
             ("Ogbourne Downs", "Aldercombe", "Kennet Vale", "Savernake Edge", "Harnbury Fringe", "Overton Hill",
              "Wansdyke", "Ridgeway")),
    Division("ASH", "Ashcombe Vale", "Ashcombe", (-1.130, 51.075), 92_000, 3, "Supt",
             "Ashcombe Town",
             ("Oakhanger", "Hartfield", "Selborne Hanger", "Meon Valley", "Droxbury", "Twyford Down",
              "Itchen Vale", "Worthy Downs")),
    Division("WYV", "Wyvern Forest", "Wyvernham", (-1.470, 50.930), 76_000, 3, "Supt",
             "Wyvernham",
             ("Minstead Vale", "Ashurst Heath", "Bramble Marsh", "Lymford Shore", "Keyhaven Coast", "Burley Heath",
              "Ringmoor", "Fordingham")),
    Division("CST", "Seacombe and Coast", "Seacombe", (-1.160, 50.830), 103_000, 4, "Supt",
             "Seacombe Town",
             ("Botley Vale", "Hamble Reach", "Warsash Point", "Lee Shore", "Seacombe Seafront", "Calshot Spit",
              "Fawley Marsh", "Marchwood Creek")),
]

FIRST_NAMES = [
    "Priya", "Tom", "Sarah", "James", "Aisha", "Mark", "Rachel", "David", "Helen", "Daniel", "Emma", "Gareth",
    "Nadia", "Paul", "Claire", "Simon", "Joanne", "Rob", "Kate", "Imran", "Louise", "Steve", "Fiona", "Chris",
    "Amara", "Neil", "Hannah", "Matt", "Sian", "Ben", "Lucy", "Raj", "Becky", "Andy", "Zoe", "Kwame", "Laura",
    "Ian", "Megan", "Oliver", "Catherine", "Dev", "Jo", "Martin", "Grace", "Owen", "Yasmin", "Lee", "Ellen",
    "Tariq", "Wendy", "Sam", "Mina", "Gavin", "Ruth", "Callum", "Nikhil", "Bronwen", "Femi",
]
SURNAMES = [
    "Raman", "Hale", "Whitfield", "Okafor", "Brennan", "Carter", "Doyle", "Ellison", "Fletcher", "Gill",
    "Harcourt", "Iqbal", "Jenkins", "Kerr", "Lawson", "McAllister", "Nolan", "Osei", "Pritchard", "Quinn",
    "Reeve", "Sandhu", "Thorne", "Underwood", "Vaughan", "Walsh", "Yates", "Ahmed", "Bishop", "Chaudhry",
    "Dawson", "Evans", "Foster", "Greaves", "Hughes", "Ingram", "Kaur", "Lloyd", "Mensah", "Norris", "O'Brien",
    "Patel", "Rowe", "Shah", "Turner", "Webb", "Wright", "Hussain", "Mills", "Barker", "Coleman", "Ferris",
    "Marsh", "Adeyemi", "Holloway", "Kowalski", "Lindqvist", "Morgan", "Rahman",
]


# --------------------------------------------------------------------------------------------------
# Categories: rates per 1,000 residents a year (GLOSSARY), seasonality, timing, place
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    group: str
    headline: int
    rate: float  # per 1,000 residents a year
    urban_exp: float  # how strongly the rate rises with urban density
    retail: float  # share of the volume drawn to town centres (footfall), not to where people live
    season: tuple[float, float, float, float]  # amplitude, peak day-of-year, 2nd-harmonic amplitude, its peak
    trend: float  # growth a year (log scale)
    dispersion: float  # gamma shape of the weekly sector multiplier (smaller = lumpier)
    dow: tuple[float, ...]  # Monday..Sunday
    hours: tuple[float, ...]  # 24 relative weights, local time
    nte: float  # night-time economy: Fri/Sat late evening and Sat/Sun early hours boost
    midnight: float  # share recorded at 00:00 because the time is unknown (courses of conduct etc.)
    withheld: float  # share with the location withheld (blank lon/lat)


CATEGORIES = [
    Category("VWI", "Violence with injury", "Violence", 1, 9.0, 1.0, 0.30, (0.09, 200, 0.03, 10), 0.00, 25,
             (0.92, 0.92, 0.94, 0.97, 1.03, 1.10, 1.05),
             (6.0, 5.2, 4.0, 2.8, 1.8, 1.1, 0.9, 1.1, 1.6, 2.1, 2.6, 3.0, 3.4, 3.6, 3.8, 4.2, 4.7, 5.1, 5.4, 5.5,
              5.6, 5.9, 6.3, 6.4), 1.0, 0.01, 0.01),
    Category("VWOI", "Violence without injury", "Violence", 1, 13.0, 0.8, 0.20, (0.06, 200, 0.02, 10), -0.02,
             30, (0.97, 0.96, 0.96, 0.98, 1.03, 1.06, 1.04),
             (3.6, 3.0, 2.3, 1.6, 1.1, 0.8, 0.8, 1.2, 2.2, 3.0, 3.6, 4.0, 4.3, 4.4, 4.6, 4.9, 5.3, 5.5, 5.5, 5.3,
              5.1, 4.9, 4.6, 4.1), 0.5, 0.03, 0.01),
    Category("STALK", "Stalking and harassment", "Violence", 1, 12.0, 0.5, 0.05, (0.03, 180, 0.0, 0), 0.03, 40,
             (1.10, 1.06, 1.04, 1.00, 0.98, 0.90, 0.92),
             (1.5, 0.8, 0.6, 0.4, 0.3, 0.3, 0.6, 1.4, 3.0, 4.2, 4.8, 5.0, 5.0, 5.0, 5.0, 5.0, 5.1, 5.2, 5.0, 4.6,
              4.2, 3.6, 2.8, 2.0), 0.0, 0.10, 0.01),
    Category("SEX", "Sexual offences", "Violence", 1, 3.0, 0.7, 0.15, (0.06, 190, 0.0, 0), 0.03, 15,
             (0.95, 0.95, 0.95, 0.96, 1.03, 1.10, 1.06),
             (4.2, 3.8, 3.0, 2.2, 1.4, 0.9, 0.8, 1.1, 1.8, 2.6, 3.2, 3.6, 3.9, 4.0, 4.1, 4.4, 4.8, 5.0, 5.0, 5.0,
              5.1, 5.2, 5.1, 4.8), 0.5, 0.08, 0.97),
    Category("ROB", "Robbery", "Acquisitive", 1, 1.4, 2.0, 0.40, (0.10, 340, 0.0, 0), 0.04, 10,
             (0.95, 0.95, 1.00, 1.00, 1.08, 1.06, 0.96),
             (4.4, 3.8, 2.9, 2.0, 1.2, 0.7, 0.6, 0.8, 1.4, 1.9, 2.4, 2.9, 3.4, 3.9, 4.4, 5.3, 6.0, 6.2, 6.0, 5.9,
              5.9, 5.8, 5.6, 5.0), 0.4, 0.01, 0.01),
    Category("BURG", "Residential burglary", "Acquisitive", 1, 3.5, 0.9, 0.05, (0.13, 330, 0.03, 30), -0.06, 12,
             (1.05, 1.00, 1.00, 1.00, 1.05, 0.95, 0.95),
             (2.6, 2.2, 2.0, 1.8, 1.6, 1.3, 1.2, 1.6, 2.6, 3.4, 3.7, 3.8, 3.8, 3.8, 3.9, 4.2, 4.9, 5.8, 6.4, 6.2,
              5.4, 4.5, 3.7, 3.1), 0.0, 0.03, 0.01),
    Category("VEH", "Vehicle offences", "Acquisitive", 1, 6.0, 1.0, 0.25, (0.08, 320, 0.0, 0), -0.04, 12,
             (1.00, 1.00, 1.00, 1.00, 1.02, 1.00, 0.98),
             (4.8, 4.8, 4.6, 4.3, 3.9, 3.3, 2.6, 2.1, 2.0, 2.2, 2.4, 2.6, 2.8, 2.9, 3.0, 3.2, 3.5, 3.9, 4.3, 4.6,
              4.8, 5.0, 5.0, 4.9), 0.0, 0.03, 0.01),
    Category("TFP", "Theft from the person", "Acquisitive", 1, 2.0, 1.5, 0.70, (0.08, 345, 0.04, 200), 0.06, 10,
             (0.90, 0.90, 0.95, 1.00, 1.15, 1.25, 0.85),
             (3.2, 3.0, 2.2, 1.3, 0.6, 0.3, 0.3, 0.6, 1.6, 2.6, 3.6, 4.6, 5.6, 6.0, 6.0, 6.0, 6.2, 6.2, 5.6, 4.8,
              4.2, 3.9, 3.8, 3.6), 0.6, 0.01, 0.01),
    Category("SHOP", "Shoplifting", "Acquisitive", 1, 7.0, 1.0, 0.80, (0.06, 345, 0.0, 0), 0.12, 15,
             (1.00, 1.00, 1.00, 1.00, 1.05, 1.10, 0.80),
             (0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.3, 1.2, 3.5, 5.8, 7.5, 8.6, 9.2, 9.6, 9.8, 9.9, 9.8, 9.3, 8.0, 6.1,
              4.2, 2.6, 1.2, 0.5), 0.0, 0.0, 0.01),
    Category("CDA", "Criminal damage and arson", "Other", 1, 8.0, 0.8, 0.10, (0.06, 200, 0.0, 0), -0.03, 20,
             (0.95, 0.95, 0.95, 0.95, 1.05, 1.15, 1.00),
             (3.8, 3.2, 2.4, 1.7, 1.1, 0.8, 0.8, 1.4, 2.6, 3.2, 3.5, 3.6, 3.7, 3.8, 4.0, 4.5, 5.2, 5.8, 6.2, 6.3,
              6.1, 5.7, 5.1, 4.4), 0.4, 0.03, 0.01),
    Category("DRUG", "Drug offences", "Other", 0, 3.0, 1.2, 0.35, (0.08, 190, 0.0, 0), -0.05, 5,
             (1.05, 1.05, 1.05, 1.05, 1.00, 0.92, 0.86),
             (2.6, 2.2, 1.6, 1.0, 0.6, 0.4, 0.4, 0.8, 1.6, 2.6, 3.4, 4.0, 4.6, 5.0, 5.4, 5.8, 6.1, 6.3, 6.4, 6.4,
              6.2, 5.7, 4.9, 3.7), 0.3, 0.0, 0.01),
]
CAT_INDEX = {c.code: i for i, c in enumerate(CATEGORIES)}

# (month, day) -> {category: multiplier}: Christmas, New Year, Halloween and Bonfire Night
SPECIAL_DAYS: dict[tuple[int, int], dict[str, float]] = {
    (1, 1): {"VWI": 1.7, "VWOI": 1.4, "SEX": 1.3, "CDA": 1.3, "SHOP": 0.35, "TFP": 0.7},
    (12, 31): {"VWI": 1.25, "VWOI": 1.15, "TFP": 1.2},
    (12, 25): {"SHOP": 0.05, "TFP": 0.3, "VWOI": 1.3, "VWI": 1.15, "BURG": 0.8, "ROB": 0.5},
    (12, 26): {"SHOP": 0.6, "VWOI": 1.2},
    (10, 31): {"CDA": 1.8},
    (11, 4): {"CDA": 1.25},
    (11, 5): {"CDA": 1.7},
    (11, 6): {"CDA": 1.25},
}


# --------------------------------------------------------------------------------------------------
# Geography
# --------------------------------------------------------------------------------------------------


@dataclass
class Geography:
    xe: np.ndarray
    ye: np.ndarray
    X: np.ndarray
    Y: np.ndarray
    land: np.ndarray
    pop: np.ndarray  # residents per cell
    footfall: np.ndarray  # town-centre attraction per cell (same total as pop)
    div_lab: np.ndarray  # division index per cell, -1 off land
    sec_lab: np.ndarray  # sector index per cell, -1 off land
    towns_km: dict[str, tuple[float, float]]
    sectors: list[dict] = field(default_factory=list)
    divisions: list[dict] = field(default_factory=list)
    spare_names: list[str] = field(default_factory=list)


def smooth_noise(rng: np.random.Generator, sigma_cells: float) -> np.ndarray:
    z = ndimage.gaussian_filter(rng.standard_normal((NY, NX)), sigma_cells, mode="reflect")
    return z / z.std()


def largest_component(mask: np.ndarray) -> np.ndarray:
    comp, n = ndimage.label(mask)
    if n <= 1:
        return mask
    sizes = ndimage.sum(np.ones_like(comp), comp, index=np.arange(1, n + 1))
    return comp == (int(np.argmax(sizes)) + 1)


def mode_filter(lab: np.ndarray, labels: list[int], passes: int = 2) -> np.ndarray:
    """Majority filter over 3x3 windows (on land only): smooths one-cell jaggies off the boundaries."""
    kernel = np.ones((3, 3))
    for _ in range(passes):
        counts = np.stack([ndimage.convolve((lab == L).astype(np.int16), kernel, mode="constant") for L in labels])
        best = np.array(labels)[np.argmax(counts, axis=0)]
        own = np.zeros(lab.shape, dtype=np.int16)
        for k, L in enumerate(labels):
            own = np.where(lab == L, counts[k], own)
        keep = own >= counts.max(axis=0)
        lab = np.where((lab >= 0) & ~keep, best, lab)
    return lab


def fix_components(lab: np.ndarray, group: np.ndarray | None = None) -> np.ndarray:
    """Keep each label's largest 4-connected piece; hand stray pieces to a neighbouring label."""
    lab = lab.copy()
    for L in np.unique(lab[lab >= 0]):
        comp, n = ndimage.label(lab == L)
        if n > 1:
            sizes = ndimage.sum(np.ones_like(comp), comp, index=np.arange(1, n + 1))
            keep = int(np.argmax(sizes)) + 1
            lab[(comp > 0) & (comp != keep)] = -2
    grp = group if group is not None else np.zeros_like(lab)
    while (lab == -2).any():
        for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1)):
            nb = np.roll(lab, (dy, dx), axis=(0, 1))
            nbg = np.roll(grp, (dy, dx), axis=(0, 1))
            take = (lab == -2) & (nb >= 0) & (nbg == grp)
            lab[take] = nb[take]
    return lab


def weighted_kmeans(pts: np.ndarray, w: np.ndarray, k: int, rng: np.random.Generator,
                    fixed: tuple[float, float] | None = None) -> np.ndarray:
    """k-means++ then Lloyd iterations; a `fixed` first centre (the town centre) does not move."""
    p = w / w.sum()
    centres = [np.array(fixed)] if fixed is not None else [pts[rng.choice(len(pts), p=p)]]
    for _ in range(1, k):
        d2 = np.min([((pts - c) ** 2).sum(1) for c in centres], axis=0)
        q = w * d2
        centres.append(pts[rng.choice(len(pts), p=q / q.sum())])
    C = np.array(centres)
    for _ in range(30):
        a = np.argmin(((pts[:, None, :] - C[None]) ** 2).sum(-1), axis=1)
        for j in range(1 if fixed is not None else 0, k):
            m = a == j
            if m.any():
                C[j] = (pts[m] * w[m, None]).sum(0) / w[m].sum()
    return C


def balanced_assign(XW: np.ndarray, YW: np.ndarray, mask: np.ndarray, pop: np.ndarray, seeds: np.ndarray,
                    targets: np.ndarray, iters: int = 120, step_km: float = 0.6) -> np.ndarray:
    """Label cells by additively weighted distance to seeds, tuning the weights towards target populations."""
    xs, ys, ps = XW[mask], YW[mask], pop[mask]
    w = np.zeros(len(seeds))
    d = np.stack([np.hypot(xs - sx, ys - sy) for sx, sy in seeds])
    for _ in range(iters):
        lab = np.argmin(d - w[:, None], axis=0)
        got = np.bincount(lab, weights=ps, minlength=len(seeds))
        w += step_km * np.log(targets / np.maximum(got, 1.0))
    out = np.full(mask.shape, -1)
    out[mask] = lab
    return out


def coast_y(x: np.ndarray | float, ph: np.ndarray) -> np.ndarray | float:
    return -32.0 + 2.5 * np.sin(0.11 * x + ph[0]) + 1.2 * np.sin(0.31 * x + ph[1]) + 0.5 * np.sin(0.9 * x + ph[2])


def build_geography(rng: np.random.Generator) -> Geography:
    xe = X0 + CELL * np.arange(NX + 1)
    ye = Y0 + CELL * np.arange(NY + 1)
    X, Y = np.meshgrid((xe[:-1] + xe[1:]) / 2, (ye[:-1] + ye[1:]) / 2)

    # Force outline: a wobbly super-ellipse cut by a wavy south coast, with a tidal estuary east of Avonmouth.
    a, b, yc = 40.5, 34.0, 1.5
    th = np.arctan2((Y - yc) / b, X / a)
    rho = (np.abs(X / a) ** 2.5 + np.abs((Y - yc) / b) ** 2.5) ** 0.4
    amps = [0.05, 0.04, 0.03, 0.02, 0.012, 0.008]
    phases = rng.uniform(0, 2 * np.pi, len(amps))
    r = 1.0 + sum(am * np.sin((k + 2) * th + ph) for k, (am, ph) in enumerate(zip(amps, phases)))
    r = r + 0.03 * smooth_noise(rng, 10)
    cph = rng.uniform(0, 2 * np.pi, 3)
    land = (rho < r) & (Y > coast_y(X, cph))
    ex = to_km(-1.735, 0)[0]
    estuary = (((X - ex) / 0.7) ** 2 + ((Y - coast_y(ex, cph)) / 5.5) ** 2) < 1
    land &= ~estuary
    land &= (np.abs(X) < 45.2) & (np.abs(Y) < 38.6)
    land = largest_component(land)

    # Population and footfall surfaces: towns (dense core + suburbs), villages and a thin rural spread.
    towns_km: dict[str, tuple[float, float]] = {}
    for t in TOWNS:
        x = to_km(t.lon, 0)[0]
        if t.coastal:  # `lat` holds km inland from the shore
            col = land[:, int((x - X0) // CELL)]
            y = float(Y[np.argmax(col), 0]) + t.lat
        else:
            y = to_km(0, t.lat)[1]
        towns_km[t.name] = (x, y)

    def kernel(x: float, y: float, s: float) -> np.ndarray:
        return np.exp(-((X - x) ** 2 + (Y - y) ** 2) / (2 * s * s))

    def add(surface: np.ndarray, x: float, y: float, s: float, mass: float) -> None:
        k = kernel(x, y, s) * land
        tot = k.sum()
        if tot > 0:
            surface += mass * k / tot

    pop = np.zeros((NY, NX))
    foot = np.zeros((NY, NX))
    for t in TOWNS:
        x, y = towns_km[t.name]
        add(pop, x, y, t.spread_km, 0.55 * t.population)
        add(pop, x, y, 2.0 * t.spread_km, 0.45 * t.population)
        add(foot, x, y, 0.42 * t.spread_km, t.population ** 1.1)
        # estates and district centres give the bigger towns some texture
        for _ in range(t.population // 25_000 + 2 if t.population >= 40_000 else 0):
            ang, dist = rng.uniform(0, 2 * np.pi), t.spread_km * rng.uniform(0.6, 2.2)
            nx, ny = x + dist * math.sin(ang), y + dist * math.cos(ang)
            if not land[int((ny - Y0) // CELL), int((nx - X0) // CELL)]:
                continue
            mass = t.population * rng.uniform(0.03, 0.07)
            add(pop, nx, ny, rng.uniform(0.35, 0.7), mass)
            add(foot, nx, ny, 0.2, 0.5 * mass ** 1.1)
    land_idx = np.flatnonzero(land)
    villages = []
    while len(villages) < 120:
        i = land_idx[rng.integers(len(land_idx))]
        vx, vy = X.flat[i], Y.flat[i]
        if all(math.hypot(vx - tx, vy - ty) > 3.0 + 1.6 * t.spread_km
               for t, (tx, ty) in zip(TOWNS, towns_km.values())) and all(
                math.hypot(vx - ux, vy - uy) > 2.5 for ux, uy, _ in villages):
            villages.append((vx, vy, float(np.clip(rng.lognormal(np.log(1600), 0.7), 300, 9000))))
    for vx, vy, vp in villages:
        add(pop, vx, vy, 0.5, vp)
        add(foot, vx, vy, 0.3, 0.7 * vp ** 1.1)
    pop += land * 14.0 * CELL * CELL * (1 + 0.5 * smooth_noise(rng, 20)).clip(0.2)
    pop *= TOTAL_POPULATION / pop.sum()
    foot *= pop.sum() / foot.sum()

    # Divisions. The city of Kingsbridge (everything within a warped radius holding the two city
    # divisions' population) is cut in two, north and south. The rest of the county is shared between
    # the other divisions by additively weighted distance to their seeds in a domain-warped plane
    # (boundaries wander like real ones), the weights tuned until each holds about its target population.
    wx = 2.2 * smooth_noise(rng, 18) + 0.7 * smooth_noise(rng, 6)
    wy = 2.2 * smooth_noise(rng, 18) + 0.7 * smooth_noise(rng, 6)
    XW, YW = X + 0.5 * wx, Y + 0.5 * wy
    targets = np.array([d.target_pop for d in DIVISIONS], float)
    targets *= pop.sum() / targets.sum()
    city = [i for i, d in enumerate(DIVISIONS) if d.town == CITY]
    cx, cy = towns_km[CITY]
    dcity = np.where(land, np.hypot(X + 0.4 * wx - cx, Y + 0.4 * wy - cy), np.inf).ravel()
    order = np.argsort(dcity, kind="stable")
    inside = order[: int(np.searchsorted(np.cumsum(pop.ravel()[order]), targets[city].sum()))]
    in_city = np.zeros(land.shape, bool)
    in_city.flat[inside] = True
    rest = [i for i in range(len(DIVISIONS)) if i not in city]
    seeds = np.array([to_km(*DIVISIONS[i].seed) for i in rest])
    lab = balanced_assign(X + wx, Y + wy, land & ~in_city, pop, seeds, targets[rest])
    div_lab = np.where(lab >= 0, np.array(rest)[np.maximum(lab, 0)], -1)
    north, south = (np.array(to_km(*DIVISIONS[i].seed)) for i in city)
    axis = (north - south) / np.hypot(*(north - south))
    wobble = 1.2 * smooth_noise(rng, 8)
    proj = np.where(in_city, (XW - cx) * axis[0] + (YW - cy) * axis[1] + wobble, np.inf).ravel()
    order = np.argsort(proj, kind="stable")
    n_south = int(np.searchsorted(np.cumsum(pop.ravel()[order]), targets[city[1]]))
    flat = div_lab.ravel()
    flat[order[:n_south]] = city[1]
    flat[order[n_south:len(inside)]] = city[0]
    div_lab = flat.reshape(land.shape)
    div_lab = mode_filter(div_lab, list(range(len(DIVISIONS))))
    div_lab = fix_components(div_lab)

    # Sectors: weighted k-means seeds inside each division (pulled towards people), a finer warp, and
    # again balanced so that sectors of one division have similar (not equal) populations.
    fx = 0.9 * smooth_noise(rng, 7)
    fy = 0.9 * smooth_noise(rng, 7)
    sec_lab = np.full((NY, NX), -1)
    base = 0
    for di, d in enumerate(DIVISIONS):
        m = div_lab == di
        pts = np.column_stack([X[m], Y[m]])
        town = towns_km[d.town]
        has_town = bool(m[int((town[1] - Y0) // CELL), int((town[0] - X0) // CELL)])
        C = weighted_kmeans(pts, pop[m] ** 0.45 + 1e-6, d.n_sectors, rng, fixed=town if has_town else None)
        share = rng.uniform(0.75, 1.25, d.n_sectors)
        lab = balanced_assign(X + fx, Y + fy, m, pop, C, pop[m].sum() * share / share.sum())
        sec_lab[m] = base + lab[m]
        base += d.n_sectors
    sec_lab = mode_filter(sec_lab, list(range(base)))
    sec_lab = np.where(land, sec_lab, -1)
    sec_lab = fix_components(sec_lab, group=div_lab)
    return Geography(xe, ye, X, Y, land, pop, foot, div_lab, sec_lab, towns_km)


def raster_to_polygons(lab: np.ndarray, xe: np.ndarray, ye: np.ndarray) -> dict[int, shapely.Geometry]:
    """Exact polygons of a label raster, noded so that neighbours share identical vertices."""
    segs = []
    ii, jj = np.nonzero(lab[:, :-1] != lab[:, 1:])
    x = xe[jj + 1]
    segs.append(np.stack([np.column_stack([x, ye[ii]]), np.column_stack([x, ye[ii + 1]])], axis=1))
    ii, jj = np.nonzero(lab[:-1, :] != lab[1:, :])
    y = ye[ii + 1]
    segs.append(np.stack([np.column_stack([xe[jj], y]), np.column_stack([xe[jj + 1], y])], axis=1))
    lines = shapely.linestrings(np.concatenate(segs))
    merged = shapely.line_merge(shapely.multilinestrings(lines))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(merged)))
    out: dict[int, list] = {}
    for f in faces:
        p = f.representative_point()
        j = int((p.x - xe[0]) // CELL)
        i = int((p.y - ye[0]) // CELL)
        L = int(lab[i, j])
        if L >= 0:
            out.setdefault(L, []).append(f)
    return {L: (fs[0] if len(fs) == 1 else shapely.union_all(fs)) for L, fs in sorted(out.items())}


def round_lonlat(geom: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geom, lambda c: np.round(km_to_lonlat(c), 5))


def octant_of(dx: float, dy: float) -> int:
    bearing = math.degrees(math.atan2(dx, dy)) % 360
    return int(((bearing + 22.5) % 360) // 45)


def make_units(geo: Geography, rng: np.random.Generator) -> None:
    polys_km = raster_to_polygons(geo.sec_lab, geo.xe, geo.ye)
    keys = sorted(polys_km)
    simplified = shapely.coverage_simplify(np.array([polys_km[k] for k in keys]), 0.3)
    sec_geom = {k: round_lonlat(g) for k, g in zip(keys, simplified)}

    names = [f"{f} {s}" for f, s in zip(rng.permutation(FIRST_NAMES), rng.permutation(SURNAMES))]
    name_iter = iter(names)
    geo.spare_names = names[sum(d.n_sectors + 1 for d in DIVISIONS):]  # for the meeting's staff
    base = 0
    for di, d in enumerate(DIVISIONS):
        tx, ty = geo.towns_km[d.town]
        members = list(range(base, base + d.n_sectors))
        base += d.n_sectors
        info = []
        for L in members:
            m = geo.sec_lab == L
            w = geo.pop[m]
            cx, cy = (geo.X[m] * w).sum() / w.sum(), (geo.Y[m] * w).sum() / w.sum()
            has_town = L == geo.sec_lab[int((ty - Y0) // CELL), int((tx - X0) // CELL)]
            info.append({"label": L, "cx": cx, "cy": cy, "has_town": has_town,
                         "population": int(round(w.sum() / 10.0) * 10 + rng.integers(-4, 5)),
                         "footfall": float(geo.footfall[m].sum()),
                         "density": float((w * w).sum() / w.sum() / (CELL * CELL))})
        # Name: the sector holding the main town is "<centre>", others by their bearing from the town.
        used: set[int] = set()
        for s in sorted(info, key=lambda s: (not s["has_town"], math.hypot(s["cx"] - tx, s["cy"] - ty))):
            if s["has_town"]:
                s["name"], s["bearing"] = d.centre, -1.0
                continue
            dx, dy = s["cx"] - tx, s["cy"] - ty
            want = octant_of(dx, dy)
            o = min((o for o in range(8) if o not in used), key=lambda o: (min((o - want) % 8, (want - o) % 8), o))
            used.add(o)
            s["name"], s["bearing"] = d.octants[o], math.degrees(math.atan2(dx, dy)) % 360
        info.sort(key=lambda s: s["bearing"])
        for n, s in enumerate(info, start=1):
            inspector = next(name_iter)
            geo.sectors.append({
                "code": f"{d.code}{n}", "name": s["name"], "level": "sector", "parent": d.code,
                "commander": f"Insp {inspector}", "population": s["population"], "label": s["label"],
                "division": di, "geometry": sec_geom[s["label"]], "footfall": s["footfall"],
                "density": s["density"],
            })
        parts = [s["geometry"] for s in geo.sectors if s["division"] == di]
        geo.divisions.append({
            "code": d.code, "name": d.name, "level": "division", "parent": "",
            "commander": f"{d.rank} {next(name_iter)}",
            "population": sum(s["population"] for s in geo.sectors if s["division"] == di),
            "geometry": shapely.coverage_union_all(parts), "index": di,
        })


# --------------------------------------------------------------------------------------------------
# Incidents
# --------------------------------------------------------------------------------------------------


@dataclass
class Calendar:
    start: dt.date
    end: dt.date
    days: int
    dates: list[dt.date]
    doy: np.ndarray
    dow: np.ndarray
    week: np.ndarray
    years: np.ndarray  # time in years from the middle of the series


def make_calendar(end: dt.date) -> Calendar:
    start = end - dt.timedelta(days=WEEKS * 7 - 1)
    dates = [start + dt.timedelta(days=i) for i in range(WEEKS * 7)]
    doy = np.array([d.timetuple().tm_yday for d in dates])
    dow = np.array([d.weekday() for d in dates])
    week = np.arange(len(dates)) // 7
    years = (np.arange(len(dates)) - (len(dates) - 1) / 2) / 365.25
    return Calendar(start, end, len(dates), dates, doy, dow, week, years)


def seasonal_factor(cal: Calendar, c: Category) -> np.ndarray:
    a1, p1, a2, p2 = c.season
    s = np.exp(a1 * np.cos(2 * np.pi * (cal.doy - p1) / 365.25) + a2 * np.cos(4 * np.pi * (cal.doy - p2) / 365.25))
    for i, d in enumerate(cal.dates):
        s[i] *= SPECIAL_DAYS.get((d.month, d.day), {}).get(c.code, 1.0)
        if d.month == 12 and d.day <= 23 and c.code in ("SHOP", "TFP"):
            s[i] *= 1.18 if c.code == "SHOP" else 1.25
    return s / s.mean()


def hour_matrix(c: Category) -> np.ndarray:
    """7x24 weights (Mon..Sun x local hour) with the night-time economy shifted to weekends."""
    M = np.outer(np.array(c.dow), np.array(c.hours))
    if c.nte:
        M[4:6, 20:24] *= 1 + 0.9 * c.nte  # Friday and Saturday late evening
        M[5:7, 0:5] *= 1 + 1.6 * c.nte  # Saturday and Sunday early hours
        M[0:5, 0:5] *= 1 - 0.25 * c.nte
    return M


def last_sunday(year: int, month: int) -> dt.date:
    d = dt.date(year, month + 1, 1) - dt.timedelta(days=1) if month < 12 else dt.date(year, 12, 31)
    return d - dt.timedelta(days=(d.weekday() + 1) % 7)


@dataclass
class Plants:
    deteriorating_division: str = "KBN"
    deteriorating_category: str = "BURG"
    deteriorating_sectors: tuple[str, ...] = ()
    improving_division: str = "CHS"
    improving_category: str = "VEH"
    slipping_division: str = "STV"
    slipping_indicator: str = "ATTEND_URBAN"
    hotspots: list[dict] = field(default_factory=list)


def expected_counts(geo: Geography, cal: Calendar, rng: np.random.Generator) -> np.ndarray:
    """Daily expected counts, shape (sectors, categories, days), with over-dispersed weekly multipliers."""
    S, C, D = len(geo.sectors), len(CATEGORIES), cal.days
    pop = np.array([s["population"] for s in geo.sectors], float)
    foot = np.array([s["footfall"] for s in geo.sectors], float)
    foot *= pop.sum() / foot.sum()
    dens = np.array([s["density"] for s in geo.sectors], float)
    urb = (dens / np.average(dens, weights=pop)) ** 0.22
    div_of = np.array([s["division"] for s in geo.sectors])
    lam = np.empty((S, C, D))
    # Shared weekly factors: a slow force-wide "weather" level and a slow level per division.
    def ar1(n: int, phi: float, sd: float) -> np.ndarray:
        e = rng.normal(0, sd * math.sqrt(1 - phi * phi), n)
        z = np.empty(n)
        z[0] = rng.normal(0, sd)
        for t in range(1, n):
            z[t] = phi * z[t - 1] + e[t]
        return z
    force_level = ar1(WEEKS, 0.6, 0.035)
    div_level = np.stack([ar1(WEEKS, 0.8, 0.035) for _ in DIVISIONS])
    div_level += np.log(rng.gamma(120, 1 / 120, div_level.shape))  # busy and quiet weeks
    for ci, c in enumerate(CATEGORIES):
        share = pop * urb ** c.urban_exp * (1 - c.retail) + foot * c.retail
        annual = share / share.sum() * c.rate * pop.sum() / 1000.0
        M = hour_matrix(c)
        dayw = M.sum(1) / M.sum(1).mean()
        daily = seasonal_factor(cal, c) * dayw[cal.dow] * np.exp(c.trend * cal.years)
        cat_week = rng.gamma(700, 1 / 700, WEEKS) * np.exp(force_level)
        sec_week = rng.gamma(c.dispersion, 1 / c.dispersion, (S, WEEKS))
        weekly = sec_week * cat_week[None, :] * np.exp(div_level[div_of])
        if c.code == "DRUG":  # days of action: warrants and stop-and-search operations
            ops = rng.random((len(DIVISIONS), WEEKS)) < 0.03
            weekly *= np.where(ops[div_of], 2.5, 1.0)
        lam[:, ci, :] = annual[:, None] / 365.25 * daily[None, :] * weekly[:, cal.week]
    return lam


def plant_trends(geo: Geography, cal: Calendar, plants: Plants, lam: np.ndarray, counts: np.ndarray,
                 series: np.ndarray, rng: np.random.Generator) -> None:
    """Plant (a) the deterioration and (c) the improvement in the drawn counts.

    Each 28-day block of the window is set to the same 28 days a year earlier (364 days back) times a
    ratio, so that the comparison the meeting makes shows the planted change whatever the random draws
    of the earlier year were (`series`, the offending series added separately, count too). Incidents
    are added where the model expects them (weighted towards the worst-hit sectors) or removed at random.
    """
    D = cal.days
    # (a) burglary in one division rising over the last 12 weeks: +50%, +80%, +120% in successive 4-week
    # blocks (about +85% over the 12 weeks), worst on two estates: clear enough for the table to flag
    members = [i for i, s in enumerate(geo.sectors) if s["parent"] == plants.deteriorating_division]
    centre = DIVISIONS[geo.sectors[members[0]]["division"]].centre
    residential = [i for i in members if geo.sectors[i]["name"] != centre]
    hot = sorted(residential, key=lambda i: -geo.sectors[i]["population"])[:2]
    plants.deteriorating_sectors = tuple(geo.sectors[i]["code"] for i in sorted(hot))
    weight = np.array([8.0 if i in hot else 1.0 for i in members])
    ratios = [1.50, 1.80, 2.20]
    _set_blocks(counts, series, lam, members, CAT_INDEX[plants.deteriorating_category], D - 28 * len(ratios),
                ratios, weight, rng)
    # (c) vehicle offences in another division falling over the last 20 weeks (an ANPR operation): -25% in
    # the first four weeks, then -45%
    members = [i for i, s in enumerate(geo.sectors) if s["parent"] == plants.improving_division]
    ratios = [0.75, 0.55, 0.55, 0.55, 0.55]
    _set_blocks(counts, series, lam, members, CAT_INDEX[plants.improving_category], D - 28 * len(ratios),
                ratios, np.ones(len(members)), rng)


def _set_blocks(counts: np.ndarray, series: np.ndarray, lam: np.ndarray, members: list[int], ci: int,
                first_day: int, ratios: list[float], weight: np.ndarray, rng: np.random.Generator) -> None:
    """Make each 28-day block `ratio` times the same 28 days a year earlier (364 days back)."""
    for k, r in enumerate(ratios):
        days = np.arange(28) + first_day + 28 * k
        prev = int((counts + series)[np.ix_(members, [ci], days - 364)].sum())
        block = counts[np.ix_(members, [ci], days)][:, 0, :]
        diff = int(round(r * prev)) - int(block.sum()) - int(series[np.ix_(members, [ci], days)].sum())
        if diff > 0:
            p = (lam[np.ix_(members, [ci], days)][:, 0, :] * weight[:, None]).ravel()
            block += rng.multinomial(diff, p / p.sum()).reshape(block.shape)
        elif diff < 0:
            flat = np.repeat(np.arange(block.size), block.ravel())
            drop = rng.choice(flat, size=min(-diff, len(flat)), replace=False)
            block -= np.bincount(drop, minlength=block.size).reshape(block.shape)
        counts[np.ix_(members, [ci], days)] = block[:, None, :]


def sample_points(geo: Geography, sector: dict, n: int, centre_share: float, shops: np.ndarray | None,
                  rng: np.random.Generator) -> np.ndarray:
    """n lon/lat points (rounded to 5 dp) inside the sector polygon: town centres, shops or homes."""
    idx = sector["_cells"]
    out = np.empty((n, 2))
    todo = np.arange(n)
    kind = rng.random(n)
    while len(todo):
        k = kind[todo]
        cells = np.where(k < centre_share,
                         idx[np.searchsorted(sector["_cum_foot"], rng.random(len(todo)) * sector["_cum_foot"][-1])],
                         idx[np.searchsorted(sector["_cum_pop"], rng.random(len(todo)) * sector["_cum_pop"][-1])])
        xy = np.column_stack([geo.X.flat[cells], geo.Y.flat[cells]]) + rng.uniform(-CELL / 2, CELL / 2, (len(todo), 2))
        if shops is not None:  # most shoplifting is at a handful of stores: repeat locations
            at_shop = (k < centre_share * 0.7)
            pick = rng.choice(len(shops), size=len(todo), p=sector["_shop_p"])
            xy = np.where(at_shop[:, None], shops[pick] + rng.normal(0, 0.008, (len(todo), 2)), xy)
        ll = np.round(km_to_lonlat(xy), 5)
        ok = shapely.contains_xy(sector["geometry"], ll[:, 0], ll[:, 1])
        out[todo[ok]] = ll[ok]
        todo = todo[~ok]
    return out


def cluster_points(centre_ll: tuple[float, float], sigma_km: float, n: int, poly: shapely.Geometry,
                   rng: np.random.Generator) -> np.ndarray:
    cx, cy = to_km(*centre_ll)
    out = np.empty((n, 2))
    todo = np.arange(n)
    while len(todo):
        xy = np.column_stack([cx, cy]) + rng.normal(0, sigma_km, (len(todo), 2))
        ll = np.round(km_to_lonlat(xy), 5)
        ok = shapely.contains_xy(poly, ll[:, 0], ll[:, 1])
        out[todo[ok]] = ll[ok]
        todo = todo[~ok]
    return out


def pick_hotspots(geo: Geography, cal: Calendar, plants: Plants) -> None:
    """(b) two emerging hot spots in the last 28 days, in different divisions."""
    by_code = {s["code"]: s for s in geo.sectors}

    def inside_point(sector: dict, x: float, y: float, margin: float = 0.6) -> tuple[float, float]:
        poly_km = shapely.transform(sector["geometry"],
                                    lambda c: np.column_stack([(c[:, 0] - LON0) * KX, (c[:, 1] - LAT0) * KY]))
        inner = poly_km.buffer(-margin)
        p = shapely.Point(x, y)
        if not inner.contains(p):
            q = shapely.ops.nearest_points(inner, p)[0]
            x, y = q.x, q.y
        lon, lat = km_to_lonlat(np.array([[x, y]]))[0]
        return round(float(lon), 5), round(float(lat), 5)

    # Robbery around Avonmouth Central station, just north-east of the town centre.
    tx, ty = geo.towns_km["Avonmouth"]
    avm = next(s for s in geo.sectors if s["parent"] == "AVM" and s["code"].endswith("1"))
    station = inside_point(avm, tx + 0.55, ty + 0.45, 0.5)
    # Criminal damage on a housing estate in a residential Brackenhurst sector, away from the centre.
    tx, ty = geo.towns_km["Brackenhurst"]
    brk = [s for s in geo.sectors if s["parent"] == "BRK" and not s["code"].endswith("1")]
    best = None
    for s in brk:
        m = geo.sec_lab == s["label"]
        d = np.hypot(geo.X[m] - tx, geo.Y[m] - ty)
        score = np.where((d > 1.6) & (d < 4.0), geo.pop[m], 0)
        j = int(np.argmax(score))
        if best is None or score[j] > best[0]:
            best = (score[j], s, geo.X[m][j], geo.Y[m][j])
    _, est_sector, ex, ey = best
    estate = inside_point(est_sector, ex, ey, 0.6)
    plants.hotspots = [
        {"unit": avm["code"], "category": "ROB", "lonlat": station, "sigma_km": 0.11, "n": 44, "days": 26,
         "place": f"around Avonmouth Central station ({avm['name']})", "hours": (15, 23)},
        {"unit": est_sector["code"], "category": "CDA", "lonlat": estate, "sigma_km": 0.13, "n": 48, "days": 23,
         "place": f"on the {est_sector['name']} estate", "hours": (17, 24)},
    ]
    for h in plants.hotspots:
        h["sector"] = by_code[h["unit"]]


@dataclass
class Incidents:
    day: np.ndarray
    minute: np.ndarray  # minute of the day, local
    cat: np.ndarray
    sec: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    withheld: np.ndarray


def make_incidents(geo: Geography, cal: Calendar, plants: Plants, rng: np.random.Generator) -> Incidents:
    lam = expected_counts(geo, cal, rng)
    counts = rng.poisson(lam)

    # Burglary and vehicle-crime series (a prolific offender working one neighbourhood for a few weeks),
    # kept out of the last six weeks so that the two planted hot spots are the ones that emerge there.
    extra = []
    series = np.zeros_like(counts)
    for _ in range(24):
        ci = CAT_INDEX[rng.choice(["BURG", "BURG", "BURG", "VEH", "VEH", "CDA"])]
        si = int(rng.integers(len(geo.sectors)))
        d0 = int(rng.integers(0, cal.days - 42 - 21))
        n = int(rng.integers(6, 15))
        s = geo.sectors[si]
        centre = sample_points(geo, s, 1, 0.0, None, rng)[0]
        pts = cluster_points((centre[0], centre[1]), 0.35, n, s["geometry"], rng)
        dd = d0 + rng.integers(0, 21, n)
        np.add.at(series, (si, ci, dd), 1)
        extra.append((np.full(n, si), np.full(n, ci), dd, pts))

    plant_trends(geo, cal, plants, lam, counts, series, rng)
    s_idx, c_idx, d_idx = np.nonzero(counts)
    reps = counts[s_idx, c_idx, d_idx]
    sec = np.repeat(s_idx, reps)
    cat = np.repeat(c_idx, reps)
    day = np.repeat(d_idx, reps)

    for h in plants.hotspots:
        si = geo.sectors.index(h["sector"])
        n, days = h["n"], h["days"]
        # emerging: more incidents towards the end of the window
        w = np.linspace(0.5, 1.5, days)
        dd = cal.days - days + rng.choice(days, size=n, p=w / w.sum())
        pts = cluster_points(h["lonlat"], h["sigma_km"], n, h["sector"]["geometry"], rng)
        extra.append((np.full(n, si), np.full(n, CAT_INDEX[h["category"]]), dd, pts))
        h["first_day"] = cal.dates[int(dd.min())]
        h["last_day"] = cal.dates[int(dd.max())]

    # Time of day from the category's weekday-by-hour profile; minutes heaped on :00 and :30 as in real
    # records, and some offences with no known time recorded at 00:00.
    minute = np.empty(len(day), dtype=np.int64)
    for ci, c in enumerate(CATEGORIES):
        M = hour_matrix(c)
        for w in range(7):
            m = (cat == ci) & (cal.dow[day] == w)
            n = int(m.sum())
            hours = rng.choice(24, size=n, p=M[w] / M[w].sum())
            minute[m] = hours * 60 + heaped_minutes(n, rng)
            mid = rng.random(n) < c.midnight
            minute[np.flatnonzero(m)[mid]] = 0
    lon = np.full(len(day), np.nan)
    lat = np.full(len(day), np.nan)
    withheld = np.zeros(len(day), bool)
    for ci, c in enumerate(CATEGORIES):
        withheld[cat == ci] = rng.random(int((cat == ci).sum())) < c.withheld
    for si, s in enumerate(geo.sectors):
        for ci, c in enumerate(CATEGORIES):
            m = np.flatnonzero((sec == si) & (cat == ci) & ~withheld)
            if not len(m):
                continue
            share = s["footfall"] * c.retail / (s["footfall"] * c.retail + s["population"] * (1 - c.retail) + 1e-9)
            pts = sample_points(geo, s, len(m), share, s["_shops"] if c.code == "SHOP" else None, rng)
            lon[m], lat[m] = pts[:, 0], pts[:, 1]

    # Planted clusters come with their own times: evenings, and their own points.
    parts = [Incidents(day, minute, cat, sec, lon, lat, withheld)]
    for k, (es, ec, ed, pts) in enumerate(extra):
        n = len(es)
        is_hot = k >= len(extra) - len(plants.hotspots)
        if is_hot:
            h = plants.hotspots[k - (len(extra) - len(plants.hotspots))]
            lo, hi = h["hours"]
            em = rng.integers(lo * 60, hi * 60, n) % 1440
        else:
            M = hour_matrix(CATEGORIES[int(ec[0])])
            em = np.array([rng.choice(24, p=M[cal.dow[d]] / M[cal.dow[d]].sum()) for d in ed]) * 60
            em = em + heaped_minutes(n, rng)
        parts.append(Incidents(ed.astype(np.int64), em.astype(np.int64), ec, es, pts[:, 0], pts[:, 1],
                               np.zeros(n, bool)))
    inc = Incidents(*[np.concatenate([getattr(p, f) for p in parts]) for f in Incidents.__dataclass_fields__])

    # The clocks go forward at 01:00 on the last Sunday in March: 01:00-01:59 does not exist locally.
    gaps = [i for i, d in enumerate(cal.dates) if d.month == 3 and d == last_sunday(d.year, 3)]
    bad = np.isin(inc.day, gaps) & (inc.minute // 60 == 1)
    inc.minute[bad] += 60
    return inc


def heaped_minutes(n: int, rng: np.random.Generator) -> np.ndarray:
    m = rng.integers(0, 60, n)
    u = rng.random(n)
    m = np.where(u < 0.22, 0, m)
    m = np.where((u >= 0.22) & (u < 0.31), 30, m)
    m = np.where((u >= 0.31) & (u < 0.37), 15 * rng.integers(0, 4, n), m)
    return m


def assign_ids(inc: Incidents, cal: Calendar, rng: np.random.Generator) -> np.ndarray:
    """Crime reference numbers WXyy/nnnnnn, numbered in order of recording within each year."""
    n = len(inc.day)
    occurred = inc.day * 1440 + inc.minute
    lag_days = np.where(rng.random(n) < 0.75, rng.exponential(0.4, n), rng.exponential(4.0, n))
    sex = inc.cat == CAT_INDEX["SEX"]
    lag_days = np.where(sex & (rng.random(n) < 0.5), rng.exponential(30.0, n), lag_days)
    recorded = occurred + (lag_days * 1440).astype(np.int64) + 5
    order = np.lexsort((np.arange(n), recorded))
    ystart = {}
    rec_day = recorded // 1440
    for y in sorted({d.year for d in cal.dates} | {(cal.end + dt.timedelta(days=400)).year}):
        ystart[y] = (dt.date(y, 1, 1) - cal.start).days
    years = np.array(sorted(ystart))
    starts = np.array([ystart[y] for y in years])
    year_of = years[np.searchsorted(starts, rec_day, side="right") - 1]
    ids = np.empty(n, dtype=object)
    per_day = n / cal.days
    for y in years:
        m = order[year_of[order] == y]
        if not len(m):
            continue
        steps = rng.geometric(0.6, len(m))
        first = 0
        if ystart[y] < 0:  # the series starts part-way through this year
            first = int(-ystart[y] * per_day * 1.67)
        seq = first + np.cumsum(steps)
        for i, q in zip(m, seq):
            ids[i] = f"{ID_PREFIX}{y % 100:02d}/{int(q):06d}"
    return ids


# --------------------------------------------------------------------------------------------------
# Indicators
# --------------------------------------------------------------------------------------------------

INDICATORS = [
    ("CALLS10", "999 calls answered within 10 seconds", "up_good", "proportion", "%"),
    ("ATTEND_URBAN", "Emergency attendance within 15 minutes (urban)", "up_good", "proportion", "%"),
    ("OUTCOME", "Positive outcome rate", "up_good", "proportion", "%"),
    ("RESP_MED", "Median emergency response (minutes)", "up_bad", "mean", "min"),
]


def make_indicators(geo: Geography, cal: Calendar, inc: Incidents, plants: Plants,
                    rng: np.random.Generator) -> list[list[str]]:
    W = WEEKS
    wk_doy = cal.doy[np.arange(W) * 7 + 6]
    summer = np.exp(-((wk_doy - 205) / 35.0) ** 2)
    xmas = np.exp(-((np.minimum(np.abs(wk_doy - 358), 365 - np.abs(wk_doy - 358))) / 6.0) ** 2)
    t_years = (np.arange(W) - (W - 1) / 2) / 52.18
    urban = {"KBN": 1.0, "KBS": 1.0, "AVM": 0.9, "BRK": 0.75, "CHS": 0.7, "CST": 0.65, "STV": 0.6,
             "ASH": 0.55, "MAR": 0.5, "WYV": 0.5}  # share of emergencies in towns
    # One control room answers every 999 call: its weekly performance is shared by all divisions, with
    # a telephony outage in one week of the middle year.
    room = 0.912 - 0.035 * summer - 0.02 * xmas + rng.normal(0, 0.008, W)
    room[W // 2 + 3] -= 0.11
    slip_start = W - 10
    slip = np.where(np.arange(W) >= slip_start, np.minimum(1.0, (np.arange(W) - slip_start + 1) / 6.0), 0.0)
    inc_week = np.zeros((len(DIVISIONS), W), dtype=np.int64)
    div_of_sec = np.array([s["division"] for s in geo.sectors])
    np.add.at(inc_week, (div_of_sec[inc.sec], inc.day // 7), 1)
    rows = []
    for di, d in enumerate(DIVISIONS):
        pop = geo.divisions[di]["population"]
        ends = [(cal.start + dt.timedelta(days=7 * w + 6)).isoformat() for w in range(W)]
        is_slip = d.code == plants.slipping_division
        # CALLS10
        den = rng.poisson(pop / 1000 * 2.85 * (1 + 0.12 * summer + 0.15 * xmas) * rng.gamma(300, 1 / 300, W))
        p = np.clip(room + rng.normal(0.0, 0.004, W) + rng.normal(0, 0.004), 0.5, 0.995)
        num = rng.binomial(den, p)
        rows += [[d.code, "CALLS10", e, f"{100 * a / b:.2f}", str(a), str(b)] for e, a, b in zip(ends, num, den)]
        # ATTEND_URBAN
        den = rng.poisson(pop / 1000 * 1.4 * urban[d.code] * (1 + 0.10 * summer + 0.10 * xmas))
        lvl = 0.80 + 0.07 * urban[d.code] + rng.normal(0, 0.01)
        z = np.zeros(W)
        for w in range(1, W):
            z[w] = 0.7 * z[w - 1] + rng.normal(0, 0.008)
        p = np.clip(lvl + z - 0.025 * summer - (0.16 * slip if is_slip else 0), 0.3, 0.99)
        num = rng.binomial(den, p)
        rows += [[d.code, "ATTEND_URBAN", e, f"{100 * a / b:.2f}", str(a), str(b)] for e, a, b in zip(ends, num, den)]
        # OUTCOME: crimes finalised this week (lagging recording by about three weeks)
        lagged = np.concatenate([inc_week[di, :3][::-1], inc_week[di, :-3]])
        den = rng.poisson(0.9 * lagged)
        p = np.clip(0.12 + rng.normal(0, 0.01) + 0.005 * t_years + rng.normal(0, 0.006, W), 0.06, 0.5)
        num = rng.binomial(den, p)
        rows += [[d.code, "OUTCOME", e, f"{100 * a / b:.2f}", str(a), str(b)] for e, a, b in zip(ends, num, den)]
        # RESP_MED: median emergency response in minutes (no numerator/denominator)
        base = 8.6 + 7.0 * (1 - urban[d.code]) + rng.normal(0, 0.3)
        z = np.zeros(W)
        for w in range(1, W):
            z[w] = 0.6 * z[w - 1] + rng.normal(0, 0.25)
        v = base + 0.5 * summer + 0.4 * xmas + z + (1.1 * slip if is_slip else 0)
        rows += [[d.code, "RESP_MED", e, f"{x:.1f}", "", ""] for e, x in zip(ends, v)]
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    return rows


# --------------------------------------------------------------------------------------------------
# Targets and the past meeting
# --------------------------------------------------------------------------------------------------


def make_targets(cal: Calendar) -> list[list[str]]:
    y = cal.end.year
    fy = y if cal.end.month >= 4 else y - 1
    return [
        [FORCE_CODE, "BURG", "category", f"{y - 1}-01-01", f"{y - 1}-12-31", f"{y}-01-01", f"{y}-12-31", "-10", "",
         f"Police and Crime Plan: 10% fewer residential burglaries force-wide in {y} than in {y - 1}"],
        ["KBS", "VWI", "category", f"{y - 1}-01-01", f"{y - 1}-12-31", f"{y}-01-01", f"{y}-12-31", "-5", "",
         f"Kingsbridge South night-time economy plan: 5% less violence with injury in {y} than in {y - 1}"],
        [FORCE_CODE, "CALLS10", "indicator", f"{fy - 1}-04-01", f"{fy}-03-31", f"{fy}-04-01", f"{fy + 1}-03-31", "",
         "90", f"Answer 90% of 999 calls within 10 seconds in {fy}/{(fy + 1) % 100:02d} (national standard)"],
    ]


def make_meeting(geo: Geography, cal: Calendar, plants: Plants, rng: np.random.Generator) -> dict:
    mdate = cal.end - dt.timedelta(days=28)
    mdate -= dt.timedelta(days=(mdate.weekday() - 3) % 7)  # the Thursday on or before
    prev1 = mdate - dt.timedelta(days=28)
    prev2 = mdate - dt.timedelta(days=56)

    def day(n: int, ref: dt.date = mdate) -> str:
        return (ref + dt.timedelta(days=n)).isoformat()

    def at(n: int, hhmm: str) -> str:
        return f"{day(n)}T{hhmm}:00"

    div = {d["code"]: d for d in geo.divisions}
    sec = {s["code"]: s for s in geo.sectors}
    staff = iter(geo.spare_names)
    chair = f"DCC {next(staff)}"
    analyst1 = next(staff)
    analyst2 = next(staff)
    partner = next(staff)
    secretariat = next(staff)
    host = plants.improving_division
    det = plants.deteriorating_division
    det_secs = plants.deteriorating_sectors
    slip = plants.slipping_division
    cmd = {c: div[c]["commander"] for c in div}

    attendees = [{"name": chair, "role": "chair", "unit": FORCE_CODE}]
    attendees += [{"name": cmd[d.code], "role": "commander", "unit": d.code} for d in DIVISIONS]
    attendees += [
        {"name": analyst1, "role": "analyst", "unit": FORCE_CODE},
        {"name": analyst2, "role": "analyst", "unit": host},
        {"name": partner, "role": "partner", "unit": FORCE_CODE},
        {"name": secretariat, "role": "secretariat", "unit": FORCE_CODE},
    ]
    sec_name = lambda code: f"{sec[code]['name']} ({code})"  # noqa: E731
    first_sector = lambda dcode: next(s for s in geo.sectors if s["parent"] == dcode)  # noqa: E731
    avm1 = first_sector("AVM")
    cst_sec = sorted((s for s in geo.sectors if s["parent"] == "CST"), key=lambda s: s["code"])[-1]
    actions = [
        {"text": f"Deploy the burglary problem-solving team to the {sec[det_secs[0]]['name']} and "
                 f"{sec[det_secs[1]]['name']} estates ({det_secs[0]}, {det_secs[1]}); report back on repeat "
                 "victims, entry methods and target-hardening visits",
         "owner": sec[det_secs[0]]["commander"], "unit": det, "category": "BURG",
         "agenda_item": "Other units: exceptions only", "raised": day(0), "due": day(21), "status": "in_progress",
         "priority": "high", "carried_forward": 0,
         "updates": [{"at": at(5, "09:40"), "by": sec[det_secs[0]]["commander"], "status": "in_progress",
                      "note": "Team deployed; 17 repeat and near-repeat victims identified so far, "
                              "target-hardening visits booked. Rear-door entry via alleyways in most cases."}]},
        {"text": f"Produce a repeat-location analysis of vehicle crime in {div[host]['name']} and share the "
                 "Operation Tailgate ANPR tasking method with the other divisions",
         "owner": analyst2, "unit": host, "category": "VEH", "agenda_item": "Host unit deep-dive",
         "raised": day(0), "due": day(14), "status": "done", "priority": "medium", "carried_forward": 0,
         "updates": [{"at": at(1, "11:15"), "by": analyst2, "status": "in_progress",
                      "note": "Pulling twelve months of ANPR hits against vehicle crime locations."},
                     {"at": at(13, "16:30"), "by": analyst2, "status": "done",
                      "note": "Analysis circulated to all divisional commanders and presented at force tasking."}]},
        {"text": f"Restore response-team minimum staffing in {div[slip]['name']} so that emergency attendance "
                 "within 15 minutes returns above 85%",
         "owner": cmd[slip], "unit": slip, "category": None, "indicator": plants.slipping_indicator,
         "agenda_item": "Other units: exceptions only", "blocked_by": "Nine response vacancies and two officers on "
         "long-term sick leave; no student officers deployable until January",
         "raised": day(0), "due": day(28), "status": "constrained", "priority": "high", "carried_forward": 0,
         "updates": [{"at": at(15, "10:05"), "by": cmd[slip], "status": "constrained",
                      "note": "Blocked: nine response vacancies and two officers on long-term sick leave; the next "
                              "student-officer intake is not deployable until January. Mutual aid from Kingsbridge "
                              "South declined because of their own Christmas abstractions."}]},
        {"text": "Review the night-time economy policing plan for Kingsbridge city centre before the Christmas "
                 "period: licensed premises visits, taxi marshals and the SOS bus",
         "owner": cmd["KBS"], "unit": "KBS", "category": "VWI", "agenda_item": "Force-wide performance",
         "raised": day(0), "due": day(42), "status": "open", "priority": "medium", "carried_forward": 0,
         "updates": []},
        {"text": "Agree with Kingsbridge City Council a joint plan for CCTV coverage of the Riverside retail park "
                 "to tackle repeat shoplifting",
         "owner": partner, "unit": "KBS", "category": "SHOP", "agenda_item": "Partners and specialist units",
         "raised": prev1.isoformat(), "due": day(16), "status": "open", "priority": "medium",
         "carried_forward": 1,
         "updates": [{"at": f"{mdate.isoformat()}T11:20:00", "by": secretariat, "status": "open",
                      "note": "Carried forward: the council's capital budget decision is not due until its "
                              "November cabinet."}]},
        {"text": f"Complete the audit of open stalking and harassment cases in {div['AVM']['name']} and refer "
                 "high-risk cases to the multi-agency risk assessment conference",
         "owner": avm1["commander"], "unit": "AVM", "category": "STALK",
         "agenda_item": "Other units: exceptions only", "raised": day(0), "due": day(21), "status": "done",
         "priority": "high", "carried_forward": 0,
         "updates": [{"at": at(20, "15:45"), "by": avm1["commander"], "status": "done",
                      "note": "212 cases reviewed; 14 referred to MARAC, 9 stalking protection orders applied for."}]},
        {"text": "Present the force-wide shoplifting problem profile to the Business Crime Reduction Partnership, "
                 "with the ten most-victimised stores",
         "owner": analyst1, "unit": "BRK", "category": "SHOP", "agenda_item": "Force-wide performance",
         "raised": day(0), "due": day(35), "status": "in_progress", "priority": "medium", "carried_forward": 0,
         "updates": [{"at": at(18, "14:00"), "by": analyst1, "status": "in_progress",
                      "note": "Draft profile complete; partnership meeting booked."}]},
        {"text": f"Trial a WhatsApp alert group for farm vehicle and machinery thefts across {div['MAR']['name']}",
         "owner": cmd["MAR"], "unit": "MAR", "category": "VEH", "agenda_item": "Other units: exceptions only",
         "raised": day(0), "due": day(28), "status": "dropped", "priority": "low", "carried_forward": 0,
         "updates": [{"at": at(12, "09:00"), "by": cmd["MAR"], "status": "dropped",
                      "note": "Dropped: superseded by the force Rural Crime Team's Country Watch scheme, "
                              "launched force-wide; a separate divisional group would split the audience."}]},
        {"text": f"Clear the backlog of criminal damage reports awaiting attendance in {sec_name(cst_sec['code'])} "
                 "to fewer than 50",
         "owner": cst_sec["commander"], "unit": cst_sec["code"], "category": "CDA",
         "agenda_item": "Actions from the last meeting", "raised": prev2.isoformat(),
         "due": (prev1 + dt.timedelta(days=14)).isoformat(), "status": "open", "priority": "medium",
         "carried_forward": 2,
         "updates": [{"at": f"{prev1.isoformat()}T10:50:00", "by": cst_sec["commander"], "status": "open",
                      "note": "Backlog 118, down from 164; carried forward."},
                     {"at": f"{mdate.isoformat()}T10:35:00", "by": cst_sec["commander"], "status": "open",
                      "note": "Backlog 97; summer demand and seafront events absorbed the neighbourhood team. "
                              "Carried forward a second time; chair asked for a recovery plan."}]},
        {"text": f"Write up Operation Tailgate ({div[host]['name']}) as the good-practice case study for the "
                 "force awards and the College of Policing practice bank",
         "owner": cmd[host], "unit": host, "category": "VEH", "agenda_item": "Good practice presentation",
         "raised": day(0), "due": day(28), "status": "done", "priority": "low", "carried_forward": 0,
         "updates": [{"at": at(26, "12:10"), "by": cmd[host], "status": "done",
                      "note": "Submitted to the awards panel and the practice bank."}]},
        {"text": f"Review no-further-action outcomes for violence with injury in {div['WYV']['name']} with the "
                 "CPS liaison officer and report the positive outcome rate",
         "owner": cmd["WYV"], "unit": "WYV", "category": "VWI", "agenda_item": "Force-wide performance",
         "raised": day(0), "due": day(42), "status": "open", "priority": "medium", "carried_forward": 0,
         "updates": []},
        {"text": f"Commission a problem profile on robbery of young people on the bus routes into "
                 f"{sec_name(avm1['code'])}",
         "owner": avm1["commander"], "unit": avm1["code"], "category": "ROB",
         "agenda_item": "Other units: exceptions only", "raised": day(0), "due": day(14), "status": "open",
         "priority": "high", "carried_forward": 0, "updates": []},
    ]
    for i, a in enumerate(actions, start=1):
        a["ref"] = f"A{i}"
    names = [a["name"] for a in attendees]
    return {
        "title": f"Force Performance Meeting, {mdate.strftime('%B %Y')}",
        "date": mdate.isoformat(),
        "host_unit": host,
        "chair": chair,
        "venue": "Kingsbridge Police Headquarters, Conference Room 2",
        "status": "closed",
        "marking": MARKING,
        "attendees": attendees,
        "distribution": names + ["performance.unit@wessex-constabulary.example",
                                 "chief.officer.group@wessex-constabulary.example"],
        "actions": actions,
        # The next meeting is planned: the live actions above are carried to it.
        "next": {"title": f"Force Performance Meeting, {(mdate + dt.timedelta(days=35)).strftime('%B %Y')}",
                 "date": (mdate + dt.timedelta(days=35)).isoformat(), "host_unit": plants.deteriorating_division,
                 "chair": chair, "venue": "Kingsbridge Police Headquarters, Conference Room 2"},
    }


# --------------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------------


def write_text(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8"))


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def geometry_json(g: shapely.Geometry) -> dict:
    return json.loads(shapely.to_geojson(g))


def write_boundaries(path: Path, geo: Geography) -> None:
    feats = []
    for u in sorted(geo.divisions, key=lambda u: u["code"]) + sorted(geo.sectors, key=lambda u: u["code"]):
        props = {k: u[k] for k in ("code", "name", "level", "parent", "commander", "population")}
        feats.append({"type": "Feature", "properties": props, "geometry": geometry_json(u["geometry"])})
    lines = [json.dumps(f, sort_keys=True, separators=(",", ":"), ensure_ascii=False) for f in feats]
    write_text(path, '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n")


def write_incidents(path: Path, inc: Incidents, ids: np.ndarray, cal: Calendar, geo: Geography,
                    rng: np.random.Generator) -> int:
    n = len(ids)
    base = np.datetime64(cal.start.isoformat(), "m")
    stamps = np.datetime_as_string(base + (inc.day * 1440 + inc.minute).astype("timedelta64[m]"), unit="m")
    codes = [s["code"] for s in geo.sectors]
    cats = [c.code for c in CATEGORIES]
    # One row per victim: a few hundred violent crimes and robberies have two victims, hence two rows.
    multi = np.flatnonzero(np.isin(inc.cat, [CAT_INDEX[c] for c in ("VWI", "VWOI", "ROB")]))
    twice = set(rng.choice(multi, size=min(300, len(multi)), replace=False).tolist())
    rows = []
    for i in range(n):
        if inc.withheld[i] or np.isnan(inc.lon[i]):
            ll = ","
        else:
            ll = f"{inc.lon[i]:.5f},{inc.lat[i]:.5f}"
        line = f"{ids[i]},{stamps[i].replace('T', ' ')},{cats[inc.cat[i]]},{codes[inc.sec[i]]},{ll}\n"
        rows.append((stamps[i], ids[i], line))
        if i in twice:
            rows.append((stamps[i], ids[i], line))
    rows.sort(key=lambda r: (r[0], r[1]))
    body = "id,occurred,category,unit,lon,lat\n" + "".join(r[2] for r in rows)
    with open(path, "wb") as f, gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0, compresslevel=9) as gz:
        gz.write(body.encode("utf-8"))
    return len(rows)


def prepare_sampling(geo: Geography, rng: np.random.Generator) -> None:
    for s in geo.sectors:
        m = (geo.sec_lab == s["label"]).ravel()
        idx = np.flatnonzero(m)
        s["_cells"] = idx
        s["_cum_pop"] = np.cumsum(geo.pop.ravel()[idx])
        foot = geo.footfall.ravel()[idx] + 1e-3 * geo.pop.ravel()[idx]
        s["_cum_foot"] = np.cumsum(foot)
        # shops: a handful of stores in the busiest cells, visited with Zipf-like frequency
        k = int(np.clip(s["footfall"] / 4000, 3, 25))
        cells = idx[np.searchsorted(s["_cum_foot"], rng.random(k) * s["_cum_foot"][-1])]
        shops = np.column_stack([geo.X.flat[cells], geo.Y.flat[cells]]) + rng.uniform(-0.08, 0.08, (k, 2))
        p = 1.0 / np.arange(1, k + 1) ** 0.9
        s["_shops"] = shops
        s["_shop_p"] = p / p.sum()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "compstat_desk" / "core"
                    / "samples" / "data", help="where to write the files (default: the package's sample data)")
    ap.add_argument("--end", default=DEFAULT_END, help="last day of the data (a Sunday), YYYY-MM-DD")
    args = ap.parse_args(argv)
    end = dt.date.fromisoformat(args.end)
    if end.weekday() != 6:
        ap.error(f"--end {end} is a {end.strftime('%A')}: Compstat weeks end on a Sunday")
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    rng = np.random.default_rng(SEED)
    cal = make_calendar(end)
    geo = build_geography(rng)
    make_units(geo, rng)
    prepare_sampling(geo, rng)
    plants = Plants()
    pick_hotspots(geo, cal, plants)
    inc = make_incidents(geo, cal, plants, rng)
    ids = assign_ids(inc, cal, rng)
    indicators = make_indicators(geo, cal, inc, plants, rng)
    meeting = make_meeting(geo, cal, plants, rng)

    write_boundaries(out / "boundaries.geojson", geo)
    write_text(out / "categories.csv", csv_text(
        ["code", "name", "group", "polarity", "headline"],
        [[c.code, c.name, c.group, "up_bad", str(c.headline)] for c in CATEGORIES]))
    n_rows = write_incidents(out / "incidents.csv.gz", inc, ids, cal, geo, rng)
    write_text(out / "indicator_definitions.csv", csv_text(
        ["code", "name", "polarity", "kind", "unit_label"], [list(r) for r in INDICATORS]))
    write_text(out / "indicators.csv", csv_text(
        ["unit", "indicator", "period_end", "value", "numerator", "denominator"], indicators))
    write_text(out / "targets.csv", csv_text(
        ["unit", "measure", "kind", "baseline_start", "baseline_end", "target_start", "target_end", "change_pct",
         "target_value", "description"], make_targets(cal)))
    write_text(out / "meeting.json", json.dumps(meeting, sort_keys=True, indent=2, ensure_ascii=False) + "\n")

    print(f"{FORCE_NAME}: {len(geo.divisions)} divisions, {len(geo.sectors)} sectors, "
          f"population {sum(d['population'] for d in geo.divisions):,}")
    print(f"incidents {cal.start} .. {cal.end}: {len(ids):,} incidents, {n_rows:,} rows")
    for h in plants.hotspots:
        print(f"hot spot {h['category']} {h['unit']} {h['place']} at {h['lonlat']}: {h['n']} incidents "
              f"{h['first_day']} .. {h['last_day']}")
    print(f"deteriorating {plants.deteriorating_division} {plants.deteriorating_category} "
          f"(worst in {', '.join(plants.deteriorating_sectors)}); improving {plants.improving_division} "
          f"{plants.improving_category}; slipping {plants.slipping_division} {plants.slipping_indicator}")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
