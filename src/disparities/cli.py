"""The ``disparities`` command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main"]

EPILOG = """examples:
  disparities report --county Durham                 # synthetic demo data
  disparities report --county Durham --data chr2022_nc.xlsx
  disparities counties --state NC
  disparities batch --state NC --counties Durham Wake Robeson
  disparities deck --county Durham
  disparities app                                    # point and click, in the browser
  disparities fetch chr --state NC --year 2022       # needs internet
"""


def _load(args):
    from disparities.demo import load_demo
    from disparities.loaders import load_data

    if not args.data:
        return load_demo(), []
    tables, reports = [], []
    for path in args.data:
        table, report = load_data(
            path, source=args.source, state=args.state, strict=args.strict
        )
        print(report.summary(), file=sys.stderr)
        tables.append(table)
        reports.append(report)
    from disparities.loaders import combine_tables

    return combine_tables(tables), reports


def _add_data_args(p):
    p.add_argument(
        "--data",
        nargs="*",
        metavar="PATH",
        help="data file(s); default: the synthetic demo data",
    )
    p.add_argument(
        "--source",
        default=None,
        help="force the file format (kids_count, chr, chr_analytic, acs, acs_api, "
        "saipe, report_card, tidy); default: detected",
    )
    p.add_argument("--state", default="NC", help="state (abbreviation or name)")
    p.add_argument(
        "--strict",
        action="store_true",
        help="stop at the first bad row instead of warning",
    )


def cmd_report(args) -> int:
    from disparities.report import build_county_report

    table, reports = _load(args)
    paths = build_county_report(
        table,
        args.county,
        state=args.state,
        out_dir=args.out,
        load_reports=reports,
        quiet=args.quiet,
    )
    print(paths["html"])
    return 0


def cmd_counties(args) -> int:
    from disparities import schema as s

    table, _ = _load(args)
    geo = table[[s.GEO_ID, s.GEO_NAME, s.GEO_LEVEL]].drop_duplicates(s.GEO_ID)
    geo = geo.sort_values([s.GEO_LEVEL, s.GEO_ID])
    inds = table.groupby(s.GEO_ID, observed=True)[s.INDICATOR].nunique()
    for _, r in geo.iterrows():
        print(
            f"{r[s.GEO_ID]:>6}  {r[s.GEO_NAME]:<32} {r[s.GEO_LEVEL]:<8} "
            f"{inds.get(r[s.GEO_ID], 0)} indicators"
        )
    return 0


def cmd_batch(args) -> int:
    from disparities.batch import build_batch_reports

    table, reports = _load(args)
    result = build_batch_reports(
        table,
        state=args.state,
        counties=args.counties,
        out_dir=args.out,
        load_reports=reports,
        quiet=args.quiet,
        jobs=args.jobs,
    )
    print(result["overview_html"])
    return 0


def cmd_deck(args) -> int:
    from disparities.deck import build_county_deck

    table, _ = _load(args)
    path = build_county_deck(
        table,
        args.county,
        state=args.state,
        out_path=Path(args.out) / f"{args.county}_board_deck.pptx",
    )
    print(path)
    return 0


def cmd_demo(args) -> int:
    from disparities.demo import write_demo_data

    for kind, path in write_demo_data(state=args.state).items():
        print(f"{kind}: {path}")
    return 0


def cmd_fetch(args) -> int:
    from disparities import fetch

    if args.what == "chr":
        path = fetch.fetch_chr(args.state, args.year, url=args.url)
    else:
        path = fetch.fetch_acs(args.table, args.state, args.year, url=args.url)
    print(path)
    return 0


def cmd_app(args) -> int:
    from disparities.app import serve_app

    serve_app(
        port=args.port,
        out_dir=args.out,
        state=args.state,
        open_browser=not args.no_browser,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    p = argparse.ArgumentParser(
        prog="disparities",
        description="County child-outcome disparities by race/ethnicity and income: "
        "reports, charts and focus candidates. Works offline.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser(
        "report", help="write a county disparity profile (HTML, PNG, CSV)"
    )
    r.add_argument("--county", required=True, help="county name or 5-digit FIPS")
    _add_data_args(r)
    r.add_argument("--out", default="reports", help="output folder (default: reports)")
    r.add_argument("--quiet", action="store_true", help="no progress messages")
    r.set_defaults(func=cmd_report)
    c = sub.add_parser("counties", help="list the places the data hold")
    _add_data_args(c)
    c.set_defaults(func=cmd_counties)
    b = sub.add_parser("batch", help="profiles for many counties and a cohort overview")
    b.add_argument(
        "--counties",
        nargs="*",
        default=None,
        help="county names (default: every county in the data)",
    )
    _add_data_args(b)
    b.add_argument("--out", default="reports/batch")
    b.add_argument(
        "--jobs",
        type=int,
        default=0,
        help="profiles made at once (default 0: one per CPU core)",
    )
    b.add_argument("--quiet", action="store_true")
    b.set_defaults(func=cmd_batch)
    d = sub.add_parser("deck", help="a board deck (.pptx) for one county")
    d.add_argument("--county", required=True)
    _add_data_args(d)
    d.add_argument("--out", default="reports")
    d.set_defaults(func=cmd_deck)
    a = sub.add_parser(
        "app", help="a point-and-click explorer in your browser (this computer only)"
    )
    a.add_argument("--port", type=int, default=None, help="default: a free port")
    a.add_argument("--out", default="reports", help="where choices and files are saved")
    a.add_argument("--state", default="NC")
    a.add_argument("--no-browser", action="store_true", help="do not open a browser")
    a.set_defaults(func=cmd_app)
    m = sub.add_parser("demo", help="rebuild the synthetic demo data files")
    m.add_argument("--state", default="NC")
    m.set_defaults(func=cmd_demo)
    f = sub.add_parser("fetch", help="download a public data file (needs internet)")
    f.add_argument("what", choices=["chr", "acs"])
    f.add_argument("--state", default="NC")
    f.add_argument("--year", type=int, default=2022)
    f.add_argument("--table", default="B17020B", help="ACS table (fetch acs)")
    f.add_argument("--url", default=None, help="override the download address")
    f.set_defaults(func=cmd_fetch)
    return p


def main(argv=None) -> int:
    """Run the command line; returns the exit code."""
    from disparities.geography import UnknownPlaceError
    from disparities.schema import DataValidationError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (UnknownPlaceError, DataValidationError, FileNotFoundError) as exc:
        print(f"disparities: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head`
        return 0
    except OSError as exc:
        print(f"disparities: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
