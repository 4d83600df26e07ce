"""The ``redwuye`` command line: generate, load, export and inspect organisation graphs."""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer._click import exceptions as click_exceptions
from typer.core import TyperCommand, TyperGroup

from redwuye_graph.errors import (
    LockedError,
    RunError,
    StoreError,
    ValidationError,
    one_line,
    printable,
)
from redwuye_graph.extras import MissingExtra, require
from redwuye_graph.files import FileLock, check_folder, lock_folder
from redwuye_graph.generate import DEFAULT_PRESET, PRESETS, check_preset, generate
from redwuye_graph.outcomes import HEADLINE, SENSITIVITY_OUTCOMES, check_outcomes, describe
from redwuye_graph.rosters import FORMATS, export, write_csv
from redwuye_graph.store import DEFAULT_URI, check_uri, open_store, public_uri

if TYPE_CHECKING:
    from tqdm import tqdm

__all__ = ["app"]

#: Options of the whole program, accepted before or after the subcommand.
GLOBAL_FLAGS = ("--debug",)
#: Metavars for options whose upper-cased name would not say what they take.
_METAVARS = {"store": "URI", "param": "NAME=VALUE", "fmt": "table|csv|json", "cache": "DIR",
             "out": "PATH", "report": "FILE", "baseline": "FOLDER"}


def _readable(params: list[Any]) -> list[Any]:
    """Give every parameter a readable metavar (``--store URI``, ``--seeds SEEDS``; flags
    none), instead of the Python type (``<str>``, ``<bool>``, ``<list[str]>``)."""
    for p in params:
        option = hasattr(p, "is_flag")
        if p.metavar is None:
            flag = option and (p.is_flag or p.count)
            p.metavar = "" if flag else _METAVARS.get(p.name or "", (p.name or "").upper())
        # an argument's name is its metavar already: no second column
        shown = p.metavar if p.metavar and option else None
        # typer draws its own type label unless display_type_rich says otherwise
        p.display_type_rich = lambda ctx, shown=shown: shown
    return params


class _Command(TyperCommand):
    """A command whose help shows readable metavars."""

    def get_params(self, ctx: Any) -> list[Any]:
        """The command's parameters, with readable metavars."""
        return _readable(super().get_params(ctx))


class _Group(TyperGroup):
    """A command group whose global options may come anywhere, whose subcommands show
    readable metavars."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """Move the global flags (``--debug``) in front of the subcommand."""
        end = args.index("--") if "--" in args else len(args)
        flags = [a for a in args[:end] if a in GLOBAL_FLAGS]
        rest = [a for a in args[:end] if a not in GLOBAL_FLAGS] + args[end:]
        return super().parse_args(ctx, flags + rest)

    def get_params(self, ctx: Any) -> list[Any]:
        """The group's parameters, with readable metavars."""
        return _readable(super().get_params(ctx))

    def invoke(self, ctx: Any) -> Any:
        """Run the subcommand; a reader that stops early (``redwuye ... | head``) ends it
        quietly with status 0: the reader has what it wanted."""
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            if not _stdout_closed():
                raise
            raise typer.Exit(0) from None

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             windows_expand_args: bool = True, **extra: Any) -> Any:
        """Run the command line; every failure ends as one line on stderr and an exit
        status != 0 (a traceback only with ``--debug``), usage errors included."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except click_exceptions.NoArgsIsHelpError as exc:  # the help is already shown
            sys.exit(exc.exit_code)
        except click_exceptions.ClickException as exc:
            ctx = getattr(exc, "ctx", None)
            where = f"{ctx.command_path}: " if ctx is not None else ""
            hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            typer.echo(f"error: {where}{one_line(exc.format_message())}{hint}", err=True)
            sys.exit(exc.exit_code)
        except typer.Abort:
            typer.echo("error: aborted", err=True)
            sys.exit(1)
        except Exception as exc:
            if _state["debug"]:
                raise
            typer.echo(f"error: unexpected {type(exc).__name__}: {one_line(str(exc))} "
                       "(add --debug for the traceback)", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def _version(value: bool) -> None:
    if value:
        from redwuye_graph.provenance import code_version

        code = code_version()
        commit = f", commit {code['git_commit']}" if code.get("git_commit") else ""
        typer.echo(f"redwuye-graph {code['package']}{commit}")
        raise typer.Exit()


app = typer.Typer(help="Red Property organisation graphs: generate, load, query, simulate.",
                  no_args_is_help=True, pretty_exceptions_enable=False, cls=_Group)
neo4j_app = typer.Typer(help="A local Neo4j 5 Community server for tests and trials "
                             "(needs Java 17 and Maven).", no_args_is_help=True, cls=_Group)
app.add_typer(neo4j_app, name="neo4j")
_command = partial(app.command, cls=_Command)
_neo4j_command = partial(neo4j_app.command, cls=_Command)

#: Flags of this run of the command line: --debug given; the reader of stdout has gone.
_state = {"debug": False, "stdout_closed": False}
#: Exit status of ``calibrate`` when no trial meets every target or the chosen values did
#: worse than the start on fresh seeds (results are written).
NOT_FITTED = 3
#: Exit status of ``breaches --fail-on-breach`` when there is at least one breach.
BREACHES_FOUND = 4

def _bounds(name: str) -> dict[str, int]:
    """``min`` and ``max`` of an option from the registry of run settings."""
    from redwuye_graph.sim.params import SETTINGS

    spec = SETTINGS[name]
    return {"min": int(spec.low), "max": int(spec.high)}


#: A TCP port (``typer.Option`` bounds): a port out of range is refused in one line.
_PORT = {"min": 1, "max": 65535}



def _store_uri(value: str | None) -> str | None:
    """A ``--store`` URI that names a store (:func:`check_uri`), or a usage error naming
    the option and the URI without its password."""
    if value is not None:
        try:
            check_uri(value)
        except StoreError as exc:
            raise typer.BadParameter(str(exc)) from None
    return value


StoreOpt = Annotated[str, typer.Option("--store", callback=_store_uri,
                                       help="Store URI: embedded:PATH, "
                                       "neo4j://HOST:PORT or bolt://HOST:PORT.")]
FormatOpt = Annotated[str, typer.Option("--format", help="table, csv or json.")]
_FORMATS = ("table", "csv", "json")


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks (before or after "
                                        "the command).")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    _state["debug"] = debug


def _deprecated(old: str, new: str) -> None:
    """Warn on stderr that an old spelling of an option still works but is going away."""
    typer.echo(f"warning: {old} is deprecated; use {new}", err=True)


def _check_format(fmt: str) -> None:
    if fmt not in _FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(_FORMATS)}")


@contextmanager
def _errors() -> Iterator[None]:
    """Turn known errors into a message on stderr and exit code 1 (traceback with --debug)."""
    try:
        yield
    except BrokenPipeError:
        if _stdout_closed():  # the reader of our output, not a socket (a store)
            raise  # ends quietly in _Group.invoke
        typer.echo("error: a connection was closed by the other side (broken pipe)", err=True)
        raise typer.Exit(1) from None
    except (ValidationError, StoreError, LockedError, RunError, MissingExtra, ValueError,
            OSError) as exc:
        if _state["debug"]:
            raise
        typer.echo(f"error: {printable(_os_message(exc))}", err=True)
        raise typer.Exit(1) from None


def _stdout_closed() -> bool:
    """Whether the reader of standard output has gone (a pipe whose reading end is closed
    polls as an error); then stdout is pointed at /dev/null, so that Python's own flush at
    exit does not complain again."""
    import select

    if _state.get("stdout_closed"):
        return True
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a file (a test's capture)
        return False
    poll = select.poll()
    poll.register(fd, select.POLLOUT)
    if not any(events & select.POLLERR for _, events in poll.poll(0)):
        return False
    os.dup2(os.open(os.devnull, os.O_WRONLY), fd)
    _state["stdout_closed"] = True
    return True


def _os_message(exc: BaseException) -> str:
    """What went wrong; an error of the system (disk full, no permission) as 'FILE: why'."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    return str(exc)


