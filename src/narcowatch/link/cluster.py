"""Entity resolution in memory: union-find over items and indicators, with reasons.

Written by hand because the rules are ours: indicators are processed from the most
specific (fewest items) up, an indicator spanning several established clusters thinly is
declared a hub instead of merging them (see ``rules.HubRule``), analysts' merges are
applied first and their splits are never crossed, and near-identical ads attach an ad
without indicators of its own but never merge two established shops. Plain integer
arrays keep a million items and a few million mentions within seconds.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from narcowatch.link.rules import HubRule, weight


@dataclass
class LinkInput:
    """Everything the clustering needs; ids are opaque strings."""

    mentions: list[tuple[str, str]]  # (item_id, indicator_id), linking types only
    indicator_label: dict[str, str]  # indicator_id -> "type:value"
    items: list[str] = field(default_factory=list)  # items that may form shops
    hubs: dict[str, str] = field(default_factory=dict)  # indicator_id -> reason (given)
    must_link: list[tuple[str, str, str]] = field(default_factory=list)  # (a, b, reason)
    cannot_link: list[tuple[str, str]] = field(default_factory=list)
    near_dups: list[tuple[str, str]] = field(default_factory=list)  # item pairs


@dataclass
class LinkResult:
    clusters: list[list[str]]  # member ids (items and indicators), one list per shop
    item_reason: dict[str, str]  # item -> how it joined
    merges: dict[int, list[str]]  # cluster index -> reasons two clusters were joined
    hubs: dict[str, tuple[str, int]]  # indicator -> (reason, clusters touched)
    refused: list[str]  # merges refused by an analyst's split


class _UnionFind:
    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.keys: list[str] = []
        self.parent: list[int] = []
        self.items: list[int] = []  # item count per root
        self.anchored: list[int] = []  # linking indicators merged per root
        self.forbid: dict[int, set[int]] = {}

    def node(self, key: str, is_item: bool) -> int:
        n = self.index.get(key)
        if n is None:
            n = self.index[key] = len(self.parent)
            self.keys.append(key)
            self.parent.append(n)
            self.items.append(1 if is_item else 0)
            self.anchored.append(0)
        return n

    def find(self, n: int) -> int:
        parent = self.parent
        root = n
        while parent[root] != root:
            root = parent[root]
        while parent[n] != root:
            parent[n], n = root, parent[n]
        return root

    def allowed(self, a: int, b: int) -> bool:
        for x, y in ((a, b), (b, a)):
            for other in self.forbid.get(x, ()):
                if self.find(other) == y:
                    return False
        return True

    def union(self, a: int, b: int) -> int:
        if self.items[a] + self.anchored[a] < self.items[b] + self.anchored[b]:
            a, b = b, a
        self.parent[b] = a
        self.items[a] += self.items[b]
        self.anchored[a] += self.anchored[b]
        if b in self.forbid:
            self.forbid.setdefault(a, set()).update(self.forbid.pop(b))
        return a


def cluster(data: LinkInput, rule: HubRule | None = None) -> LinkResult:
    rule = rule or HubRule()
    uf = _UnionFind()
    for item in data.items:
        uf.node(item, True)
    by_indicator: dict[str, list[int]] = defaultdict(list)
    for item, ind in data.mentions:
        by_indicator[ind].append(uf.node(item, True))
    item_reason: dict[str, str] = {}
    joins: dict[int, list[str]] = defaultdict(list)
    refused: list[str] = []
    hubs: dict[str, tuple[str, int]] = {k: (v, 0) for k, v in data.hubs.items()}

    def node_of(key: str) -> int:
        return uf.node(key, key not in data.indicator_label)

    for a, b in data.cannot_link:
        na, nb = node_of(a), node_of(b)
        uf.forbid.setdefault(na, set()).add(nb)
        uf.forbid.setdefault(nb, set()).add(na)
    for a, b, reason in data.must_link:
        ra, rb = uf.find(node_of(a)), uf.find(node_of(b))
        if ra != rb:
            root = uf.union(ra, rb)
            joins[root].append(reason)

    item_inds: dict[int, list[str]] = defaultdict(list)
    for ind, members in by_indicator.items():
        if ind not in hubs:
            for n in members:
                item_inds[n].append(ind)
    degree = {ind: len(members) for ind, members in by_indicator.items()}
    candidates = {
        ind
        for ind, members in by_indicator.items()
        if ind not in hubs
        and len(members) >= rule.min_clusters
        and _hub_test(ind, members, item_inds, degree, rule)
    }
    hubs.update(_confirm_hubs(candidates, by_indicator, hubs, data.indicator_label, rule))
    order = sorted(
        (ind for ind in by_indicator if ind not in hubs),
        key=lambda k: (-weight(data.indicator_label[k].split(":", 1)[0]), len(by_indicator[k]), k),
    )
    for ind in order:
        label = data.indicator_label[ind]
        members = by_indicator[ind]
        per_root: dict[int, int] = defaultdict(int)
        for n in members:
            per_root[uf.find(n)] += 1
        ind_node = uf.node(ind, False)
        root = uf.find(ind_node)
        uf.anchored[root] += 1
        for r, count in sorted(per_root.items(), key=lambda kv: -kv[1]):
            r, root = uf.find(r), uf.find(root)
            if r == root:
                continue
            if not uf.allowed(r, root):
                refused.append(f"{label}: analyst split kept clusters apart")
                continue
            was_established = uf.anchored[r] > 0 and uf.anchored[root] > 1
            root = uf.union(root, r)
            if was_established:
                joins[root].append(f"{label} shared by {count} item(s) of another cluster")
        for n in members:
            item_reason.setdefault(uf.keys[n], label)

    for a, b in data.near_dups:
        na, nb = node_of(a), node_of(b)
        ra, rb = uf.find(na), uf.find(nb)
        if ra == rb or (uf.anchored[ra] > 0 and uf.anchored[rb] > 0):
            continue  # near-duplicates attach orphans, never merge two shops
        if not uf.allowed(ra, rb):
            continue
        orphan = b if uf.anchored[ra] > 0 else a
        uf.union(ra, rb)
        item_reason.setdefault(orphan, f"near-identical ad to item {a if orphan == b else b}")
    return _collect(uf, item_reason, joins, hubs, refused)


def _hub_test(
    ind: str,
    members: list[int],
    item_inds: dict[int, list[str]],
    degree: dict[str, int],
    rule: HubRule,
) -> tuple[str, int] | None:
    """Group ``ind``'s items by their other indicators (one hop): a hub's items fall into
    many groups that do not otherwise touch, and it covers few of each group's items."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        return root

    firsts: list[str] = []
    for n in members:
        others = [y for y in item_inds.get(n, ()) if y != ind]
        if not others:
            continue
        first = find(others[0])
        parent.setdefault(first, first)
        for y in others[1:]:
            other = find(y)
            if other != first:
                parent[other] = first
        firsts.append(others[0])
    if len(firsts) < rule.min_clusters:
        return None
    hits: dict[str, int] = defaultdict(int)
    for y in firsts:
        hits[find(y)] += 1
    if len(hits) < rule.min_clusters:
        return None
    biggest: dict[str, int] = defaultdict(int)
    for y in parent:
        root = find(y)
        biggest[root] = max(biggest[root], degree.get(y, 1))
    coverage = sum(min(hits[g] / biggest[g], 1.0) for g in hits) / len(hits)
    if coverage >= rule.max_coverage:
        return None
    return f"spans {len(hits)} unrelated clusters thinly (mean coverage {coverage:.2f})", len(hits)


