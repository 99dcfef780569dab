#!/usr/bin/env python3
"""Compare labc's output with the real lab's rendered repository, value by value.

A developer tool (issue 11), not run by CI. Usage:

    tools/fidelity.py SEED_RENDERED OUT [--allow FILE] [--list] [--component NAME]
                      [--show-allowed] [--stale]

SEED_RENDERED is the seed's `rendered/` folder (`index.json` and `<cluster>/*.yaml`, one
file per Flux Kustomization and cluster); OUT is a `labc build` output tree (its
`clusters/<cluster>/` folders are found wherever they are under OUT). Objects are matched
by cluster, API group, kind, namespace and name (the version may differ). For each object
of the real lab the tool flattens the fields that carry the setting (a HelmRelease's
`spec.values`, every other object's top-level fields but `apiVersion`, `kind`, `status`
and `metadata` bookkeeping) into leaves and counts, per real Kustomization:

- lacking: a leaf the real lab sets that labc's object has not;
- different: a leaf both set, to different values;
- missing: an object of the real lab labc does not write on that cluster.

A lacking leaf whose value labc sets under another key with the same last two names
(a value set where the chart reads it) is counted apart as "elsewhere", to review.
Entries of the allow-list (default `tools/fidelity-allow.txt`) explain a difference on
purpose; they are counted apart as "allowed", so what is left is unexplained. Its moves
(`PATH => OBJECT PATH2`) compare a chart's values with objects labc writes for them.
Exit status is 0 (it measures; it does not judge).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

try:
    import yaml
except ImportError:  # pragma: no cover - the tool says what it needs
    sys.exit("fidelity.py needs PyYAML (pip install pyyaml)")

# Keys that identify an item of a list of mappings, most specific first: with one of them
# present (and unique) in every item, items are matched by it instead of by position, so
# a reordered list is not a difference.
ITEM_KEYS = ("name", "alert", "record", "key", "mountPath", "containerPort", "port", "path")

# Metadata that carries settings (the rest is bookkeeping: generated names, Flux labels).
META_KEPT = ("labels", "annotations")
META_IGNORED_LABELS = re.compile(
    r"^(kustomize\.toolkit\.fluxcd\.io/|toolkit\.fluxcd\.io/|app\.kubernetes\.io/)"
)

QUANTITY = re.compile(r"^([+-]?[0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|P|Ki|Mi|Gi|Ti|Pi|e[0-9]+)?$")
FACTORS = {
    None: 1,
    "m": 1e-3,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "P": 1e15,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "Pi": 2**50,
}


def quantity(v):
    """The number a Kubernetes quantity stands for (`2000m` and `2` are one CPU)."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if not isinstance(v, str):
        return None
    m = QUANTITY.match(v.strip())
    if not m:
        return None
    suffix = m.group(2)
    if suffix and suffix.startswith("e"):
        return float(m.group(1)) * 10 ** int(suffix[1:])
    return float(m.group(1)) * FACTORS[suffix]


def same(a, b) -> bool:
    if a == b:
        return True
    # Block scalars (PromQL, config files) differ in indentation and line breaks only.
    if isinstance(a, str) and isinstance(b, str):
        if " ".join(a.split()) == " ".join(b.split()):
            return True
        if "\n" in a and "\n" in b:
            # YAML written into a string (a StorageClass's config, a provider): the same
            # document, however quoted.
            try:
                da, db = yaml.safe_load(a), yaml.safe_load(b)
            except yaml.YAMLError:
                return False
            return isinstance(da, (dict, list)) and da == db
    qa, qb = quantity(a), quantity(b)
    if qa is not None and qb is not None:
        # `2000m` and `2` are one CPU; `"1"` and `1` are the same to Helm and to a CRD's
        # int-or-string field.
        return abs(qa - qb) < 1e-9 * max(1.0, abs(qa))
    return False


def item_key(items: list) -> str | None:
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    for k in ITEM_KEYS:
        vals = [i.get(k) for i in items]
        if all(isinstance(v, (str, int)) for v in vals) and len(set(vals)) == len(vals):
            return k
    return None


def label_key(k: str) -> str:
    # Cilium's selectors read `k8s:` as the default source of a label: `k8s:app` and
    # `app` select the same pods.
    return k[4:] if k.startswith("k8s:") else k


