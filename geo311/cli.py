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
def locate(profile_path, coords, csv_in, output, lon_col, lat_col, encoding, restart) -> None:
    """Say who serves LON LAT (JSON), or locate every row of a CSV file.

    \b
      geo311 locate --profile profiles/la -118.2427 34.0537
      geo311 locate --profile P --csv requests.csv -o located.csv
    """
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
def validate(profile_path, address, zip_code, city, csv_in, output, address_col, zip_col,
             city_col, encoding, restart) -> None:
    """Validate ADDRESS (JSON), or every address of a CSV file (resumable).

    \b
      geo311 validate --profile data/boundaries/demo "1200 N Main St"
      geo311 validate --csv requests.csv -o checked.csv --address-col address
    """
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
@click.option("--tiles", is_flag=True, help="Add OpenStreetMap tiles (needs internet).")
@click.option("--as-of", help="When the export was taken, for SLA figures by district "
                              "(default: the latest request).")
@click.option("--permutations", type=click.IntRange(min=99), default=9_999, show_default=True,
              help="LISA permutations per cell.")
@click.option("--step", type=click.Choice(["month", "week", "day"]), default="month",
              show_default=True, help="Time step of --method emerging.")
@click.option("--time-window", type=click.IntRange(min=1), default=1, show_default=True,
              help="Steps in a space-time neighborhood (--method emerging; ArcGIS's "
                   "neighborhood time step + 1).")
def hotspots(profile_path, requests_path, preset, types, start, end, status, districts,
             encoding, by, method, resolution, cell_m, band_m, out, json_out, png_out, tiles,
             as_of, permutations, step, time_window) -> None:
    """Where requests concentrate: counts and Gi* hot spots by district, hexagon or grid.

    \b
      geo311 hotspots --type GRAFFITI --by hex --out maps/graffiti.html
      geo311 hotspots --profile profiles/la --requests LA.csv --preset myla311 \\
          --type "Bulky Items" --by council_district --method counts --out maps/bulky.html
    """
    from geo311.hotspots.analysis import analyze
    from geo311.outputs import write_bytes, write_text

    targets = ([Path(out).with_suffix(".tif"), Path(out).with_suffix(".png")]
               if method == "kde" and out else [out, png_out])
    _outputs_writable(*targets, json_out, inputs=[requests_path])
    rows = _request_filter(types, start, end, status, districts)
    city = _open_city(profile_path)
    requests = city.load_requests(rows, path=requests_path, columns=preset, encoding=encoding)
    locator = city.locator
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
def import_(db_url, file, preset, profile_path, name, tz, no_locate, batch_rows,
            encoding) -> None:
    """Load a historical request export into the store (idempotent, resumable).

    \b
      geo311 import --db sqlite:///var/geo311.sqlite data/boundaries/demo/requests.csv
    """
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
