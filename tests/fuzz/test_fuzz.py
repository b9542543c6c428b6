"""The differential fuzzer in CI: full coverage of the public ops, and a fixed-seed run.

The run is the same every time (hypothesis seeded per chunk); it fails on an
internal error, a value mismatch, a silent acceptance or an argument changed
before an error. ``make fuzz`` runs the long campaign.
"""

from __future__ import annotations

import pytest

from .campaign import report, run
from .engine import FAILING, NOT_IN_TORCH, fuzzed_entries, in_torch, public_entries
from .specs import SKIP, drawer_for

SHARDS = 4
CASES_PER_SHARD = 1500


def test_every_public_op_has_a_spec_or_a_reviewed_skip():
    entries = public_entries()
    missing = [k for k in entries if in_torch(k) and k not in SKIP and drawer_for(k) is None]
    assert not missing, f"ops without a fuzz spec (add one to tests/fuzz/specs.py): {missing}"
    not_in_torch = {k for k in entries if not in_torch(k)}
    assert not_in_torch == NOT_IN_TORCH, f"names torch lacks, to review: {sorted(not_in_torch ^ NOT_IN_TORCH)}"
    stale = sorted(set(SKIP) - set(entries))
    assert not stale, f"skip-list entries that are no longer public names: {stale}"
    assert len(fuzzed_entries()) > 450


@pytest.mark.parametrize("shard", range(SHARDS))
def test_fixed_seed_campaign(shard):
    keys = fuzzed_entries()[shard::SHARDS]
    outcomes = run(CASES_PER_SHARD, seed=shard, keys=keys)
    assert len(outcomes) > CASES_PER_SHARD * 0.9
    bad = [o for o in outcomes if o.cls in FAILING]
    assert not bad, report(bad, show=40)
