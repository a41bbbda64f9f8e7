"""The ``geo311`` command line: one short function per subcommand.

Data goes to stdout, progress and summaries to stderr. Every error goes through
:class:`ErrorHandlingGroup`: a message on stderr with exit code 1 (bad input, data
or a failure while running) or 2 (usage); a traceback only with ``geo311 --debug``.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import click
from tqdm import tqdm

from geo311.errors import Geo311Error

DEFAULT_DEMO_DIR = Path("data/boundaries/demo")


class ErrorHandlingGroup(click.Group):
    """The top-level group: turns every error of a subcommand into a message.

    ``Geo311Error`` (the library's own), ``OSError`` (files and disks),
    ``UnicodeError`` and ``MemoryError`` become their message with exit code 1;
    anything else is an internal error, reported as such. Click's own usage errors
    keep exit code 2. With ``--debug`` the original exception propagates (traceback).
    """

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit,
                click.exceptions.Abort):
            raise
        except Exception as exc:
            if ctx.params.get("debug"):
                raise
            raise click.ClickException(error_message(exc)) from None


FLAGS = {
    "address_col": ("address_col", "--address-col"),
    "zip_col": ("zip_col", "--zip-col"),
    "city_col": ("city_col", "--city-col"),
    "lon_col": ("lon_col", "--lon-col"),
    "lat_col": ("lat_col", "--lat-col"),
    "encoding": ("encoding=...", "--encoding"),
    "resume": ("resume=False", "--restart"),
}
"""By the ``field`` a library error names: how its message spells the argument, and the
CLI's flag for it."""


def flag_wording(exc: Geo311Error) -> str:
    """``exc``'s message with the library argument it names spelled as the CLI's flag
    ("no column 'x' for address_col" -> "no column 'x' for --address-col")."""
    spelling, flag = FLAGS.get(exc.details.get("field"), (None, None))
    if spelling is None:
        return exc.message
    return re.sub(rf"\b(for|with|use) {re.escape(spelling)}(?![\w-])", rf"\1 {flag}",
                  exc.message)


def error_message(exc: BaseException) -> str:
    """The one-line message the CLI prints for ``exc``."""
    if isinstance(exc, Geo311Error):
        return flag_wording(exc)
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror or exc}{where}"
    if isinstance(exc, UnicodeError):
        return f"cannot read the input as text: {exc}"
    if isinstance(exc, MemoryError):
        return "out of memory: the task is too large for this machine (use a smaller input)"
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return f"internal error: {detail} (run with --debug for the traceback)"


def _open_city(profile: str):
    """The :class:`~geo311.city.City` of ``--profile`` (its engines are built when used)."""
    from geo311.city import City

    return City.open(profile)


def _progress(csv_in: str, desc: str):
    """A progress bar on stderr over the rows of ``csv_in`` (its lines less the header)."""
    with open(csv_in, "rb") as handle:
        total = max(sum(1 for _ in handle) - 1, 0)
    return tqdm(total=total, unit="row", desc=desc, file=sys.stderr, disable=None)


class Coordinate(click.ParamType):
    """A plain decimal number (no ``1_0``, no non-ASCII digits, no nan/inf)."""

    name = "number"

    def convert(self, value, param, ctx):
        from geo311.tables import parse_number

        number = parse_number(str(value))
        if number != number:
            self.fail(f"{value!r} is not a plain decimal number", param, ctx)
        return number


encoding_option = click.option(
    "--encoding", help="Encoding of the input CSV (default: detected; UTF-8, UTF-16 with a "
                       "byte-order mark, else a legacy one such as cp1252).")


def _outputs_writable(*targets, inputs=()) -> None:
    """Refuse, before any work, outputs that are inputs or cannot be written."""
    from geo311.outputs import check_writable, refuse_input_as_output

    for target in targets:
        if target:
            refuse_input_as_output(target, *inputs)
            check_writable(target)


profile_option = click.option(
    "--profile", "-p", "profile_path",
    default=lambda: os.environ.get("GEO311_PROFILE", str(DEFAULT_DEMO_DIR)),
    show_default="$GEO311_PROFILE or data/boundaries/demo",
    help="Profile directory or profile.toml.",
)


dask_options = [
    click.option("--dask", "use_dask", is_flag=True,
                 help="Run on Dask, partition by partition: on a local cluster of --workers "
                      "processes (default: one per core) or on the one at --scheduler. "
                      "locate and validate then write -o as a GeoParquet table (a directory)."),
    click.option("--scheduler", help="Address of a running Dask scheduler, tcp://host:port "
                                     "(with --dask)."),
    click.option("--workers", type=click.IntRange(min=1),
                 help="Local Dask worker processes (with --dask)."),
]


def _with_dask_options(command):
    for option in reversed(dask_options):
        command = option(command)
    return command


def _dask(use_dask: bool, scheduler: str | None, workers: int | None):
    """The Dask client (a context manager) of the --dask options, None without --dask."""
    if not use_dask:
        if scheduler or workers:
            raise click.UsageError("--scheduler and --workers need --dask")
        return None
    if scheduler and workers:
        raise click.UsageError("give --scheduler or --workers, not both")
    from geo311.scale.cluster import connect

    return connect(scheduler, workers)


