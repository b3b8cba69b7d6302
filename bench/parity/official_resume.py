"""Resumes an interrupted official FairFAL run at its first unfinished cycle.

The official main.py resumes with --resume_ratio but then recomputes gamma_bar (its
mean_global_ratio) from the resumed cycle, where an uninterrupted run keeps the value frozen at
the first query. This wrapper hands the frozen value back (FAIRFAL_GAMMA_BAR, read from the
run's log by official-runs.sh) by wrapping query_strategies.algo_query_samples, then runs the
prepared run_ref.py (which also applies STRATEGY=random). Nothing of the official code is copied.
Deviation that remains: the resumed cycles draw from freshly seeded RNGs (client order, local-only
init, shuffles), so they equal an uninterrupted run in distribution, not bit for bit.
"""
import os, runpy, sys

ref = os.environ.get('FAIRFAL_REF')
if not ref or not os.path.isfile(os.path.join(ref, 'run_ref.py')):
    sys.exit('set FAIRFAL_REF to the prepared official checkout (with run_ref.py)')
sys.path.insert(0, ref)
import query_strategies as qs  # noqa: E402

frozen = os.environ.get('FAIRFAL_GAMMA_BAR')
if frozen:
    real = qs.algo_query_samples

    def with_frozen_gamma_bar(dataset_train, dataset_query, dataset_test, train_total, test_total, mean_global_ratio, args):
        return real(dataset_train, dataset_query, dataset_test, train_total, test_total, float(frozen) if mean_global_ratio is None else mean_global_ratio, args)

    qs.algo_query_samples = with_frozen_gamma_bar
sys.argv = [os.path.join(ref, 'run_ref.py')] + sys.argv[1:]
os.chdir(ref)
runpy.run_path(os.path.join(ref, 'run_ref.py'), run_name='__main__')
