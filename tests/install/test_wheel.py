"""The wheel a user installs works on its own: built from the checkout with no network, installed with no
dependencies outside the checkout (tests/support/wheel.py), it builds the sample from its own package data on first
use and makes the agenda pack, and it never reaches back into the source tree. The window's check is in
tests/ui/test_wheel_window.py."""

import json

from support.paths import ROOT
from support.pdf import fonts, page_count, page_texts


def test_the_wheel_carries_the_samples_and_fonts_but_not_the_benchmarks_or_tests(installed_wheel):
    names = set(installed_wheel.names())
    data = "compstat_desk/core/samples/data/"
    for name in ("boundaries.geojson", "categories.csv", "incidents.csv.gz", "indicator_definitions.csv",
                 "indicators.csv", "meeting.json", "targets.csv", "delivery/delivery.json", "delivery/units.csv",
                 "delivery/indicators.csv", "delivery/indicator_definitions.csv", "delivery/targets.csv"):
        assert data + name in names, name
    assert "compstat_desk/resources/fonts/DejaVuSans.ttf" in names
    assert "compstat_desk/resources/agenda_templates/stocktake.json" in names
    assert not [n for n in names if n.startswith(("benchmarks/", "tests/", "scripts/", "sample_data/"))]


def test_the_installed_package_is_the_one_in_the_virtualenv_not_the_checkout(installed_wheel):
    done = installed_wheel.run_python(
        "import json, sys\nfrom importlib import resources\nimport compstat_desk\n"
        "print(json.dumps({'package': compstat_desk.__file__, 'data': str(resources.files("
        "'compstat_desk.core.samples') / 'data'), 'path': sys.path}))")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    venv = str(installed_wheel.venv.resolve())
    assert found["package"].startswith(venv) and found["data"].startswith(venv)
    # Nothing of the checkout is on the path but the test virtualenv's site-packages, which the .pth line lends.
    assert [p for p in found["path"] if p.startswith(str(ROOT)) and not p.startswith(str(ROOT / ".venv"))] == []


def test_the_installed_wheel_builds_the_sample_and_its_agenda_pack(installed_wheel, wheel_sample):
    info = installed_wheel.run("info", "--db", str(wheel_sample))
    assert info.returncode == 0 and "Wessex Constabulary" in info.stdout and "Meetings: 2; actions: 12" in info.stdout
    done = installed_wheel.run("pack", "--db", str(wheel_sample), "-o", "p.pdf", "--meeting", "next")
    assert done.returncode == 0, done.stderr
    pdf = installed_wheel.home / "p.pdf"
    assert pdf.read_bytes().startswith(b"%PDF") and page_count(pdf) > 20
    assert "Wessex Constabulary" in page_texts(pdf)[0]
    assert all(embedded for _, embedded in fonts(pdf))  # the bundled DejaVu Sans, from the wheel


def test_the_installed_wheel_builds_the_delivery_sample(installed_wheel):
    done = installed_wheel.run("sample", "--kind", "delivery", "--db", "delivery.sqlite")
    assert done.returncode == 0, done.stderr
    shown = installed_wheel.run("priorities", "--db", "delivery.sqlite")
    assert shown.returncode == 0 and "AE" in shown.stdout, shown.stderr


def test_bench_from_the_wheel_says_the_benchmarks_come_with_the_source(installed_wheel):
    done = installed_wheel.run("bench", "import", "--rows", "10")
    assert done.returncode == 2
    assert done.stderr.strip() == ("compstat-desk: the benchmarks come with the source checkout (benchmarks/ beside "
                                   "compstat_desk/), not with the installed package.")
