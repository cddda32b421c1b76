"""Write the list of lessons and the course plan into README.md (with Binder links), and the list
into lesson 00, from the notebooks and tfedu/teach/course.py.

    python binder/lesson_links.py           # rewrite them
    python binder/lesson_links.py --check   # exit 1 when one is out of date (a test runs this)

A lesson's title is its notebook's first heading ("# 5. Keras: ..."). The Binder links start
with the README badge's address (`https://mybinder.org/v2/gh/OWNER/REPO/BRANCH`): a fork
changes the badge, runs this script, and every lesson link follows.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
NOTEBOOKS = ROOT / "notebooks"
WELCOME = NOTEBOOKS / "00_welcome.ipynb"
BEGIN = "<!-- lessons: written by binder/lesson_links.py from the notebooks' titles -->"
END = "<!-- /lessons -->"
PLAN_BEGIN = "<!-- course plan: written by binder/lesson_links.py from tfedu/teach/course.py -->"
PLAN_END = "<!-- /course plan -->"
BADGE = re.compile(r"\[!\[Binder\]\(https://mybinder\.org/badge_logo\.svg\)\]\((https://mybinder\.org/v2/gh/[^?)]+)\?urlpath=")
LESSONS_HEADING = "## The lessons"


def _notebooks() -> list[tuple[Path, nbformat.NotebookNode]]:
    return [(path, nbformat.read(path, as_version=4))
            for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))]


def lessons() -> list[tuple[str, str]]:
    """(file name, title) of every lesson, in order; the title drops the heading's number."""
    found = []
    for path, nb in _notebooks():
        heading = next(line for c in nb.cells if c.cell_type == "markdown"
                       for line in c.source.splitlines() if line.startswith("# "))
        found.append((path.name, re.sub(r"^#\s+\d+\.\s*", "", heading).strip()))
    return found


def plan_block(readme: str) -> str:
    """The course plan of tfedu/teach/course.py for the lessons that exist, with the extras
    each one's code needs."""
    sys.path.insert(0, str(ROOT))  # this checkout's tfedu, installed or not
    from tfedu.teach.course import course_plan, lesson_extras

    base = binder_base(readme)
    names = {int(name[:2]): name for name, _ in lessons()}
    titles = {int(name[:2]): title for name, title in lessons()}
    extras = {int(path.name[:2]): lesson_extras("\n".join(c.source for c in nb.cells
                                                          if c.cell_type == "code"))
              for path, nb in _notebooks()}
    plan = course_plan(titles, extras, lambda n: f"notebooks/{names[n]}",
                       lambda n: f"{base}?urlpath=lab/tree/notebooks/{names[n]}")
    return "\n".join([PLAN_BEGIN, "", plan, PLAN_END])


def binder_base(readme: str) -> str:
    match = BADGE.search(readme)
    if not match:
        raise SystemExit("README.md has no Binder badge ([![Binder](...badge_logo.svg)](URL?urlpath=...))")
    return match.group(1)


def readme_table(readme: str) -> str:
    base = binder_base(readme)
    rows = ["| Lesson | Title | |", "|---|---|---|"]
    rows += [f"| [{name[:2]}](notebooks/{name}) | {title} | "
             f"[open on Binder]({base}?urlpath=lab/tree/notebooks/{name}) |" for name, title in lessons()]
    return "\n".join([BEGIN, "", *rows, "", END])


def welcome_list() -> str:
    items = [f"{int(name[:2])}. [{title}]({name})" for name, title in lessons() if name != WELCOME.name]
    return "\n".join([LESSONS_HEADING, "", *items])


def _replace_block(text: str, begin: str, end: str, block: str) -> str:
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise SystemExit(f"README.md has no {begin} ... {end} block")
    return pattern.sub(lambda _: block, text)


def updated_readme() -> str:
    text = README.read_text()
    text = _replace_block(text, BEGIN, END, readme_table(text))
    return _replace_block(text, PLAN_BEGIN, PLAN_END, plan_block(text))


def updated_welcome() -> nbformat.NotebookNode:
    nb = nbformat.read(WELCOME, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "markdown" and c.source.startswith(LESSONS_HEADING))
    cell.source = welcome_list()
    return nb


def main(argv: list[str]) -> int:
    readme, welcome = updated_readme(), nbformat.writes(updated_welcome()) + "\n"
    stale = [p for p, text in ((README, readme), (WELCOME, welcome)) if p.read_text() != text]
    if "--check" in argv:
        for p in stale:
            print(f"{p.relative_to(ROOT)}: the lesson list is out of date; run python binder/lesson_links.py")
        return 1 if stale else 0
    for p, text in ((README, readme), (WELCOME, welcome)):
        if p in stale:
            p.write_text(text)
            print(f"rewrote the lesson list in {p.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
