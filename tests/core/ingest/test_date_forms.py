"""Dates in every form real record systems write them, read and never guessed: each checked against pandas or
zoneinfo on the same text. An instant (a UTC offset, an epoch number) becomes the workspace's local time, the same
way whether every row has the same offset or the file mixes them."""

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from compstat_desk.core.errors import CompstatError, ImportRefused
from compstat_desk.core.ingest import import_file
from compstat_desk.core.ingest.dates import DateFormat, detect_format, parse_clock, parse_dates

TODAY = dt.date(2026, 12, 1)


def read(values, *, zone="Europe/London", clock=None, fmt=None):
    s = pd.Series(values, dtype=object)
    fmt = fmt or detect_format(s)
    return fmt, parse_dates(s, fmt, today=TODAY, zone=zone,
                            clock=None if clock is None else pd.Series(clock, dtype=object))


def zoneinfo_local(text: str, zone: str) -> str:
    """The standard library's reading: the instant, in the zone's wall-clock time, to the minute."""
    iso = text.replace("Z", "+00:00").replace("/", "-")
    if iso[-3] in "+-":  # '+00' -> '+00:00'
        iso += ":00"
    return dt.datetime.fromisoformat(iso).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def pandas_local(values: list[str], zone: str) -> list[str]:
    return (pd.to_datetime(pd.Series(values).str.replace("/", "-"), format="ISO8601", utc=True)
            .dt.tz_convert(zone).dt.strftime("%Y-%m-%d %H:%M").tolist())


def test_the_same_instant_is_stored_the_same_whether_a_file_has_one_offset_or_mixes_them():
    # Issue 20 item 7: 00:30 at +01:00 is 00:30 in London in July, in a file of one offset or of two.
    one = ["2026-07-01T00:30:00+01:00", "2026-07-01T00:30:00+01:00"]
    mixed = ["2026-07-01T00:30:00+01:00", "2026-01-15T00:30:00+00:00"]
    _f, a = read(one)
    _f, b = read(mixed)
    assert a.occurred[0] == b.occurred[0] == zoneinfo_local(one[0], "Europe/London") == "2026-07-01 00:30"
    assert b.occurred.tolist() == pandas_local(mixed, "Europe/London")
    assert a.instants == 2 and b.instants == 2 and b.offsets == ("+00:00", "+01:00")
    # Read in Chicago, the same instants fall on the evening before: the day (and so the week) changes.
    _f, c = read(mixed, zone="America/Chicago")
    assert c.occurred.tolist() == pandas_local(mixed, "America/Chicago") == ["2026-06-30 18:30", "2026-01-14 18:30"]


@pytest.mark.parametrize("zone", ["Europe/London", "America/Chicago", "America/Toronto", "Australia/Sydney"])
def test_iso_with_slashes_and_short_offsets_and_z_crossing_midnight(zone):
    text = ["2014/03/02 05:00:00+00", "2014/03/02 23:30:00+00", "2019-03-02T05:00:00Z", "2019-03-02T23:45:00Z",
            "2019-06-30T23:30:00-05:00", "2019-07-01T00:15:00+0530"]
    fmt, parsed = read(text, zone=zone)
    assert fmt.order == "ISO" and not parsed.bad.any()
    assert parsed.occurred.tolist() == [zoneinfo_local(t, zone) for t in text] == pandas_local(text, zone)
    assert parsed.instants == len(text)


def test_a_daylight_saving_change_in_london():
    # Clocks go forward at 01:00 UTC on 29 March 2026 and back at 01:00 UTC on 25 October 2026.
    text = [f"2026-03-29T{h:02d}:30:00Z" for h in range(4)] + [f"2026-10-25T{h:02d}:30:00Z" for h in range(4)]
    _f, parsed = read(text)
    assert parsed.occurred.tolist() == pandas_local(text, "Europe/London")
    assert parsed.occurred.tolist()[:4] == ["2026-03-29 00:30", "2026-03-29 02:30", "2026-03-29 03:30",
                                            "2026-03-29 04:30"]
    # The hour after the change back happens twice in London: both instants are kept, at their own wall-clock time.
    assert parsed.occurred.tolist()[4:] == ["2026-10-25 01:30", "2026-10-25 01:30", "2026-10-25 02:30",
                                            "2026-10-25 03:30"]


def test_local_times_without_an_offset_are_kept_as_written_beside_instants():
    text = ["2026-07-01 00:30", "2026-07-01T00:30:00+01:00", "2026-07-01 00:30:00Z"]
    _f, parsed = read(text)
    assert parsed.occurred.tolist() == ["2026-07-01 00:30", "2026-07-01 00:30", "2026-07-01 01:30"]
    assert parsed.instants == 2


def test_us_portals_twelve_hour_clock():
    text = ["03/02/2019 05:00:00 PM", "03/22/2019 12:10:00 AM", "12/31/2019 12:00:00 PM", "07/04/2019 11:59:59 pm"]
    fmt, parsed = read(text)
    want = pd.to_datetime(pd.Series(text).str.upper(), format="%m/%d/%Y %I:%M:%S %p").dt.strftime("%Y-%m-%d %H:%M")
    assert fmt.order == "MDY" and parsed.occurred.tolist() == want.tolist()
    assert parsed.instants == 0  # local time, as written