def canonical(node, key: str = "") -> str:
    """One text for an item equal whatever the order of its keys and of its scalar lists."""

    def norm(n, k):
        if isinstance(n, dict):
            return {
                (label_key(str(c)) if k == "matchLabels" else str(c)): norm(v, str(c))
                for c, v in n.items()
            }
        if isinstance(n, list):
            items = [norm(i, k) for i in n]
            return sorted(items, key=lambda i: json.dumps(i, sort_keys=True))
        return n

    return json.dumps(norm(node, key), sort_keys=True)


def flatten(node, prefix: str, out: dict):
    """Leaves of `node` under dotted paths. Lists of mappings are keyed by `ITEM_KEYS`
    when they can be; lists of scalars are a set (`path[]` -> the elements)."""
    if isinstance(node, dict):
        if not node:
            out[prefix] = {}
        for k, v in node.items():
            k = label_key(str(k)) if prefix.endswith("matchLabels") else k
            flatten(v, f"{prefix}.{k}" if prefix else str(k), out)
    elif isinstance(node, list):
        if not node:
            out[prefix] = []
            return
        if prefix.endswith("extraArgs") and all(
            isinstance(i, str) and i.startswith("-") for i in node
        ):
            # `--flag=value` items are the map VictoriaMetrics' CRDs and charts take.
            flags = {}
            for i in node:
                k, _, v = i.lstrip("-").partition("=")
                flags[k] = v if _ else "true"
            flatten(flags, prefix, out)
            return
        key = item_key(node)
        if key is not None:
            for i in node:
                flatten(i, f"{prefix}[{i[key]}]", out)
        elif all(not isinstance(i, (dict, list)) for i in node):
            out[prefix + "[]"] = node
        else:
            # Items with no name (RBAC rules, policy rules): each item is one setting,
            # compared whole, in any order.
            out[prefix + "[]"] = [canonical(i) for i in node]
    else:
        out[prefix] = node


def settings(obj: dict) -> dict:
    """The part of an object that holds settings, as leaves."""
    out: dict = {}
    if obj.get("kind") == "HelmRelease":
        flatten((obj.get("spec") or {}).get("values") or {}, "values", out)
        return out
    for k, v in obj.items():
        if k in ("apiVersion", "kind", "status"):
            continue
        if k == "metadata":
            meta = v or {}
            for mk in META_KEPT:
                kept = {
                    lk: lv
                    for lk, lv in (meta.get(mk) or {}).items()
                    if not META_IGNORED_LABELS.match(lk)
                }
                if kept:
                    flatten(kept, f"metadata.{mk}", out)
            continue
        flatten(v, k, out)
    return out


def tail(path: str, n: int) -> str:
    return ".".join(re.split(r"\.(?![^\[]*\])", path)[-n:])


def elsewhere(path: str, want, ours: dict) -> str | None:
    """The path where labc sets the same value under the same last two keys (a value
    set where the chart reads it, not where the repository wrote it), if there is one."""
    if isinstance(want, (dict, list)) and not want:
        return None
    end = tail(path, 2)
    # Within the same part of the object (`values.grafana`), unless labc has no such part
    # (a chart that names it differently).
    part = head(path, 2)
    local = any(head(p, 2) == part for p in ours)
    for p, v in ours.items():
        if p != path and tail(p, 2) == end and same(want, v) and (not local or head(p, 2) == part):
            return p
    return None


def head(path: str, n: int) -> str:
    return ".".join(re.split(r"\.(?![^\[]*\])", path)[:n])


def group(api_version: str) -> str:
    return api_version.rsplit("/", 1)[0] if "/" in api_version else ""


def ident(obj: dict) -> tuple:
    meta = obj.get("metadata") or {}
    return (
        group(str(obj.get("apiVersion", ""))),
        str(obj.get("kind", "")),
        str(meta.get("namespace") or ""),
        str(meta.get("name", "")),
    )


def load_docs(path: Path):
    try:
        docs = list(yaml.safe_load_all(path.read_text()))
    except yaml.YAMLError as e:
        print(f"warning: {path}: {e}".splitlines()[0], file=sys.stderr)
        return []
    return [d for d in docs if isinstance(d, dict) and d.get("kind")]


@dataclass
class Allow:
    cluster: str
    component: str
    obj: str
    path: str
    reason: str
    line: int
    used: int = 0

    def matches(self, cluster, component, obj, path) -> bool:
        return (
            glob(cluster, self.cluster)
            and glob(component, self.component)
            and glob(obj, self.obj)
            and glob(path, self.path)
        )


def glob(text: str, pattern: str) -> bool:
    """`*` and `?` as in a shell; `[` and `]` are themselves (paths index lists)."""
    pattern = "".join("[[]" if c == "[" else "[]]" if c == "]" else c for c in pattern)
    return fnmatch.fnmatchcase(text, pattern)


