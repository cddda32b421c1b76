"""The course plan: the lessons grouped into 90-minute class sessions.

Each session lists its lessons in teaching order with the minutes a class spends on each
(reading, running every cell, the exercises and their discussion), the lessons a student should
have done first, what the exercises check, and what students can do after it.
`binder/lesson_links.py` writes the plan into README's "For teachers" section, with a Binder
link per session; it shows only the lessons whose notebooks exist, so a lesson planned here but
not written yet is not advertised. `lesson_extras` reads from a lesson's code which of tfedu's
optional extras it needs, so that column cannot go stale.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["SESSIONS", "SESSION_MINUTES", "PlannedLesson", "Session", "course_plan",
           "lesson_extras", "planned_lessons"]

SESSION_MINUTES = 90


@dataclass(frozen=True)
class PlannedLesson:
    number: int
    minutes: int                # class time: reading, running, exercises and their discussion
    after: tuple[int, ...]      # lessons to have done first (() = Python and numpy only)
    checks: str                 # what its exercises check
    can: str                    # what students can do after it ("... can <can>")


@dataclass(frozen=True)
class Session:
    title: str
    lessons: tuple[PlannedLesson, ...]


L = PlannedLesson
SESSIONS: tuple[Session, ...] = (
    Session("TensorFlow 1 and 2: eager execution, graphs, tracing", (
        L(0, 15, (), "what runs eagerly in TF2, Keras's place, that TF1 had opt-in eager mode",
          "say what changed from TensorFlow 1 to 2"),
        L(1, 15, (0,), "a `Session.run` result; whether a shape error surfaces at build or "
                       "run time",
          "run one computation eagerly and as a TF1 graph in a `Session`, and say where a "
          "mistake surfaces in each"),
        L(2, 25, (1,), "trace counts for tensors, Python values and a mix (predicted before "
                       "running); how often Python's `print` runs",
          "predict when a `tf.function` traces again"),
        L(3, 20, (2,), "a Collatz loop traced into a `While` op; which op a tensor `if` "
                       "becomes; traces for Python against tensor booleans",
          "write Python control flow that becomes `If` and `While` ops"),
    )),
    Session("Training: gradients, Keras and input pipelines", (
        L(4, 30, (2,), "a gradient value; a line fitted by their own loop; why a gradient is "
                       "`None`; backward passes in a TF1 graph",
          "compute gradients with a tape, say why one comes back `None`, and write a training "
          "loop"),
        L(5, 25, (4,), "a parameter count; their trained iris model's accuracy, measured on "
                       "the test split",
          "build a Keras model three ways and train it with `fit`"),
        L(6, 20, (5,), "batch counts, a `map`/`filter`/`batch` result, what `prefetch` "
                       "overlaps",
          "feed a model through a `tf.data` pipeline"),
    )),
    Session("Inside the graph: speed, stepping, pitfalls", (
        L(7, 20, (2, 3), "which pass removes a duplicate op; why graphs are faster; a "
                         "function of their own that gives folding and CSE work",
          "explain why a graph beats eager code and what each optimisation pass did"),
        L(16, 20, (1, 3, 7), "a value read while stepping; how often a While body ran; the "
                             "steps fusion saves",
          "step through a running graph and see where its time goes"),
        L(17, 30, (2, 3), "a counter fixed with a `tf.Variable`; a function whose graph has "
                          "a `While` op; a Python iterator's prints; a `TensorArray` loop",
          "find and fix the `tf.function` mistakes TensorFlow's guide warns about"),
    )),
    Session("Keeping a model: files, TensorBoard, serving", (
        L(8, 25, (5,), "where Keras's files keep a layer's kernel; which epochs a resumed "
                       "`fit` runs",
          "save and restore a model, and resume an interrupted `fit`"),
        L(9, 20, (2, 5), "how many points `record_if` keeps; the validation loss's tag",
          "log training for TensorBoard and read it there"),
        L(10, 25, (8,), "the status for a missing model version; where a columnar request's "
                        "results are",
          "serve a model over HTTP and gRPC as TensorFlow Serving does"),
    )),
    Session("Models elsewhere", (
        L(11, 20, (5,), "an int8 value from a scale and zero point; what dynamic-range "
                        "quantisation stores as int8",
          "convert a model for TensorFlow Lite and say what quantisation changes"),
        L(12, 20, (5,), "a weight's name in the manifest; how many shard files are written",
          "export a model for TensorFlow.js and run it in the browser"),
        L(13, 25, (5, 8), "the trainable weights of a frozen hub layer; the learning rate for "
                        "fine-tuning; where the hub cache keeps a handle's module",
          "reuse a pre-trained module as a Keras layer, frozen then fine-tuned"),
    )),
    Session("TensorFlow 1 code today, and training at scale", (
        L(18, 30, (1, 4, 5), "a migrated `predict`; tensor `==`; the TF1 line with no TF2 "
                             "counterpart; TF2's loop op; what `tf_upgrade_v2` does",
          "migrate TF1 code pattern by pattern"),
        L(14, 20, (5, 6), "the global step after two `train` calls; a mode key",
          "read an `Estimator` program next to its Keras twin"),
        L(15, 25, (5,), "how a batch is split over replicas; what `compute_average_loss` "
                        "divides by",
          "train one model unchanged on several replicas and processes"),
    )),
)
del L

# What a lesson's code uses -> the optional extra of pyproject.toml that provides it.
_EXTRA_MARKERS = {
    "serving": r"\bimport (requests|grpc)\b|\bfrom tfedu\.serving\b|\btfedu\.serving\b",
    "multiworker": r"\bMultiWorkerMirroredStrategy\b|\btfedu\.distribute\.launch\b|\bmpi4py\b",
}


def lesson_extras(code: str) -> tuple[str, ...]:
    """The optional extras (beyond `lab`, which every lesson uses) that a lesson's code needs."""
    return tuple(name for name, pattern in _EXTRA_MARKERS.items() if re.search(pattern, code))


