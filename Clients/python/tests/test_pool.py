"""ClientPool: a threaded server's calls spread over several connections, closed cleanly."""
import threading

import pytest

from webprofiles import Client, ClientPool
from webprofiles.errors import Unauthenticated, Unavailable
from webprofiles.messages import METHODS_BY_NAME, Profile, WhoamiRequest


def readers():
    return sum(t.name == "webprofiles-reader" and t.is_alive() for t in threading.enumerate())


def test_the_pool_from_many_threads(company, daemon):
    user = company.register(Profile.ADMIN_LIGHT)
    people = [(company.rep_token, company.rep_username, True), (user["token"], user["username"], False)]
    before = readers()
    pool = ClientPool(daemon.api, size=4, timeout=30)
    pool.connect()
    assert readers() == before + 4
    mistakes, done = [], []

    def request_handler(index):  # what one thread of a web server does per page
        for i in range(30):
            token, username, may_view = people[(index + i) % 2]
            decision = pool.authorize("users.view", token=token)
            if decision.allowed != may_view or decision.principal.username != username:
                mistakes.append(decision)
            with pool.connection() as client:
                if client.whoami(token=token).principal.username != username:
                    mistakes.append(username)
        done.append(index)

    threads = [threading.Thread(target=request_handler, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sorted(done) == list(range(16)) and not mistakes
    infos = [client.connection_info for client in pool.clients]
    assert all(info.state == "open" and info.connections_opened == 1 and info.streams_open == 0 for info in infos)
    assert len(pool.ping()) == 4
    pool.close()
    assert readers() == before, "closing the pool left reader threads running"
    assert all(client.closed for client in pool.clients)
    with pytest.raises(Unavailable, match="closed"):
        pool.health_check()
    pool.close()  # twice is harmless


def test_round_robin_and_call_passthrough(company, daemon):
    with ClientPool(daemon.api, size=3, token=company.rep_token) as pool:
        picked = [pool.client() for _ in range(6)]
        assert picked[:3] == picked[3:] and len(set(map(id, picked))) == 3
        assert all(isinstance(c, Client) for c in picked)
        whoami = METHODS_BY_NAME["webprofiles.v1.Session/Whoami"]
        assert pool.call(whoami, WhoamiRequest()).principal.username == company.rep_username  # the pool's token
        assert pool.submit(whoami, WhoamiRequest()).result().principal.company_id == company.company_id
        with pytest.raises(Unauthenticated):
            pool.whoami(token="wps_" + "B" * 43)


def test_a_pool_needs_a_client():
    with pytest.raises(ValueError):
        ClientPool("/nonexistent", size=0)
