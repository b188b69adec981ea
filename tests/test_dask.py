"""The Dask path: aligned Parquet parts through a local cluster equal the pandas result."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from ipt_graph.cohort import Cohort, dask_metrics, synthetic_tables
from ipt_graph.datasets import synthetic_cohort
from ipt_graph.io.tables import parquet_parts, tables_from_clients, write_parquet

distributed = pytest.importorskip("distributed")
dd = pytest.importorskip("dask.dataframe")


@pytest.fixture(scope="module")
def parquet_cohort(tmp_path_factory):
    """Table-level synthetic clients plus object-built ones (several tie kinds, text-only
    ratings, returns), written as aligned parts."""
    folder = tmp_path_factory.mktemp("parquet")
    generated = synthetic_tables(400, sessions=5, seed=11)
    built = tables_from_clients(synthetic_cohort(40, seed=12))
    tables = {name: pd.concat([generated[name], built[name]], ignore_index=True)
              for name in generated}
    write_parquet(tables, folder, rows_per_file=4000)
    return folder, tables


@pytest.fixture(scope="module")
def cluster_client():
    logging.getLogger("distributed").setLevel(logging.ERROR)
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None, silence_logs=logging.ERROR
                                  ) as cluster, distributed.Client(cluster) as client:
        yield client


def test_dask_metrics_equal_pandas_on_a_local_cluster(parquet_cohort, cluster_client):
    folder, tables = parquet_cohort
    assert len(parquet_parts(folder)) >= 4
    expected = Cohort(tables).metrics()
    got = Cohort.metrics_dask(folder, client=cluster_client)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_dask_frame_has_one_partition_per_part(parquet_cohort):
    folder, tables = parquet_cohort
    frame = dask_metrics(folder)
    assert isinstance(frame, dd.DataFrame)
    assert frame.npartitions == len(parquet_parts(folder))
    assert dict(frame.dtypes) == dict(Cohort(tables).metrics().dtypes)
    first = frame.partitions[0].compute(scheduler="synchronous")
    assert first["client_id"].is_monotonic_increasing and len(first) > 0