def _progress(total: int, desc: str, unit: str) -> tuple[tqdm[Any], Callable[[int], None]]:
    from tqdm import tqdm

    bar: tqdm[Any] = tqdm(total=total, desc=desc, unit=unit, unit_scale=True, disable=None,
                          file=sys.stderr)

    def update(n: int) -> None:
        bar.update(n)

    return bar, update


@_command("generate")
def generate_cmd(
    out: Annotated[Path, typer.Option("--out", help="Roster directory to write.")],
    preset: Annotated[str, typer.Option("--preset", help=f"One of {', '.join(PRESETS)}.")]
        = DEFAULT_PRESET,
    graph_seed: Annotated[int, typer.Option("--graph-seed", **_bounds("graph_seed"),
                                            help="Seed of the city.")] = 0,
    seed: Annotated[int | None, typer.Option("--seed", hidden=True,
                                             help="Deprecated: --graph-seed.")] = None,
) -> None:
    """Generate a synthetic city and write its rosters (CSV).

    Example: redwuye generate --preset district --graph-seed 1 --out build/district
    """
    if seed is not None:
        _deprecated("generate --seed", "--graph-seed")
        graph_seed = seed
    with _errors():
        started = time.perf_counter()
        city = generate(preset, seed=graph_seed)
        write_csv(city, out)
        n_rels = city.graph.number_of_edges()
        typer.echo(f"generated {preset} (graph seed {graph_seed}): {len(city):,} nodes, "
                   f"{n_rels:,} relationships in {time.perf_counter() - started:.1f} s -> {out}")


_MODE_NOTE = {"check": "", "merge": " (merged)", "replace": " (replacing what it held)"}


@_command("load")
def load_cmd(
    source: Annotated[Path, typer.Argument(
        help="Roster: a CSV directory, or a .json, .graphml or .xlsx file.")],
    store: StoreOpt = DEFAULT_URI,
    replace: Annotated[bool, typer.Option(
        "--replace", help="Make the store exactly this roster (what it held before and the "
        "roster does not name is removed); all or nothing.")] = False,
    merge: Annotated[bool, typer.Option(
        "--merge", help="MERGE into what the store holds: nodes and relationships the "
        "roster names are added or overwritten, nothing is removed.")] = False,
) -> None:
    """Validate a roster and load it into a store.

    By default a roster that disagrees with what the store holds about its nodes is
    refused, naming the ids that differ; --replace or --merge say what to do instead.

    Example: redwuye load build/district --store embedded:build/district.rdb --replace
    """
    from redwuye_graph.rosters import read_roster
    from redwuye_graph.store import LoadMode

    with _errors():
        if replace and merge:
            raise ValueError("give --replace or --merge, not both")
        mode = LoadMode.REPLACE if replace else LoadMode.MERGE if merge else LoadMode.CHECK
        city = read_roster(source)
        total = len(city) + city.graph.number_of_edges()
        with open_store(store) as db:
            bar, update = _progress(total, "loading", " rows")
            with bar:
                report = db.load(city, progress=update, mode=mode)
        typer.echo(f"loaded {report.nodes:,} nodes and {report.relationships:,} relationships "
                   f"into {public_uri(store)} in {report.seconds:.1f} s{_MODE_NOTE[mode]}")


@_command("template")
def template_cmd(
    out: Annotated[Path, typer.Option("--out", help="The workbook to write (.xlsx).")],
) -> None:
    """Write an empty roster workbook to fill in: one sheet per kind of body and of link,
    Chinese and English headers, drop-down lists of allowed values.

    Example: redwuye template --out roster.xlsx   (fill it in, then: redwuye load roster.xlsx)
    """
    from redwuye_graph.workbook import write_xlsx

    with _errors():
        if out.suffix.lower() != ".xlsx":
            raise ValueError(f"--out {out} must end in .xlsx")
        if out.is_dir():
            raise ValueError(f"--out {out} is a folder; give a file name ending in .xlsx")
        write_xlsx(None, out)
        typer.echo(f"wrote the roster template -> {out}")


@_command("export")
def export_cmd(
    out: Annotated[Path, typer.Option("--out", help="Output directory (csv) or file.")],
    store: StoreOpt = DEFAULT_URI,
    fmt: Annotated[str, typer.Option("--format", metavar="|".join(FORMATS),
                                     help=f"One of {', '.join(FORMATS)}.")] = "csv",
) -> None:
    """Read the graph from a store and export it. neo4j-admin: the roster CSVs, import.sh
    (the complete 'neo4j-admin database import full' command) and constraints.cypher (to
    run once the imported database is started); both commands are printed.

    Example: redwuye export --store embedded:build/district.rdb --format neo4j-admin --out d
    """
    from redwuye_graph.rosters import import_command

    with _errors():
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
        with open_store(store, must_exist=True) as db:
            city = db.read()
        export(city, fmt, out)
        typer.echo(f"exported {len(city):,} nodes as {fmt} -> {out}")
    if fmt == "neo4j-admin":
        where = shlex.quote(str(out))
        typer.echo(f"bulk-load it into a new or empty, stopped Neo4j (sh {where}/import.sh):\n"
                   f"cd {where} && {import_command()}\n"
                   f"then, with Neo4j started, create the constraints:\n"
                   f"cypher-shell -d neo4j -f {where}/constraints.cypher")


