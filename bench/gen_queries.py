#!/usr/bin/env python3
"""The benchmark's query mix: 150 distinct queries from the seed's vocabulary —
one to three words, typos, unfinished words and phrases. Writes queries.txt."""
import pathlib
import random
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
body = (ROOT / "seed" / "faq.md").read_text(encoding="utf-8").split("---", 2)[2]
words = sorted({w.lower() for w in re.findall(r"[A-Za-z]+", body) if len(w) > 4})
rng = random.Random(7)
queries = set()
while len(queries) < 150:
    kind = rng.random()
    if kind < 0.35:
        q = " ".join(rng.sample(words, rng.randint(1, 3)))
    elif kind < 0.55:  # a typo: one letter dropped or swapped
        w = list(rng.choice(words))
        i = rng.randrange(1, len(w) - 1)
        if rng.random() < 0.5:
            del w[i]
        else:
            w[i], w[i + 1] = w[i + 1], w[i]
        q = "".join(w)
    elif kind < 0.75:  # an unfinished word after a whole one
        q = f"{rng.choice(words)} {rng.choice(words)[: rng.randint(3, 5)]}"
    else:  # a question a reader might type
        q = f"how {rng.choice(['do', 'can', 'many'])} {' '.join(rng.sample(words, 2))}"
    queries.add(q)
out = pathlib.Path(__file__).with_name("queries.txt")
out.write_text("\n".join(sorted(queries)) + "\n", encoding="utf-8")
print(f"{len(queries)} queries in {out}")
