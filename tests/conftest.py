import os
from collections import Counter

os.environ.setdefault("TFEDU_CACHE_DIR", os.path.join(os.path.dirname(__file__), "..", ".cache"))


def pytest_terminal_summary(terminalreporter):
    """Print the timings tests record with `record_property("timing", text)` (lesson run times,
    the Binder simulation) after the run; xdist hands them over from its workers."""
    lines = sorted({value for reports in terminalreporter.stats.values() for rep in reports
                    if getattr(rep, "when", None) == "call"
                    for name, value in getattr(rep, "user_properties", ()) if name == "timing"})
    if lines:
        terminalreporter.section("timings")
        for line in lines:
            terminalreporter.line(line)


def pytest_configure(config):
    config.addinivalue_line("markers", "early: a long test that starts first, beside the rest of the suite")
    # xdist (--dist loadfile) hands out files with more tests first; pytest_collection_modifyitems
    # below keeps that order but puts the files of `early` tests in front.
    if getattr(config.option, "loadscopereorder", None) is not None:
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(config, items):
    if not hasattr(config, "workerinput"):  # a run without xdist keeps the collection order
        return
    files = Counter(item.nodeid.split("::")[0] for item in items)
    early = {item.nodeid.split("::")[0] for item in items if item.get_closest_marker("early")}

    def key(item):
        file = item.nodeid.split("::")[0]
        return file not in early, -files[file]

    items.sort(key=key)
