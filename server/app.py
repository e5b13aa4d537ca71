"""Build and run the server the way `rasa run` does, plus the routes Rasa cannot add itself.

`rasa run` offers no hook to serve pages at `/`, so this mirrors rasa.core.run.serve_application:
same channels (credentials.yml), same agent loading, same tracker and lock stores (endpoints.yml),
Rasa's HTTP API off. Then it mounts the web chat (webchat/routes.py) before the app starts.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from functools import partial
from pathlib import Path

from rasa.core import utils as core_utils
from rasa.core.run import close_resources, configure_app, create_http_input_channels, load_agent_on_start
from rasa.core.utils import AvailableEndpoints
from rasa.utils.log_utils import configure_structlog
from sanic import Sanic

from bank import release
from channels.rest import register_responses
from server import retention, speedups
from server.security import install_security
from server.settings import Settings
from staff.routes import mount_staff
from webchat.routes import mount_webchat

logger = logging.getLogger(__name__)


def build_app(model: str, endpoints_file: str, credentials_file: str, port: int) -> Sanic:
    endpoints = AvailableEndpoints.read_endpoints(endpoints_file)
    channels = create_http_input_channels(None, credentials_file)
    # asyncio's event loop, not uvloop: under overload uvloop accepts one new connection per loop turn,
    # so a new visitor could wait 30 s while others chat; asyncio also gave the better p95/p99 at 20
    # visitors (bench/README.md). Rasa's configure_app switches the loop policy back itself.
    app = configure_app(channels, cors=None, enable_api=False, port=port, endpoints=endpoints, use_uvloop=False)
    mount_webchat(app)
    mount_staff(app)  # closed (401) unless STAFF_TOKEN is set
    settings = Settings.from_env()  # a bad value stops the server here, with the variable's name
    install_security(app, settings)  # rate limit, CORS, headers, body limit (server/security.py)
    retention.schedule(app, endpoints_file, settings)  # old conversations deleted at start, then daily
    speedups.install()  # graph runner, event lookup, parse thread: Rasa's results, faster (server/speedups.py)
    app.register_listener(partial(load_agent_on_start, model, endpoints, None), "before_server_start")
    # the reply guard checks filled-in templates against the templates this model serves (channels/rest.py)
    app.register_listener(
        lambda running, _: register_responses(running.ctx.agent.domain.responses), "before_server_start"
    )
    # Loading the model imports numpy.distutils, which sets the root logger to WARNING: put back the level
    # set before (INFO in main), after the agent is loaded (listeners run in the order they were added).
    level = logging.getLogger().level
    app.register_listener(lambda *_: logging.getLogger().setLevel(level), "before_server_start")
    app.register_listener(close_resources, "after_server_stop")
    return app


def refuse_unreviewed(model: str, settings: Settings) -> None:
    """Stop before serving text whose review does not match it, or (REQUIRE_CLINICAL_SIGNOFF=1) that no
    clinician signed: the check reads the responses packed in the model, i.e. what this server would send."""
    problems = release.serving_problems(release.model_responses(Path(model)), settings.require_clinical_signoff)
    if problems:
        for line in problems:
            logger.error("Refusing to start: %s", line)
        sys.exit(3)


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the assistant and its web chat.")
    parser.add_argument("--model", default="models/current.tar.gz")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5005")))
    parser.add_argument("--interface", default=os.environ.get("HOST", "0.0.0.0"))
    parser.add_argument("--endpoints", default="endpoints.yml")
    parser.add_argument("--credentials", default="credentials.yml")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s - %(message)s")
    # Rasa's debug logs print each message's text; visitors' words stay out of the logs.
    configure_structlog(logging.INFO)
    refuse_unreviewed(args.model, Settings.from_env())
    app = build_app(args.model, args.endpoints, args.credentials, args.port)
    endpoints = AvailableEndpoints.read_endpoints(args.endpoints)
    workers = core_utils.number_of_sanic_workers(endpoints.lock_store if endpoints else None)
    logger.info("Serving the assistant and web chat on http://%s:%s/", args.interface, args.port)
    app.run(host=args.interface, port=args.port, workers=workers, access_log=False)