def planned_lessons() -> list[int]:
    """Every planned lesson number, in teaching order."""
    return [lesson.number for s in SESSIONS for lesson in s.lessons]


def _row(lesson: PlannedLesson, titles: dict[int, str], extras: dict[int, tuple[str, ...]],
         link: Callable[[int], str]) -> str:
    first = ", ".join(f"{n:02d}" for n in lesson.after if n in titles) or "Python, numpy"
    needs = ", ".join(f"`{e}`" for e in extras.get(lesson.number, ())) or "-"
    short = titles[lesson.number].split(": ")[0]
    return (f"| [{lesson.number:02d}]({link(lesson.number)}) {short} | "
            f"{lesson.minutes} min | {first} | {lesson.checks} | {needs} |")


def _session(number: int, session: Session, lessons: list[PlannedLesson],
             titles: dict[int, str], extras: dict[int, tuple[str, ...]],
             link: Callable[[int], str], binder: Callable[[int], str]) -> list[str]:
    minutes = sum(lesson.minutes for lesson in lessons)
    can = "; ".join(lesson.can for lesson in lessons)
    return [f"**Session {number}. {session.title}** ({minutes} of {SESSION_MINUTES} min; "
            f"[open on Binder]({binder(lessons[0].number)})). At the end, students can {can}.",
            "",
            "| Lesson | Time | Do first | The exercises check | Extras |",
            "|---|---|---|---|---|",
            *(_row(lesson, titles, extras, link) for lesson in lessons), ""]


def course_plan(titles: dict[int, str], extras: dict[int, tuple[str, ...]],
                link: Callable[[int], str], binder: Callable[[int], str]) -> str:
    """The plan as Markdown, for the lessons in `titles` (number -> title) only; `extras`
    maps a lesson to the extras it needs, `link` and `binder` to its notebook and Binder URLs.
    Lessons with a notebook but no place in the plan are listed after it."""
    shown = [(session, [lesson for lesson in session.lessons if lesson.number in titles])
             for session in SESSIONS]
    out: list[str] = []
    for number, (session, lessons) in enumerate([s for s in shown if s[1]], start=1):
        out += _session(number, session, lessons, titles, extras, link, binder)
    unplanned = [n for n in sorted(titles) if n not in planned_lessons()]
    if unplanned:
        out += ["Not placed in a session yet: " +
                ", ".join(f"[{n:02d}]({link(n)}) {titles[n]}" for n in unplanned) + ".", ""]
    return "\n".join(out).rstrip() + "\n"
