"""The toolbox-use policy: a graded cell that uses the toolbox's answer to its own exercise is
flagged by `recsys-course grade` and warned about by `recsys-course check`; the solutions are not."""
from __future__ import annotations

import copy
import csv
import importlib
from pathlib import Path

import pytest

from autograder import notebooks as N
from autograder import toolbox_policy as P
from autograder.tamper import check_warnings, inspect_submission
from autograder.toolbox_use import toolbox_findings

MODULES = sorted(P.POLICY)


def _source(repo_root, module):
    return N.read_json(repo_root / "solutions" / module / f"{module}.ipynb")


def _resolve(dotted: str):
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


@pytest.mark.parametrize("module", MODULES)
def test_policy_names_graded_cells_and_real_toolbox_names(repo_root, module):
    source = _source(repo_root, module)
    answers = {N.grade_id(c) for c in source["cells"] if c["cell_type"] == "code"
               and (c.get("metadata", {}).get("nbgrader") or {}).get("solution")}
    for key, names in P.POLICY[module].items():
        assert key == P.MODULE_WIDE or key in answers, f"{module}: {key} is not a graded code cell"
        assert names, f"{module}: {key} has an empty rule"
        for name in names:
            target = _resolve(name)
            # a function or class, or a table of them (e.g. recsys_lib.nn.ACTIVATIONS: name -> (f, f'))
            values = list(target.values()) if isinstance(target, dict) else [target]
            flat = [v for value in values for v in (value if isinstance(value, tuple) else (value,))]
            assert flat and all(callable(v) for v in flat), \
                f"{module}: {name} does not name a toolbox function or class (or a table of them)"


def test_forbidden_names_and_matching():
    names = P.forbidden_names("02_logistic_regression", "m02_sigmoid_code")
    assert names[0] == "recsys_lib.models.LogisticRegressionGD"            # module-wide first
    assert "recsys_lib.losses.sigmoid" in names
    assert "recsys_lib.losses.log_loss_gradient" not in P.forbidden_names("02_logistic_regression", "m02_sgd_fit_code")
    assert P.forbidden_names("99_unknown", "x") == ()
    assert P.matches("recsys_lib.models.sigmoid", "recsys_lib.losses.sigmoid")        # re-export
    assert not P.matches("recsys_lib.models.log_sigmoid", "recsys_lib.losses.sigmoid")
    assert not P.matches("recsys_lib", "recsys_lib.losses.sigmoid")
    assert P.matches("scipy.special.expit", "scipy.special.expit")
    assert not P.matches("numpy.expit", "scipy.special.expit")
    summary = P.markdown_summary("04_knn_collaborative_filtering")
    assert "`recsys_lib.models.ItemKNNRecommender`" in summary and "`m04_ranking_metrics_code`" in summary


ALL_MODULES = sorted(p.parent.name for p in (Path(__file__).resolve().parents[1] / "solutions").glob("*/*.ipynb"))


@pytest.mark.parametrize("module", ALL_MODULES)
def test_solutions_and_releases_are_not_flagged(repo_root, module):
    """The policy's modules (00-04) and the rules for every module: no false alarm on the answers."""
    source = _source(repo_root, module)
    assert inspect_submission(source, source, module).flags == []
    release = repo_root / "course" / module / f"{module}.ipynb"
    if release.is_file():
        assert inspect_submission(N.read_json(release), source, module).flags == []


def _with(source, gid, code, before=None):
    nb = copy.deepcopy(source)
    cell = N.find_cell(nb, gid)
    cell["source"] = code
    if before is not None:
        nb["cells"].insert(nb["cells"].index(cell), {"cell_type": "code", "metadata": {}, "source": before,
                                                      "outputs": [], "execution_count": None})
    return nb


