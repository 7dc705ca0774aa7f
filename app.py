"""memberlink: wiring only. Every route lives in a blueprint under chalicelib/api/; every schedule is here."""

from chalice.app import Chalice, Rate

from chalicelib.api.accounts import accounts
from chalicelib.api.admin import admin
from chalicelib.api.binding import binding
from chalicelib.api.http import contract_errors
from chalicelib.api.inbox import inbox
from chalicelib.api.members import members
from chalicelib.api.reports import reports
from chalicelib.api.search import search
from chalicelib.api.staff import staff
from chalicelib.api.webhooks import webhooks
from chalicelib.config import local_routes_enabled

app = Chalice(app_name="memberlink", configure_logs=False)  # logs go out through chalicelib/logs.py alone (redacted)
for blueprint in (admin, webhooks, inbox, binding, accounts, members, search, staff, reports):
    app.register_blueprint(blueprint)
app.register_middleware(contract_errors, "http")

if local_routes_enabled():
    from chalicelib.api.local import local

    app.register_blueprint(local)

# --- schedules (issue 7: reports) ---


@app.schedule(Rate(1, unit=Rate.HOURS), name="compile_reports")
def compile_reports(event: object) -> dict[str, int]:
    """Hourly, because stores' midnights fall at different UTC hours: every store's ended, missing days."""
    from chalicelib import clock
    from chalicelib.reports.compiler import run_scheduled

    summary = run_scheduled(clock.now())
    return {"stores": summary.stores, "compiled": len(summary.compiled), "failed": len(summary.failed)}