def _run_dask(cluster, job, *args, **kwargs) -> None:
    """Run a :mod:`geo311.scale.jobs` job on the --dask cluster; its summary to stderr."""
    with cluster as client:
        summary = job(client, *args, **kwargs)
    click.echo(json.dumps(summary, indent=2), err=True)


@click.group(cls=ErrorHandlingGroup)
@click.version_option(package_name="geo311")
@click.option("--debug", is_flag=True, help="Show the traceback of an error.")
def main(debug: bool) -> None:
    """geo311: locate, validate and map city 311 service requests."""


@main.command(context_settings={"ignore_unknown_options": True})
@profile_option
@click.argument("coords", nargs=-1, type=Coordinate())
@click.option("--csv", "csv_in", type=click.Path(exists=True, dir_okay=False),
              help="Locate every row of this CSV file instead of one point.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Output CSV (with --csv).")
@click.option("--lon-col", help="Longitude column (default: lon, lng, longitude or x).")
@click.option("--lat-col", help="Latitude column (default: lat, latitude or y).")
@encoding_option
@click.option("--restart", is_flag=True,
              help="Start OUT afresh instead of resuming an interrupted run.")
@_with_dask_options
def locate(profile_path, coords, csv_in, output, lon_col, lat_col, encoding, restart, use_dask,
           scheduler, workers) -> None:
    """Say who serves LON LAT (JSON), or locate every row of a CSV file.

    \b
      geo311 locate --profile profiles/la -118.2427 34.0537
      geo311 locate --profile P --csv requests.csv -o located.csv
    """
    cluster = _dask(use_dask, scheduler, workers)
    if csv_in is None:
        if len(coords) != 2:
            raise click.UsageError("give LON LAT, or --csv FILE -o OUT")
        answer = _open_city(profile_path).locator.locate(*coords)
        click.echo(json.dumps(answer, indent=2, ensure_ascii=False))
        return
    if coords:
        raise click.UsageError("give either LON LAT or --csv, not both")
    if not output:
        raise click.UsageError("--csv needs -o/--output")
    if cluster is not None:
        from geo311.scale.jobs import locate_file

        return _run_dask(cluster, locate_file, _open_city(profile_path), csv_in, output,
                         lon_col=lon_col, lat_col=lat_col, encoding=encoding)
    from geo311.jurisdiction import locate_csv

    _outputs_writable(output, inputs=[csv_in])
    locator = _open_city(profile_path).locator
    with _progress(csv_in, "locate") as bar:
        summary = locate_csv(locator, csv_in, output, lon_col=lon_col, lat_col=lat_col,
                             resume=not restart, encoding=encoding, progress=bar.update)
    click.echo(json.dumps(summary.as_dict(), indent=2), err=True)


@main.group()
def profile() -> None:
    """Inspect jurisdiction profiles."""


@profile.command("check")
@click.argument("path", type=click.Path(exists=True))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def profile_check(path, as_json) -> None:
    """Summarize a profile: layers, CRS, repairs, overlaps, gaps and coverage.

    Exits with 1, after the summary, when the profile cannot be used to locate
    (a layer off the lon/lat range or away from the city, duplicate ids).
    """
    from geo311.jurisdiction.check import check_profile, format_check
    from geo311.profile import load_profile

    summary = check_profile(load_profile(path))
    click.echo(json.dumps(summary, indent=2) if as_json else format_check(summary))
    if summary["problems"]:
        raise click.ClickException(f"{len(summary['problems'])} problem(s) in {path}: "
                                   + "; ".join(summary["problems"]))


@main.command()
@click.option("--out", type=click.Path(file_okay=False), default=str(DEFAULT_DEMO_DIR),
              show_default=True, help="Directory to write the demo region into.")
@click.option("--seed", type=click.IntRange(min=0), default=311, show_default=True,
              help="Non-negative seed; the same seed gives the same files.")
@click.option("--requests", "n_requests", type=click.IntRange(min=1), default=120_000,
              show_default=True, help="Number of service requests to generate.")
def demo(out, seed, n_requests) -> None:
    """Generate the fictional demo region (boundaries, streets, addresses, requests)."""
    from geo311.demo import generate_demo

    summary = generate_demo(Path(out), seed=seed, n_requests=n_requests, progress=True)
    click.echo(json.dumps(summary, indent=2, default=str))


@main.command()
@profile_option
@click.argument("address", required=False)
@click.option("--zip", "zip_code", help="ZIP code, when the address text has none.")
@click.option("--city", help="Postal city, when the address text has none.")
@click.option("--csv", "csv_in", type=click.Path(exists=True, dir_okay=False),
              help="Validate every row of this CSV file instead of one address.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Output CSV (with --csv).")
@click.option("--address-col", help="Column with the address text (with --csv).")
@click.option("--zip-col", help="Column with the ZIP code (with --csv).")
@click.option("--city-col", help="Column with the postal city (with --csv).")
@encoding_option
@click.option("--restart", is_flag=True,
              help="Start OUT afresh instead of resuming an interrupted run.")