SIGMOID = "m02_sigmoid_code"
CASES_02 = {
    "from-import": (SIGMOID, "from recsys_lib.losses import sigmoid\n", None, "recsys_lib.losses.sigmoid"),
    "module alias": (SIGMOID, "import recsys_lib.models as M\ndef sigmoid(z):\n    return M.sigmoid(z)\n",
                     None, "recsys_lib.losses.sigmoid as recsys_lib.models.sigmoid"),
    "getattr": (SIGMOID, "import recsys_lib.losses as L\ndef sigmoid(z):\n    return getattr(L, 'sigmoid')(z)\n",
                None, "recsys_lib.losses.sigmoid"),
    "vars": (SIGMOID, "import recsys_lib\ndef sigmoid(z):\n    return vars(recsys_lib.losses)['sigmoid'](z)\n",
             None, "recsys_lib.losses.sigmoid"),
    "__dict__": (SIGMOID, "from recsys_lib import losses\nsigmoid = losses.__dict__['sigmoid']\n",
                 None, "recsys_lib.losses.sigmoid"),
    "sys.modules": (SIGMOID, "import sys\ndef sigmoid(z):\n    return sys.modules['recsys_lib.losses'].sigmoid(z)\n",
                    None, "recsys_lib.losses.sigmoid"),
    "string path": (SIGMOID, "import pydoc\nsigmoid = pydoc.locate('recsys_lib.losses.sigmoid')\n",
                    None, "recsys_lib.losses.sigmoid"),
    "attrgetter": (SIGMOID, "import operator, recsys_lib.losses as L\nsigmoid = operator.attrgetter('sigmoid')(L)\n",
                   None, "recsys_lib.losses.sigmoid through operator.attrgetter"),
    "stable trick": (SIGMOID, "from recsys_lib.models import log_sigmoid\ndef sigmoid(z):\n"
                              "    return np.exp(log_sigmoid(z))\n", None, "recsys_lib.losses.log_sigmoid"),
    "alias in an extra cell": (SIGMOID, "def sigmoid(z):\n    return S(z)\n",
                               "from recsys_lib import models\nS = models.sigmoid\n", "recsys_lib.losses.sigmoid"),
    "helper in an extra cell": (SIGMOID, "def sigmoid(z):\n    return helper(z)\n",
                                "import recsys_lib.losses as L\ndef helper(z):\n    return L.sigmoid(z)\n",
                                "through helper (defined in cell"),
    "star import": ("m02_binary_cross_entropy_code",
                    "def binary_cross_entropy(y, z):\n    return float(np.mean(softplus(z) - y * z))\n",
                    "from recsys_lib.losses import *\n", "recsys_lib.losses.softplus as softplus"),
    "exercise 3's answer": ("m02_logistic_gradient_code",
                            "from recsys_lib.models import log_loss_gradient\n"
                            "def logistic_gradient(X, y, w, b, alpha):\n    return log_loss_gradient(X, y, w, b, alpha)\n",
                            None, "recsys_lib.losses.log_loss_gradient"),
    "module-wide": ("m02_predict_code", "from recsys_lib.models import LogisticRegressionGD\n", None,
                    "recsys_lib.models.LogisticRegressionGD"),
    "the grader's reference": (SIGMOID, "def sigmoid(z):\n"
                               "    return autograder.exercises.m02_logistic_regression._ref_sigmoid(z)\n",
                               None, "the grader's code autograder.exercises.m02_logistic_regression._ref_sigmoid"),
    "private helper": (SIGMOID, "from recsys_lib.models import logistic\nsigmoid = logistic._binary_forward\n",
                       None, "private toolbox helper recsys_lib.models.logistic._binary_forward"),
}


@pytest.mark.parametrize("case", sorted(CASES_02))
def test_a_graded_cell_that_uses_its_answer_is_flagged(repo_root, case):
    source = _source(repo_root, "02_logistic_regression")
    gid, code, before, expected = CASES_02[case]
    flags = inspect_submission(_with(source, gid, code, before), source, "02_logistic_regression").flags
    assert len(flags) == 1, flags
    assert flags[0].startswith(f"cell {gid} uses ") and expected in flags[0], flags


def test_computed_getattr_on_the_toolbox_is_flagged(repo_root):
    source = _source(repo_root, "02_logistic_regression")
    nb = _with(source, SIGMOID, "import recsys_lib.losses as L\ndef sigmoid(z):\n    return getattr(L, 'sig' + 'moid')(z)\n")
    flags = inspect_submission(nb, source, "02_logistic_regression").flags
    assert flags == ["cell m02_sigmoid_code looks up a name of recsys_lib.losses computed at run time "
                     "(getattr, line 3): it may be the toolbox's answer"]


def test_allowed_toolbox_uses_are_not_flagged(repo_root):
    source = _source(repo_root, "02_logistic_regression")
    allowed = {
        # Exercise 4 is told to use log_loss_gradient
        "m02_sgd_fit_code": "from recsys_lib.models import log_loss_gradient\n"
                            "def sgd_fit(X, y, alpha, learning_rate, n_epochs, batch_size, seed):\n"
                            "    return log_loss_gradient(X, y, np.zeros(X.shape[1]), 0.0, alpha)\n",
        # an earlier exercise's toolbox version, a library function, a variable that shares a name
        "m02_predict_code": "from recsys_lib.models import sigmoid as s\ndef predict_proba(X, w, b):\n"
                            "    return s(X @ w + b)\n",
        "m02_classification_metrics_code": "def classification_metrics(y_true, y_pred):\n"
                                           "    precision = 1.0\n    return precision\n",
        SIGMOID: "from scipy.special import expit\ndef sigmoid(z):\n    '''like recsys_lib.losses.sigmoid'''\n"
                 "    return expit(z)\n",
    }
    for gid, code in allowed.items():
        assert inspect_submission(_with(source, gid, code), source, "02_logistic_regression").flags == [], gid


