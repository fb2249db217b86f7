"""python manage.py load_penalty_catalogue [--update]: the seed catalogue of violation types and
the national leniency lists (remediation.catalogue; docs/domain.md §6). Idempotent."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from remediation.catalogue import LIST_NAME, LIST_VERSION, catalogue_load


class Command(BaseCommand):
    help = (
        "Load the violation types and the 首违不罚 / 轻微免罚 list items of "
        f"{LIST_NAME} (version {LIST_VERSION}); what exists is kept unless --update."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--update",
            action="store_true",
            help="write the seed's values over rows an administrator may have changed",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        loaded = catalogue_load(update=options["update"])
        self.stdout.write(
            f"Violation types: {loaded.types_created} created, {loaded.types_updated} updated. "
            f"List items: {loaded.items_created} created, {loaded.items_updated} updated."
        )