def _confirm_hubs(
    candidates: set[str],
    by_indicator: dict[str, list[int]],
    given: dict[str, tuple[str, int]],
    labels: dict[str, str],
    rule: HubRule,
) -> dict[str, tuple[str, int]]:
    """Candidates (thin one-hop spread) are hubs when, against the clusters the other
    indicators form on their own, they touch ``min_clusters`` or more of them thinly:
    a shop's rotating card sits inside its shop's cluster, a police bot in everyone's.
    A second round rebuilds the clusters with the cleared candidates back in, so a
    shop's wallet is not judged against its own shop cut into pieces."""
    found = _thin_spread(candidates, candidates, by_indicator, given, labels, rule)
    return _thin_spread(set(found), set(found), by_indicator, given, labels, rule)


def _thin_spread(
    tested: set[str],
    excluded: set[str],
    by_indicator: dict[str, list[int]],
    given: dict[str, tuple[str, int]],
    labels: dict[str, str],
    rule: HubRule,
) -> dict[str, tuple[str, int]]:
    if not tested:
        return {}
    base = _UnionFind()
    for ind, members in by_indicator.items():
        if ind in excluded or ind in given or not members:
            continue
        first = base.find(base.node(str(members[0]), True))
        for n in members[1:]:
            other = base.find(base.node(str(n), True))
            if other != first:
                first = base.union(first, other)
    found: dict[str, tuple[str, int]] = {}
    for ind in sorted(tested):
        hits: dict[int, int] = defaultdict(int)
        for n in by_indicator[ind]:
            node = base.index.get(str(n))
            if node is not None:
                hits[base.find(node)] += 1
        if len(hits) < rule.min_clusters:
            continue
        coverage = sum(hits[r] / max(base.items[r], 1) for r in hits) / len(hits)
        if coverage < rule.max_coverage:
            found[ind] = (
                f"{labels[ind]} spans {len(hits)} unrelated clusters thinly "
                f"(mean coverage {coverage:.2f})",
                len(hits),
            )
    return found


def _collect(
    uf: _UnionFind,
    item_reason: dict[str, str],
    joins: dict[int, list[str]],
    hubs: dict[str, tuple[str, int]],
    refused: list[str],
) -> LinkResult:
    groups: dict[int, list[str]] = defaultdict(list)
    for key, n in uf.index.items():
        groups[uf.find(n)].append(key)
    clusters: list[list[str]] = []
    merges: dict[int, list[str]] = {}
    for root, keys in groups.items():
        if uf.anchored[root] == 0 and not joins.get(root):
            continue  # no linking evidence: not a shop
        merges[len(clusters)] = joins.get(root, [])
        clusters.append(sorted(keys))
    return LinkResult(clusters, item_reason, merges, hubs, refused)


def pairs(values: Iterable[str]) -> list[tuple[str, str]]:
    """Consecutive pairs, enough to put ``values`` into one component."""
    vals = list(values)
    return list(itertools.pairwise(vals))