def test_module_04_recommenders_and_top_k(repo_root):
    module = "04_knn_collaborative_filtering"
    source = _source(repo_root, module)
    item = _with(source, "m04_item_based_code",
                 "from recsys_lib.models import ItemKNNRecommender\n"
                 "def recommend_item_based(X, S, rows, k, exclude_seen=True):\n"
                 "    return ItemKNNRecommender().fit(X).recommend(rows, k, exclude_seen=exclude_seen)\n")
    assert inspect_submission(item, source, module).flags == [
        "cell m04_item_based_code uses the toolbox's answer recsys_lib.models.ItemKNNRecommender (line 1)"]
    topk = _with(source, "m04_popularity_code",
                 "import recsys_lib.models as M\npick = M.top_k\n"
                 "def popularity_recommend(X, rows, k, exclude_seen=True):\n"
                 "    return pick(np.tile(np.asarray(X.sum(axis=0)).ravel(), (len(rows), 1)), k)\n")
    flags = inspect_submission(topk, source, module).flags
    assert flags == ["cell m04_popularity_code uses the toolbox's answer recsys_lib.models.top_k "
                     "as recsys_lib.models.top_k (line 2)"] or \
        flags == ["cell m04_popularity_code uses the toolbox's answer recsys_lib.models.top_k (line 2)"], flags
    metrics = _with(source, "m04_ranking_metrics_code",
                    "from recsys_lib.evaluation import ranking_report\n"
                    "def ranking_metrics(ranked, relevant, k):\n    return pd.Series(ranking_report(ranked, relevant, k))\n")
    assert "recsys_lib.evaluation.ranking_report" in " ".join(inspect_submission(metrics, source, module).flags)


def test_locked_cells_are_read_from_the_source(repo_root):
    """An import slipped into the (restored) setup cell does not exist when the notebook runs,
    but editing the locked cell is itself flagged by the tamper rules."""
    source = _source(repo_root, "02_logistic_regression")
    nb = copy.deepcopy(source)
    setup = N.find_cell(nb, "m02_setup")
    setup["source"] = N.source_text(setup) + "\nfrom recsys_lib.losses import sigmoid as np_sigmoid\n"
    assert toolbox_findings(nb["cells"], source, "02_logistic_regression") == []
    assert any("edited the locked cell m02_setup" in f for f in inspect_submission(nb, source, "02_logistic_regression").flags)


def test_check_warnings_lines(repo_root, tmp_path):
    source_path = repo_root / "solutions" / "02_logistic_regression" / "02_logistic_regression.ipynb"
    source = N.read_json(source_path)
    bad = tmp_path / "02_logistic_regression.ipynb"
    N.write(_with(source, SIGMOID, "from recsys_lib.losses import sigmoid\n"), bad)
    lines = check_warnings(bad, source_path, "02_logistic_regression")
    assert lines[0] == ("warning: possible tampering: cell m02_sigmoid_code uses the toolbox's answer "
                        "recsys_lib.losses.sigmoid (line 1)")
    assert "flagged" in lines[-1]
    assert check_warnings(source_path, source_path, "02_logistic_regression") == []
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{oops")
    assert check_warnings(broken, source_path, "02_logistic_regression") == []


# ------------------------------------------------------------------ through nbgrader (toy module)
TOY = "99_toy"
TOY_CHEAT = "from recsys_lib.losses import linear_predict\n# GRADED FUNCTION: square\ndef square(x):\n    return x * x\n"


@pytest.fixture()
def toy_policy(monkeypatch):
    monkeypatch.setitem(P.POLICY, TOY, {"toy_square_code": ("recsys_lib.losses.linear_predict",)})


@pytest.mark.slow
def test_grade_flags_and_check_warns(toy_course, tmp_path, toy_policy, capsys):
    from autograder.batch import grade_class
    from autograder.cli import main

    sol = N.read_json(toy_course / "solutions" / TOY / f"{TOY}.ipynb")
    subs = tmp_path / "subs"
    for student, nb in (("honest", sol), ("cheat", _with(sol, "toy_square_code", TOY_CHEAT))):
        (subs / student).mkdir(parents=True)
        N.write(nb, subs / student / f"{TOY}.ipynb")
    grade_class(subs, TOY, course_root=toy_course, out=tmp_path / "out", jobs=1, progress=False, echo=lambda *a: None)
    rows = {r["student"]: r for r in csv.DictReader(
        open(tmp_path / "out" / "work" / "grades" / TOY / "grades.csv", encoding="utf-8"))}
    assert rows["honest"]["status"] == "graded"
    assert rows["cheat"]["status"] == "flagged" and rows["cheat"]["score"] == rows["honest"]["score"]
    assert rows["cheat"]["reason"].startswith("possible tampering: cell toy_square_code uses the toolbox's "
                                              "answer recsys_lib.losses.linear_predict (line 1)")

    code = main(["check", str(subs / "cheat" / f"{TOY}.ipynb"), "--course-root", str(toy_course)])
    out = capsys.readouterr().out
    assert ("warning: possible tampering: cell toy_square_code uses the toolbox's answer "
            "recsys_lib.losses.linear_predict (line 1)") in out.splitlines()
    honest = main(["check", str(subs / "honest" / f"{TOY}.ipynb"), "--course-root", str(toy_course)])
    honest_out = capsys.readouterr().out
    assert "warning:" not in honest_out
    # graded as usual: a flag is a reason to look, not a verdict (same points, same exit code)
    total = [line for line in out.splitlines() if line.startswith("Total:")]
    assert code == honest and total and total == [line for line in honest_out.splitlines() if line.startswith("Total:")]
