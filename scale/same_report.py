#!/usr/bin/env python3
"""Checks that a merged report folder is a single run's, byte for byte (SPEC §9).

    python3 scale/same_report.py SINGLE MERGED

Every file must be the same bytes, except summary.json, whose `split` record (the merge's
own record of the shards) is cut out of the merged one's text before comparing; the single
run's has none. Exits 0 when they match, 1 (naming the first difference) when not.
"""

import json
import os
import sys


def files(root):
    found = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                found[os.path.relpath(path, root)] = f.read()
    return found


def without_split(text):
    """summary.json's text without its top-level `split` key (pretty-printed, 2 spaces)."""
    lines = text.splitlines(keepends=True)
    start = next(i for i, l in enumerate(lines) if l.startswith('  "split": '))
    end = next(i for i in range(start, len(lines)) if lines[i] in ("  },\n", "  }\n"))
    last_key = lines[end] == "  }\n"
    del lines[start : end + 1]
    rest = "".join(lines)
    if last_key:
        at = rest[:-2].rfind(",\n")
        rest = rest[:at] + rest[at + 1 :]
    return rest


def main(single, merged):
    a, b = files(single), files(merged)
    if sorted(a) != sorted(b):
        print(f"different files: {sorted(set(a) ^ set(b))}")
        return 1
    split = json.loads(b["summary.json"]).get("split")
    if split is None or "split" in json.loads(a["summary.json"]):
        print("the merged summary.json must have a split record, the single one none")
        return 1
    b["summary.json"] = without_split(b["summary.json"].decode()).encode()
    for name in sorted(a):
        if a[name] != b[name]:
            print(f"{name} differs")
            return 1
    print(
        f"same bytes: {len(a)} files ({split['shards']} shards of {split.get('blocks', split.get('points'))} {split['unit']}s)"
    )
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
