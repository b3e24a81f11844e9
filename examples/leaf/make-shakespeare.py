#!/usr/bin/env python3
"""Writes a LEAF Shakespeare-format data set from text files: OUT/train/all_data.json and OUT/test/all_data.json.

One user per input file (a speaker, as in LEAF's one client per role). Every WINDOW-character
window of the user's text (stride 1, as LEAF's Shakespeare) is a sample, x the window and y the
character after it; a user keeps its first min(len/8, --max) windows, so users are uneven, and the
last 10 % of them (rounded up) are its test split, as LEAF's per-user sample split. The text comes
from files of plain text, or from the State of the Union speech files of the sotu data set
(`{"text": ...}` JSON, e.g. ~/.cache/flute/data/sotu after any sotu run). It also prints the
accuracy of always predicting the test set's most frequent next character, the baseline a model
must beat.

usage: make-shakespeare.py OUT FILE... [--window N] [--max N] [--users N]
"""
import argparse
import collections
import json
import os


def read_text(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return json.loads(text)["text"] if path.endswith(".json") else text


def write(path, users):
    with open(path, "w", encoding="utf-8") as out:
        json.dump({"users": [u for u, _, _ in users], "num_samples": [len(y) for _, _, y in users],
                   "user_data": {u: {"x": x, "y": y} for u, x, y in users}}, out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("files", nargs="+")
    parser.add_argument("--window", type=int, default=80)
    parser.add_argument("--max", type=int, default=4000)
    parser.add_argument("--users", type=int, default=0, help="keep every k-th file so that about N users remain (0: all)")
    args = parser.parse_args()
    files = sorted(args.files)
    if args.users:
        step = max(1, len(files) // args.users)
        files = files[::step][: args.users]
    train, test = [], []
    for path in files:
        text = read_text(path)
        n = min(len(text) // 8, args.max, len(text) - args.window)
        if n < 2:
            continue
        cut = n - (n + 9) // 10
        user = os.path.splitext(os.path.basename(path))[0]
        windows = [text[s:s + args.window] for s in range(n)]
        labels = [text[s + args.window] for s in range(n)]
        train.append((user, windows[:cut], labels[:cut]))
        test.append((user, windows[cut:], labels[cut:]))
    for split, users in (("train", train), ("test", test)):
        os.makedirs(os.path.join(args.out, split), exist_ok=True)
        write(os.path.join(args.out, split, "all_data.json"), users)
    counts = collections.Counter(c for _, _, y in test for c in y)
    total = sum(counts.values())
    top, hits = counts.most_common(1)[0]
    print(f"{len(train)} users, {sum(len(y) for _, _, y in train)} training and {total} test windows of {args.window}; "
          f"always {top!r} scores {hits / total:.4f} on the test set")


if __name__ == "__main__":
    main()