@_with_dask_options
def validate(profile_path, address, zip_code, city, csv_in, output, address_col, zip_col,
             city_col, encoding, restart, use_dask, scheduler, workers) -> None:
    """Validate ADDRESS (JSON), or every address of a CSV file (resumable).

    \b
      geo311 validate --profile data/boundaries/demo "1200 N Main St"
      geo311 validate --csv requests.csv -o checked.csv --address-col address
    """
    cluster = _dask(use_dask, scheduler, workers)
    if csv_in is None:
        if not address:
            raise click.UsageError("give an ADDRESS, or --csv FILE -o OUT --address-col COL")
        answer = _open_city(profile_path).validator.validate(address, zip=zip_code, city=city)
        click.echo(json.dumps(answer, indent=2, ensure_ascii=False))
        return
    if address:
        raise click.UsageError("give either ADDRESS or --csv, not both")
    if not output or not address_col:
        raise click.UsageError("--csv needs -o/--output and --address-col")
    if cluster is not None:
        from geo311.scale.jobs import validate_file

        return _run_dask(cluster, validate_file, _open_city(profile_path), csv_in, output,
                         address_col=address_col, zip_col=zip_col, city_col=city_col,
                         encoding=encoding)
    from geo311.address.validate_file import validate_csv

    _outputs_writable(output, inputs=[csv_in])
    validator = _open_city(profile_path).validator
    with _progress(csv_in, "validate") as bar:
        summary = validate_csv(validator, csv_in, output, address_col=address_col,
                               zip_col=zip_col, city_col=city_col, resume=not restart,
                               encoding=encoding, progress=bar.update)
    click.echo(json.dumps(summary, indent=2), err=True)


def _request_filter(types, start, end, status, districts):
    """The :class:`~geo311.service.requests.RequestFilter` of the request options."""
    from geo311.errors import InputError
    from geo311.service.requests import RequestFilter, parse_district_filters

    try:
        wanted = parse_district_filters(districts)
    except InputError as error:
        raise click.BadParameter(error.message, param_hint="--district") from None
    return RequestFilter(types=types, start=start, end=end, status=status, districts=wanted)


request_options = [
    click.option("--requests", "requests_path", type=click.Path(exists=True, dir_okay=False),
                 help="Request export (CSV); default: the profile's [requests] file."),
    click.option("--preset", type=click.Choice(["open311", "myla311", "nyc311", "demo"]),
                 help="Column names of a known export format."),
    click.option("--type", "types", multiple=True, help="Request type(s) to keep."),
    click.option("--from", "start", help="First day (inclusive), e.g. 2025-01-01."),
    click.option("--to", "end", help="Last bound (exclusive), e.g. 2025-07-01."),
    click.option("--status", multiple=True, help="Status(es) to keep, e.g. open."),
    click.option("--district", "districts", multiple=True,
                 help="Keep requests located in this district, as KEY=ID (e.g. ward=10); "
                      "repeat for several."),
    encoding_option,
]


def _with_request_options(command):
    for option in reversed(request_options):
        command = option(command)
    return command


@main.command()
@profile_option
@_with_request_options
@click.option("--by", default="hex", show_default=True,
              help="A district key of the profile, 'hex' or 'grid'.")
@click.option("--method",
              type=click.Choice(["counts", "gistar", "optimized", "lisa", "emerging", "kde"]),
              default="gistar", show_default=True,
              help="optimized: Gi* with the band from incremental spatial autocorrelation; "
                   "lisa: local Moran's I clusters and outliers; emerging: Gi* per time "
                   "step and its trend (new, intensifying, ... hot spots); "
                   "kde: writes OUT.tif (GeoTIFF) and OUT.png.")
@click.option("--resolution", type=click.IntRange(0, 15), help="H3 resolution (with --by hex).")
@click.option("--cell-m", type=float, default=150.0, show_default=True,
              help="Grid cell side in metres (with --by grid or --method kde).")
@click.option("--band-m", type=float,
              help="Gi* distance band (hex/grid), or the KDE bandwidth, in metres.")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the map (HTML) here.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False),
              help="Write the cells and statistics (JSON) here.")
@click.option("--png", "png_out", type=click.Path(dir_okay=False),
              help="Write a static map (PNG) here, for reports and e-mail.")
@click.option("--tiles", metavar="URL",
              help="Online tiles under the map (needs internet): a URL template such as "
                   "https://tile.openstreetmap.org/{z}/{x}/{y}.png, or 'osm' for "
                   "OpenStreetMap's (default: the profile's [maps] tiles, else none).")
@click.option("--as-of", help="When the export was taken, for SLA figures by district "
                              "(default: the latest request).")
@click.option("--permutations", type=click.IntRange(min=99), default=9_999, show_default=True,
              help="LISA permutations per cell.")
@click.option("--step", type=click.Choice(["month", "week", "day"]), default="month",
              show_default=True, help="Time step of --method emerging.")
