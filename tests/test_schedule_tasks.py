"""How a parallel run deals files to its workers (pinlint.pipeline.schedule): the largest first, in
tasks of about equal bytes, and each worker keeps one copy of the project index."""

from __future__ import annotations

import random
from dataclasses import replace

from pinlint.facts.index.model import ProjectIndex
from pinlint.pipeline import schedule
from pinlint.pipeline.options import RunOptions
from pinlint.targets import TargetSet


def _sizes(seed: int, n: int):
    rng = random.Random(seed)
    return {f"f{i}.py": rng.choice([0, 10, 300, 2_000, 40_000, 400_000]) + rng.randrange(100) for i in range(n)}


def test_every_item_once_the_largest_first():
    for seed in range(20):
        sizes = _sizes(seed, 300)
        tasks = schedule._largest_first(list(sizes), sizes.__getitem__, 2, 16)
        flat = [p for task in tasks for p in task]
        assert sorted(flat) == sorted(sizes)
        assert [sizes[p] for p in flat] == sorted(sizes.values(), reverse=True)
        assert all(1 <= len(task) <= 16 for task in tasks)


def test_tasks_close_at_a_share_of_the_bytes():
    sizes = _sizes(7, 500)
    jobs = 2
    share = sum(sizes.values()) // (16 * jobs)
    tasks = schedule._largest_first(list(sizes), sizes.__getitem__, jobs, 256)
    for task in tasks[:-1]:
        held = sum(sizes[p] for p in task)
        assert held >= share or len(task) == 256
        assert held - sizes[task[-1]] < share  # it closed at the first item that reached the share
    # a file larger than the share is a task of its own, and the small files end the run
    assert all(len(t) == 1 for t in tasks if sizes[t[0]] >= share)
    assert len(tasks[-1]) > 1


def test_ties_keep_the_given_order():
    items = ["b", "a", "c", "d"]
    tasks = schedule._largest_first(items, lambda _: 10, 1, 1)
    assert [t[0] for t in tasks] == items


def test_empty():
    assert schedule._largest_first([], len, 2, 16) == []


def test_a_worker_keeps_its_first_copy_of_an_equal_index(monkeypatch):
    monkeypatch.setattr(schedule, "_WORKER_INDEX", [])
    first = ProjectIndex(constants=(("m.SQL", ()),), fingerprint="abc")
    first.mention_pattern()  # built once, kept on the object
    options = RunOptions(targets=TargetSet(), enabled=frozenset({"PIN101"}), index=first)
    assert schedule._known_index(options).index is first
    copy = ProjectIndex(constants=(("m.SQL", ()),), fingerprint="abc")  # what the next task unpickles
    assert schedule._known_index(replace(options, index=copy)).index is first
    other = ProjectIndex(fingerprint="def")
    got = schedule._known_index(replace(options, index=other))
    assert got.index is other  # another index replaces it
    assert schedule._WORKER_INDEX == [other]
    bare = RunOptions(targets=TargetSet(), enabled=frozenset({"PIN101"}))
    assert schedule._known_index(bare) is bare


def test_pass_two_judges_a_file_changed_since_the_survey_by_its_new_bytes(tmp_path, monkeypatch):
    """The survey's skeleton and its "both stages pass" are used only for the bytes they were built from."""
    import ast

    from pinlint.pipeline import run
    from pinlint.pipeline.skeleton import build
    from pinlint.specs import load_specs

    hazard = b"import psycopg\n\ndef f(conn):\n    conn.execute('SET search_path TO tenant')\n"
    plain = b"import os\n\ndef f():\n    return os.sep\n"
    options = RunOptions(targets=TargetSet(), enabled=frozenset(s.code for s in load_specs()))
    path = tmp_path / "m.py"
    path.write_bytes(hazard)
    fresh = build(ast.parse(hazard), hazard)
    expected = run.check_path(str(path), options)
    assert [d.code for d in expected] == ["PIN101"]

    seen = []
    analyse = run.analyse_text
    monkeypatch.setattr(run, "analyse_text", lambda f, t, o, e, skeleton=None: seen.append(skeleton) or analyse(f, t, o, e, skeleton))
    assert run.check_path(str(path), options, True, True, fresh, True) == expected
    assert seen == [fresh]  # the survey's skeleton was used
    # the file now holds no SQL: the prefilter runs again and lets it go, unanalysed
    path.write_bytes(plain)
    assert run.check_path(str(path), options, True, True, fresh, True) == []
    assert seen == [fresh]
    # a skeleton of other bytes is not used: the file is parsed again
    path.write_bytes(hazard)
    stale = build(ast.parse(plain), plain)
    assert run.check_path(str(path), options, True, True, stale, True) == expected
    assert seen == [fresh, None]
