"""The sealed BSN: a value that shows itself masked, stored encrypted and found by its keyed hash."""

import hashlib
import logging

import pytest
from flask import render_template_string
from sqlalchemy import Integer, MetaData, String, select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from werkzeug.datastructures import MultiDict
from wtforms.validators import DataRequired

from webapp.core.bsn import BSN, HasBSN, SealedBSN
from webapp.core.forms import BSNField, Form
from webapp.extensions import db

VALID = "111222333"
OTHER = "123456782"


class Base(DeclarativeBase):
    metadata = MetaData()  # not the app's: the table exists only during the test


class Person(HasBSN, Base):
    __tablename__ = "test_bsn_persons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40))


class Letter(Base):
    __tablename__ = "test_bsn_letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bsn: Mapped[BSN | None] = mapped_column(SealedBSN)


@pytest.fixture
def tables(app):
    Base.metadata.create_all(db.engine)
    yield
    db.session.rollback()
    Base.metadata.drop_all(db.engine)


@pytest.mark.parametrize("typed", ["111222333", "111 222 333", "111.222.333", " 1112-22333 "])
def test_a_bsn_is_made_from_how_people_type_it(typed):
    assert BSN(typed).digits == VALID
    assert BSN(typed) == BSN(VALID)


@pytest.mark.parametrize("typed", ["111222334", "12345678", "1234567890", "abcdefghi", "", "000000000", "١١١٢٢٢٣٣٣"])
def test_no_bsn_from_what_fails_the_eleven_test(typed):
    with pytest.raises(ValueError) as refused:
        BSN(typed)
    assert str(refused.value) == "not a valid BSN"  # the message never carries what was given
    assert BSN.parse(typed) is None


def test_printing_logging_and_formatting_show_it_masked(caplog):
    bsn = BSN(VALID)
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("person %s, %r", bsn, bsn)
    shown = [str(bsn), repr(bsn), f"{bsn}", f"{bsn:>12}", format(bsn, "s"), caplog.text]
    assert all("111222" not in each for each in shown)
    assert str(bsn) == "******333" and f"{bsn}" == "******333"
    assert "******333" in repr(bsn)


def test_the_template_filter_masks(app):
    page = render_template_string("{{ a|bsn }} {{ b|bsn }} {{ c|bsn }}", a=BSN(VALID), b="123 456 782", c=None)
    assert page.split() == ["******333", "******782", "*********"]


def test_a_sealed_column_round_trips_and_stores_no_digits(app, tables):
    db.session.add(Letter(id=1, bsn=BSN(VALID)))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Letter, 1).bsn == BSN(VALID)
    stored = db.session.execute(text("SELECT bsn FROM test_bsn_letters")).scalar_one()
    assert VALID not in stored and "111 222" not in stored


def test_a_person_is_found_by_bsn_and_the_row_holds_neither_digits_nor_a_plain_hash(app, tables):
    db.session.add_all([Person(name="Anna", bsn=BSN(VALID)), Person(name="Bram", bsn="123 456 782")])
    db.session.commit()
    db.session.expire_all()

    found = db.session.scalars(select(Person).where(Person.bsn_is("111.222.333"))).one()
    assert found.name == "Anna" and found.bsn == BSN(VALID)
    assert db.session.scalars(select(Person).where(Person.bsn_is(BSN(OTHER)))).one().name == "Bram"
    assert db.session.scalars(select(Person).where(Person.bsn_is("100000009"))).all() == []

    row = text("SELECT bsn_sealed, bsn_hash FROM test_bsn_persons WHERE name = 'Anna'")
    sealed, looked_up = db.session.execute(row).one()
    for stored in (sealed, looked_up):
        assert VALID not in stored
        assert stored not in {
            hashlib.sha256(VALID.encode()).hexdigest(),
            hashlib.md5(VALID.encode()).hexdigest(),
            hashlib.sha1(VALID.encode()).hexdigest(),
        }


def test_changing_or_clearing_the_bsn_changes_the_hash_too(app, tables):
    person = Person(name="Anna", bsn=VALID)
    db.session.add(person)
    db.session.commit()
    person.bsn = OTHER
    db.session.commit()
    assert db.session.scalars(select(Person).where(Person.bsn_is(VALID))).all() == []
    assert db.session.scalars(select(Person).where(Person.bsn_is(OTHER))).one() is person
    person.bsn = None
    db.session.commit()
    assert db.session.execute(text("SELECT bsn_sealed, bsn_hash FROM test_bsn_persons")).one() == (None, None)


def test_a_sealed_value_is_unreadable_with_another_data_key(app, tables):
    db.session.add(Letter(id=1, bsn=BSN(VALID)))
    db.session.commit()
    db.session.expire_all()
    app.config["DATA_KEY"] = "another-key"
    with pytest.raises(ValueError):
        db.session.get(Letter, 1)


def test_a_bsn_column_refuses_an_invalid_number(app, tables):
    with pytest.raises(StatementError, match="not a valid BSN"):
        db.session.add(Letter(id=1, bsn="111222334"))
        db.session.flush()


class BSNForm(Form):
    class Meta:
        csrf = False

    bsn = BSNField("BSN", validators=[DataRequired(message="Dit veld is verplicht.")])


def test_the_field_accepts_a_typed_bsn(app):
    with app.test_request_context(method="POST"):
        form = BSNForm(MultiDict({"bsn": "111 222 333"}))
        assert form.validate()
        assert form.bsn.data == BSN(VALID)


@pytest.mark.parametrize("typed", ["111222334", "12345678", "1234567890", "11122233x", "000000000", "111\x00222333"])
def test_the_field_refuses_what_fails_the_eleven_test_in_dutch(app, typed):
    with app.test_request_context(method="POST"):
        form = BSNForm(MultiDict({"bsn": typed}))
        assert not form.validate()
        assert form.bsn.data is None
        assert form.bsn.errors == ["Vul een geldig BSN in: 9 cijfers die de elfproef doorstaan."]
        assert f'value="{typed}"' in str(form.bsn()) or "\x00" in typed  # given back to correct


def test_the_field_left_empty_is_required_and_a_stored_bsn_is_never_written_into_the_page(app):
    with app.test_request_context(method="POST"):
        form = BSNForm(MultiDict({"bsn": "  "}))
        assert not form.validate()
        assert form.bsn.errors == ["Dit veld is verplicht."]
    with app.test_request_context():
        form = BSNForm(data={"bsn": BSN(VALID)})
        assert form.bsn.data == BSN(VALID)
        assert "333" not in str(form.bsn())
