from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def test_dispatcher_forwards_options_to_the_subcommand(db):
    out = StringIO()
    call_command("shanzhi", "status", "--json", stdout=out)
    assert "version" in json.loads(out.getvalue())


def test_dispatcher_refuses_an_unknown_subcommand(db):
    with pytest.raises(CommandError, match="unknown subcommand"):
        call_command("shanzhi", "no-such-thing")
