#!/usr/bin/env python3
"""Writes a synthetic LEAF-format data set: OUT/train/*.json and OUT/test/*.json.

Each user gets a random number of samples (uneven sizes, like FEMNIST's writers), split 90/10
into train and test; features are FEATURES floats in [0, 1) that carry the label (a per-class
pattern plus noise), so a model can learn them. Files are streamed, so even a multi-GB data set
needs little memory: `make-leaf.py OUT --users 3000 --features 784 --files 4` writes ~1.5 GB.

usage: make-leaf.py OUT [--users N] [--features F] [--classes C] [--min S] [--max S] [--files K] [--seed N]
"""
import argparse
import json
import os
import random


def write_file(path, users, rng, args, patterns, split):
    names = [u for u, _ in users]
    counts = [split(n)[1] for _, n in users]
    with open(path, "w") as out:
        out.write('{"users": %s, "num_samples": %s, "user_data": {' % (json.dumps(names), json.dumps(counts)))
        for i, (user, n) in enumerate(users):
            count = split(n)[1]
            ys = [rng.randrange(args.classes) for _ in range(count)]
            out.write('%s"%s": {"x": [' % ("," if i else "", user))
            for j, y in enumerate(ys):
                row = ",".join("%.4f" % min(0.9999, p * 0.7 + rng.random() * 0.3) for p in patterns[y])
                out.write("%s[%s]" % ("," if j else "", row))
            out.write('], "y": %s}' % json.dumps(ys))
        out.write("}}\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--features", type=int, default=16)
    parser.add_argument("--classes", type=int, default=4)
    parser.add_argument("--min", type=int, default=10)
    parser.add_argument("--max", type=int, default=100)
    parser.add_argument("--files", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    patterns = [[rng.random() for _ in range(args.features)] for _ in range(args.classes)]
    users = [("f%05d" % u, rng.randint(args.min, args.max)) for u in range(args.users)]
    per_file = (len(users) + args.files - 1) // args.files
    for part in ("train", "test"):
        os.makedirs(os.path.join(args.out, part), exist_ok=True)
        # LEAF's sample split: about 90 % of each user's samples train, the rest test (at least one each).
        split = (lambda n: (n, max(1, n * 9 // 10))) if part == "train" else (lambda n: (n, max(1, n - n * 9 // 10)))
        for k in range(args.files):
            chunk = users[k * per_file:(k + 1) * per_file]
            if chunk:
                write_file(os.path.join(args.out, part, "all_data_%d_niid_%s.json" % (k, part)), chunk, rng, args, patterns, split)


if __name__ == "__main__":
    main()
