"""`flask register ...`: the register's commands."""

from flask.cli import AppGroup

cli = AppGroup("register", help="Personenregister kinderopvang: benchmark data.")