@_command("stats")
def stats_cmd(
    store: StoreOpt = DEFAULT_URI,
    fmt: FormatOpt = "table",
    as_json: Annotated[bool, typer.Option("--json", hidden=True,
                                          help="Deprecated: --format json.")] = False,
) -> None:
    """Counts per node label and relationship type (csv and json: kind, name, count).

    Example: redwuye stats --store embedded:build/district.rdb --format csv
    """
    import pandas as pd

    with _errors():
        _check_format(fmt)
        with open_store(store, must_exist=True) as db:
            counts = db.stats()
    if as_json:
        _deprecated("stats --json", "--format json (one row per label or type)")
        typer.echo(json.dumps(counts, indent=1))
        return
    if fmt != "table":
        _emit(pd.DataFrame([{"kind": kind, "name": name, "count": n}
                            for kind, table in counts.items() for name, n in table.items()]),
              fmt)
        return
    for kind, table in counts.items():
        typer.echo(f"{kind}:")
        for name, n in table.items():
            typer.echo(f"  {name:<24} {n:>9,}")
        typer.echo(f"  {'total':<24} {sum(table.values()):>9,}")


CacheOpt = Annotated[Path | None, typer.Option("--cache", help="Cache directory "
                     "(default: $REDWUYE_CACHE or .cache/redwuye).")]


@_neo4j_command("start")
def neo4j_start(
    bolt_port: Annotated[int, typer.Option("--bolt-port", min=0, max=_PORT["max"],
                                           help="Bolt port on 127.0.0.1 (0: a free one).")
                         ] = 7687,
    port: Annotated[int | None, typer.Option("--port", hidden=True, min=0, max=_PORT["max"],
                                             help="Deprecated: --bolt-port.")] = None,
    http_port: Annotated[int | None, typer.Option(
        "--http-port", min=0, max=_PORT["max"],
        help="Also serve HTTP and Neo4j Browser on this port (0: a free one).")] = None,
    browser: Annotated[bool, typer.Option(
        "--browser", help="Serve Neo4j Browser (HTTP on --http-port, default 7474) and print "
        "its address.")] = False,
    cache: CacheOpt = None,
) -> None:
    """Fetch (once) and start a local Neo4j 5 Community; prints its Bolt URI (and Neo4j
    Browser's address with --browser).

    Example: redwuye neo4j start --bolt-port 7687 --browser
    """
    from redwuye_graph import neo4j_local

    if port is not None:
        _deprecated("neo4j start --port", "--bolt-port")
        bolt_port = port
    with _errors():
        try:
            if browser and http_port is None:
                http_port = 7474
            typer.echo("starting Neo4j (the first start fetches its jars with Maven: a few "
                       "minutes)", err=True)
            server = neo4j_local.start(cache, bolt_port=bolt_port, detach=True,
                                       http_port=http_port)
        except neo4j_local.Neo4jLocalError as exc:
            raise StoreError(str(exc)) from exc
    where = "" if cache is None else f" --cache {shlex.quote(str(cache))}"
    typer.echo(f"Neo4j running at {server.uri} (pid {server.pid}); "
               f"stop it with 'redwuye neo4j stop{where}'")
    if server.browser_url:
        typer.echo(f"Neo4j Browser: {server.browser_url}")


@_neo4j_command("shell", context_settings={"allow_extra_args": True,
                                          "ignore_unknown_options": True})
def neo4j_shell(ctx: typer.Context, cache: CacheOpt = None) -> None:
    """Neo4j's cypher-shell on the local server (fetched once with Maven); other arguments
    go to cypher-shell as they are (-f FILE, --param 'name => value', a query).

    Example: redwuye neo4j shell -f cypher/compliance/company_without_org_or_instructor.cypher
    """
    import subprocess

    from redwuye_graph import neo4j_local

    with _errors():
        try:
            cmd = neo4j_local.shell_command(cache, list(ctx.args))
        except neo4j_local.Neo4jLocalError as exc:
            raise StoreError(str(exc)) from exc
    raise typer.Exit(subprocess.call(cmd))


@_neo4j_command("admin", context_settings={"allow_extra_args": True,
                                          "ignore_unknown_options": True})
def neo4j_admin(ctx: typer.Context, cache: CacheOpt = None) -> None:
    """Neo4j's neo4j-admin on the local server's home (the server stopped for an import);
    other arguments go to it as they are.

    Example: NEO4J_ADMIN='redwuye neo4j admin' sh build/d/import.sh   (then neo4j start)
    """
    import subprocess

    from redwuye_graph import neo4j_local

    with _errors():
        try:
            cmd, env = neo4j_local.admin_command(cache, list(ctx.args))
        except neo4j_local.Neo4jLocalError as exc:
            raise StoreError(str(exc)) from exc
    raise typer.Exit(subprocess.call(cmd, env=env))


@_neo4j_command("stop")
def neo4j_stop(cache: CacheOpt = None) -> None:
    """Stop the local Neo4j started by 'redwuye neo4j start'."""
    from redwuye_graph import neo4j_local

    typer.echo("stopped" if neo4j_local.stop(cache) else "not running")


@_neo4j_command("status")
def neo4j_status(cache: CacheOpt = None) -> None:
    """Say whether the local Neo4j runs, and where."""
    from redwuye_graph import neo4j_local

    server = neo4j_local.status(cache)
    if server is None:
        typer.echo("not running")
        raise typer.Exit(3)
    typer.echo(f"running at {server.uri} (pid {server.pid})")
    if server.browser_url:
        typer.echo(f"Neo4j Browser: {server.browser_url}")


# -- simulate (the Mesa simulation; owner: redwuye_graph/sim) -------------------------------
ExecutorOpt = Annotated[str, typer.Option(
    "--executor", help="serial, local (process pool), dask (a LocalCluster) or "
    "dask=tcp://HOST:8786 (a running scheduler).")]
WorkersOpt = Annotated[int | None, typer.Option(
    "--workers", **_bounds("workers"),
    help="Processes of local or of a dask LocalCluster (default: cores).")]


