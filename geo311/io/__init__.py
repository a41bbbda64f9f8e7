"""Tables at scale: CSV read with pyarrow, request tables as partitioned GeoParquet."""