@click.option("--time-window", type=click.IntRange(min=1), default=1, show_default=True,
              help="Steps in a space-time neighborhood (--method emerging; ArcGIS's "
                   "neighborhood time step + 1).")
@_with_dask_options
@click.option("--table", type=click.Path(exists=True, file_okay=False),
              help="A GeoParquet request table (from --save-table) instead of --requests; "
                   "without --dask its partitions are counted in this process.")
@click.option("--save-table", type=click.Path(),
              help="Write the requests, located, as a GeoParquet table by year/month here "
                   "first (with --dask); later runs read it with --table.")
def hotspots(profile_path, requests_path, preset, types, start, end, status, districts,
             encoding, by, method, resolution, cell_m, band_m, out, json_out, png_out, tiles,
             as_of, permutations, step, time_window, use_dask, scheduler, workers, table,
             save_table) -> None:
    """Where requests concentrate: counts and Gi* hot spots by district, hexagon or grid.

    \b
      geo311 hotspots --type GRAFFITI --by hex --out maps/graffiti.html
      geo311 hotspots --profile profiles/la --requests LA.csv --preset myla311 \\
          --type "Bulky Items" --by council_district --method counts --out maps/bulky.html
    """
    from geo311.hotspots.analysis import analyze
    from geo311.outputs import write_bytes, write_text
    from geo311.profile import check_tile_url

    if tiles is not None:
        tiles = True if tiles.strip().lower() == "osm" else check_tile_url(tiles)
    targets = ([Path(out).with_suffix(".tif"), Path(out).with_suffix(".png")]
               if method == "kde" and out else [out, png_out])
    _outputs_writable(*targets, json_out, inputs=[requests_path])
    rows = _request_filter(types, start, end, status, districts)
    city = _open_city(profile_path)
    locator = city.locator
    cluster = _dask(use_dask, scheduler, workers)
    if cluster is not None:
        if out or method in ("kde", "emerging"):
            raise click.UsageError("--dask counts by partition: --out (the map needs every "
                                   "request), kde and emerging run without it; use --png/--json")
        result = _hotspots_dask(cluster, city, rows, table or requests_path, preset, encoding,
                                save_table, by=by, method=method, resolution=resolution,
                                cell_m=cell_m, band_m=band_m, permutations=permutations)
    elif save_table:
        raise click.UsageError("--save-table needs --dask")
    elif table:
        result = _hotspots_table(city, rows, table, preset, encoding, out, by=by,
                                 method=method, resolution=resolution, cell_m=cell_m,
                                 band_m=band_m, permutations=permutations)
    else:
        requests = city.load_requests(rows, path=requests_path, columns=preset,
                                      encoding=encoding)
        if method == "kde":
            _write_density(requests, locator, cell_m, band_m, out, json_out)
            return
        result = analyze(requests, locator, by=by, method=method, resolution=resolution,
                         cell_m=cell_m, band_m=band_m, as_of=as_of, permutations=permutations,
                         step=step, time_window=time_window, start=start, end=end,
                         catalog=city.catalog if city.has_catalog else None)
    title = ", ".join(types) if types else "All requests"
    if out:
        from geo311.render.hotspot_map import hotspot_map

        write_text(out, hotspot_map(result, requests, locator, title=title, tiles=tiles))
    if png_out:
        from geo311.render.static_map import result_png

        write_bytes(png_out, result_png(result, locator, title=f"{title}: {method} by {by}"))
    if json_out:
        write_text(json_out, json.dumps(result.as_dict(), indent=2, default=str))
    click.echo(json.dumps(result.summary(), indent=2, default=str))


def _hotspots_dask(cluster, city, rows, source, preset, encoding, save_table, **options):
    """``hotspots --dask``: counts per partition on the cluster, Gi* & co. on their sum."""
    from geo311.scale import analyze, read_requests
    from geo311.scale.jobs import import_requests
    from geo311.service.requests import columns_from_profile, requests_file
    from geo311.service.requests import preset as preset_columns

    columns = preset_columns(preset) if preset else columns_from_profile(city.profile)
    source = source or requests_file(city.profile)
    with cluster as client:
        if save_table:
            summary = import_requests(client, city, source, columns, save_table,
                                      encoding=encoding)
            click.echo(json.dumps(summary, indent=2), err=True)
            source = save_table
        return analyze(read_requests(source, columns, encoding), city, client=client, rows=rows,
                       **options)


def _hotspots_table(city, rows, table, preset, encoding, out, **options):
    """``hotspots --table`` without ``--dask``: the table's partitions counted one after
    the other in this process (memory bounded by one partition), Gi* & co. on their sum."""
    from geo311.scale import analyze, read_requests
    from geo311.service.requests import columns_from_profile
    from geo311.service.requests import preset as preset_columns

    if out or options["method"] in ("kde", "emerging"):
        raise click.UsageError("--table counts by partition: --out (the map needs every "
                               "request), kde and emerging need --requests; use --png/--json")
    columns = preset_columns(preset) if preset else columns_from_profile(city.profile)
    return analyze(read_requests(table, columns, encoding), city, client=None, rows=rows,
                   **options)


