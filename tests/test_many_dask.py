"""`plan_many` on a real Dask LocalCluster: two worker processes, one cluster for the module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from distributed import Client, LocalCluster
from many_support import mixed

from portfolio import plan_many


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    # distributed's constructors are untyped; the ignores below say no more than that.
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)  # type: ignore[no-untyped-call]
    with cluster, Client(cluster) as connected:  # type: ignore[no-untyped-call]
        yield connected


def test_a_dask_executor_gives_the_same_results_in_the_same_order(
    client: Client,
) -> None:
    requests = [mixed(k) for k in range(300)]
    executor = client.get_executor(pure=False)  # type: ignore[no-untyped-call]  # same
    shipped = list(plan_many(requests, executor=executor, chunk_size=16, in_flight=4))
    assert shipped == list(plan_many(requests))
