#!/usr/bin/env python3
"""Synthetic FAQ pages for benchmarks, from the seed's own vocabulary.

usage: gen_pages.py ENTRIES OUTDIR [--per-page 50] [--seed 1]

Writes OUTDIR/bench-NNNN.md, each a Hugo page in the seed's style (YAML front
matter, bold questions, Markdown answers with paragraphs and lists), with
ENTRIES questions in all. Deterministic for a given --seed.
"""
import argparse
import pathlib
import random
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
SEED = (ROOT / "seed" / "faq.md").read_text(encoding="utf-8")

body = SEED.split("---", 2)[2]
WORDS = [w for w in re.findall(r"[A-Za-z][a-z]+", body)]
CONTENT = sorted({w.lower() for w in WORDS if len(w) > 3})
OPENERS = ["What is", "How do", "Why does", "When should", "Can a", "Is the", "Who decides", "Where does", "How many", "What are"]


def sentence(rng, n):
    words = [rng.choice(WORDS) for _ in range(n)]
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


def question(rng, i):
    words = " ".join(rng.choice(CONTENT) for _ in range(rng.randint(3, 8)))
    return f"{rng.choice(OPENERS)} {words} ({i})?"


def answer(rng):
    parts = []
    for _ in range(rng.randint(1, 3)):
        parts.append(" ".join(sentence(rng, rng.randint(6, 18)) for _ in range(rng.randint(1, 3))))
    if rng.random() < 0.3:
        parts.append("\n\n".join(f"- {sentence(rng, rng.randint(4, 10))}" for _ in range(rng.randint(2, 4))))
    return "\n\n".join(parts)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("entries", type=int)
    parser.add_argument("outdir", type=pathlib.Path)
    parser.add_argument("--per-page", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    args.outdir.mkdir(parents=True, exist_ok=True)
    written = 0
    page = 0
    while written < args.entries:
        count = min(args.per_page, args.entries - written)
        lines = ["---", f'title: "Bench FAQ {page}"', "draft: false", "---", ""]
        for _ in range(count):
            written += 1
            lines += [f"**{question(rng, written)}**", "", answer(rng), ""]
        (args.outdir / f"bench-{page:05d}.md").write_text("\n".join(lines), encoding="utf-8")
        page += 1
    print(f"{written} entries in {page} pages under {args.outdir}")


if __name__ == "__main__":
    main()
