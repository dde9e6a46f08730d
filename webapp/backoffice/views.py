"""The staff dashboard (/beheer) that links every module's staff pages, and the platform's own:
mail that is still on its way, the periodic jobs' last runs, the Logboek."""

from flask import flash, redirect, render_template, request, url_for

from webapp.core import mail, periodic
from webapp.core.auth import acting
from webapp.core.jobs import queue_reachable
from webapp.core.modules import registry, waiting
from webapp.core.security import rate_limit_counters
from webapp.core.staff import staff_blueprint
from webapp.organisations import auditlog
from webapp.organisations.forms import StaffAuditLogForm

bp = staff_blueprint("backoffice", __name__)


@bp.get("")
def index():
    modules = [m for m in registry().modules if m.staff_pages]
    said = waiting([link for module in modules for link in module.staff_pages], acting())
    return render_template("backoffice/index.html", modules=modules, waiting=said)


@bp.get("/uitgaande-mail")
def outgoing_mail():
    return render_template(
        "backoffice/outgoing_mail.html", mails=mail.undelivered(), counts=mail.counts(), statuses=mail.STATUSES
    )


@bp.post("/uitgaande-mail/<int:mail_id>/opnieuw")
def retry_mail(mail_id):
    mail.retry_now(mail_id)
    flash("De e-mail wordt opnieuw verstuurd.", "success")
    return redirect(url_for("backoffice.outgoing_mail"), code=303)


@bp.get("/achtergrondtaken")
def periodic_runs():
    return render_template(
        "backoffice/periodic_runs.html",
        runs={run.name: run for run in periodic.last_runs()},
        tasks=periodic.tasks(),
        queue_up=queue_reachable(),
        rate_limits=rate_limit_counters(),
    )


@bp.get("/logboek")
def audit_log():
    form = StaffAuditLogForm(request.args, actions=auditlog.actions(), organisations=auditlog.organisations())
    if not form.validate():
        return render_template("backoffice/audit_log.html", form=form, log=None), 400
    return render_template("backoffice/audit_log.html", form=form, log=auditlog.search(form.filters(), form.page))