@dataclass
class Move:
    """Leaves under `path` of the real object are compared with leaves under `to_path` of
    labc's object `to_obj` (same cluster): a chart's values written as objects of their own."""

    cluster: str
    component: str
    obj: str
    path: str
    to_obj: str
    to_path: str
    reason: str
    line: int

    def under(self, leaf: str) -> str | None:
        if leaf == self.path or leaf.startswith((self.path + ".", self.path + "[")):
            return self.to_path + leaf[len(self.path) :]
        return None


def read_allow(path: Path) -> tuple[list[Allow], list[Move]]:
    """`CLUSTER COMPONENT KIND/NAMESPACE/NAME PATH -- reason`, globs allowed; PATH `-` is
    the whole object (it is not written on purpose). `... PATH => KIND/NAMESPACE/NAME PATH2
    -- reason` is a move: those leaves are labc's object's, under PATH2. Every entry needs
    its reason."""
    allows, moves = [], []
    if not path.exists():
        return allows, moves
    for n, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        head, sep, reason = line.partition(" -- ")
        head, arrow, target = head.partition(" => ")
        parts, to = head.split(), target.split()
        if not sep or not reason.strip() or len(parts) != 4 or (arrow and len(to) != 2):
            sys.exit(f"{path}:{n}: expected `CLUSTER COMPONENT OBJECT PATH [=> OBJECT PATH] -- reason`")
        if arrow:
            moves.append(Move(*parts, *to, reason.strip(), n))
        else:
            allows.append(Allow(*parts, reason.strip(), n))
    return allows, moves


@dataclass
class Tally:
    lacking: list = field(default_factory=list)
    different: list = field(default_factory=list)
    missing: list = field(default_factory=list)
    elsewhere: list = field(default_factory=list)
    allowed: int = 0
    labc: set = field(default_factory=set)


def labc_objects(out: Path) -> dict:
    """(cluster, ident) -> (object, component) for every object under OUT's clusters."""
    found: dict = {}
    for clusters in sorted(out.rglob("clusters")):
        if not clusters.is_dir():
            continue
        for cdir in sorted(p for p in clusters.iterdir() if p.is_dir()):
            for f in sorted(cdir.rglob("*.yaml")):
                component = f.relative_to(cdir).parts[0]
                for d in load_docs(f):
                    found.setdefault((cdir.name, ident(d)), (d, component))
    return found


def seed_objects(rendered: Path):
    index = json.loads((rendered / "index.json").read_text())
    for cluster, kss in index.items():
        for entry in kss.values():
            f = rendered / cluster / entry["file"]
            if f.exists():
                for d in load_docs(f):
                    yield cluster, entry["name"], d


def compare(args) -> dict:
    allows, moves = read_allow(args.allow)
    mine = labc_objects(args.out)
    by_name: dict = {}
    by_kind: dict = {}
    for (cluster, (g, kind, ns, name)), v in mine.items():
        by_name.setdefault((cluster, g, kind, name), []).append(v)
        by_kind[(cluster, f"{kind}/{ns}/{name}")] = v
    tallies: dict = {}

    def allowed(cluster, comp, oid, path):
        for a in allows:
            if a.matches(cluster, comp, oid, path):
                a.used += 1
                return a
        return None

    seen = set()
    for cluster, comp, obj in seed_objects(args.rendered):
        key = (cluster, ident(obj))
        if key in seen:  # two Kustomizations of one path (C21): count it once
            continue
        seen.add(key)
        g, kind, ns, name = key[1]
        oid = f"{kind}/{ns}/{name}"
        t = tallies.setdefault(comp, Tally())
        hit = mine.get(key)
        if hit is None:
            # The real lab's namespace may be unset or differ (targetNamespace): a single
            # object of that kind and name on the cluster is the same object.
            cands = by_name.get((cluster, g, kind, name), [])
            hit = cands[0] if len(cands) == 1 else None
        here = [
            m
            for m in moves
            if glob(cluster, m.cluster) and glob(comp, m.component) and glob(oid, m.obj)
        ]
        if hit is None and here:
            hit = ({}, None)  # its settings are all moved: compared leaf by leaf below
        if hit is None:
            a = allowed(cluster, comp, oid, "-")
            if a:
                t.allowed += 1
                if args.show_allowed:
                    t.missing.append((cluster, oid, "-", f"allowed: {a.reason}"))
            else:
                t.missing.append((cluster, oid, "-", None))
            continue
        theirs_obj, labc_comp = hit
        if labc_comp:
            t.labc.add(labc_comp)
        real, ours = settings(obj), settings(theirs_obj) if theirs_obj else {}
        for m in here:
            target = by_kind.get((cluster, m.to_obj))
            if target is None:
                continue
            t.labc.add(target[1])
            theirs = settings(target[0])
            for leaf in real:
                to = m.under(leaf)
                if to is not None and to in theirs:
                    ours[leaf] = theirs[to]
        for path, want in real.items():
            if path in ours and same(want, ours[path]):
                continue
            if want == {} and obj.get("kind") == "HelmRelease":
                continue  # Helm merges an empty map into the chart's: it sets nothing
            # A list is a set of settings: each element labc lacks counts once.
            wants = [want]
            if path.endswith("[]") and want:
                have = ours.get(path) or []
                wants = [[w] for w in want if not any(same(w, o) for o in have)]
            for want in wants:
                a = allowed(cluster, comp, oid, path)
                if a:
                    t.allowed += 1
                    if not args.show_allowed:
                        continue
                elif path not in ours and (moved := elsewhere(path, want, ours)):
                    t.elsewhere.append((cluster, oid, path, want, moved, None))
                    continue
                row = (cluster, oid, path, want, ours.get(path), a.reason if a else None)
                (t.different if path in ours else t.lacking).append(row)
    return {"tallies": tallies, "allows": allows}


