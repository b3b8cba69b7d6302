"""Adapter between our cycle-level parity harness and the official FairFAL code.

It imports the official implementation from a fetched copy (FAIRFAL_REF, prepared as in
../shared/tools/official-fairfal/README.md: medmnist stand-in inside) and calls its own
functions; nothing of the official code is copied here. Four commands:

  partition   the official dir_balance partition and the initial labeled sets per seed
              (main.py's random streams: np.random.seed(seed), then one np.random.choice
              per client), as JSON our simulator reads with --partition-file.
  query       the official FairFAL query on a state dumped by either side (global and
              local-only weights in torch layout, labeled/unlabeled ids, gamma_bar, budget):
              query-model choice, s_k, d_k, gamma_k, pseudo-labels, quota, stage-1
              candidates, selected ids.
  dump        a state from an official run's saved cycle (last.pt + labeled index sets):
              trains each client's local-only model with the official training_local_only,
              writes the state in the neutral format and the official query result.
  summarize   per cycle of an official run: accuracy, balanced accuracy, per-class recall
              (its saved models on the test split), labeled and queried class histograms.

State format (a folder): state.json + global.bin / local.bin, float32 little-endian,
tensors in the order and torch layout that state.json's "tensors" lists.
Run with Debian's /usr/bin/python3 (python3-torch 1.13).
"""
import argparse, copy, io, json, os, random, sys, tempfile, contextlib
from types import SimpleNamespace

import numpy as np


def ref_path():
    ref = os.environ.get('FAIRFAL_REF')
    if not ref or not os.path.isfile(os.path.join(ref, 'main.py')):
        sys.exit('set FAIRFAL_REF to a fetched copy of chenchenzong/FairFAL (with the medmnist stand-in inside)')
    return ref


def import_official(npz):
    os.environ['MEDMNIST_NPZ'] = os.path.abspath(npz)
    sys.path.insert(0, ref_path())
    import torch  # noqa: F401
    import medmnist
    import query_strategies.fairfal_sampling as fs
    from query_strategies.strategy import Strategy  # noqa: F401
    from util.data_simulator import dir_balance
    from models import get_model
    return SimpleNamespace(medmnist=medmnist, fs=fs, dir_balance=dir_balance, get_model=get_model)


def official_args(num_classes, result_dir, **kw):
    import torch
    a = SimpleNamespace(
        dataset='dermamnist', num_classes=num_classes, in_channels=3, img_size=28, model='cnn4conv',
        num_users=10, dd_beta=0.1, gpu=-1, device=torch.device('cpu'), local_bs=64, lr=0.01,
        momentum=0.9, weight_decay=1e-5, lr_decay=0.1, result_dir=result_dir)
    for k, v in kw.items():
        setattr(a, k, v)
    return a


def transforms_for(scaling):
    from torchvision import transforms
    base = [transforms.ToTensor()]
    if scaling == 'centered':
        base.append(transforms.Normalize(mean=(0.5,), std=(0.5,)))
    elif scaling != 'unit':
        sys.exit(f'unknown input scaling {scaling!r}')
    return transforms.Compose(base), transforms.Compose([transforms.RandomHorizontalFlip()] + base)


def num_classes_of(npz):
    return int(np.load(npz)['train_labels'].max()) + 1


# ---------------------------------------------------------------------------- partition

def cmd_partition(a):
    import torch
    off = import_official(a.npz)
    C = num_classes_of(a.npz)
    with tempfile.TemporaryDirectory() as tmp:
        args = official_args(C, tmp, num_users=a.clients, dd_beta=a.alpha)
        # main.py partitions dataset_train, whose RandomHorizontalFlip draws from torch's RNG
        # while dir_balance iterates it (after its torch.manual_seed(0), before the Dirichlet
        # draw): the same transforms are needed to get the same partition.
        noaug, weak = transforms_for('centered')
        train = off.medmnist.DermaMNIST(split='train', transform=weak)
        test = off.medmnist.DermaMNIST(split='test', transform=noaug)
        total = len(train)
        n_data = round(total, -2) * a.initial_fraction
        out = {'source': 'official util.data_simulator.dir_balance (seed 0 inside) + main.py initial labels',
               'npz': os.path.basename(a.npz), 'clients': a.clients, 'alpha': a.alpha,
               'initialFraction': a.initial_fraction, 'pools': None, 'testSets': None, 'initialLabeled': {}}
        for seed in a.seeds:
            # main.py: seeds, then get_dataset (dir_balance on train, then on test), then random_query_samples.
            torch.manual_seed(seed); np.random.seed(seed); random.seed(seed)
            with contextlib.redirect_stdout(io.StringIO()):
                pools, sample = off.dir_balance(train, args)
                tests, _ = off.dir_balance(test, args, sample)
            p = [[int(i) for i in pools[k]] for k in range(a.clients)]
            t = [[int(i) for i in tests[k]] for k in range(a.clients)]
            if out['pools'] is None:
                out['pools'], out['testSets'] = p, t
            elif out['pools'] != p or out['testSets'] != t:
                sys.exit('the official partition changed with the run seed (expected: fixed by seed 0)')
            init = [np.random.choice(np.array(list(pools[k])), int(n_data / a.clients), replace=False) for k in range(a.clients)]
            out['initialLabeled'][str(seed)] = [sorted(int(i) for i in x) for x in init]
    with open(a.out, 'w') as f:
        json.dump(out, f)
    print(f'wrote {a.out}: {a.clients} clients, seeds {a.seeds}')


