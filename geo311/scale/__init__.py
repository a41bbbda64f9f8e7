"""Scale-out on Dask: the same locate, validate and hot-spot answers, partition by partition.

- :func:`~geo311.scale.cluster.connect`: a client of an existing cluster or of a local one;
- :func:`~geo311.scale.tables.read_requests`, :func:`~geo311.scale.tables.read_csv`,
  :func:`~geo311.scale.tables.write_table`: tables in (pyarrow CSV, GeoParquet) and out
  (GeoParquet partitioned by year/month);
- :func:`~geo311.scale.partitions.locate_partitions`,
  :func:`~geo311.scale.partitions.validate_partitions`: the columns of ``locate --csv`` and
  ``validate --csv``, per partition, on engines each worker loads once
  (:mod:`geo311.scale.engines`);
- :func:`~geo311.scale.hotspots.analyze`: counts per partition, added exactly, then the
  statistics of :mod:`geo311.hotspots` on the combined cells.
"""

from geo311.scale.cluster import connect
from geo311.scale.hotspots import analyze
from geo311.scale.partitions import locate_partitions, locate_requests, validate_partitions
from geo311.scale.tables import read_csv, read_requests, write_table

__all__ = ["analyze", "connect", "locate_partitions", "locate_requests", "read_csv",
           "read_requests", "validate_partitions", "write_table"]
