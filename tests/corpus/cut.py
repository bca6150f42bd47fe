"""Cut corpus excerpts from fetched repositories and fill in excerpt line numbers.

    python tests/corpus/cut.py [--mirrors DIR] [--check] [SLUG ...]

``labels.toml`` is the one source of the corpus: for each case the repository, the commit and, per
file, the original ``path`` and the original line ranges kept (``cut = "1-12,40-61"``). Hazards and
traps name their ``original_line`` (and ``original_end_line``); a hazard whose text and call are in
different places lists the other places as ``original_also = ["path:from-to"]``. This tool

* writes each excerpt ``cases/<slug>/<path>`` from the bare git mirror of the repository
  (``DIR/<owner>+<name>/repo``, as the search tool's ``fetch`` leaves them) at the case's commit,
  keeping only the cut ranges (cut regions are dropped, nothing is invented);
* computes ``line`` / ``end_line`` (and ``also``) in the excerpt from the original lines and rewrites
  ``labels.toml`` in its canonical layout;
* refuses an excerpt that does not parse as Python, and a label outside the cut ranges.

With ``--check`` it writes nothing and only verifies that the excerpt lines equal the mirror's text.
Cases whose mirror is absent are left as they are.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import subprocess
import sys
from pathlib import Path

try:
    import tomllib
except ImportError:  # pragma: no cover - Python < 3.11
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
LABELS = HERE / "labels.toml"
CASES = HERE / "cases"

CASE_KEYS = ["slug", "repo", "commit", "split", "kind"]
FILE_KEYS = ["path", "cut"]
HAZARD_KEYS = ["file", "line", "end_line", "original_line", "original_end_line", "also",
               "original_also", "codes", "class", "dialect", "note"]
TRAP_KEYS = ["file", "line", "end_line", "original_line", "original_end_line", "note",
             "known-false-positive"]


def parse_cut(cut: str) -> list[tuple[int, int]]:
    ranges = []
    for part in cut.split(","):
        a, _, b = part.strip().partition("-")
        ranges.append((int(a), int(b or a)))
    return ranges


def line_map(cut: str) -> dict[int, int]:
    """original line -> excerpt line"""
    out, n = {}, 0
    for a, b in parse_cut(cut):
        for orig in range(a, b + 1):
            n += 1
            out[orig] = n
    return out


def split_for(repo: str) -> str:
    """Holdout for about a third of the repositories, fixed by the repository's name alone."""
    return "holdout" if int(hashlib.sha1(repo.lower().encode()).hexdigest(), 16) % 3 == 0 else "dev"


def mirror_dir(mirrors: Path, repo: str) -> Path | None:
    base = mirrors / repo.replace("/", "+") / "repo"
    for d in (base / ".git", base):
        if (d / "HEAD").is_file():
            return d
    return None


def git(gitdir: Path, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", str(gitdir), *args], check=True,
                          capture_output=True, text=True).stdout


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return json.dumps(v)  # a TOML basic string: JSON's escapes are TOML's


def emit(data: dict) -> str:
    out = ["# The labelled corpus: see README.md. Edit here, then run `python tests/corpus/cut.py`.", ""]
    for k, v in data.items():
        if not isinstance(v, list):
            out.append(f"{k} = {toml_value(v)}")
    for case in data["case"]:
        out += ["", "[[case]]"]
        out += [f"{k} = {toml_value(case[k])}" for k in CASE_KEYS if k in case]
        for group, keys in (("file", FILE_KEYS), ("hazard", HAZARD_KEYS), ("trap", TRAP_KEYS)):
            for item in case.get(group, []):
                out.append(f"  [[case.{group}]]")
                out += [f"  {k} = {toml_value(item[k])}" for k in keys if k in item]
    return "\n".join(out) + "\n"


def process(case: dict, mirrors: Path, check: bool) -> list[str]:
    errors = []
    case.setdefault("split", split_for(case["repo"]))
    gitdir = mirror_dir(mirrors, case["repo"])
    if gitdir is None:
        return []
    if not case.get("commit"):
        case["commit"] = git(gitdir, "rev-parse", "HEAD").strip()
    maps = {}
    for f in case["file"]:
        text = git(gitdir, "show", f"{case['commit']}:{f['path']}").splitlines()
        keep = [text[i - 1] for a, b in parse_cut(f["cut"]) for i in range(a, b + 1)]
        dest = CASES / case["slug"] / f["path"]
        body = "\n".join(keep) + "\n"
        if check:
            if not dest.is_file() or dest.read_text() != body:
                errors.append(f"{case['slug']}: {f['path']} differs from the mirror")
        else:
            try:
                if f["path"].endswith(".py"):
                    ast.parse(body)
            except SyntaxError as e:
                errors.append(f"{case['slug']}: {f['path']} does not parse: {e}")
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(body)
        maps[f["path"]] = line_map(f["cut"])
    for group in ("hazard", "trap"):
        for item in case.get(group, []):
            m = maps.get(item["file"])
            if m is None:
                errors.append(f"{case['slug']}: {group} names unknown file {item['file']}")
                continue
            for o, k in (("original_line", "line"), ("original_end_line", "end_line")):
                if o in item:
                    if item[o] not in m:
                        errors.append(f"{case['slug']}: {group} {item[o]} outside the cut")
                    elif check and item.get(k) != m[item[o]]:
                        errors.append(f"{case['slug']}: {group} {k} {item.get(k)} != {m[item[o]]}")
                    else:
                        item[k] = m[item[o]]
            if "original_also" in item:
                also = []
                for site in item["original_also"]:
                    path, _, span = site.rpartition(":")
                    a, _, b = span.partition("-")
                    mm = maps.get(path, {})
                    if int(a) not in mm or int(b or a) not in mm:
                        errors.append(f"{case['slug']}: also-site {site} outside the cut")
                        continue
                    also.append(f"{path}:{mm[int(a)]}-{mm[int(b or a)]}")
                if check and item.get("also") != also:
                    errors.append(f"{case['slug']}: also {item.get('also')} != {also}")
                item["also"] = also
    return errors


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    ap.add_argument("--check", action="store_true")
    ap.add_argument("slugs", nargs="*")
    args = ap.parse_args(argv)
    data = tomllib.loads(LABELS.read_text())
    errors = []
    for case in data["case"]:
        if not args.slugs or case["slug"] in args.slugs:
            errors += process(case, args.mirrors, args.check)
    for e in errors:
        print(e, file=sys.stderr)
    if not args.check and not errors:
        LABELS.write_text(emit(data))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
