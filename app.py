"""memberlink: wiring only. Every route lives in a blueprint under chalicelib/api/."""

from chalice.app import Chalice

from chalicelib.api.admin import admin
from chalicelib.config import local_routes_enabled

app = Chalice(app_name="memberlink")
app.register_blueprint(admin)

if local_routes_enabled():
    from chalicelib.api.local import local

    app.register_blueprint(local)
