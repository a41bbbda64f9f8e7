"""The ``geo311`` command line: one short function per subcommand.

Data goes to stdout, progress and summaries to stderr; library errors become
``click.ClickException`` (a message, exit code 1), never a traceback.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path

import click
from tqdm import tqdm

from geo311.errors import Geo311Error

DEFAULT_DEMO_DIR = Path("data/boundaries/demo")


def _errors_as_click(command):
    """Turn a :class:`Geo311Error` raised by ``command`` into a clean CLI error."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except Geo311Error as exc:
            raise click.ClickException(exc.message) from exc

    return wrapper


def _load_locator(profile: str):
    from geo311.jurisdiction import Locator
    from geo311.profile import load_profile

    return Locator.from_profile(load_profile(profile))


profile_option = click.option(
    "--profile", "-p", "profile_path",
    default=lambda: os.environ.get("GEO311_PROFILE", str(DEFAULT_DEMO_DIR)),
    show_default="$GEO311_PROFILE or data/boundaries/demo",
    help="Profile directory or profile.toml.",
)


@click.group()
@click.version_option(package_name="geo311")
def main() -> None:
    """geo311: locate, validate and map city 311 service requests."""


@main.command(context_settings={"ignore_unknown_options": True})
@profile_option
@click.argument("coords", nargs=-1, type=float)
@click.option("--csv", "csv_in", type=click.Path(exists=True, dir_okay=False),
              help="Locate every row of this CSV file instead of one point.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Output CSV (with --csv).")
@click.option("--lon-col", help="Longitude column (default: lon, lng, longitude or x).")
@click.option("--lat-col", help="Latitude column (default: lat, latitude or y).")
@_errors_as_click
def locate(profile_path, coords, csv_in, output, lon_col, lat_col) -> None:
    """Say who serves LON LAT (JSON), or locate every row of a CSV file.

    \b
      geo311 locate --profile profiles/la -118.2427 34.0537
      geo311 locate --profile P --csv requests.csv -o located.csv
    """
    if csv_in is None:
        if len(coords) != 2:
            raise click.UsageError("give LON LAT, or --csv FILE -o OUT")
        answer = _load_locator(profile_path).locate(*coords)
        click.echo(json.dumps(answer, indent=2, ensure_ascii=False))
        return
    if coords:
        raise click.UsageError("give either LON LAT or --csv, not both")
    if not output:
        raise click.UsageError("--csv needs -o/--output")
    from geo311.jurisdiction import locate_csv

    locator = _load_locator(profile_path)
    with open(csv_in, "rb") as handle:
        total = max(sum(1 for _ in handle) - 1, 0)
    with tqdm(total=total, unit="row", desc="locate", file=sys.stderr, disable=None) as bar:
        summary = locate_csv(locator, csv_in, output, lon_col=lon_col, lat_col=lat_col,
                             progress=bar.update)
    click.echo(json.dumps(summary.as_dict(), indent=2), err=True)


@main.group()
def profile() -> None:
    """Inspect jurisdiction profiles."""


@profile.command("check")
@click.argument("path", type=click.Path(exists=True))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@_errors_as_click
def profile_check(path, as_json) -> None:
    """Summarize a profile: layers, CRS, repairs, overlaps, gaps and coverage."""
    from geo311.jurisdiction.check import check_profile, format_check
    from geo311.profile import load_profile

    summary = check_profile(load_profile(path))
    click.echo(json.dumps(summary, indent=2) if as_json else format_check(summary))


@main.command()
@click.option("--out", type=click.Path(file_okay=False), default=str(DEFAULT_DEMO_DIR),
              show_default=True, help="Directory to write the demo region into.")
@click.option("--seed", type=int, default=311, show_default=True)
@click.option("--requests", "n_requests", type=click.IntRange(min=1), default=120_000,
              show_default=True, help="Number of service requests to generate.")
@_errors_as_click
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
@click.option("--restart", is_flag=True, help="Overwrite OUT instead of resuming it.")
@_errors_as_click
def validate(profile_path, address, zip_code, city, csv_in, output, address_col, zip_col,
             city_col, restart) -> None:
    """Validate ADDRESS (JSON), or every address of a CSV file (resumable).

    \b
      geo311 validate --profile data/boundaries/demo "1200 N Main St"
      geo311 validate --csv requests.csv -o checked.csv --address-col address
    """
    from geo311.address.validate import Validator
    from geo311.profile import load_profile

    if csv_in is None:
        if not address:
            raise click.UsageError("give an ADDRESS, or --csv FILE -o OUT --address-col COL")
        answer = Validator(load_profile(profile_path)).validate(address, zip=zip_code, city=city)
        click.echo(json.dumps(answer, indent=2, ensure_ascii=False))
        return
    if address:
        raise click.UsageError("give either ADDRESS or --csv, not both")
    if not output or not address_col:
        raise click.UsageError("--csv needs -o/--output and --address-col")
    from geo311.address.batch import validate_csv

    validator = Validator(load_profile(profile_path))
    with open(csv_in, "rb") as handle:
        total = max(sum(1 for _ in handle) - 1, 0)
    with tqdm(total=total, unit="row", desc="validate", file=sys.stderr, disable=None) as bar:
        summary = validate_csv(validator, csv_in, output, address_col=address_col,
                               zip_col=zip_col, city_col=city_col, resume=not restart,
                               progress=bar.update)
    click.echo(json.dumps(summary, indent=2), err=True)
