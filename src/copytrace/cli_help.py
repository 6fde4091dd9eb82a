"""``--help`` that reads at 80 columns: options in groups, short placeholders, no boxes.

Typer's rich help drew every option in a four-column box; at 80 columns `scan --help` was 213
lines with help text cut mid-word ("--boilerplate-m…"), Spark's options before the everyday
ones, and a type placeholder on every option (``<int range>``, ``<list[str]>``, ``<bool>``).
Here help is click's plain two-column list, wrapped to the terminal, with each option in the
group its ``rich_help_panel`` names (Input, Detection, Output, Spark, ...) in the order the
groups first appear, and type placeholders shortened to what a user types (N, X, TEXT, PATH).
"""

from __future__ import annotations

import re

import click
from typer.core import TyperCommand

#: typer's type placeholders and what is shown instead (click's own style for choices)
_PLACEHOLDERS = (
    (re.compile(r"<int(?: range)?>"), "N"),
    (re.compile(r"<float(?: range)?>"), "X"),
    (re.compile(r"<str>"), "TEXT"),
    (re.compile(r"<path>"), "PATH"),
    (re.compile(r"\s*<list\[\w+\]>"), ""),
    (re.compile(r"<([\w-]+(?:\|[\w-]+)+)>"), r"[\1]"),
    (re.compile(r"\s*<bool>"), ""),
)


def short_placeholders(text: str) -> str:
    for pattern, shown in _PLACEHOLDERS:
        text = pattern.sub(shown, text)
    return text


class GroupedHelpCommand(TyperCommand):
    """A command whose ``--help`` lists arguments, then options by group."""

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        return [short_placeholders(p).replace("{", "").replace("}", "")
                for p in super().collect_usage_pieces(ctx)]

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        groups: dict[str, list[tuple[str, str]]] = {}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param.param_type_name == "argument":  # its name says what it is
                name, shown = "Arguments", record[0].split()[0]
            else:
                name = getattr(param, "rich_help_panel", None) or "Options"
                shown = short_placeholders(record[0])
            groups.setdefault(name, []).append((shown, record[1]))
        for name, rows in groups.items():
            with formatter.section(name):
                formatter.write_dl(rows, col_max=26)


def use_grouped_help(*apps) -> None:
    """Give every command of these Typer apps `GroupedHelpCommand` (before they are built)."""
    for app in apps:
        for info in app.registered_commands:
            if info.cls in (None, TyperCommand):
                info.cls = GroupedHelpCommand