# ---------------------------------------------------------------------------- state I/O

def cnn_tensor_names(sd):
    return [k for k in sd.keys() if not k.endswith('num_batches_tracked')]


def read_weights(state_dir, name, meta, net):
    import torch
    raw = np.fromfile(os.path.join(state_dir, meta['weights'][name]), dtype='<f4')
    sd = net.state_dict()
    off = 0
    for t in meta['tensors']:
        n = int(np.prod(t['shape']))
        if t['name'] not in sd or list(sd[t['name']].shape) != list(t['shape']):
            sys.exit(f"tensor {t['name']} {t['shape']} does not fit the official CNN4Conv")
        sd[t['name']] = torch.from_numpy(raw[off:off + n].reshape(t['shape']).copy())
        off += n
    if off != raw.size:
        sys.exit(f'{name}: {raw.size} values in the file, the tensors list {off}')
    net.load_state_dict(sd)
    return net


def write_weights(state_dir, name, net):
    sd = net.state_dict()
    names = cnn_tensor_names(sd)
    with open(os.path.join(state_dir, f'{name}.bin'), 'wb') as f:
        for k in names:
            f.write(sd[k].detach().cpu().numpy().astype('<f4').tobytes())
    return [{'name': k, 'shape': list(sd[k].shape)} for k in names]


# ---------------------------------------------------------------------------- query

def official_query(off, npz, meta, global_net, local_net):
    """Runs FairFALSampling.query_model_selection + query on one client, recording the
    official intermediate values through thin wrappers (nothing recomputed but stage 1's
    candidate list, mirrored from balanced_sample_by_pred_kmeans_maxscore)."""
    import torch
    C = meta['numClasses']
    noaug, weak = transforms_for(meta['inputScaling'])
    q = off.medmnist.DermaMNIST(split='train', transform=noaug)
    tr = off.medmnist.DermaMNIST(split='train', transform=weak)
    te = off.medmnist.DermaMNIST(split='test', transform=noaug)
    with tempfile.TemporaryDirectory() as tmp:
        args = official_args(C, tmp)
        strat = off.fs.FairFALSampling(q, tr, te, global_net, args)
        strat.training_local_only = lambda label_idxs, finetune=False: local_net
        labeled = [int(i) for i in meta['labeled']]
        unlabeled = [int(i) for i in meta['unlabeled']]
        from collections import Counter
        count_label = Counter(int(q.labels[i][0]) for i in labeled)
        gamma_k = float(strat.query_model_selection(0, labeled, unlabeled, count_label))
        d_k = float(strat.ratio_dict[0])
        gamma_bar = meta['gammaBar'] if meta['gammaBar'] is not None else gamma_k

        rec = {}
        real_select = off.fs.balanced_sample_by_pred_kmeans_maxscore
        real_predict = strat.predict_prob

        def predict_spy(idxs, net=None):
            rec['queryModel'] = 'global' if net is global_net else 'local'
            return real_predict(idxs, net)

        def select_spy(**kw):
            rec['probs'] = kw['probs'].detach().cpu().numpy()
            rec['scores'] = kw['scores'].detach().cpu().numpy()
            sel, per_class, quota = real_select(**kw)
            rec['quota'] = [int(quota[c]) for c in range(C)]
            return sel, per_class, quota

        strat.predict_prob = predict_spy
        off.fs.balanced_sample_by_pred_kmeans_maxscore = select_spy
        try:
            strat.test = lambda net, idxs: 0.0  # per-client test accuracy: not part of the selection
            with contextlib.redirect_stdout(io.StringIO()):
                selected, _, _ = strat.query(0, labeled, unlabeled, [], count_label, gamma_bar, meta['budget'])
        finally:
            off.fs.balanced_sample_by_pred_kmeans_maxscore = real_select
    pseudo = rec['probs'].argmax(axis=1)
    cand = []
    for c in range(C):
        idx = np.where(pseudo == c)[0]
        qc = rec['quota'][c]
        if qc <= 0 or idx.size == 0:
            cand.append([])
            continue
        m = int(min(idx.size, max(1, int(np.floor(4.0 * qc)))))
        cand.append(sorted(int(unlabeled[i]) for i in idx[np.argsort(-rec['scores'][idx])[:m]]))
    s_k = 1 - 0.5 * (d_k + gamma_bar)
    return {
        'side': 'official', 'gammaK': gamma_k, 'divergence': d_k, 'gammaBar': gamma_bar, 'sK': s_k,
        'queryModel': rec['queryModel'], 'gradSource': 'global' if gamma_bar < 0.5 else 'local',
        'pseudoLabels': [int(v) for v in pseudo], 'quota': rec['quota'], 'candidates': cand,
        'normalizedEntropy': [float(v) for v in rec['scores']],
        'selected': sorted(int(i) for i in selected),
    }


