"""The installed wheel's window renders offscreen (`compstat-desk screenshot`) on the sample it built from its own
package data, outside the checkout (tests/support/wheel.py, tests/install/test_wheel.py)."""

from PIL import Image


def test_the_installed_wheel_renders_the_window_offscreen(installed_wheel, wheel_sample):
    done = installed_wheel.run("screenshot", "--db", str(wheel_sample), "--view", "compstat", "--size", "1280x800",
                               "--out", "window.png")
    assert done.returncode == 0, done.stderr
    with Image.open(installed_wheel.home / "window.png") as shot:
        assert shot.size == (1280, 800)
        colours = shot.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 50  # drawn: text, tables and marking, not a blank window
