"""``shanzhi <subcommand>``: the operator's console, i.e. ``manage.py shanzhi <subcommand>``."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shanzhi.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0], "shanzhi", *sys.argv[1:]])


if __name__ == "__main__":
    main()
