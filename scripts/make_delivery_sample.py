"""Write the sample delivery unit (fictional) into compstat_desk/core/samples/data/delivery/, deterministically.

Four priorities across health, education and home affairs — A&E waits, waits for planned treatment, reading
standards, asylum decision times — with their departments and the trusts, councils and casework regions that
deliver them; monthly and weekly indicators from April 2023 to autumn 2026; targets for each year; milestones;
an options appraisal; and three past stocktakes (July 2025, December 2025, July 2026) with their assessments.
The next stocktake (December 2026) is planned by the loader.

    python scripts/make_delivery_sample.py [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
from pathlib import Path

import numpy as np

SEED = 20011  # the year the first delivery unit was set up, and 1
MONTHLY_END = dt.date(2026, 10, 31)  # monthly figures are published a few weeks after the month
WEEKLY_END = dt.date(2026, 11, 15)  # weekly figures to the last Sunday

UNITS = [  # code, name, level, parent, head
    ("DU", "Delivery Unit", "force", "", "Dr Miriam Achebe, Head of the Delivery Unit"),
    ("HEALTH", "Department of Health and Care", "division", "DU", "Sir Alan Pryce, Permanent Secretary"),
    ("EDUC", "Department for Education", "division", "DU", "Ms Fiona Dalgleish, Permanent Secretary"),
    ("HOME", "Home Office", "division", "DU", "Mr Kwame Mensah, Permanent Secretary"),
    ("NGT", "Northgate Hospitals NHS Trust", "sector", "HEALTH", "Ms Priya Reid, Chief Executive"),
    ("KBH", "Kingsbridge University Hospitals NHS Trust", "sector", "HEALTH", "Prof Daniel Osei, Chief Executive"),
    ("SVT", "Stourvale and Downs NHS Trust", "sector", "HEALTH", "Mr Gareth Lowe, Chief Executive"),
    ("CST", "Seacombe Coast NHS Foundation Trust", "sector", "HEALTH", "Dr Anna Kowalczyk, Chief Executive"),
    ("WAS", "Wessex Ambulance Service NHS Trust", "sector", "HEALTH", "Mr Tom Ellery, Chief Executive"),
    ("ASH", "Ashcombe County Council", "sector", "EDUC", "Ms Joanne Frith, Director of Children's Services"),
    ("KBC", "Kingsbridge City Council", "sector", "EDUC", "Mr Imran Qureshi, Director of Children's Services"),
    ("BRK", "Brackenhurst Borough Council", "sector", "EDUC", "Ms Helen Marsh, Director of Children's Services"),
    ("MAR", "Marlbury District Council", "sector", "EDUC", "Mr Peter Quinn, Director of Children's Services"),
    ("ASYN", "Asylum casework: North", "sector", "HOME", "Ms Rachel Boateng, Regional Director"),
    ("ASYM", "Asylum casework: Midlands", "sector", "HOME", "Mr Stefan Novak, Regional Director"),
    ("ASYS", "Asylum casework: South", "sector", "HOME", "Ms Lucy Harding, Regional Director"),
]

INDICATORS = [  # code, name, polarity, kind, unit label
    ("AE4H", "A&E attendances seen within 4 hours", "up_good", "proportion", "%"),
    ("RTT18", "Patients waiting under 18 weeks for planned treatment", "up_good", "proportion", "%"),
    ("READ", "Year 2 pupils on track in reading (teacher assessment)", "up_good", "proportion", "%"),
    ("ASYWEEKS", "Median weeks from asylum claim to initial decision", "up_bad", "mean", "weeks"),
]


def fy(year: int) -> tuple[str, str]:
    """Financial year starting in April of `year`."""
    return f"{year}-04-01", f"{year + 1}-03-31"


def ay(year: int) -> tuple[str, str]:
    """Academic year starting in September of `year`."""
    return f"{year}-09-01", f"{year + 1}-08-31"


TARGETS = [  # ref, unit, measure, (baseline), (period), value, description
    ("AE-2526", "HEALTH", "AE4H", fy(2024), fy(2025), 76, "A&E: 76% seen within 4 hours in 2025/26"),
    ("AE-2627", "HEALTH", "AE4H", fy(2025), fy(2026), 78, "A&E: 78% seen within 4 hours in 2026/27"),
    ("RTT-2526", "HEALTH", "RTT18", fy(2024), fy(2025), 61, "Planned care: 61% waiting under 18 weeks in 2025/26"),
    ("RTT-2627", "HEALTH", "RTT18", fy(2025), fy(2026), 64, "Planned care: 64% waiting under 18 weeks in 2026/27"),
    ("READ-2425", "EDUC", "READ", ay(2023), ay(2024), 70, "Reading: 70% of Year 2 on track in 2024/25"),
    ("READ-2526", "EDUC", "READ", ay(2024), ay(2025), 72, "Reading: 72% of Year 2 on track in 2025/26"),
    ("READ-2627", "EDUC", "READ", ay(2025), ay(2026), 73, "Reading: 73% of Year 2 on track in 2026/27"),
    ("ASY-2526", "HOME", "ASYWEEKS", fy(2024), fy(2025), 30, "Asylum: median decision within 30 weeks in 2025/26"),
    ("ASY-2627", "HOME", "ASYWEEKS", fy(2025), fy(2026), 20, "Asylum: median decision within 20 weeks in 2026/27"),
]


def month_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    out, y, m = [], start.year, start.month
    while True:
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        last = nxt - dt.timedelta(days=1)
        if last > end:
            return out
        out.append(last)
        y, m = nxt.year, nxt.month


def ar1(rng: np.random.Generator, n: int, rho: float, sd: float) -> np.ndarray:
    """A first-order autoregressive series: runs of good and bad periods, as real figures have."""
    out = np.zeros(n)
    out[0] = rng.normal(0, sd / np.sqrt(1 - rho ** 2))
    for t in range(1, n):
        out[t] = rho * out[t - 1] + rng.normal(0, sd)
    return out


def interp_level(day: dt.date, points: list[tuple[str, float]]) -> float:
    """The underlying level on `day`, straight lines between dated points."""
    xs = [dt.date.fromisoformat(d).toordinal() for d, _ in points]
    return float(np.interp(day.toordinal(), xs, [v for _, v in points]))


def winter(day: dt.date, depth: float) -> float:
    """A winter dip, deepest in January (A&E's and planned care's hardest months)."""
    return -depth * (0.5 + 0.5 * np.cos(2 * np.pi * (day.timetuple().tm_yday - 15) / 365.25)) ** 2


def proportions(rng: np.random.Generator, units: dict[str, tuple[float, int]], periods: list[dt.date],
                level: list[tuple[str, float]], season: float, code: str, rho: float = 0.6) -> list[tuple]:
    """Proportions per unit and period: the overall level, the unit's own offset, a winter dip, AR(1) drift and
    binomial sampling of the denominator."""
    rows = []
    for unit, (offset, size) in units.items():
        drift = ar1(rng, len(periods), rho, 0.9 * np.sqrt(1 - rho ** 2) / 0.8)
        for i, end in enumerate(periods):
            p = (interp_level(end, level) + offset + winter(end, season) + drift[i]) / 100
            den = int(rng.normal(size, size * 0.06))
            num = int(rng.binomial(den, min(max(p, 0.01), 0.99)))
            rows.append((unit, code, end.isoformat(), f"{100 * num / den:.1f}", num, den))
    return rows


def make(out: Path) -> None:
    rng = np.random.default_rng(SEED)
    out.mkdir(parents=True, exist_ok=True)
    monthly = month_ends(dt.date(2023, 4, 1), MONTHLY_END)
    weeks = [dt.date(2023, 4, 2) + dt.timedelta(days=7 * i) for i in range(200)]
    weeks = [w for w in weeks if w <= WEEKLY_END]
    rows: list[tuple] = []
    # A&E 4-hour, from the trusts' weekly situation reports: a slow climb from the low 70s that falls short of 76%
    # in 2025/26 and starts 2026/27 short of 78%; the options chosen in July 2026 lift the autumn.
    rows += proportions(rng, {"NGT": (0.5, 3350), "KBH": (3.5, 3800), "SVT": (-5.0, 2550), "CST": (1.0, 2200)},
                        weeks, [("2023-04-02", 72.5), ("2024-04-07", 74.0), ("2025-04-06", 76.0),
                                ("2026-04-05", 77.2), ("2026-07-12", 77.6), ("2026-11-15", 82.0)],
                        season=5.0, code="AE4H", rho=0.8)
    # Planned care within 18 weeks: steady gains, on the line of each year's target.
    rows += proportions(rng, {"NGT": (1.0, 52000), "KBH": (2.5, 61000), "SVT": (-3.5, 43000), "CST": (0.0, 38000)},
                        monthly, [("2023-04-30", 57.0), ("2024-04-30", 58.5), ("2025-04-30", 60.5),
                                  ("2026-04-30", 63.5), ("2026-10-31", 65.5)], season=1.5, code="RTT18")
    # Reading: schools' weekly reading trackers in term time (none in August); phonics training lifts 2025/26.
    school = [d for d in weeks if d.month != 8]
    rows += proportions(rng, {"ASH": (0.5, 210), "KBC": (-2.5, 240), "BRK": (1.5, 140), "MAR": (2.0, 110)},
                        school, [("2023-09-30", 67.0), ("2024-09-30", 69.0), ("2025-07-31", 70.8),
                                 ("2025-09-30", 71.5), ("2026-07-31", 73.8), ("2026-11-15", 74.0)],
                        season=0.0, code="READ", rho=0.7)
    # Asylum: median weeks to an initial decision per casework region, weekly. More decision-makers from autumn
    # 2025 halve the wait from about 40 weeks; the digital case-working system slips, so 2026/27 stalls near 24.
    level = [("2023-04-02", 44.0), ("2024-04-07", 41.0), ("2025-04-06", 36.0), ("2025-10-05", 30.0),
             ("2026-04-05", 24.5), ("2026-11-15", 23.0)]
    for unit, offset in (("ASYN", 2.0), ("ASYM", -1.0), ("ASYS", 0.5)):
        drift = ar1(rng, len(weeks), 0.7, 0.8)
        for i, end in enumerate(weeks):
            value = interp_level(end, level) + offset + drift[i] + rng.normal(0, 0.6)
            rows.append((unit, "ASYWEEKS", end.isoformat(), f"{value:.1f}", "", ""))
    rows.sort(key=lambda r: (r[1], r[0], r[2]))

    with open(out / "units.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["code", "name", "level", "parent", "head"])
        w.writerows(UNITS)
    with open(out / "indicator_definitions.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["code", "name", "polarity", "kind", "unit_label"])
        w.writerows(INDICATORS)
    with open(out / "indicators.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["unit", "indicator", "period_end", "value", "numerator", "denominator"])
        w.writerows(rows)
    with open(out / "targets.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["ref", "unit", "kind", "measure", "baseline_start", "baseline_end", "target_start", "target_end",
                    "change_pct", "target_value", "description"])
        for ref, unit, measure, base, period, value, description in TARGETS:
            w.writerow([ref, unit, "indicator", measure, *base, *period, "", value, description])
    (out / "delivery.json").write_text(json.dumps(PLAN, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


# -- the priorities, their plans and the stocktakes (written by hand: the judgements are people's) ------------

SROS = {"AE": "Dr Helen Okafor, Director General for Urgent and Emergency Care",
        "RTT": "Mr Simon Achterberg, Director General for Elective Recovery",
        "READ": "Ms Claire Fennimore, Director for Early Reading",
        "ASY": "Mr David Oyelaran, Director General, Asylum Operations"}


def _grid(challenge: str, planning: str, capacity: str, stage: int, likelihood: str, narrative: str) -> dict:
    return {"challenge": challenge, "planning": planning, "capacity": capacity, "stage": stage,
            "likelihood": likelihood, "narrative": narrative}


PLAN = {
    "name": "Delivery Unit (sample)",
    "priorities": [
        {"code": "AE", "title": "Reduce A&E waits", "sro": SROS["AE"], "lead": "HEALTH",
         "description": "More patients seen, treated and admitted or discharged within four hours of arriving at A&E.",
         "units": [["NGT", "contributing"], ["KBH", "contributing"], ["SVT", "contributing"],
                   ["CST", "contributing"], ["WAS", "partner"], ["ASH", "partner"], ["KBC", "partner"]],
         "targets": ["AE-2526", "AE-2627"]},
        {"code": "RTT", "title": "Cut waits for planned treatment", "sro": SROS["RTT"], "lead": "HEALTH",
         "description": "More patients on the waiting list for planned hospital treatment waiting under 18 weeks.",
         "units": [["NGT", "contributing"], ["KBH", "contributing"], ["SVT", "contributing"],
                   ["CST", "contributing"]],
         "targets": ["RTT-2526", "RTT-2627"]},
        {"code": "READ", "title": "Raise reading standards", "sro": SROS["READ"], "lead": "EDUC",
         "description": "More seven-year-olds reading at the expected standard, through systematic phonics.",
         "units": [["ASH", "contributing"], ["KBC", "contributing"], ["BRK", "contributing"],
                   ["MAR", "contributing"]],
         "targets": ["READ-2425", "READ-2526", "READ-2627"]},
        {"code": "ASY", "title": "Halve asylum decision times", "sro": SROS["ASY"], "lead": "HOME",
         "description": "Initial decisions on asylum claims in half the time: a median of 20 weeks by 2026/27.",
         "units": [["ASYN", "contributing"], ["ASYM", "contributing"], ["ASYS", "contributing"]],
         "targets": ["ASY-2526", "ASY-2627"]},
    ],
    "stocktakes": [
        {"date": "2025-07-09", "title": "Delivery stocktake, July 2025", "chair": "The Prime Minister",
         "venue": "Cabinet Room",
         "milestones": [
             {"priority": "AE", "text": "Same-day emergency care units open 12 hours a day at all four trusts",
              "owner": "Ms Priya Reid", "unit": "NGT", "due": "2025-11-30",
              "updates": [{"at": "2025-09-15", "status": "in_progress", "note": "Open at NGT and KBH; SVT and CST "
                           "recruiting"}, {"at": "2025-11-24", "status": "done", "note": "Open at all four"}]},
             {"priority": "AE", "text": "Ambulance handover protocol: no handover over 45 minutes, agreed with "
              "every trust", "owner": "Mr Tom Ellery", "unit": "WAS", "due": "2025-10-31",
              "updates": [{"at": "2025-10-20", "status": "in_progress", "note": "Agreed with three trusts; SVT "
                           "still negotiating"}, {"at": "2026-01-12", "status": "done", "note": "Agreed with SVT"}]},
             {"priority": "RTT", "text": "Validate every trust's waiting list (remove those treated or moved)",
              "owner": "Mr Simon Achterberg", "unit": "HEALTH", "due": "2025-09-30",
              "updates": [{"at": "2025-09-26", "status": "done", "note": "4,900 entries removed across 4 trusts"}]},
             {"priority": "RTT", "text": "Elective surgical hub at Kingsbridge opens", "owner": "Prof Daniel Osei",
              "unit": "KBH", "due": "2025-10-31",
              "updates": [{"at": "2025-10-28", "status": "done", "note": "First list on 27 October"}]},
             {"priority": "READ", "text": "Phonics training for every Year 1 and Year 2 teacher in the four "
              "councils", "owner": "Ms Claire Fennimore", "unit": "EDUC", "due": "2025-12-31",
              "updates": [{"at": "2025-10-01", "status": "in_progress", "note": "1,150 of 1,600 teachers trained"},
                          {"at": "2025-12-15", "status": "done", "note": "All trained"}]},
             {"priority": "ASY", "text": "Recruit and train 300 more asylum decision-makers",
              "owner": "Mr David Oyelaran", "unit": "HOME", "due": "2025-09-30",
              "updates": [{"at": "2025-09-29", "status": "in_progress", "note": "240 in post, 60 in training"},
                          {"at": "2025-11-14", "status": "done", "note": "300 in post"}]},
             {"priority": "ASY", "text": "Shorter asylum questionnaire for claims over a year old",
              "owner": "Ms Rachel Boateng", "unit": "ASYN", "due": "2025-08-31",
              "updates": [{"at": "2025-08-29", "status": "done", "note": "In use in all three regions"}]},
         ],
         "decisions": ["Stourvale to present a credible winter plan to the December stocktake."],
         "assessments": {
             "AE": _grid("H", "A", "A", 2, "Amber/Red", "Performance is improving but from a low base; winter "
                         "plans are not yet credible at Stourvale. Same-day emergency care is the main lever."),
             "RTT": _grid("H", "G", "A", 2, "Amber", "Validation and the Kingsbridge hub should lift the summer; "
                          "too early to be confident."),
             "READ": _grid("M", "G", "G", 3, "Amber/Green", "On the line for 70%; phonics training starts "
                           "in the autumn term."),
             "ASY": _grid("H", "A", "R", 1, "Amber/Red", "Backlog still growing in the Midlands; recruitment of "
                          "decision-makers is the critical path."),
         }},
        {"date": "2025-12-10", "title": "Delivery stocktake, December 2025", "chair": "The Prime Minister",
         "venue": "Cabinet Room",
         "milestones": [
             {"priority": "AE", "text": "Discharge to assess: 120 more community care beds with Ashcombe and "
              "Kingsbridge councils", "owner": "Ms Joanne Frith", "unit": "ASH", "due": "2026-03-31",
              "updates": [{"at": "2026-02-10", "status": "constrained", "note": "70 beds open",
                           "blocked_by": "Care staff vacancies in Kingsbridge"},
                          {"at": "2026-06-30", "status": "in_progress", "note": "95 beds open"},
                          {"at": "2026-09-15", "status": "done", "note": "120 beds open"}]},
             {"priority": "RTT", "text": "Independent-sector contract for 8,000 planned procedures",
              "owner": "Mr Simon Achterberg", "unit": "HEALTH", "due": "2026-06-30",
              "updates": [{"at": "2026-03-02", "status": "in_progress", "note": "Contract signed; 2,100 done"},
                          {"at": "2026-06-29", "status": "done", "note": "8,240 procedures"}]},
             {"priority": "READ", "text": "Reading recovery tutors in 60 schools with the lowest scores",
              "owner": "Mr Imran Qureshi", "unit": "KBC", "due": "2026-03-31",
              "updates": [{"at": "2026-03-27", "status": "done", "note": "Tutors in 62 schools"}]},
             {"priority": "ASY", "text": "Digital case-working system live in all three regions",
              "owner": "Mr Stefan Novak", "unit": "ASYM", "due": "2026-09-30",
              "updates": [{"at": "2026-05-11", "status": "constrained", "note": "Live in the North only",
                           "blocked_by": "Supplier's release delayed to 2027"}]},
         ],
         "decisions": ["76% for A&E in 2025/26 is out of reach: the department to plan 2026/27 for 78% with "
                       "councils' discharge capacity in the plan."],
         "assessments": {
             "AE": _grid("H", "A", "A", 2, "Red", "Four-hour performance is below the trajectory every month and "
                         "winter will widen the gap; 76% this year is now out of reach."),
             "RTT": _grid("H", "G", "G", 3, "Amber/Green", "Ahead of trajectory since the hub opened."),
             "READ": _grid("M", "G", "G", 3, "Amber/Green", "2024/25 ended at 69.3%, just short of 70%; every "
                           "teacher now trained in phonics, and 2025/26 is above its trajectory so far."),
             "ASY": _grid("H", "G", "A", 2, "Amber", "Decision times falling fast since the recruitment; "
                          "the case-working system is the next risk."),
         }},
        {"date": "2026-07-08", "title": "Delivery stocktake, July 2026", "chair": "The Prime Minister",
         "venue": "Cabinet Room",
         "milestones": [
             {"priority": "AE", "text": "Winter plan 2026/27 signed off by each trust board",
              "owner": "Dr Helen Okafor", "unit": "HEALTH", "due": "2026-09-30",
              "updates": [{"at": "2026-09-25", "status": "in_progress", "note": "Signed off at NGT, KBH and CST"}]},
             {"priority": "READ", "text": "Reading trackers for 2026/27 returned weekly by all four councils",
              "owner": "Ms Helen Marsh", "unit": "BRK", "due": "2026-10-31",
              "updates": [{"at": "2026-10-30", "status": "done", "note": "All four returning every week"}]},
         ],
         "options": [
             {"priority": "AE", "kind": "more", "title": "Same-day emergency care open until 22:00 at all four trusts",
              "evidence": "SDEC treats 28% of the medical take at Northgate without admission; the longest waits "
                          "are for patients arriving after 18:00.",
              "cost": "£3.2m a year (evening medical and nursing shifts)",
              "risk": "Evening medical staffing at Stourvale", "effect": "About +1.2 points on the year's 4-hour %",
              "target": "AE-2627", "effect_value": 1.2,
              "decision": {"chosen": True, "note": "Chosen with the discharge option: quickest to take effect.",
                           "actions": [{"text": "SDEC open until 22:00 at NGT, KBH and CST", "owner": "Ms Priya Reid",
                                        "unit": "NGT", "due": "2026-09-01",
                                        "updates": [{"at": "2026-08-28", "status": "done",
                                                     "note": "Open until 22:00 at all three since 24 August"}]},
                                       {"text": "SDEC open until 22:00 at Stourvale, with 6 locum physicians",
                                        "owner": "Mr Gareth Lowe", "unit": "SVT", "due": "2026-10-01",
                                        "updates": [{"at": "2026-09-28", "status": "in_progress",
                                                     "note": "4 of 6 locums in post; open until 22:00 on weekdays"}]}
                                       ]}},
             {"priority": "AE", "kind": "new", "title": "An urgent treatment centre at the front door of Stourvale",
              "evidence": "A quarter of Stourvale's A&E attendances are minor injuries and illnesses.",
              "cost": "£6m capital, £1.5m a year", "risk": "Cannot open before the winter of 2027",
              "effect": "About +0.8 points, but not in 2026/27", "target": "AE-2627", "effect_value": 0.0,
              "decision": {"chosen": False, "note": "Right for 2027/28; does nothing for this year's target."}},
             {"priority": "AE", "kind": "better", "title": "Discharge before noon: daily board rounds and a "
              "discharge lounge on every medical ward",
              "evidence": "Wards at KBH with board rounds discharge 2 hours earlier; beds free up for A&E.",
              "cost": "£0.4m (discharge lounges)", "risk": "Depends on community beds (the discharge milestone)",
              "effect": "About +0.9 points on the year's 4-hour %", "target": "AE-2627", "effect_value": 0.9,
              "decision": {"chosen": True, "note": "Chosen with evening SDEC.",
                           "actions": [{"text": "Board rounds by 10:00 on every medical ward at the four trusts",
                                        "owner": "Dr Anna Kowalczyk", "unit": "CST", "due": "2026-09-30",
                                        "updates": [{"at": "2026-09-29", "status": "done",
                                                     "note": "In place on 41 of 41 medical wards"}]},
                                       {"text": "Discharge lounges open at NGT and SVT", "owner": "Ms Priya Reid",
                                        "unit": "NGT", "due": "2026-11-15",
                                        "updates": [{"at": "2026-10-19", "status": "in_progress",
                                                     "note": "Open at NGT; SVT's opens in December"}]}]}},
             {"priority": "AE", "kind": "less", "title": "Stop sending GP-referred patients through A&E",
              "evidence": "One in twelve A&E attendances at Kingsbridge are GP referrals who could go straight to "
                          "SDEC or a specialty.",
              "cost": "None", "risk": "GP practices need a single number that answers",
              "effect": "About +0.5 points", "target": "AE-2627", "effect_value": 0.5},
             {"priority": "ASY", "kind": "more", "title": "Overtime for decision-makers: two Saturdays a month",
              "evidence": "Saturday sessions in the North in May decided 9 claims per decision-maker-day.",
              "cost": "£1.1m to March 2027", "risk": "Fatigue; quality of decisions (appeals allowed)",
              "effect": "About 1.5 weeks off the year's median", "target": "ASY-2627", "effect_value": -1.5},
             {"priority": "ASY", "kind": "better", "title": "Interim case-working fixes in the Midlands and South "
              "while the digital system is delayed",
              "evidence": "Half of a decision-maker's time goes on finding and re-keying case papers.",
              "cost": "£0.6m", "risk": "Diverts the supplier's team from the full system",
              "effect": "About 2 weeks off the year's median", "target": "ASY-2627", "effect_value": -2.0},
         ],
         "decisions": ["A&E: evening SDEC and discharge before noon chosen from the options appraisal.",
                       "Asylum: options for working without the digital system to come to the December stocktake."],
         "assessments": {
             "AE": _grid("H", "A", "A", 2, "Amber/Red", "2025/26 ended at 75.0% against 76%, and 2026/27 is "
                         "below its trajectory from the start; an options appraisal chose evening SDEC and "
                         "discharge before noon."),
             "RTT": _grid("H", "G", "G", 3, "Amber/Green", "2025/26 target met (61.6%); 2026/27 a little below its "
                          "trajectory in the first quarter, with the independent-sector procedures done."),
             "READ": _grid("M", "G", "G", 3, "Green", "72% for 2025/26 all but secured."),
             "ASY": _grid("H", "A", "A", 3, "Amber/Red", "2025/26 ended at a median of 30.8 weeks against 30; "
                          "still falling, but the case-working system has slipped to 2027 and 20 weeks needs it."),
         }},
    ],
    "next": {"date": "2026-12-09", "title": "Delivery stocktake, December 2026", "chair": "The Prime Minister",
             "venue": "Cabinet Room"},
    "attendees": [["The Prime Minister", "chair", None],
                  ["Dr Miriam Achebe, Head of the Delivery Unit", "challenger", "DU"],
                  [SROS["AE"], "sro", "HEALTH"], [SROS["RTT"], "sro", "HEALTH"], [SROS["READ"], "sro", "EDUC"],
                  [SROS["ASY"], "sro", "HOME"], ["Mr Owen Price, Delivery Unit analyst", "analyst", "DU"],
                  ["Ms Ada Nwosu, Private Office", "secretariat", None]],
    "distribution": ["Prime Minister's Office", "Delivery Unit", "Permanent Secretaries of the three departments",
                     "The priorities' SROs"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "compstat_desk" / "core"
                        / "samples" / "data" / "delivery", help="where to write the files (default: the package's "
                        "sample data)")
    args = parser.parse_args()
    make(args.out)
    print(f"Wrote the sample delivery unit to {args.out}")


if __name__ == "__main__":
    main()