def _write_density(requests, locator, cell_m, bandwidth_m, out, json_out) -> None:
    """``hotspots --method kde``: the density surface as GeoTIFF and PNG, and a summary."""
    from geo311.hotspots.analysis import density
    from geo311.outputs import write_bytes, write_text
    from geo311.render.density import density_geotiff, density_png

    surface = density(requests, locator, cell_m=cell_m, bandwidth_m=bandwidth_m)
    summary = {"requests": requests.report.as_dict(), "cell_m": surface.cell_m,
               "bandwidth_m": round(surface.bandwidth_m, 1), "shape": list(surface.values.shape),
               "max_per_km2": round(float(surface.values.max()) * 1e6, 2)}
    if out:
        base = Path(out).with_suffix("")
        geotiff = density_geotiff(surface, locator.metric_crs)
        summary["geotiff"] = str(write_bytes(base.with_suffix(".tif"), geotiff))
        png = density_png(surface, title="Requests per km²")
        summary["png"] = str(write_bytes(base.with_suffix(".png"), png))
    if json_out:
        write_text(json_out, json.dumps(summary, indent=2))
    click.echo(json.dumps(summary, indent=2))


@main.command()
@profile_option
@_with_request_options
@click.option("--department", required=True, help="Department as in the catalog and staffing.")
@click.option("--crews", type=click.IntRange(min=1), help="Crews to share (default: current).")
@click.option("--by", default="ward", show_default=True, help="District key of the staffing.")
@click.option("--weight", type=click.Choice(["requests", "backlog"]), default="requests",
              show_default=True, help="Demand: requests, or requests plus overdue backlog.")
@click.option("--as-of", help="When the export was taken, to count overdue open requests "
                              "(default: the latest request).")