@_command("simulate")
def simulate_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (simulations/*.toml).")],
    out: Annotated[Path, typer.Option("--out", help="Output directory (Parquet, plot.png, "
                                      "manifest.json).")],
    seeds: Annotated[int | None, typer.Option(
        "--seeds", **_bounds("seeds"),
        help="Run seeds per base city (default: the file's seeds).")] = None,
    graph_seeds: Annotated[int | None, typer.Option(
        "--graph-seeds", **_bounds("graph_seeds"),
        help="Base cities: graph seeds from the file's graph_seed "
        "(default: the file's graph_seeds).")] = None,
    executor: ExecutorOpt = "serial",
    workers: WorkersOpt = None,
    report: Annotated[bool, typer.Option("--report", help="Also write OUT/report.html: one "
                                         "self-contained page (plots, parameters, policies, "
                                         "outcome tables) to mail.")] = False,
    baseline: Annotated[Path | None, typer.Option(
        "--baseline", help="With --report: a finished result folder of the baseline "
        "scenario on the same base cities; the report adds the paired differences from it "
        "with their 95% intervals.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table (one line), csv or json (the "
                                     "outcomes of each run, city-wide).")] = "table",
) -> None:
    """Run a scenario over base cities × run seeds; write per-day tables (Parquet), a plot
    with bands and OUT/manifest.json (what produced them).

    Example: redwuye simulate simulations/cross_appointment.toml --out build/cross \
    --graph-seeds 3 --seeds 2 --executor local --report --baseline build/baseline
    """
    import pandas as pd

    from redwuye_graph.experiments import make_executor
    from redwuye_graph.sim.scenario import load_scenario, simulate

    with _errors():
        _check_format(fmt)
        if baseline is not None and not report:
            raise ValueError("--baseline is for the report: add --report")
        sc = load_scenario(scenario)
        check_folder(out, "--out")
        if baseline is not None:  # refused before the runs: no result, other base cities
            from redwuye_graph.experiments.compare import check_baseline

            sc = sc.snapshot()
            check_baseline(baseline, sc, graph_seeds)
        runs = len(sc.graph_seed_list(graph_seeds)) * len(sc.seed_list(seeds))
        started = time.perf_counter()
        bar, update = _progress(runs, f"simulating {sc.name}", " runs")
        with make_executor(executor, workers) as ex, bar:
            tables = simulate(sc, out, seeds=seeds, graph_seeds=graph_seeds, executor=ex,
                              progress=update)
        city_wide = tables["summary"].query("group == 'all'")
        row = city_wide.mean(numeric_only=True)
        done = (f"{sc.name}: {runs} run(s) of {sc.days} days in "
                f"{time.perf_counter() - started:.1f} s -> {out}")
        if fmt == "table":
            typer.echo(done)
            typer.echo(f"  {describe(row)} (mean of runs)")
        else:
            typer.echo(done, err=True)
            _emit(city_wide.drop(columns="group").reset_index(drop=True), fmt)
        if "observed" in tables:
            from redwuye_graph.observed import lines

            typer.echo(f"  observed vs simulated ({out / 'observed.csv'}):",
                       err=fmt != "table")
            for line in lines(tables["observed"]):
                typer.echo(f"    {line}", err=fmt != "table")
        log = tables["log"]
        for (day, policy, message), group in log.groupby(["day", "policy", "message"]):
            typer.echo(f"  log: day {day}: {policy}: {message} ({len(group)} of {runs} "
                       "run(s))", err=fmt != "table")
        if report:
            from redwuye_graph.report import ESTATE_COLUMNS, write_report

            estate = out / "estate.parquet"
            if estate.exists():
                tables["estate"] = pd.read_parquet(estate, columns=list(ESTATE_COLUMNS))
            seconds = time.perf_counter() - started
            paired = None
            if baseline is not None:
                from redwuye_graph.experiments.compare import paired_comparison

                paired = (paired_comparison(baseline, out), baseline, out)
            page = write_report(sc, tables, out / "report.html", seconds=seconds,
                                baseline=paired)
            typer.echo(f"  report -> {page}", err=fmt != "table")


@_command("compare")
def compare_cmd(
    a: Annotated[Path, typer.Argument(help="Result folder of 'redwuye simulate'.")],
    b: Annotated[Path, typer.Argument(help="Another result folder, on the same base cities.")],
    different_cities: Annotated[bool, typer.Option(
        "--different-cities", help="Difference runs even if their base cities differ (the "
        "difference then mixes the policy with the cities).")] = False,
    districts: Annotated[bool, typer.Option("--districts", help="Also print each "
                                            "district's differences.")] = False,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json (csv and json: "
                                     "all rows, districts too).")] = "table",
    report: Annotated[Path | None, typer.Option(
        "--report", help="Also write this HTML page: a chart of the differences with their "
        "intervals and every table (self-contained, to mail).")] = None,
    attribute: Annotated[bool, typer.Option(
        "--attribute", help="Also split each outcome's gain by mechanism: run both "
        "scenarios again on the same run pairs with channels switched off (one at a time "
        "and Shapley); see docs/experiments.md.")] = False,
    channels: Annotated[str | None, typer.Option(
        "--channels", help="With --attribute: comma-separated channels (default: all; "
        "'redwuye channels' lists them).")] = None,
    method: Annotated[str, typer.Option(
        "--method", help="With --attribute: both, one_at_a_time or shapley.")] = "both",
    permutations: Annotated[int, typer.Option(
        "--permutations", **_bounds("permutations"),
        help="With --attribute: sampled orders for Shapley when "
        "more than 5 channels are in play.")] = 8,
    outcomes: Annotated[str | None, typer.Option(
        "--outcomes", help="With --attribute: comma-separated outcomes (default: the "
        "headline ones).")] = None,
    executor: ExecutorOpt = "serial",
    workers: WorkersOpt = None,
) -> None:
    """Paired differences b - a per outcome with 95% intervals: city, linkage groups
    (day-0 cohorts of the base city) and districts; with --attribute, what each mechanism
    carries of them.

    Example: redwuye compare build/baseline build/all_linkage --attribute --executor local \
    --report build/compare.html
    """
    from redwuye_graph.experiments.compare import paired_comparison

    with _errors():
        _check_format(fmt)
        result = paired_comparison(a, b, different_cities=different_cities)
        split = None
        if attribute:
            if not result.same_cities:
                raise ValueError("--attribute needs the same base cities (it reruns the "
                                 "scenarios on them); drop --different-cities")
            split = _attribution(a, b, channels, method, permutations, outcomes, executor,
                                 workers)
        if report is not None:
            from redwuye_graph.report import write_comparison_report

            page = write_comparison_report(result, a, b, report, attribution=split)
            typer.echo(f"report -> {page}", err=True)
        if fmt != "table":
            _emit(result.table if split is None else split.table, fmt)
            return
        typer.echo(f"a = {result.a} ({a}), b = {result.b} ({b})")
        typer.echo(result.describe())
        table = result.table
        shown = table if districts else table[table["scope"] != "district"]
        for key, part in shown.groupby("scope", sort=False):
            scope = str(key)
            typer.echo(f"\n{scope}:" if scope == "city" else
                       f"\nby {'linkage group on day 0' if scope == 'group' else scope}:")
            if scope != "city":
                part = part[part["outcome"].isin(HEADLINE)]
            typer.echo(_difference_view(part, scope != "city").to_string(index=False))
        if split is not None:
            typer.echo(f"\nattribution: {split.describe()}")
            for outcome in split.table["outcome"].unique():
                wide = split.wide(str(outcome))
                view = wide[["part"]].copy()
                for how in split.table["method"].unique():
                    view[str(how)] = wide[f"{how}_value"]
                    view[f"{how} interval"] = [_interval(lo, hi) for lo, hi in zip(
                        wide[f"{how}_low"], wide[f"{how}_high"], strict=True)]
                    view[f"{how} share"] = [f"{v:.0%}" if v == v else "" for v in
                                            wide[f"{how}_share"]]
                typer.echo(f"\n{outcome}:")
                typer.echo(view.to_string(index=False, float_format=lambda v: f"{v:,.3f}"))


def _attribution(a: Path, b: Path, channels: str | None, method: str, permutations: int,
                 outcomes: str | None, executor: str, workers: int | None) -> Any:
    """The attribution of folder ``b``'s gain over ``a`` on the run pairs both ran."""
    from redwuye_graph.experiments import make_executor
    from redwuye_graph.experiments.attribution import attribute
    from redwuye_graph.provenance import read_manifest, rerun

    ma, mb = read_manifest(a), read_manifest(b)
    sa, sb = rerun(ma)[0], rerun(mb)[0]
    pairs = ({(g, s) for g in ma["graph_seeds"] for s in ma["seeds"]}
             & {(g, s) for g in mb["graph_seeds"] for s in mb["seeds"]})
    bar, update = _progress(0, "attribution", "run")

    def plan(total: int) -> None:
        bar.total = total
        bar.refresh()

    with make_executor(executor, workers) as ex, bar:
        return attribute(sa, sb, channels=_names(channels), method=method,
                         permutations=permutations,
                         outcomes=_names(outcomes) or HEADLINE, pairs=pairs, executor=ex,
                         progress=update, on_plan=plan)


def _names(text: str | None) -> list[str] | None:
    return None if text is None else [n.strip() for n in text.split(",") if n.strip()]


@_command("channels")
def channels_cmd(fmt: FormatOpt = "table") -> None:
    """List the mechanisms 'compare --attribute' can switch off: name, meaning and how.

    Example: redwuye channels
    """
    import pandas as pd

    from redwuye_graph.experiments.attribution import CHANNELS

    with _errors():
        _check_format(fmt)
        rows = pd.DataFrame([{"channel": ch.name, "meaning": ch.meaning, "off": ", ".join(
            [f"{k}={v}" for k, v in ch.overrides.items()]
            + [f"without policy {kind}" for kind in ch.policies])} for ch in CHANNELS.values()])
    if fmt != "table":
        _emit(rows, fmt)
        return
    for row in rows.itertuples():
        typer.echo(f"{row.channel:<22} {row.meaning}\n{'':<22} off: {row.off}")


def _difference_view(part: Any, by_unit: bool) -> Any:
    """Rows of a paired comparison as printed: a, b and b - a with its 95% interval, each
    in its outcome's unit (shares in %, counts whole)."""
    import pandas as pd

    from redwuye_graph.outcomes import unit_of
    from redwuye_graph.plotting import format_difference, format_value

    rows = []
    for r in part.to_dict("records"):
        unit = unit_of(r["outcome"])
        rows.append({**({"unit": r["unit"]} if by_unit else {}), "outcome": r["outcome"],
                     "a": format_value(r["a"], unit), "b": format_value(r["b"], unit),
                     "b - a [95%]": format_difference(r["difference"], r["low"], r["high"],
                                                      unit)})
    return pd.DataFrame(rows)


def _interval(low: float, high: float) -> str:
    return "n/a (one run)" if low != low else f"[{low:,.3f}, {high:,.3f}]"


@_command("show")
def show_cmd(
    folder: Annotated[Path, typer.Argument(help="Result folder of 'redwuye simulate'.")],
    fmt: Annotated[str, typer.Option("--format", help="table, csv (key, value) or json (the "
                                     "manifest).")] = "table",
) -> None:
    """Print what produced a result folder (its manifest.json).

    Example: redwuye show build/demo/baseline --format json
    """
    import pandas as pd

    from redwuye_graph.provenance import read_manifest

    with _errors():
        _check_format(fmt)
        m = read_manifest(folder)
        if fmt == "json":
            typer.echo(json.dumps(m, ensure_ascii=False, indent=1))
            return
        if fmt == "csv":
            flat = pd.json_normalize(m, sep=".").iloc[0]
            _emit(pd.DataFrame({"key": flat.index, "value": [json.dumps(v, ensure_ascii=False)
                                                              if isinstance(v, list | dict)
                                                              else v for v in flat]}), "csv")
            return
        code = m["code"]
        typer.echo(f"{m['scenario']['name']} ({m['scenario']['path']}): {m['days']} days, "
                   f"graph seeds {m['graph_seeds']}, run seeds {m['seeds']}")
        for g, base in m["base_cities"].items():
            where = base.get("store") or f"preset {base['preset']!r}"
            typer.echo(f"  base city {g}: {where}, graph hash {base['graph_hash'][:16]}")
        typer.echo(f"  changes on day 0: {m['levels'] or 'none'}")
        for p in m["policies"]:
            values = ", ".join(f"{k}={v}" for k, v in p.items() if k != "kind")
            typer.echo(f"  policy {p['kind']}: {values}")
        typer.echo(f"  code: redwuye-graph {code['package']}, commit {code['git_commit']}"
                   f"{' (with local changes)' if code['git_dirty'] else ''}")
        typer.echo(f"  ran {m['started']} .. {m['ended']}")


# -- coverage, breaches and the Cypher library ------------------------------------------------
# Commands over the named queries in cypher/ (redwuye_graph/queries.py).

#: Query parameters and options that name a node by id, and the node's label.
_ID_PARAMS = {"district": "District", "street": "Street", "community": "Community",
              "estate": "Estate", "company": "PropertyCompany", "project": "Project",
              "person": "Person"}


def _check_ids(db: Any, params: dict[str, Any]) -> None:
    """ValueError (exit 1) for a parameter naming a node by an id the store does not hold."""
    from redwuye_graph.schema import Label

    for key, value in params.items():
        if key in _ID_PARAMS and isinstance(value, str):
            problem = db.unknown_id(Label(_ID_PARAMS[key]), value)
            if problem is not None:
                raise ValueError(f"{key}: {problem}")


_COVERAGE_LEVELS = ("estate", "community", "street", "district", "city", "all")
#: Columns the table format shows for roll-ups with many rows (csv and json show all).
_SUMMARY_BRIEF = ["level", "area", "name", "estates", "households", "tripartite_share",
                  "secretary_instructor_share", "quality_supervisor_share",
                  "owners_committee_share", "owners_committee_party_member_share",
                  "estates_cross_appointed_share", "vacuum", "companies_neither",
                  "companies_unrecorded"]
_ESTATE_BRIEF = ["estate", "name", "community", "households", "company", "owners_committee",
                 "secretary_instructor", "quality_supervisor", "head_on_regional_committee",
                 "community_member_on_owners_committee", "tripartite", "cross_appointed"]


def _emit(frame: Any, fmt: str, brief: list[str] | None = None) -> None:
    """Print a table as text (wide tables with one to three rows transposed), CSV or JSON."""
    _check_format(fmt)
    if fmt == "csv":
        typer.echo(frame.to_csv(index=False), nl=False)
    elif fmt == "json":
        rows = json.loads(frame.to_json(orient="records", force_ascii=False))
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
    elif frame.empty:
        typer.echo("(no rows)")
    elif len(frame) <= 3 and len(frame.columns) > 8:
        typer.echo(frame.set_axis(range(len(frame))).T.to_string(header=False))
    else:
        shown = frame[[c for c in brief if c in frame.columns]] if brief else frame
        typer.echo(shown.to_string(index=False))


@_command("coverage")
def coverage_cmd(
    store: StoreOpt = DEFAULT_URI,
    level: Annotated[str, typer.Option(
        "--level", help=f"One of {', '.join(_COVERAGE_LEVELS)}.")] = "district",
    fmt: FormatOpt = "table",
    district: Annotated[str | None, typer.Option("--district",
                                                 help="Only this district (id).")] = None,
    worst: Annotated[int | None, typer.Option(
        "--worst", **_bounds("worst"),
        help="Only the N rows with the lowest --by value (ties: most households first); "
        "rows where it is undefined (a share of nothing, e.g. no owners' committee seats) "
        "come first.")] = None,
    by: Annotated[str, typer.Option("--by", help="Column that ranks --worst.")]
        = "tripartite_share",
) -> None:
    """Cross-appointment coverage per estate or rolled up, with counts and shares.

    Example: redwuye coverage --store embedded:city.rdb --level community --worst 10
    """
    from redwuye_graph.queries import run_query

    with _errors():
        if level not in _COVERAGE_LEVELS:
            raise ValueError(f"unknown level {level!r}; choose one of "
                             f"{', '.join(_COVERAGE_LEVELS)}")
        with open_store(store, must_exist=True) as db:
            _check_ids(db, {"district": district})
            if level == "estate":
                frame = run_query(db, "coverage/estate", {"district": district})
            else:
                frame = run_query(db, "coverage/summary", {"level": level, "district": district})
        if worst is not None:
            if by not in frame.columns:
                raise ValueError(f"unknown --by column {by!r}; choose one of "
                                 f"{', '.join(frame.columns)}")
            key = "estate" if level == "estate" else "area"
            frame = frame.sort_values([by, "households", key], ascending=[True, False, True],
                                      na_position="first", kind="stable").head(worst)
        _emit(frame, fmt, _ESTATE_BRIEF if level == "estate" else _SUMMARY_BRIEF)


@_command("breaches")
def breaches_cmd(
    store: StoreOpt = DEFAULT_URI,
    fmt: FormatOpt = "table",
    min_party_members: Annotated[int, typer.Option(
        "--min-party-members", min=1,
        help="Party members on staff from which a company must have a party organisation.")]
        = 3,
    fail_on_breach: Annotated[bool, typer.Option(
        "--fail-on-breach", help=f"Exit with status {BREACHES_FOUND} when there is any breach "
        "(a CI gate).")] = False,
) -> None:
    """Every compliance breach, one row each with the rule it breaks; then how many cases
    of each rule the roster does not record enough to decide (not breaches).

    Example: redwuye breaches --store embedded:city.rdb --format csv --fail-on-breach
    """
    import pandas as pd

    from redwuye_graph.queries import run_group

    with _errors():
        _check_format(fmt)
        with open_store(store, must_exist=True) as db:
            tables = run_group(db, "compliance", {"min_party_members": min_party_members})
            unknown = run_group(db, "compliance", {"min_party_members": min_party_members,
                                                   "unrecorded": True})
    frame = pd.concat(tables.values(), ignore_index=True).sort_values(
        ["rule", "subject", "detail"], kind="stable")
    _emit(frame.reset_index(drop=True), fmt)
    if fmt == "table":
        counts = frame.groupby("rule").size()
        unrecorded = pd.concat(unknown.values(), ignore_index=True).groupby("rule").size()
        typer.echo("\n" + "\n".join(f"{n:>7,}  {rule}" for rule, n in counts.items())
                   + f"\n{len(frame):>7,}  breaches"
                   + "".join(f"\n{n:>7,}  not recorded: {rule}"
                             for rule, n in unrecorded.items()))
    if fail_on_breach and len(frame):
        typer.echo(f"{len(frame):,} breach(es)", err=True)
        raise typer.Exit(BREACHES_FOUND)


@_command("query")
def query_cmd(
    name: Annotated[str, typer.Argument(help="Query name, e.g. coverage/summary.")],
    store: StoreOpt = DEFAULT_URI,
    param: Annotated[list[str] | None, typer.Option(
        "--param", help="A parameter as NAME=VALUE (repeatable).")] = None,
    fmt: FormatOpt = "table",
    for_shell: Annotated[bool, typer.Option(
        "--print-for-shell", help="Print the query with a ':param' line for every parameter "
        "(these values) for cypher-shell -f or Neo4j Browser; run nothing.")] = False,
) -> None:
    """Run one query of the Cypher library with parameters.

    Example: redwuye query coverage/summary --store embedded:city.rdb --param level=street
    (redwuye query analysis/brokers --param community=C00012 --print-for-shell | cypher-shell)
    """
    from redwuye_graph.queries import bind, get_query, run_query

    with _errors():
        params = {}
        for item in param or []:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise ValueError(f"--param {item!r} is not NAME=VALUE (e.g. --param level=city)")
            params[key.strip()] = value
        bound = bind(get_query(name), params)  # check before opening the store
        if for_shell:
            typer.echo(get_query(name).for_shell(bound), nl=False)
            return
        with open_store(store, must_exist=True) as db:
            _check_ids(db, {k: v for k, v in bound.items() if k in params})
            frame = run_query(db, name, params)
        _emit(frame, fmt)


@_command("queries")
def queries_cmd(
    verbose: Annotated[bool, typer.Option("--verbose", "-v",
                                          help="Also list parameters and columns.")] = False,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json (name, purpose, "
                                     "params, returns).")] = "table",
) -> None:
    """List the Cypher library: each query's name and purpose.

    Example: redwuye queries --verbose
    """
    from redwuye_graph.queries import load_library

    with _errors():
        _check_format(fmt)
        library = load_library()
    if fmt != "table":
        import pandas as pd

        _emit(pd.DataFrame([{"name": name, "purpose": q.purpose,
                             "params": "; ".join(p.describe() for p in q.params),
                             "returns": ", ".join(q.returns)} for name, q in library.items()]),
              fmt)
        return
    width = max(map(len, library))
    for name, query in library.items():
        typer.echo(f"{name:<{width}}  {query.purpose}")
        if verbose:
            for p in query.params:
                typer.echo(f"{'':<{width}}    param {p.describe()}")
            typer.echo(f"{'':<{width}}    returns {', '.join(query.returns)}")


# -- experiments: sweeps, sensitivity, calibration, discovery (owner: redwuye_graph/experiments)
def _sweep(file: Path, out: Path, executor: str, workers: int | None,
           held: FileLock | None = None) -> Any:
    """Run (or finish) a sweep into OUT (``held``: the caller holds OUT); raise if any run
    failed."""
    from redwuye_graph.experiments import load_sweep, make_executor, run_sweep

    sweep = load_sweep(file)
    check_folder(out, "--out")
    with make_executor(executor, workers) as ex:
        typer.echo(f"{sweep.name}: {len(sweep.tasks())} run(s) of {sweep.days} days on "
                   f"{ex.name} ({ex.workers} worker(s)) -> {out}", err=True)
        report = run_sweep(sweep, out, ex, held=held)
    typer.echo(f"{sweep.name}: {report.finished} run(s) finished in {report.seconds:.1f} s, "
               f"{report.skipped} already done, {len(report.failed)} failed -> "
               f"{out / 'runs.parquet'}")
    failed = list(report.failed.values())
    if len(failed) > 1:
        for error in failed[:5]:
            typer.echo(f"  {error}", err=True)
    if failed:
        raise RunError(f"{file}: {len(failed)} of {report.total} run(s) of "
                       f"{sweep.scenario.path} failed, the first {failed[0]}; run the same "
                       "command again to retry them (finished runs are kept)")
    return sweep


@_command("sweep")
def sweep_cmd(
    file: Annotated[Path, typer.Argument(help="Sweep file (simulations/sweep_*.toml).")],
    out: Annotated[Path, typer.Option("--out", help="Output folder; a rerun skips "
                                      "finished runs.")],
    executor: ExecutorOpt = "serial",
    workers: WorkersOpt = None,
) -> None:
    """Run a sweep: one row per run (parameters, seed, outcomes) in OUT/runs.parquet.

    Example: redwuye sweep simulations/sweep_collection.toml --out build/sweep --executor local
    """
    with _errors():
        _sweep(file, out, executor, workers)


@_command("sensitivity")
def sensitivity_cmd(
    file: Annotated[Path, typer.Argument(help="Sweep file with design = \"sobol\" (indices "
                                         "with CIs) or \"morris\" (cheap screening).")],
    out: Annotated[Path, typer.Option("--out", help="Output folder (runs, table, plot); "
                                      "a rerun skips finished runs.")],
    outcome: Annotated[list[str] | None, typer.Option(
        "--outcome", help="Outcome to analyse (repeatable; default: "
        f"{', '.join(SENSITIVITY_OUTCOMES)}).")] = None,
    executor: ExecutorOpt = "serial",
    workers: WorkersOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Sobol first-order and total indices (or Morris mu*) of outcomes: table and bar plot.

    Example: redwuye sensitivity simulations/sweep_sobol.toml --out build/sobol --executor local
    """
    from redwuye_graph.experiments import load_sweep, read_runs
    from redwuye_graph.experiments.plots import plot_sensitivity
    from redwuye_graph.experiments.sensitivity import METHODS, sensitivity

    with _errors():
        _check_format(fmt)
        sweep = load_sweep(file)
        names = check_outcomes(outcome or SENSITIVITY_OUTCOMES)
        if sweep.design not in METHODS:
            raise ValueError(f"{file}: sweep.design: {sweep.design!r} gives no sensitivity "
                             f"indices; use {' or '.join(METHODS)}")
        with lock_folder(out, "sweep folder") as held:  # the sweep, then its analysis
            _sweep(file, out, executor, workers, held)
            table = sensitivity(sweep, read_runs(out), names)
            table.to_csv(out / "sensitivity.csv", index=False)
            plot_sensitivity(table, sweep.design, out / "sensitivity.png")
        if fmt == "table":
            typer.echo(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        else:
            _emit(table, fmt)
        typer.echo(f"-> {out / 'sensitivity.csv'}, {out / 'sensitivity.png'}",
                   err=fmt != "table")


@_command("calibrate")
def calibrate_cmd(
    targets: Annotated[Path, typer.Option("--targets", help="Targets file "
                                          "(simulations/targets_*.toml).")],
    out: Annotated[Path, typer.Option("--out", help="Output folder.")],
    scenario: Annotated[Path | None, typer.Option(
        "--scenario", help="Base scenario of a targets file with \\[targets] (a file with "
        "\\[\\[regime]] tables names a scenario per regime).")] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Continue the study in OUT/study.db: finished trials count, only "
        "the missing ones run (raise trials in the file to extend it).")] = False,
    executor: ExecutorOpt = "serial",
    workers: WorkersOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv (the fit per target) or "
                                     "json (best, fit, intervals, check, verdict).")] = "table",
) -> None:
    """Fit parameters to observed targets (optuna; each trial averaged over seeds).

    Trial 0 is the scenarios' own values; the chosen values and the start are then run
    on fresh seeds and new base cities. Writes trials.parquet, fit.csv, intervals.csv
    and profile.csv (90% profile-likelihood intervals), check.csv, calibration.png,
    convergence.png, check.png, profile.png and best.toml, or closest.toml when no trial
    meets every target or the chosen values did worse than the start on fresh seeds;
    then the exit status is 3. The optuna study is kept in OUT/study.db (--resume).

    Example: redwuye calibrate --scenario simulations/baseline.toml
    --targets simulations/targets_district.toml --out build/calibrate --executor local;
    two regimes at once: redwuye calibrate --targets simulations/targets_regimes.toml
    --out build/regimes --executor local
    """
    from redwuye_graph.experiments import make_executor
    from redwuye_graph.experiments.calibrate import calibrate, load_targets, printed
    from redwuye_graph.experiments.plots import (
        plot_calibration,
        plot_check,
        plot_convergence,
        plot_profile,
    )
    from redwuye_graph.sim.scenario import load_scenario

    with _errors():
        _check_format(fmt)
        spec = load_targets(targets)
        sc = load_scenario(scenario) if scenario is not None else None
        study = out / "study.db"
        with lock_folder(out, "calibration folder"):
            if study.exists() and not resume:
                raise ValueError(f"{study}: holds a calibration already; add --resume to "
                                 "continue or extend it, or choose another --out")
            with make_executor(executor, workers) as ex:
                result = calibrate(sc, spec, ex, storage=study)
            result.write(out, targets.name)
            plot_calibration(result.trials, list(result.best), result.fit,
                             out / "calibration.png")
            plot_convergence(result.trials, out / "convergence.png")
            plot_profile(result.profiles, result.intervals, out / "profile.png")
            if len(result.check_runs):
                plot_check(result.check_runs, result.fit, out / "check.png")
        if fmt == "table":
            def show(table: Any) -> str:
                return str(printed(table).to_string(index=False,
                                                    float_format=lambda v: f"{v:.4g}"))

            typer.echo("chosen: " + ", ".join(f"{k} = {v:.4g}" for k, v in result.best.items()))
            typer.echo("fit per target:\n" + show(result.fit.drop(columns=["value", "high"])))
            if len(result.check):
                typer.echo("check on fresh seeds:\n" + show(result.check))
            typer.echo("90% profile-likelihood intervals:\n" + show(result.intervals))
            typer.echo("what the targets pin down:\n"
                       + "\n".join(f"  {line}" for line in result.identifiability))
        elif fmt == "csv":
            _emit(result.fit, fmt)
        else:
            records = {name: json.loads(t.to_json(orient="records", force_ascii=False))
                       for name, t in (("fit", result.fit), ("intervals", result.intervals),
                                       ("check", result.check))}
            typer.echo(json.dumps({"best": result.best, **records, "status": result.status,
                                   "identifiability": result.identifiability,
                                   "verdict": result.verdict}, ensure_ascii=False, indent=1))
        typer.echo(f"-> {out} ({result.params_file})", err=fmt != "table")
        typer.echo(result.verdict, err=result.status != "fitted" or fmt != "table")
    if result.status != "fitted":
        raise typer.Exit(NOT_FITTED)


@_command("discover")
def discover_cmd(
    folder: Annotated[Path, typer.Argument(help="Output folder of 'redwuye sweep'.")],
    outcome: Annotated[str, typer.Option("--outcome", help="Outcome (e.g. collection_12m).")],
    threshold: Annotated[float, typer.Option("--threshold", help="Pass at >= this value.")],
    below: Annotated[bool, typer.Option("--below", help="Pass at <= threshold.")] = False,
    min_density: Annotated[float, typer.Option(
        "--min-density", min=0.0, max=1.0, help="Least share of passing points in the box; "
        "the box with the highest coverage among those is chosen.")] = 0.8,
    fmt: Annotated[str, typer.Option("--format", help="table (the box, described), csv or "
                                     "json (the box's limits).")] = "table",
) -> None:
    """Scenario discovery: the parameter box where an outcome passes a threshold (PRIM).

    Example: redwuye discover build/sweep --outcome collection_12m --threshold 0.9
    """
    from redwuye_graph.experiments import read_runs
    from redwuye_graph.experiments.discovery import discover
    from redwuye_graph.experiments.plots import plot_discovery
    from redwuye_graph.experiments.sweep import read_factors, read_ranges

    with _errors():
        require("redwuye discover", "discovery")
        _check_format(fmt)
        factors = read_factors(folder)  # a folder that is no sweep's is not made
        with lock_folder(folder, "sweep folder"):
            found = discover(read_runs(folder), factors, outcome, threshold,
                             above=not below, min_density=min_density,
                             ranges=read_ranges(folder))
            found.box.to_csv(folder / "discovery.csv", index=False)
            plot_discovery(found.trajectory, found.chosen, f"PRIM: {outcome} "
                           f"{'<=' if below else '>='} {threshold:g}", folder / "discovery.png")
        if fmt == "table":
            typer.echo(found.describe())
        else:
            _emit(found.box, fmt)
        typer.echo(f"-> {folder / 'discovery.csv'}, {folder / 'discovery.png'}",
                   err=fmt != "table")


# -- dashboard (owner: redwuye_graph/dashboard) ----------------------------------------------
@_command("dashboard")
def dashboard_cmd(
    preset: Annotated[str | None, typer.Option(
        "--preset", help=f"Generated city: one of {', '.join(PRESETS)} (default "
        f"{DEFAULT_PRESET}).")] = None,
    store: Annotated[str | None, typer.Option(
        "--store", callback=_store_uri, help="Simulate the city in this store instead "
        "(embedded:PATH, neo4j://HOST:PORT).")] = None,
    graph_seed: Annotated[int, typer.Option("--graph-seed", **_bounds("graph_seed"),
                                            help="Seed of the generated city.")] = 1,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    http_port: Annotated[int, typer.Option("--http-port", **_PORT,
                                           help="HTTP port to listen on.")] = 8765,
    port: Annotated[int | None, typer.Option("--port", hidden=True, **_PORT,
                                             help="Deprecated: --http-port.")] = None,
) -> None:
    """Serve the interactive dashboard: policy controls, live plots, the worst estates.

    Example: redwuye dashboard --preset district --http-port 8765   (then open
    http://localhost:8765)
    """
    if port is not None:
        _deprecated("dashboard --port", "--http-port")
    port = http_port if port is None else port
    with _errors():
        require("redwuye dashboard", "dashboard")
        from redwuye_graph.dashboard import serve
        from redwuye_graph.dashboard.serve import page_url

        if preset is not None:  # before announcing a server that will not start
            check_preset(preset, "--preset")
        typer.echo(f"dashboard on {page_url(host, port)} (Ctrl-C stops it)", err=True)
        serve(preset=preset, store=store, graph_seed=graph_seed, host=host, port=port)


# -- JupyterLab (redwuye_graph/lab.py) ---------------------------------------------------------
@_command("lab", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def lab_cmd(
    ctx: typer.Context,
    root: Annotated[Path | None, typer.Option("--root", help="Folder Lab opens (default: "
                                              "the repository).")] = None,
    http_port: Annotated[int | None, typer.Option("--http-port", help="HTTP port (default: "
                                                  "Jupyter's, 8888 or the next free).")] = None,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open a browser.")]
        = False,
) -> None:
    """Start JupyterLab on the notebooks, with the 'redwuye' kernel they name registered.
    Other options go to JupyterLab as they are.

    Example: redwuye lab --http-port 8888 --no-browser   (make lab)
    """
    import subprocess

    from redwuye_graph.lab import lab_command, register_kernel

    with _errors():
        require("redwuye lab", "notebooks", "jupyterlab", "ipykernel")
        register_kernel()
        cmd = lab_command(root, http_port, not no_browser, list(ctx.args))
    try:
        code = subprocess.call(cmd)
    except KeyboardInterrupt:
        code = 0
    raise typer.Exit(code)


@_command("kernel")
def kernel_cmd(
    user: Annotated[bool, typer.Option("--user", help="Register for the user, so a "
                                       "JupyterLab installed elsewhere finds it too.")] = False,
) -> None:
    """Register this environment's Python as the 'redwuye' Jupyter kernel the notebooks name.

    Example: redwuye kernel --user   (make kernel)
    """
    from redwuye_graph.lab import register_kernel

    with _errors():
        require("redwuye kernel", "notebooks", "ipykernel")
        typer.echo(f"kernel 'redwuye' -> {register_kernel(user=user)}")


if __name__ == "__main__":  # python -m redwuye_graph.cli
    app(prog_name="redwuye")