def test_ambiguous_day_month_is_refused_with_both_readings():
    with pytest.raises(ImportRefused) as refused:
        read(["03/02/2019 05:00:00 PM", "04/05/2019 10:00:00 AM"])
    message = str(refused.value)
    assert "3 February 2019" in message and "2 March 2019" in message
    # Told the order, the file reads as the user says.
    _f, parsed = read(["03/02/2019 05:00:00 PM"], fmt=DateFormat("DMY"))
    assert parsed.occurred.tolist() == ["2019-02-03 17:00"]


def test_excel_serial_numbers():
    serials = ["43525", "43525.5", "43890.999305556", "46022.25"]
    fmt, parsed = read(serials)
    want = pd.to_datetime(pd.Series(serials).astype(float), unit="D", origin="1899-12-30").dt.round("min")
    assert fmt.order == "EXCEL" and fmt.description.startswith("Excel")
    assert parsed.occurred.tolist() == ["2019-03-01", *want.dt.strftime("%Y-%m-%d %H:%M").tolist()[1:]]
    assert parsed.instants == 0  # Excel writes local time


@pytest.mark.parametrize("zone", ["Europe/London", "America/Chicago"])
def test_epoch_milliseconds_and_seconds_are_instants(zone):
    ms = [1551546000000, 1561939200000, 1572137999000]  # 2 Mar, 1 Jul, 27 Oct 2019 (around a change in clocks)
    want = [dt.datetime.fromtimestamp(v / 1000, ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M") for v in ms]
    fmt, parsed = read([str(v) for v in ms], zone=zone)
    assert fmt.order == "EPOCH_MS" and parsed.occurred.tolist() == want and parsed.offsets == ("UTC",)
    fmt, parsed = read([str(v // 1000) for v in ms], zone=zone)
    assert fmt.order == "EPOCH_S" and parsed.occurred.tolist() == want


def test_numbers_that_are_no_known_form_are_refused():
    with pytest.raises(ImportRefused, match="Excel serial days"):
        read(["2020", "2021"])


def test_a_date_with_its_hour_in_a_separate_column():
    dates = ["2019-03-02", "2019-03-02", "03/02/2019", "2019-03-03", "2019-03-04 00:00:00", "2019-03-05"]
    hours = ["17", "0930", "5:30 PM", "", "23:15", "24"]
    _f, parsed = read(dates[:2] + dates[3:], clock=hours[:2] + hours[3:])
    assert parsed.occurred.tolist() == ["2019-03-02 17:00", "2019-03-02 09:30", "2019-03-03", "2019-03-04 23:15",
                                        None]
    assert "'24'" in parsed.reasons[-1] and parsed.clock_rows == 3
    minutes, blank, bad = parse_clock(pd.Series(["5:30 PM", "12:05 AM", "7", "1730", "", "13 PM"], dtype=object))
    assert minutes.tolist()[:4] == [17 * 60 + 30, 5, 7 * 60, 17 * 60 + 30]
    assert blank.tolist() == [False] * 4 + [True, False] and bad.tolist() == [False] * 5 + [True]


def test_a_date_whose_own_time_disagrees_with_the_time_column_is_rejected():
    _f, parsed = read(["2019-03-02 10:00", "2019-03-02 11:00"], clock=["10", "12"])
    assert parsed.occurred.tolist() == ["2019-03-02 10:00", None]
    assert "10:00" not in parsed.reasons[0] and "11:00" in parsed.reasons[1]


def test_an_import_says_what_it_found_and_how_it_converted(ws, write):
    ws.set_setting("time_zone", "America/Chicago")
    text = ("id,date,category,unit\n"
            "1,2026-07-01T04:30:00Z,Theft,D1\n"
            "2,2026-07-01T05:30:00Z,Theft,D1\n"
            "3,2026-07-01T06:30:00+01:00,Theft,D1\n")
    report = import_file(ws, write("portal.csv", text))
    stored = [r[0] for r in ws.conn.execute("SELECT occurred FROM incidents ORDER BY source_id")]
    assert stored == pandas_local(["2026-07-01T04:30:00Z", "2026-07-01T05:30:00Z", "2026-07-01T06:30:00+01:00"],
                                  "America/Chicago") == ["2026-06-30 23:30", "2026-07-01 00:30", "2026-07-01 00:30"]
    # The daily counts follow the local day: one incident on 30 June, two on 1 July.
    days = dict(ws.conn.execute("SELECT day, sum(n) FROM daily_counts GROUP BY day"))
    assert sorted(days.values()) == [1, 2]
    lines = " ".join(report.lines())
    assert "'2026-07-01T04:30:00Z'" in lines
    assert "3 timestamps with a UTC offset (+00:00, +01:00) converted to America/Chicago time" in lines


def test_an_hour_column_beside_a_date_column_is_used_and_reported(ws, write):
    text = "id,date,hour,category,unit\n1,2026-03-02,17,Theft,D1\n2,2026-03-02,0930,Theft,D1\n"
    report = import_file(ws, write("hours.csv", text))
    stored = [r[0] for r in ws.conn.execute("SELECT occurred FROM incidents ORDER BY source_id")]
    assert stored == ["2026-03-02 17:00", "2026-03-02 09:30"]
    assert "The time of day of 2 rows comes from the 'hour' column." in report.lines()


def test_the_time_zone_setting_is_a_real_zone(ws):
    assert ws.setting("time_zone") == "Europe/London"
    ws.set_setting("time_zone", "America/Toronto")
    assert ws.setting("time_zone") == "America/Toronto"
    with pytest.raises(CompstatError, match="not a time zone"):
        ws.set_setting("time_zone", "Mars/Olympus")
    assert ws.setting("time_zone") == "America/Toronto"  # unchanged by the refusal
