"""The approval's forms: the student's comment on part B and their parent's e-mail address; the parent's answer."""

from wtforms import EmailField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from webapp.core.forms import Form, email_validator
from webapp.dossiers.approval import COMMENT_LENGTH, NAME_LENGTH

_required = DataRequired(message="Dit veld is verplicht.")
AGREE, DISAGREE = "akkoord", "niet-akkoord"


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class CommentForm(Form):
    comment = TextAreaField(
        "Opmerking over deel B (niet verplicht)",
        validators=[Length(max=COMMENT_LENGTH, message=f"Gebruik hoogstens {COMMENT_LENGTH} tekens.")],
        filters=[_strip],
        render_kw={"rows": 4, "maxlength": COMMENT_LENGTH},
    )


class ParentEmailForm(Form):
    email = EmailField(
        "E-mailadres van je ouder/verzorger",
        validators=[_required, email_validator(), Length(max=254)],
        filters=[_strip],
        render_kw={"autocomplete": "off"},
    )


class ParentAnswerForm(Form):
    name = StringField(
        "Uw naam",
        validators=[_required, Length(max=NAME_LENGTH)],
        filters=[_strip],
        render_kw={"autocomplete": "name", "maxlength": NAME_LENGTH},
    )
    decision = RadioField(
        "Gaat u akkoord dat deze gegevens naar de vervolgopleiding worden gestuurd?",
        choices=[(AGREE, "Ja, ik ga akkoord"), (DISAGREE, "Nee, ik ga niet akkoord")],
        validators=[DataRequired(message="Kies of u akkoord gaat.")],
    )
    comment = TextAreaField(
        "Opmerking (verplicht als u niet akkoord gaat)",
        validators=[Length(max=COMMENT_LENGTH, message=f"Gebruik hoogstens {COMMENT_LENGTH} tekens.")],
        filters=[_strip],
        render_kw={"rows": 4, "maxlength": COMMENT_LENGTH},
    )
    content_hash = HiddenField()