def build_net(off, meta):
    args = official_args(meta['numClasses'], None)
    return off.get_model(args).eval()


def cmd_query(a):
    meta = json.load(open(os.path.join(a.state, 'state.json')))
    off = import_official(meta['dataset'])
    g = read_weights(a.state, 'global', meta, build_net(off, meta))
    l = read_weights(a.state, 'local', meta, build_net(off, meta))
    res = official_query(off, meta['dataset'], meta, g, l)
    with open(a.out, 'w') as f:
        json.dump(res, f)
    print(f"official query: {len(res['selected'])} selected, query model {res['queryModel']}, s_k {res['sK']:.4f}")


# ---------------------------------------------------------------------------- dump

def cmd_dump(a):
    import pickle, torch
    off = import_official(a.npz)
    C = num_classes_of(a.npz)
    with open(os.path.join(a.dict_users, f'dict_users_train_label_{a.ratio:.3f}.pkl'), 'rb') as f:
        labeled_by_client = pickle.load(f)
    with open(os.path.join(a.dict_users, 'dict_users_train_test_total.pkl'), 'rb') as f:
        pools, _ = pickle.load(f)
    ckpt = torch.load(a.checkpoint, map_location='cpu')
    noaug, weak = transforms_for('centered')
    q = off.medmnist.DermaMNIST(split='train', transform=noaug)
    tr = off.medmnist.DermaMNIST(split='train', transform=weak)
    torch.manual_seed(a.seed); np.random.seed(a.seed); random.seed(a.seed)
    gammas = []
    states = []
    for k in a.clients:
        with tempfile.TemporaryDirectory() as tmp:
            args = official_args(C, tmp)
            g = off.get_model(args)
            args.raw_ckpt = copy.deepcopy(off.get_model(args).state_dict())  # a fresh init, as algo_query_samples
            g.load_state_dict(ckpt)
            strat = off.fs.FairFALSampling(q, tr, q, g, args)
            labeled = sorted(int(i) for i in labeled_by_client[k])
            local = strat.training_local_only(labeled)
        lab_set = set(labeled)
        unlabeled = sorted(int(i) for i in pools[k] if int(i) not in lab_set)
        d = os.path.join(a.out, f'client{k}')
        os.makedirs(d, exist_ok=True)
        tensors = write_weights(d, 'global', g)
        write_weights(d, 'local', local)
        meta = {'version': 1, 'source': f'official run {a.checkpoint}, client {k}', 'dataset': os.path.abspath(a.npz),
                'numClasses': C, 'inputScaling': 'centered', 'labeled': labeled, 'unlabeled': unlabeled,
                'gammaBar': None, 'budget': a.budget, 'weights': {'global': 'global.bin', 'local': 'local.bin'},
                'tensors': tensors}
        states.append((d, meta, g.eval(), local.eval()))
        from collections import Counter
        cnt = Counter(int(q.labels[i][0]) for i in labeled)
        with tempfile.TemporaryDirectory() as tmp:
            s2 = off.fs.FairFALSampling(q, tr, q, g, official_args(C, tmp))
            s2.training_local_only = lambda li, finetune=False: local
            gammas.append(float(s2.query_model_selection(0, labeled, unlabeled, cnt)))
    gamma_bar = a.gamma_bar if a.gamma_bar is not None else float(np.mean(gammas))
    for d, meta, g, local in states:
        meta['gammaBar'] = gamma_bar
        json.dump(meta, open(os.path.join(d, 'state.json'), 'w'))
        res = official_query(off, a.npz, meta, g, local)
        json.dump(res, open(os.path.join(d, 'official.json'), 'w'))
        print(f"{d}: official query model {res['queryModel']}, s_k {res['sK']:.4f}, {len(res['selected'])} selected")


# ---------------------------------------------------------------------------- summarize

