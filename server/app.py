"""Build and run the server the way `rasa run` does, plus the routes Rasa cannot add itself.

`rasa run` offers no hook to serve pages at `/`, so this mirrors rasa.core.run.serve_application:
same channels (credentials.yml), same agent loading, same tracker and lock stores (endpoints.yml),
Rasa's HTTP API off. Then it mounts the web chat (webchat/routes.py) before the app starts.
"""

from __future__ import annotations

import argparse
import logging
import os
from functools import partial

from rasa.core import utils as core_utils
from rasa.core.run import close_resources, configure_app, create_http_input_channels, load_agent_on_start
from rasa.core.utils import AvailableEndpoints
from rasa.utils.log_utils import configure_structlog
from sanic import Sanic

from staff.routes import mount_staff
from webchat.routes import mount_webchat

logger = logging.getLogger(__name__)


def build_app(model: str, endpoints_file: str, credentials_file: str, port: int) -> Sanic:
    endpoints = AvailableEndpoints.read_endpoints(endpoints_file)
    channels = create_http_input_channels(None, credentials_file)
    app = configure_app(channels, cors=None, enable_api=False, port=port, endpoints=endpoints)
    mount_webchat(app)
    mount_staff(app)  # closed (401) unless STAFF_TOKEN is set
    app.register_listener(partial(load_agent_on_start, model, endpoints, None), "before_server_start")
    app.register_listener(close_resources, "after_server_stop")
    return app


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
    app = build_app(args.model, args.endpoints, args.credentials, args.port)
    endpoints = AvailableEndpoints.read_endpoints(args.endpoints)
    workers = core_utils.number_of_sanic_workers(endpoints.lock_store if endpoints else None)
    logger.info("Serving the assistant and web chat on http://%s:%s/", args.interface, args.port)
    app.run(host=args.interface, port=args.port, workers=workers, access_log=False)
