"""What every template may use: dates in Dutch form, BSNs masked, the acting context, the mandate services' names."""

from flask import Flask

from webapp.core.auth import acting
from webapp.core.bsn import mask
from webapp.core.modules import mandate_services
from webapp.core.timeutil import format_date, format_datetime


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["bsn"] = mask
    app.jinja_env.globals["acting"] = acting
    app.jinja_env.globals["service_label"] = lambda key: mandate_services().get(key, key)