def cmd_summarize(a):
    """Per cycle of one official run: test accuracy, balanced accuracy and per-class recall of
    the saved global model (last.pt on the full test split, as main.py's test), the labeled
    class histogram and what each cycle's query added; plus the log's s_k values."""
    import glob, pickle, re, torch
    off = import_official(a.npz)
    C = num_classes_of(a.npz)
    noaug, _ = transforms_for('centered')
    test = off.medmnist.DermaMNIST(split='test', transform=noaug)
    x = torch.stack([test[i][0] for i in range(len(test))])
    y = np.asarray(test.labels).ravel().astype(int)
    ytr = np.asarray(off.medmnist.DermaMNIST(split='train').labels).ravel().astype(int)
    models = sorted(glob.glob(os.path.join(a.run_dir, '**', 'label_ratio*', 'last.pt'), recursive=True))
    label_files = {float(re.search(r'label_(\d\.\d+)\.pkl$', f).group(1)): f
                   for f in glob.glob(os.path.join(a.run_dir, '**', 'dict_users_train_label_*.pkl'), recursive=True)}
    log = open(a.log).read() if a.log else ''
    s_by_cycle = [[float(v) for v in re.findall(r'ratio:\s+([0-9.eE+-]+)\s+distance', part)]
                  for part in re.split(r'\[Current data ratio\]', log)[1:]]
    cycles, prev = [], None
    for i, mpath in enumerate(models):
        ratio = float(re.search(r'label_ratio(\d\.\d+)', mpath).group(1))
        net = off.get_model(official_args(C, None)).eval()
        net.load_state_dict(torch.load(mpath, map_location='cpu'))
        with torch.no_grad():
            pred = torch.cat([net(x[j:j + 512])[0].argmax(1) for j in range(0, len(x), 512)]).numpy()
        recall = [float((pred[y == c] == c).mean()) if (y == c).any() else None for c in range(C)]
        lab = pickle.load(open(label_files[ratio], 'rb'))
        ids = np.concatenate([np.asarray(lab[k], dtype=int) for k in sorted(lab)])
        hist = np.bincount(ytr[ids], minlength=C).tolist()
        cycles.append({'cycle': i, 'ratio': ratio, 'labeledTotal': int(ids.size), 'testAccuracy': float((pred == y).mean()),
                       'balancedAccuracy': float(np.mean([r for r in recall if r is not None])), 'perClassRecall': recall,
                       'labeledHistogram': hist, 'queriedHistogram': None if prev is None else (np.array(hist) - np.array(prev)).tolist(),
                       'sK': s_by_cycle[i] if i < len(s_by_cycle) else []})
        prev = hist
    out = {'source': 'official FairFAL run', 'runDir': os.path.abspath(a.run_dir), 'seed': a.seed, 'strategy': a.strategy, 'cycles': cycles}
    with open(a.out, 'w') as f:
        json.dump(out, f, indent=1)
    for c in cycles:
        print(f"ratio {c['ratio']:.2f}: acc {100*c['testAccuracy']:.2f} bal {100*c['balancedAccuracy']:.2f} labeled {c['labeledHistogram']}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = p.add_subparsers(dest='cmd', required=True)
    s = sub.add_parser('partition')
    s.add_argument('--npz', required=True)
    s.add_argument('--seeds', type=int, nargs='+', default=[1, 2, 3])
    s.add_argument('--clients', type=int, default=10)
    s.add_argument('--alpha', type=float, default=0.1)
    s.add_argument('--initial-fraction', type=float, default=0.05)
    s.add_argument('--out', required=True)
    s = sub.add_parser('query')
    s.add_argument('--state', required=True)
    s.add_argument('--out', required=True)
    s = sub.add_parser('dump')
    s.add_argument('--npz', required=True)
    s.add_argument('--dict-users', required=True, help='the official run folder holding dict_users_train_label_*.pkl')
    s.add_argument('--checkpoint', required=True, help="the official run's last.pt of that cycle")
    s.add_argument('--ratio', type=float, required=True, help='labeled ratio of that cycle, e.g. 0.05')
    s.add_argument('--budget', type=int, default=35)
    s.add_argument('--gamma-bar', type=float, default=None)
    s.add_argument('--seed', type=int, default=1)
    s.add_argument('--clients', type=int, nargs='+', default=list(range(10)))
    s.add_argument('--out', required=True)
    s = sub.add_parser('summarize')
    s.add_argument('--npz', required=True)
    s.add_argument('--run-dir', required=True, help="an official run's --save_dir")
    s.add_argument('--log', help="the run's stdout (for s_k per client)")
    s.add_argument('--seed', type=int, required=True)
    s.add_argument('--strategy', default='fairfal')
    s.add_argument('--out', required=True)
    a = p.parse_args()
    {'partition': cmd_partition, 'query': cmd_query, 'dump': cmd_dump, 'summarize': cmd_summarize}[a.cmd](a)


if __name__ == '__main__':
    main()
