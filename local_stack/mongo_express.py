"""Mongo Express, the web UI of the serving database, as a service of the embedded stack.

`make setup` installs it from npm into ``local_stack/mongo_express/node_modules`` and builds its front-end there
(scripts/setup_mongo_express.sh); this module runs that package's ``app.js`` against nx-27017. See
docs/mongo-express.md for what works on nx-27017.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import sys
from pathlib import Path

from config.settings import PROJECT_ROOT, Settings
from local_stack.processes import HOST, Service, http_ok

PACKAGE_DIR = PROJECT_ROOT / "local_stack" / "mongo_express" / "node_modules" / "mongo-express"
# Written by the front-end build; app.js reads it from its working directory at start.
BUILD_ASSETS = PACKAGE_DIR / "build-assets.json"


def installed() -> bool:
    """True when the package and its built front-end are in place."""
    return (PACKAGE_DIR / "app.js").is_file() and BUILD_ASSETS.is_file()


def site_secrets(settings: Settings) -> dict[str, str]:
    """The session and cookie secrets, generated on first use and kept in a file only its owner can read."""
    home = settings.data_dir / "mongo-express"
    home.mkdir(parents=True, exist_ok=True)
    secrets_file = home / "secrets.json"
    if secrets_file.exists():
        return json.loads(secrets_file.read_text())
    generated = {"session_secret": secrets.token_urlsafe(32), "cookie_secret": secrets.token_urlsafe(32)}
    descriptor = os.open(secrets_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as stream:
        json.dump(generated, stream)
    return generated


def page_ok(url: str, username: str, password: str, timeout: float = 3.0) -> bool:
    """True when ``url`` answers 2xx to a request with these basic-auth credentials."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return http_ok(url, timeout, headers={"Authorization": f"Basic {token}"})


def mongo_express_service(run_dir: Path, settings: Settings) -> Service:
    """Mongo Express on ``settings.mongo_express_port``, basic auth, against the embedded nx-27017.

    Its driver waits up to 30 s for the server at start (server selection), so it may start beside nx-27017. When
    the package is not installed, the service's process only says so and exits: starting it fails with that
    message instead of a missing-file error.
    """
    port = settings.mongo_express_port
    username = settings.mongo_express_username
    password = settings.mongo_express_password.get_secret_value()
    generated = site_secrets(settings)
    if installed():
        argv = [shutil.which("node") or "node", "app.js"]
        cwd = PACKAGE_DIR
    else:
        message = f"mongo-express is not installed (no {BUILD_ASSETS}): run make setup"
        argv = [sys.executable, "-c", f"import sys; sys.exit({message!r})"]
        cwd = PROJECT_ROOT
    return Service(
        name="mongo-express",
        argv=argv,
        run_dir=run_dir,
        ports=[port],
        health=lambda: page_ok(f"http://{HOST}:{port}/", username, password),
        env={
            "NODE_ENV": "production",
            "ME_CONFIG_MONGODB_URL": f"mongodb://{HOST}:{settings.mongodb_port}",
            # Lists every database (listDatabases) and shows serverStatus on the home page, as on the Docker stack:
            # nx-27017 answers both. Without it only the URL's default database ("test") would be shown.
            "ME_CONFIG_MONGODB_ENABLE_ADMIN": "true",
            "ME_CONFIG_BASICAUTH": "true",
            "ME_CONFIG_BASICAUTH_USERNAME": username,
            "ME_CONFIG_BASICAUTH_PASSWORD": password,
            # Without them every page answers 500 "secret option required for sessions".
            "ME_CONFIG_SITE_SESSIONSECRET": generated["session_secret"],
            "ME_CONFIG_SITE_COOKIESECRET": generated["cookie_secret"],
            "PORT": str(port),
            "VCAP_APP_HOST": HOST,
        },
        cwd=cwd,
        start_timeout=60,
    )
