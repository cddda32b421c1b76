"""A small English corpus for the text embedding, written from templates (so it may be
redistributed freely: it is part of tfedu, under tfedu's licence).

Eight topics, each with its own nouns, verbs and adjectives, and sentences built from shared
templates; a few sentences mix two topics. `generate()` is deterministic (a fixed seed), so
`python -m tfedu.hub.build --corpus` writes the same file every time. Words of a topic occur
together, which is what a word embedding learns from: the embedding never sees the topic labels.
"""

from __future__ import annotations

import numpy as np

__all__ = ["TOPICS", "generate", "write", "read"]

TOPICS = {
    "animals": ("cat dog horse rabbit fox owl wolf mouse duck goat sheep cow",
                "barks sleeps runs hunts eats purrs howls grazes",
                "furry wild hungry tame tiny shy"),
    "food": ("bread soup cheese apple pasta rice cake salad pie honey butter tomato",
             "tastes cooks bakes smells boils fries",
             "sweet salty fresh spicy crispy delicious"),
    "weather": ("rain snow wind storm cloud sun fog thunder frost sky breeze ice",
                "falls blows shines freezes melts clears",
                "cold windy cloudy sunny foggy stormy"),
    "sport": ("football tennis match team goal coach player race ball stadium referee medal",
              "wins scores trains kicks loses competes",
              "fast strong fit tired skilful fair"),
    "music": ("guitar piano song band drum violin concert singer melody choir rhythm album",
              "plays sings records tunes performs hums",
              "loud catchy soft musical harmonic rhythmic"),
    "space": ("planet star moon rocket comet galaxy orbit astronaut telescope asteroid nebula "
              "satellite",
              "orbits launches glows rotates explodes drifts",
              "distant bright cosmic lunar solar vast"),
    "computers": ("computer program code keyboard screen server network software laptop chip "
                  "database robot",
                  "crashes compiles runs computes boots downloads",
                  "digital fast slow buggy online wireless"),
    "health": ("doctor nurse patient hospital medicine fever vaccine clinic heart virus "
               "surgery pill",
               "heals treats hurts recovers examines prescribes",
               "sick healthy ill painful medical careful"),
}

_TEMPLATES = (
    "the {a} {n} {v} near the {n2}",
    "a {n} {v} and the {n2} {v2}",
    "my {n} is very {a} today",
    "i like the {a} {n} and the {a2} {n2}",
    "every {n} {v} when the {n2} is {a}",
    "the {n2} and the {n} are {a}",
    "we saw a {a} {n} {v} after the {n2}",
    "this {n} {v} more than that {a} {n2}",
    "she said the {n} {v} with the {n2}",
    "nobody knew why the {a} {n} {v}",
)


def _words(topic):
    nouns, verbs, adjs = (s.split() for s in TOPICS[topic])
    return nouns, verbs, adjs


def _sentence(rng, topic, other=None):
    nouns, verbs, adjs = _words(topic)
    nouns2, verbs2, adjs2 = _words(other or topic)
    template = _TEMPLATES[rng.randint(len(_TEMPLATES))]
    pick = lambda xs: xs[rng.randint(len(xs))]  # noqa: E731
    return template.format(n=pick(nouns), n2=pick(nouns2), v=pick(verbs), v2=pick(verbs2),
                           a=pick(adjs), a2=pick(adjs2))


def generate(per_topic=500, mix=0.05, seed=1234):
    """[(topic, sentence)]: `per_topic` sentences per topic, a fraction `mix` of them with a
    second topic's words, in a fixed shuffled order."""
    rng = np.random.RandomState(seed)
    names = list(TOPICS)
    out = []
    for topic in names:
        for _ in range(per_topic):
            other = names[rng.randint(len(names))] if rng.rand() < mix else None
            out.append((topic, _sentence(rng, topic, other)))
    order = rng.permutation(len(out))
    return [out[i] for i in order]


def write(path, rows) -> None:
    """One `topic<TAB>sentence` line per sentence."""
    from tfedu.train.files import atomic_write

    data = "".join(f"{t}\t{s}\n" for t, s in rows).encode("utf8")
    atomic_write(path, lambda f: f.write(data))


def read(path) -> list[tuple[str, str]]:
    with open(path, encoding="utf8") as f:
        return [tuple(line.rstrip("\n").split("\t", 1)) for line in f if line.strip()]