@click.option("--out", type=click.Path(dir_okay=False), help="Write an HTML report here.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), help="Write JSON here.")
@click.option("--csv", "csv_out", type=click.Path(dir_okay=False),
              help="Write the per-ward table (CSV) here.")
@click.option("--png", "png_out", type=click.Path(dir_okay=False),
              help="Write the demand-vs-staff chart (PNG) here.")
def reallocation(profile_path, requests_path, preset, types, start, end, status, districts,
                 encoding, department, crews, by, weight, as_of, out, json_out, csv_out,
                 png_out) -> None:
    """Each ward's share of requests against its share of staff, and a fairer split."""
    from geo311.crews.reallocation import reallocate
    from geo311.outputs import write_bytes, write_text
    from geo311.render.report import format_p

    _outputs_writable(out, json_out, csv_out, png_out, inputs=[requests_path])
    rows = _request_filter(types, start, end, status, districts)
    city = _open_city(profile_path)
    requests = city.load_requests(rows, path=requests_path, columns=preset, encoding=encoding)
    result = reallocate(requests, city.locator, department, catalog=city.catalog,
                        staffing=city.staffing, key=by, weight=weight, total_crews=crews,
                        as_of=as_of)
    if json_out:
        write_text(json_out, json.dumps(result.as_dict(), indent=2, default=str))
    if out:
        from geo311.render.report import reallocation_html

        write_text(out, reallocation_html(result, department))
    if csv_out:
        write_text(csv_out, result.table.to_csv(index=False))
    if png_out:
        from geo311.render.report import reallocation_png

        write_bytes(png_out, reallocation_png(result, title=f"{department}: requests vs crews"))
    columns = ["ward", "requests", "demand_share", "crews", "staff_share", "ratio",
               "suggested_crews"]
    click.echo(f"{department}: {result.test}, statistic {result.statistic:,.1f}, "
               f"{format_p(result.p_value)}")
    click.echo(result.table[columns].to_string(index=False, float_format=lambda v: f"{v:.3f}"))


def _lonlat(text: str, flag: str) -> tuple[float, float]:
    """``LON,LAT`` as floats, or a usage error naming the flag."""
    parts = text.split(",")
    try:
        lon, lat = (float(p) for p in parts)
    except ValueError:
        raise click.BadParameter(f"{text!r}: give LON,LAT", param_hint=flag) from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise click.BadParameter(f"{text!r}: not a longitude,latitude", param_hint=flag)
    return lon, lat


def _hours(text: str, flag: str = "--shift") -> float:
    """``8h``, ``7.5h``, ``450m`` or a plain number of hours."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(h|m|min)?\s*", text)
    if not match or float(match.group(1)) <= 0:
        raise click.BadParameter(f"{text!r}: give a duration such as 8h or 450m",
                                 param_hint=flag)
    value = float(match.group(1))
    return value / 60 if match.group(2) in ("m", "min") else value


ROUTE_FILES = ("stops.csv", "plan.json", "routes.geojson", "map.html", "crew_sheet.html",
               "crew_sheet.pdf")
"""What ``geo311 route --out DIR`` writes."""


@main.command()
@profile_option
@_with_request_options
@click.option("--db", "db_url", help="Read the open requests from this store (sqlite:///path "
                                     "or postgresql://...) instead of --requests.")
@click.option("--instance", type=click.Path(exists=True, dir_okay=False),
              help="Solve a published instance (TSPLIB .tsp, VRPLIB .vrp, Solomon .txt) "
                   "and print {cost, vehicles, routes, seconds, solver}.")
@click.option("--crews", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--shift", default="8h", show_default=True, help="Shift length, e.g. 8h or 450m.")
@click.option("--break", "pause", help="Each crew's break, e.g. 30m, taken at the first stop "
                                       "finished after --break-after.")
@click.option("--break-after", help="When breaks may start (HH:MM; default: mid-shift).")
@click.option("--depot", "depots", multiple=True,
              help="LON,LAT of a depot; repeat for several (crews are shared out in turn).")
@click.option("--date", "day", help="The day planned (default: today).")
@click.option("--start", "start_time", default="08:00", show_default=True,
              help="Shift start (HH:MM).")
@click.option("--as-of", help="When overdue-ness is measured (default: the shift start).")
@click.option("--done", multiple=True, help="Id of a stop already done (re-plan); repeatable.")
@click.option("--position", "positions", multiple=True,
              help="Where a crew is now, as CREW=LON,LAT (re-plan); repeatable.")
@click.option("--time-limit", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
              help="Solver time (seconds).")
@click.option("--seed", type=click.IntRange(min=0), default=311, show_default=True)
@click.option("--solver", default="auto", show_default=True,
              type=click.Choice(["auto", "pyvrp", "ortools", "vroom", "elkai", "fast_tsp"]),
              help="For --instance and several crews (one crew: heaviest stops first, "
                   "toured by LKH or PyVRP).")
@click.option("--out", type=click.Path(file_okay=False),
              help=f"Directory for {', '.join(ROUTE_FILES)}.")
def route(profile_path, requests_path, preset, types, start, end, status, districts, encoding,
          db_url, instance, crews, shift, pause, break_after, depots, day, start_time, as_of,
          done, positions, time_limit, seed, solver, out) -> None:
    """Crew routes through the open requests, or a published instance's solution.

    \b
      geo311 route --type POTHOLE --district ward=3 --crews 2 --depot -71.1,42.37 --out plan/
      geo311 route --db sqlite:///var/geo311.sqlite --crews 3 --depot LON,LAT --out plan/
      geo311 route --instance tests/data/routes/pr107.tsp --time-limit 5
    """
    if instance:
        return _route_instance(instance, solver, time_limit, seed)
    from geo311.crews.routes import Travel, plan_routes, stops_from_requests

    if db_url and requests_path:
        raise click.UsageError("give --db or --requests, not both")
    team = _route_crews(depots, crews, shift, day, start_time, positions, pause, break_after)
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
    _outputs_writable(*[Path(out) / n for n in ROUTE_FILES] if out else [],
                      inputs=[requests_path])
    rows = _request_filter(types, start, end, status, districts)
    city = _open_city(profile_path)
    if db_url:
        from geo311.service.history import stored_requests
        from geo311.service.store import open_store

        requests = stored_requests(open_store(db_url), rows, city.locator)
    else:
        requests = city.load_requests(rows, path=requests_path, columns=preset,
                                      encoding=encoding)
    stops = stops_from_requests(requests.frame, city.catalog if city.has_catalog else None,
                                as_of=as_of or team[0].start,
                                service_minutes=city.profile.routing.service_minutes)
    plan = plan_routes(stops, team, Travel.from_profile(city.profile), done=done,
                       time_limit=time_limit, seed=seed, solver=solver)
    if out:
        _write_route_outputs(plan, Path(out))
    click.echo(f"{plan.model}; solver {plan.solver} ({plan.seconds:.1f} s)")
    click.echo(plan.crews.to_string(index=False))
    if len(plan.dropped):
        click.echo(f"{len(plan.dropped)} stop(s) left out:")
        kinds = plan.dropped["reason"].str.replace(r" \(.*\)$", "", regex=True)
        click.echo(kinds.value_counts().to_string())


def _route_instance(instance: str, solver: str, time_limit: float, seed: int) -> None:
    """``route --instance``: solve a published instance, print its JSON answer."""
    from geo311.crews.instances import read_instance
    from geo311.crews.solvers import solve

    found = read_instance(instance)
    answer = solve(found.problem, solver, time_limit, seed)
    ids = found.node_ids
    click.echo(json.dumps({
        "name": found.name, "kind": found.kind, "cost": round(answer.cost, 6),
        "vehicles": len(answer.routes), "solver": answer.solver,
        "seconds": round(answer.seconds, 3),
        "routes": [ids[found.problem.client_location[r]].tolist() for r in answer.routes]}))


def _route_crews(depots, crews: int, shift: str, day: str | None, start_time: str,
                 positions, pause: str | None = None, break_after: str | None = None) -> list:
    """The crews of ``route``'s options: ``crew-1`` .. ``crew-N``, depots shared in turn."""
    import pandas as pd

    from geo311.crews.routes import Crew

    if not depots:
        raise click.UsageError("give at least one --depot LON,LAT (or --instance FILE)")
    places = [_lonlat(d, "--depot") for d in depots]
    hours = _hours(shift)
    day = day or f"{pd.Timestamp.now():%Y-%m-%d}"
    try:
        begin = pd.Timestamp(f"{day} {start_time}")
    except ValueError:
        raise click.BadParameter(f"{day!r} {start_time!r}: not a date and time",
                                 param_hint="--date/--start") from None
    now = {}
    for item in positions:
        name, _, where = item.partition("=")
        now[name.strip()] = _lonlat(where, "--position")
    rest = _hours(pause, "--break") * 60 if pause else 0.0
    rest_at = None
    if break_after:
        try:
            rest_at = pd.Timestamp(f"{begin:%Y-%m-%d} {break_after}")
        except ValueError:
            raise click.BadParameter(f"{break_after!r}: give HH:MM",
                                     param_hint="--break-after") from None
    team = [Crew(f"crew-{k + 1}", places[k % len(places)], begin,
                 begin + pd.Timedelta(hours=hours), position=now.get(f"crew-{k + 1}"),
                 break_minutes=rest, break_after=rest_at)
            for k in range(crews)]
    unknown = sorted(set(now) - {c.id for c in team})
    if unknown:
        raise click.BadParameter(f"no crew {', '.join(unknown)} (crews are crew-1 .. "
                                 f"crew-{crews})", param_hint="--position")
    return team


def _write_route_outputs(plan, base: Path) -> None:
    """``route --out``: the stops (CSV), the plan (JSON), the routes (GeoJSON), the map and
    the crew sheet (HTML and PDF)."""
    from geo311.outputs import write_bytes, write_text
    from geo311.render.crew_sheet import crew_sheet, crew_sheet_pdf
    from geo311.render.route_map import route_map

    write_text(base / "stops.csv", plan.stops.to_csv(index=False))
    write_text(base / "plan.json", json.dumps(plan.as_dict(), indent=2))
    write_text(base / "routes.geojson", json.dumps(plan.geojson()))
    write_text(base / "map.html", route_map(plan))
    write_text(base / "crew_sheet.html", crew_sheet(plan))
    write_bytes(base / "crew_sheet.pdf", crew_sheet_pdf(plan))


db_option = click.option(
    "--db", "db_url", default=lambda: os.environ.get("GEO311_DB"),
    show_default="$GEO311_DB or var/geo311.sqlite",
    help="Store URL: sqlite:///path or postgresql://user@host:port/db.")


@main.command("import")
@db_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--preset", type=click.Choice(["demo", "open311", "myla311", "nyc311"]),
              default="demo", show_default=True, help="Column names of the export.")
