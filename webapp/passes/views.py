from flask import Blueprint

bp = Blueprint("passes", __name__)
