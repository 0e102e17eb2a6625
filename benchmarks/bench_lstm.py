"""Benchmark: training throughput of the course's next-item LSTM pipeline against a plain Keras loop.

For the shipped ShopSim and a generated shop ``--scale`` times larger (users and items), it builds the
module-08 training pairs (tokens, vocabulary with ``min_count=2``, windows of ``max_len`` tokens, the
split at each shopper's last earlier moment), then trains the same model on the same tensors twice:

* **course pipeline**: :func:`recsys_lib.sequences.fit_with_early_stopping` (seeding, the validation
  pass after every epoch, early-stopping callback, progress bar), with a patience so large that it
  runs all ``--epochs`` epochs;
* **plain Keras**: ``model.fit(X, y, epochs, batch_size, verbose=0)`` on a fresh copy of the model,
  no validation, no callbacks.

It prints training sequences per second of both -- training pairs divided by the median wall time of an
epoch, the first epoch of each run (TensorFlow's tracing) left out -- and their ratio (goal: the course
pipeline at >= 90 % of plain Keras; its validation pass after each epoch is the main difference). Each
loop runs ``--repeats`` times, alternating which goes first. Prints figures; asserts nothing.

    python benchmarks/bench_lstm.py                       # shipped shop and a 10x larger one (minutes)
    python benchmarks/bench_lstm.py --scale 1 --epochs 2  # the shipped shop only
"""
from __future__ import annotations

import argparse
import time

import numpy as np



def training_tensors(shop, max_len: int, progress: bool = True):
    """(X_train, y_train, X_val, y_val, vocabulary size, item categories) of a generated shop."""
    from recsys_lib.evaluation import leave_last_out_split
    from recsys_lib.models.sequence import SequenceRecommender
    from recsys_lib.simulation.oracle import next_click_cases

    events, items = shop.tables.events, shop.tables.items
    history = leave_last_out_split(events, next_click_cases(shop))
    model = SequenceRecommender(max_len=max_len, min_count=2, progress=progress)
    ev, tokens, ids = model._fit_stream(history, items)
    train, val = model.split(ev, tokens, ids)
    return train.X, train.y, val.X, val.y, len(model.vocabulary_), model.item_categories_


def _model(vocab, max_len, categories, bias, seed):
    from recsys_lib.keras_utils import set_seeds
    from recsys_lib.sequences.keras_models import build_sequence_model

    set_seeds(seed, threads=None)
    return build_sequence_model(vocab, max_len, head="next_item", n_items=categories.size, embedding_dim=32,
                                units=32, item_categories=categories, output_bias=bias)


def measure(shop, label: str, epochs: int, max_len: int, batch_size: int, repeats: int = 2) -> dict:
    from recsys_lib.sequences.keras_models import fit_with_early_stopping

    t0 = time.perf_counter()
    X, y, Xv, yv, vocab, cats = training_tensors(shop, max_len)
    print(f"[{label}] {len(y):,} training pairs, {len(yv):,} validation cases, vocabulary {vocab:,}, "
          f"{cats.size:,} items (tensors in {time.perf_counter() - t0:.1f} s)", flush=True)
    share = np.bincount(y, minlength=cats.size) + 1.0
    bias = np.log(share / share.sum())

    import keras

    class Timer(keras.callbacks.Callback):
        """Wall time of each epoch (its validation pass included, when there is one)."""

        def on_train_begin(self, logs=None):
            self.seconds = []

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self.start)

    def course():
        timer = Timer()
        fit_with_early_stopping(_model(vocab, max_len, cats, bias, 0), X, y, Xv, yv, epochs=epochs,
                                batch_size=batch_size, patience=epochs, seed=0, callbacks=[timer])
        return timer.seconds

    def plain():
        timer = Timer()
        model = _model(vocab, max_len, cats, bias, 0)
        keras.utils.set_random_seed(0)
        model.fit(X, y, epochs=epochs, batch_size=batch_size, verbose=0, callbacks=[timer])
        return timer.seconds

    times = {"course": [], "plain": []}
    for r in range(repeats):                       # alternate the order: a busy machine favours no one
        for name in (("course", "plain") if r % 2 == 0 else ("plain", "course")):
            seconds = course() if name == "course" else plain()
            times[name].extend(seconds[1:] if len(seconds) > 1 else seconds)     # the first epoch traces
            print(f"[{label}] {name:>6}: epochs of {', '.join(f'{s:.1f}' for s in seconds)} s", flush=True)
    course_s, plain_s = float(np.median(times["course"])), float(np.median(times["plain"]))
    n = len(y)
    return {"shop": label, "pairs": len(y), "items": cats.size, "course_seq_s": n / course_s,
            "plain_seq_s": n / plain_s, "ratio": plain_s / course_s}


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10, help="size factor of the larger shop (1: shipped only)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--max-len", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=2, help="runs of each loop (best time kept)")
    parser.add_argument("--users", type=int, default=None, help="users of the base shop (default: shipped)")
    parser.add_argument("--items", type=int, default=None, help="items of the base shop (default: shipped)")
    args = parser.parse_args(argv)

    from recsys_lib.keras_utils import set_seeds
    from recsys_lib.simulation import ShopConfig, generate_shop

    set_seeds(0, threads=None)
    base = ShopConfig.shipped()
    if args.users or args.items:
        base = base.replace(n_users=args.users or base.n_users, n_items=args.items or base.n_items)
    configs = [("base", base)]
    if args.scale > 1:
        configs.append((f"{args.scale}x", base.replace(n_users=base.n_users * args.scale,
                                                       n_items=base.n_items * args.scale)))
    rows = []
    for label, cfg in configs:
        print(f"[{label}] generating a shop of {cfg.n_users:,} users and {cfg.n_items:,} items ...", flush=True)
        shop = generate_shop(cfg, progress=True)
        print(f"[{label}] {len(shop.tables.events):,} events", flush=True)
        rows.append(measure(shop, f"{label} ({cfg.n_users:,} users)", args.epochs, args.max_len, args.batch_size,
                            args.repeats))
    print(f"\n{'shop':<24}{'pairs':>10}{'items':>8}{'course seq/s':>14}{'plain seq/s':>13}{'course/plain':>14}")
    for r in rows:
        print(f"{r['shop']:<24}{r['pairs']:>10,}{r['items']:>8,}{r['course_seq_s']:>14,.0f}{r['plain_seq_s']:>13,.0f}"
              f"{r['ratio']:>13.0%}")
    print("(goal: course/plain >= 90%; timings on a shared machine vary from run to run)")
    return rows


if __name__ == "__main__":
    main()
