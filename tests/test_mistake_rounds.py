"""Packing mistake fixtures into rounds (autograder.mistakes.pack_rounds) keeps each check strict."""
from __future__ import annotations

from types import SimpleNamespace

from autograder.mistakes import MistakeFixture, check_fixture, load_fixtures, pack_rounds
from autograder.release import discover_modules


def _fx(fid, replace, lost, words=None, alone=False):
    return MistakeFixture(id=fid, description=fid, replace={g: "x" for g in replace},
                          points_lost=lost, feedback_contains=words or {}, alone=alone)


def test_rounds_never_share_a_cell_and_keep_every_fixture():
    fixtures = [_fx("a", ["e1_code"], {"e1": 2, "e5": 3}), _fx("b", ["e1_code"], {"e1": 2}),
                _fx("c", ["e2_code"], {"e2": 1}), _fx("d", ["e5_code"], {"e5": 3}),
                _fx("e", ["e3_code"], {"e3": 1}, alone=True), _fx("f", ["e4_code"], {"e4": 2}, {"e2": ["w"]})]
    rounds = pack_rounds(fixtures)
    assert sorted(m for r in rounds for m in r.members) == sorted(f.id for f in fixtures)
    by_id = {f.id: f for f in fixtures}
    for r in rounds:
        members = [by_id[m] for m in r.members]
        cells = [c for f in members for c in f.touched]
        assert len(cells) == len(set(cells)), r.members          # disjoint
        assert r.points_lost == {k: v for f in members for k, v in f.points_lost.items()}
    assert [r.members for r in rounds if "e" in r.members] == [("e",)]  # alone stays alone
    assert rounds[0].members == ("a", "c")                            # greedy, in file order
    assert len(rounds) < len(fixtures)


def _result(points):
    exercises = [SimpleNamespace(grade_id=g, points=p, first_line="", feedback="Likely mistake: w")
                 for g, p in points.items()]
    return SimpleNamespace(graded=True, auto_exercises=exercises, reason=None,
                           exercise=lambda gid: next(e for e in exercises if e.grade_id == gid))


def test_a_round_that_loses_more_than_its_members_state_fails_and_names_them():
    (merged,) = pack_rounds([_fx("a", ["e1_code"], {"e1": 2}), _fx("c", ["e2_code"], {"e2": 1})])
    full = {"e1": 2.0, "e2": 1.0, "e3": 3.0}
    assert check_fixture(merged, _result({"e1": 0.0, "e2": 0.0, "e3": 3.0}), full) == []
    leaked = check_fixture(merged, _result({"e1": 0.0, "e2": 0.0, "e3": 0.0}), full)
    assert leaked and "round01 (a, c)" in leaked[0] and "e3 lost 3" in leaked[0]


def test_the_course_fixtures_pack_into_fewer_rounds(repo_root):
    for module in discover_modules(repo_root):
        fixtures = load_fixtures(module)
        if len(fixtures) > 3:
            assert len(pack_rounds(fixtures)) < len(fixtures), module