def short(v, n=70) -> str:
    if isinstance(v, list) and v and isinstance(v[0], str) and v[0][:1] == "{":
        n = 600  # a whole list item: shown whole
    s = json.dumps(v, sort_keys=True) if not isinstance(v, str) else v
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 3] + "..."


def report(res, args):
    tallies, allows = res["tallies"], res["allows"]
    rows = []
    for comp in sorted(tallies):
        if args.component and not fnmatch.fnmatchcase(comp, args.component):
            continue
        t = tallies[comp]
        rows.append((comp, t))
        if args.list:
            for r in t.lacking:
                tag = f"  [allowed: {r[5]}]" if r[5] else ""
                print(f"{comp}: {r[0]} {r[1]} lacks {r[2]} = {short(r[3])}{tag}")
            for r in t.different:
                tag = f"  [allowed: {r[5]}]" if r[5] else ""
                print(
                    f"{comp}: {r[0]} {r[1]} differs {r[2]}: real {short(r[3])}, "
                    f"labc {short(r[4])}{tag}"
                )
            for r in t.elsewhere:
                print(f"{comp}: {r[0]} {r[1]} sets {r[2]} = {short(r[3])} at {r[4]}")
            for r in t.missing:
                tag = f"  [{r[3]}]" if r[3] else ""
                print(f"{comp}: {r[0]} {r[1]} missing{tag}")
    width = max([len(c) for c, _ in rows] + [9])
    print(
        f"\n{'component':<{width}}  lacking  different  missing  elsewhere  allowed"
        "  labc component(s)"
    )
    tot = [0, 0, 0, 0, 0]
    for comp, t in rows:
        counts = [
            sum(1 for r in t.lacking if not r[5]),
            sum(1 for r in t.different if not r[5]),
            sum(1 for r in t.missing if not r[3]),
            len(t.elsewhere),
            t.allowed,
        ]
        tot = [a + b for a, b in zip(tot, counts)]
        print(
            f"{comp:<{width}}  {counts[0]:>7}  {counts[1]:>9}  {counts[2]:>7}  {counts[3]:>9}"
            f"  {counts[4]:>7}  {', '.join(sorted(t.labc))}"
        )
    print(
        f"{'total':<{width}}  {tot[0]:>7}  {tot[1]:>9}  {tot[2]:>7}  {tot[3]:>9}  {tot[4]:>7}"
    )
    if args.stale:
        for a in allows:
            if not a.used:
                print(f"{args.allow}:{a.line}: entry matches nothing: {a.reason}")


def main(argv=None):
    here = Path(__file__).resolve().parent
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("rendered", type=Path, help="the seed's rendered/ folder")
    p.add_argument("out", type=Path, help="a labc build output tree")
    p.add_argument("--allow", type=Path, default=here / "fidelity-allow.txt")
    p.add_argument("--list", action="store_true", help="print every difference")
    p.add_argument("--component", help="only this real Kustomization (a glob)")
    p.add_argument("--show-allowed", action="store_true", help="list allowed ones too")
    p.add_argument("--stale", action="store_true", help="name allow entries that match nothing")
    args = p.parse_args(argv)
    report(compare(args), args)


if __name__ == "__main__":
    main()
