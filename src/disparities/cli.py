"""The ``disparities`` command line."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

__all__ = ["main"]

EPILOG = """examples:
  disparities report --county Durham                 # synthetic demo data
  disparities report --county Durham --data chr2022_nc.xlsx
  disparities counties --state NC
  disparities batch --state NC --counties Durham Wake Robeson
  disparities focus --county Durham                  # the ranked shortlist
  disparities focus --county Durham --choose 2 --reason "our literacy goal"
  disparities deck --county Durham
  disparities app                                    # point and click, in the browser
  disparities fetch chr --state NC --year 2022       # needs internet
"""


#: printed on stderr whenever a command runs on the embedded demo data
SYNTHETIC_WARNING = (
    "disparities: WARNING: no --data given: using the SYNTHETIC demo data "
    "(made-up numbers for practice). Pass --data with your file(s) to use real data."
)


def _load(args):
    from disparities.demo import load_demo

    if not args.data:
        print(SYNTHETIC_WARNING, file=sys.stderr, flush=True)
        return load_demo(), []
    options, source, map_state = {}, args.source, None
    if getattr(args, "map", None):
        from disparities.sources.column_map import read_column_map

        options = read_column_map(args.map)
        source, map_state = source or "tidy", options.pop("state", None)
    tables, reports = [], []
    for path in args.data:
        table, report = _load_file(
            path, args, source=source, map_state=map_state, options=options
        )
        print(report.summary(), file=sys.stderr)
        tables.append(table)
        reports.append(report)
    if len(tables) == 1:
        return tables[0], reports
    from disparities.loaders import combine_loads

    table, combined = combine_loads(tables)
    print(combined.summary(), file=sys.stderr)
    return table, [*reports, combined]


def _load_file(path, args, *, source=None, map_state=None, options=None):
    """Load one file; its places and state come from the file itself.

    ``--state`` is only used to look up county names in a file that does not
    say its state, and otherwise must match the file (it selects, never
    relabels): a Kentucky file with ``--state NC`` is an error.
    """
    from disparities import schema as s
    from disparities.geography import resolve_state
    from disparities.loaders import load_data
    from disparities.schema import DataValidationError

    source = source if source is not None else args.source
    options = dict(options or {})

    def load(state):
        return load_data(
            path, source=source, state=state, strict=args.strict, **options
        )

    try:
        table, report = load(map_state)  # a --map file may name its state
        needs_state = any("no state" in str(r["reason"]) for r in report.rejected)
    except DataValidationError as exc:
        if "state=" not in str(exc) or not args.state:
            raise
        needs_state = True
    if needs_state and args.state:
        table, report = load(args.state)
    if args.state:
        wanted = resolve_state(args.state)[1]
        levels = table[s.GEO_LEVEL].astype(str).isin(["state", "county", "district"])
        found = sorted(set(table.loc[levels.to_numpy(), s.STATE].astype(str)) - {""})
        if found and wanted not in found:
            shown = ", ".join(found[:5]) + (" ..." if len(found) > 5 else "")
            raise DataValidationError(
                f"the file holds data for {shown}, not {wanted}: pass "
                f"--state {found[0]} (--state picks a state in the data; it never "
                "relabels a file)",
                file=path,
            )
    return table, report


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
    p.add_argument(
        "--map",
        default=None,
        metavar="MAPPING",
        help="column-mapping file (.toml or .json) for a tidy file with its own "
        "column names; see README 'Bring your own data'",
    )
    p.add_argument(
        "--state",
        default=None,
        help="state (abbreviation or name); by default the state the data hold "
        "(the demo: NC). It picks a state in the data and never relabels a file",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="stop at the first bad row instead of warning",
    )


#: the embedded demo's state (used when no --data and no --state are given)
DEMO_STATE = "NC"


def _state_from_data(args, table) -> None:
    """Set ``args.state`` from the data when the user gave none (after loading).

    Raises
    ------
    disparities.schema.DataValidationError
        When the data hold several states and none was chosen.
    """
    from disparities import schema as s
    from disparities.schema import DataValidationError

    if args.state is not None:
        return
    levels = table[s.GEO_LEVEL].astype(str).isin(["state", "county"])
    found = sorted(set(table.loc[levels.to_numpy(), s.STATE].astype(str)) - {""})
    if len(found) == 1:
        args.state = found[0]
    elif not found:
        args.state = DEMO_STATE if not getattr(args, "data", None) else None
        if args.state is None:
            raise DataValidationError(
                "the data hold no state or county rows: pass --state"
            )
    else:
        raise DataValidationError(
            f"the data hold several states ({', '.join(found[:8])}): pass --state "
            "to pick one"
        )
    _check_place(args)


def _check_place(args) -> None:
    """Check the county and state names against the county list before any load.

    The list is small, so a misspelt name is answered at once (with the
    closest names) instead of after loading data and geometry.
    """
    from disparities.geography import find_county, resolve_state

    if args.state is None:
        if getattr(args, "data", None):
            return  # the state comes from the data: checked once they are read
        args.state = DEMO_STATE
    resolve_state(args.state)
    county = getattr(args, "county", None)
    if county and not (str(county).isdigit() and len(str(county)) == 5):
        find_county(county, args.state)
    for c in getattr(args, "counties", None) or ():
        if not (str(c).isdigit() and len(str(c)) == 5):
            find_county(c, args.state)


def _profile(args, table, reports):
    from disparities.profile import build_county_profile
    from disparities.report import Progress

    return build_county_profile(
        table,
        args.county,
        state=args.state,
        focus=args.out,
        load_reports=reports,
        progress=Progress(getattr(args, "quiet", False)),
        jobs=getattr(args, "jobs", 0) or os.cpu_count() or 1,
    )


def _profile_or_error(args, table, reports):
    """The profile, or None after printing why a focus record could not be used."""
    from disparities.focus_record import FocusRecordError

    try:
        return _profile(args, table, reports)
    except FocusRecordError as exc:
        print(
            f"disparities: error: {exc}; fix or delete it, then run "
            "'disparities focus --choose N' again",
            file=sys.stderr,
        )
        return None


def _loaded_profile(args):
    """Check the names, load the data, build the profile (None: error printed)."""
    _check_place(args)
    table, reports = _load(args)
    _state_from_data(args, table)
    return _profile_or_error(args, table, reports)


def _focus_command(args, place: str, choose="1") -> str:
    """``disparities focus`` with the data, state and folder of this run."""
    from disparities.focus_record import focus_command

    return focus_command(
        place,
        data=args.data or (),
        state=args.state,
        out=args.out,
        source=args.source,
        column_map=getattr(args, "map", None),
        choose=choose,
    )


def cmd_report(args) -> int:
    from disparities.report import build_county_report

    profile = _loaded_profile(args)
    if profile is None:
        return 2
    paths = build_county_report(
        None,
        args.county,
        out_dir=args.out,
        quiet=args.quiet,
        profile=profile,
        command=_focus_command(args, profile.place),
    )
    print(paths["html"])
    return 0


def cmd_focus(args) -> int:
    from disparities.focus import rank_focus_candidates
    from disparities.focus_record import FocusRecordError, load_focus, save_focus
    from disparities.profile import resolve_place

    _check_place(args)
    table, _ = _load(args)
    _state_from_data(args, table)
    geo_id, place, _, _ = resolve_place(table, args.county, args.state)
    cands = rank_focus_candidates(table, geo_id)
    if args.choose is None:
        current = load_focus(args.out, place)
        for _, r in cands.head(args.top).iterrows():
            print(f"{int(r['rank']):>3}. {r['explanation']}")
        if current:
            print(
                f"\nRecorded focus ({current['path']}): {current['indicator_label']}, "
                f"{current['group']} vs {current['reference_group']}, chosen by "
                f"{current['chosen_by']} on {current['chosen_at']}."
            )
        print("\nTo record a choice: " + _focus_command(args, place, choose="N"))
        return 0
    if not (args.reason or "").strip():
        print(
            'disparities: error: say why you chose it: add --reason "..." (it is '
            "saved with the choice, for the board and for next year's team)",
            file=sys.stderr,
        )
        return 2
    try:
        earlier = load_focus(args.out, place)
    except FocusRecordError:
        earlier = None  # an unreadable record is replaced; the new one is what counts
    try:
        path = save_focus(
            cands, args.choose, args.out, reason=args.reason or "", chosen_by=args.by
        )
    except ValueError as exc:
        print(f"disparities: error: {exc}", file=sys.stderr)
        return 2
    row = cands[cands["rank"] == args.choose].iloc[0]
    if earlier:
        print(
            f"replacing the earlier choice: {earlier.get('indicator_label', '')}, "
            f"{earlier.get('group', '')} vs {earlier.get('reference_group', '')}, "
            f"chosen by {earlier.get('chosen_by', 'unknown')} on "
            f"{earlier.get('chosen_at', '?')} (on {'; '.join(earlier.get('sources') or ['unknown data'])})",
            file=sys.stderr,
        )
    print(f"focus recorded: {row['explanation']}", file=sys.stderr)
    print(path)
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

    _check_place(args)
    table, reports = _load(args)
    _state_from_data(args, table)
    result = build_batch_reports(
        table,
        state=args.state,
        counties=args.counties,
        out_dir=args.out,
        load_reports=reports,
        quiet=args.quiet,
        jobs=args.jobs,
        print_images=args.print_images,
    )
    print(result["overview_html"])
    return 0


def cmd_deck(args) -> int:
    from disparities.deck import render_deck
    from disparities.focus_record import output_file_name

    profile = _loaded_profile(args)
    if profile is None:
        return 2
    path = render_deck(
        profile, Path(args.out) / output_file_name(profile.place, "board_deck.pptx")
    )
    profile.close()
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


def _add_jobs_arg(parser) -> None:
    parser.add_argument(
        "--jobs",
        type=int,
        default=0,
        help="processes drawing the charts (default 0: one per CPU core)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    p = argparse.ArgumentParser(
        prog="disparities",
        description="County child-outcome disparities by race/ethnicity and income: "
        "reports, charts and focus candidates. Works offline.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--debug", action="store_true", help="show the full traceback of an error"
    )
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser(
        "report", help="write a county disparity profile (HTML, PNG, CSV)"
    )
    r.add_argument("--county", required=True, help="county name or 5-digit FIPS")
    _add_data_args(r)
    r.add_argument("--out", default="reports", help="output folder (default: reports)")
    r.add_argument("--quiet", action="store_true", help="no progress messages")
    _add_jobs_arg(r)
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
    b.add_argument(
        "--print-images",
        action="store_true",
        help="also render every chart at 200 dpi for print and slides (slower; by "
        "default the batch writes screen-resolution images, what the pages need)",
    )
    b.add_argument("--quiet", action="store_true")
    b.set_defaults(func=cmd_batch)
    d = sub.add_parser("deck", help="a board deck (.pptx) for one county")
    d.add_argument("--county", required=True)
    _add_data_args(d)
    d.add_argument(
        "--out", default="reports", help="output folder (its focus record is used)"
    )
    d.add_argument("--quiet", action="store_true", help="no progress messages")
    _add_jobs_arg(d)
    d.set_defaults(func=cmd_deck)
    fo = sub.add_parser(
        "focus",
        help="show the ranked shortlist, or record the chosen focus disparity",
    )
    fo.add_argument("--county", required=True, help="county name or 5-digit FIPS")
    _add_data_args(fo)
    fo.add_argument(
        "--choose", type=int, default=None, metavar="N", help="rank in the shortlist"
    )
    fo.add_argument("--reason", default="", help="why this one, in your words")
    fo.add_argument("--by", default=None, help="who chose it (default: login name)")
    fo.add_argument("--top", type=int, default=10, help="shortlist length shown")
    fo.add_argument(
        "--out",
        default="reports",
        help="output folder the record is written to (default: reports)",
    )
    fo.set_defaults(func=cmd_focus)
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
    """Run the command line; returns the exit code.

    Bad input (a data file, a place name, a missing file) prints one line
    naming the file, row and column and returns 2; any other failure prints
    one line and returns 1. ``--debug`` (anywhere on the line) shows the
    traceback instead.
    """
    import warnings

    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    argv = [a for a in argv if a != "--debug"]
    args = build_parser().parse_args(argv)
    with warnings.catch_warnings():
        if not debug:
            warnings.showwarning = _show_warning
        try:
            return args.func(args)
        except BrokenPipeError:  # output piped into `head`
            return 0
        except KeyboardInterrupt:
            print("disparities: interrupted", file=sys.stderr)
            return 130
        except Exception as exc:
            if debug:
                raise
            code, text = _describe_error(exc)
            print(text, file=sys.stderr)
            return code


def exit_now(code: int):
    """End this process with ``code`` at once, after its exit handlers.

    Exit handlers run and the output streams are flushed; then the process
    ends without the interpreter's module teardown, which frees pandas,
    matplotlib, SciPy and every object they hold one at a time: about 0.3 s
    here, a tenth of a county report, that a finished command does not need.
    Only for the end of a process (the ``disparities`` command), never a
    library call.
    """
    import atexit

    try:
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # closed, or a pipe closed early
                pass
        os._exit(code if isinstance(code, int) else 1)


def run() -> None:
    """The ``disparities`` command: :func:`main`, then :func:`exit_now`."""
    exit_now(main())


def _one_line(exc) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 600 else text[:597] + "..."


def _describe_error(exc) -> tuple[int, str]:
    """Exit code and the one line to print for an exception."""
    from disparities.geography import UnknownPlaceError
    from disparities.schema import DataValidationError

    if isinstance(exc, DataValidationError | UnknownPlaceError):
        return 2, f"disparities: error: {_one_line(exc)}"
    if isinstance(exc, FileNotFoundError | IsADirectoryError | PermissionError):
        name = getattr(exc, "filename", None)
        what = exc.strerror or _one_line(exc)
        return 2, f"disparities: error: {what}" + (f": {name}" if name else "")
    if isinstance(exc, OSError):
        return 2, f"disparities: error: {_one_line(exc)}"
    if isinstance(exc, MemoryError):
        return 2, "disparities: error: out of memory (is the input file too large?)"
    return 1, (
        f"disparities: internal error ({type(exc).__name__}: {_one_line(exc)}); "
        "run again with --debug to see where"
    )


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings as one line each (no source line that looks like a traceback)."""
    print(f"disparities: warning: {_one_line(message)}", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    run()