@profile_option
@click.option("--name", help="Source name (default: the preset); ids are unique per source.")
@click.option("--tz", help="Time zone of naive times in the file (default: the preset's).")
@click.option("--no-locate", is_flag=True, help="Store no districts (no profile needed).")
@click.option("--batch-rows", type=click.IntRange(min=1), default=2000, show_default=True,
              help="Rows per committed batch.")
@encoding_option
@click.option("--parquet", "parquet_out", type=click.Path(file_okay=False),
              help="Write a GeoParquet request table by year/month here instead of the store "
                   "(normalized and located; hotspots --dask --table reads it).")
@_with_dask_options
def import_(db_url, file, preset, profile_path, name, tz, no_locate, batch_rows,
            encoding, parquet_out, use_dask, scheduler, workers) -> None:
    """Load a historical request export into the store (idempotent, resumable).

    \b
      geo311 import --db sqlite:///var/geo311.sqlite data/boundaries/demo/requests.csv
      geo311 import requests.csv --parquet table/ --dask --workers 4
    """
    cluster = _dask(use_dask, scheduler, workers)
    if parquet_out is not None:
        from contextlib import nullcontext

        from geo311.scale.jobs import import_requests
        from geo311.service.requests import preset as preset_columns

        city = None if no_locate else _open_city(profile_path)
        return _run_dask(cluster or nullcontext(), import_requests, city, file,
                         preset_columns(preset), parquet_out, encoding=encoding)
    if cluster is not None:
        raise click.UsageError("--dask writes a GeoParquet table: give --parquet DIR")
    from geo311.service.store import open_store

    locator = None if no_locate else _open_city(profile_path).locator
    with _progress(file, "import") as bar:
        report = open_store(db_url).import_requests(
            file, preset, locator=locator, name=name, tz=tz, batch_rows=batch_rows,
            encoding=encoding, progress=bar.update)
    click.echo(json.dumps(report.as_dict(), indent=2), err=True)
    click.echo(report.summary())


@main.group()
def keys() -> None:
    """API keys of the service."""


@keys.command("create")
@db_option
@click.argument("name")
@click.option("--staff", is_flag=True, help="A staff key (status changes, contact details).")
def keys_create(db_url, name, staff) -> None:
    """Create an API key named NAME and print it (once: only its hash is stored)."""
    from geo311.service.store import open_store

    click.echo(open_store(db_url).create_api_key(name, staff=staff, actor="cli"))


@main.group()
def staff() -> None:
    """Staff logins of the service (POST /api/v1/staff/login)."""


MIN_PASSWORD = 8


