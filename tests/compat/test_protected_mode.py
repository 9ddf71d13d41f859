"""Protected mode refuses clients from outside the loopback interface with Redis's -DENIED
text. Tests may only use 127.0.0.0/8, where protected mode never applies, so the text itself
is compared with the one inside the redis-server binary, byte for byte."""
import re
import shutil

from conftest import RILL

DENIED = re.compile(rb"-DENIED [^\x00]+")


def denied_text(path):
    with open(path, "rb") as f:
        found = DENIED.findall(f.read())
    assert len(found) == 1, path
    return found[0]


def test_denied_text_matches_redis():
    assert denied_text(RILL) == denied_text(shutil.which("redis-server"))
