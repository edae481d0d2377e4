"""Crisis support: detect crisis language, answer privately with local help, alert moderators."""

from __future__ import annotations

import argparse


async def setup(bot):
    from .cog import CrisisCog  # imported here so `cogs.crisis.detector` works without the bot core

    await bot.add_cog(CrisisCog(bot))


def add_cli(commands: argparse._SubParsersAction) -> None:
    """`kindred crisis eval FILE.jsonl ...`: measure the detector on labelled files (evaluate.py)."""
    crisis = commands.add_parser("crisis", help="crisis detector tools")
    actions = crisis.add_subparsers(dest="action", required=True, metavar="ACTION")
    evaluate = actions.add_parser("eval", help="measure the detector on labelled JSONL files, one table")
    evaluate.add_argument("files", nargs="+", metavar="FILE")
    evaluate.add_argument(
        "--curve", action="store_true", help="also print the model's calibration curve per file"
    )
    evaluate.set_defaults(run=_evaluate)


def _evaluate(args: argparse.Namespace) -> int:
    from .evaluate import main

    return main(args.files + (["--curve"] if args.curve else []))