@staff.command("create")
@db_option
@click.argument("username")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input (scripts).")
def staff_create(db_url, username, password_stdin) -> None:
    """Create the staff login USERNAME; the password is asked twice (only its argon2
    hash is stored)."""
    from geo311.service.store import open_store

    if password_stdin:
        password = click.get_text_stream("stdin").readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD:
        raise click.UsageError(f"the password must have at least {MIN_PASSWORD} characters")
    store = open_store(db_url)
    try:
        store.create_staff_user(username, password, actor="cli")
    finally:
        store.close()
    click.echo(f"staff user {username.strip()} created", err=True)


@main.command()
@profile_option
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8311, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64),
              help="Worker processes (default: one per CPU core).")
@click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Threads per worker.")
@click.option("--post-limit", default="120 per minute", show_default=True,
              help="Public POSTs allowed per client address (Flask-Limiter notation).")
def serve(profile_path, db_url, host, port, workers, threads, post_limit) -> None:
    """Run the web service (Open311 GeoReport v2 and /api/v1) under gunicorn."""
    from geo311.web.serve import serve as run

    city = _open_city(profile_path)
    click.echo(f"geo311: serving {city.profile.jurisdiction.name} on http://{host}:{port}/ "
               f"(API /api/v1/openapi.json, Open311 /open311/discovery.json)", err=True)
    run(city, db_url, host=host, port=port, workers=workers, threads=threads,
        config={"GEO311_POST_LIMIT": post_limit})


@main.group()
def reference() -> None:
    """The learned address reference: points and aliases the city's staff confirmed."""


@reference.command("learned")
@db_option
@click.option("--status", type=click.Choice(["learned", "rejected", "all"]), default="all",
              show_default=True, help="Which rows to list.")
@click.option("--after", type=click.IntRange(min=0), default=0, help="Only rows after this id.")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write a CSV file (default: one JSON object per line on stdout).")
def reference_learned(db_url, status, after, output) -> None:
    """List the learned points and aliases, and the refused ones with their reasons, each
    with its provenance (source, who, when, request)."""
    import pandas as pd

    from geo311.service.store import open_store
    from geo311.service.store.learned import learned_rows

    if output:
        _outputs_writable(output)
    rows = [row.as_dict() for row in learned_rows(
        open_store(db_url), after=after, status=None if status == "all" else status)]
    if output:
        columns = ["id", "kind", "status", "reason", "address", "said", "alias_of", "lon", "lat",
                   "zip", "source", "actor", "request_id", "learned_at"]
        pd.DataFrame(rows, columns=columns).to_csv(output, index=False)
    else:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
    counts = {s: sum(r["status"] == s for r in rows) for s in ("learned", "rejected")}
    click.echo(json.dumps({"rows": len(rows), **counts}), err=True)


@reference.command("learn")
@profile_option
@db_option
@click.option("--csv", "csv_in", type=click.Path(exists=True, dir_okay=False), required=True,
              help="Confirmed places: an address and its point per row.")
@click.option("--address-col", default="address", show_default=True)
@click.option("--lon-col", default="lon", show_default=True)
@click.option("--lat-col", default="lat", show_default=True)
@click.option("--said-col", help="Column with the caller's words (learned as aliases).")
@click.option("--actor", required=True, help="Who confirmed these places (provenance).")
@click.option("--source", default="import", show_default=True, help="Where they come from.")
@encoding_option
def reference_learn(profile_path, db_url, csv_in, address_col, lon_col, lat_col, said_col,
                    actor, source, encoding) -> None:
    """Learn confirmed places from a CSV: each row is checked, stored with its provenance
    (or refused with the reason) and joins the reference of every service on the store."""
    from geo311.service.learning import ReferenceLearner
    from geo311.service.store import open_store
    from geo311.tables import read_frame

    frame = read_frame(csv_in, encoding=encoding, keep_default_na=False)
    wanted = [address_col, lon_col, lat_col] + ([said_col] if said_col else [])
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise click.UsageError(f"{csv_in} has no column(s) {', '.join(missing)} "
                               f"(columns: {', '.join(map(str, frame.columns))})")
    learner = ReferenceLearner(_open_city(profile_path), open_store(db_url))
    learner.load()
    reasons: dict[str, int] = {}
    learned = 0
    for i, row in enumerate(frame.itertuples(index=False), start=2):
        values = dict(zip(frame.columns, row, strict=True))
        for stored in learner.confirm(str(values[address_col]), values[lon_col],
                                      values[lat_col], source=source, actor=actor,
                                      said=str(values[said_col]) if said_col else None):
            if stored.status == "learned":
                learned += 1
            else:
                reason = stored.reason or "refused"
                click.echo(f"line {i}: {stored.kind} not learned: {reason}", err=True)
                kind = re.sub(r"[\d,.]+", "N", reason.split(":")[0])  # "N m from ..."
                reasons[kind] = reasons.get(kind, 0) + 1
    click.echo(json.dumps({"rows": len(frame), "learned": learned,
                           "refused": sum(reasons.values()), "reasons": reasons}, indent=2),
               err=True)
