"""The portal as gunicorn serves it, plus a constant-string route: the framework's ceiling
measured in the same run, through the same hooks."""

from webapp import create_app

app = create_app()


@app.get("/__constant")
def constant():
    return "constant"
