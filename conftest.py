import subprocess
from pathlib import Path

pytest_plugins = ["tests.fixtures", "tests.chain_fixtures"]


def pytest_sessionstart(session: object) -> None:
    """Compile a translation catalogue newer than its .mo, as `make install` does, so a bare pytest sees it."""
    for po in Path(__file__).resolve().parent.joinpath("locale").glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            subprocess.run(["msgfmt", "--check-format", "-o", str(mo), str(po)], check=True)
