"""``muster serve``: run the web application."""

import uvicorn

from muster.cli.common import load_settings
from muster.web.app import create_app

# Live streams never end by themselves: without a limit, one open Server-Sent
# Events stream would hold up a shutdown for good.
GRACEFUL_SHUTDOWN_S = 10


def serve() -> None:
    """Serve the API on MUSTER_HOST:MUSTER_PORT."""
    settings = load_settings()
    app = create_app(settings)
    print(f"Muster listening on http://{settings.host}:{settings.port}")
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        proxy_headers=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
        # Stream messages are small JSON objects sent to many clients at once:
        # compressing each one costs the server more than it saves on the wire.
        ws_per_message_deflate=False,
    )
