"""python manage.py dispatch_ledger_changes: hand appended credit facts to their subscribers."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from enterprises.subscriptions import BATCH, ledger_changes_dispatch


class Command(BaseCommand):
    help = "Drain the ledger's pending changes into their subscribers (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=BATCH, help="enterprises per batch")

    def handle(self, *args: Any, **options: Any) -> None:
        handled = ledger_changes_dispatch(batch=options["batch"])
        if not handled:
            self.stdout.write("No subscribers.")
        for name, count in handled.items():
            self.stdout.write(f"{name}: {count} change(s) handled.")
