"""Fixtures for the Matrix adapter tests: one real Synapse per test session, members as nio clients."""

from __future__ import annotations

import pytest

from tests.matrix.synapse import SynapseServer


@pytest.fixture(scope="session")
def synapse(tmp_path_factory):
    """A running Synapse on 127.0.0.1 (SQLite, free port), stopped by PID at the end of the session.

    A test that stops or restarts it must leave it running again (SynapseServer.start is idempotent).
    """
    server = SynapseServer(tmp_path_factory.mktemp("synapse"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def homeserver(synapse):
    """The same server, guaranteed running at the start of each test."""
    synapse.start()
    return synapse
