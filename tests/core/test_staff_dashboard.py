"""Every staff page hangs under /beheer and can be reached from the dashboard by following links: none is
reachable only by typing its URL. The test walks the app's URL map against a crawl of the staff pages."""

import re
from collections import deque
from urllib.parse import urlsplit

from tests.factories import login


def _staff_pages(app):
    """(rule, has arguments) of every GET route under /beheer."""
    return [
        (rule, bool(rule.arguments))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/beheer") and "GET" in rule.methods
    ]


def _crawl(client, start="/beheer") -> set[str]:
    seen, todo = {start}, deque([start])
    while todo:
        response = client.get(todo.popleft())
        assert response.status_code == 200, response.request.path
        if response.mimetype != "text/html":
            continue
        for href in re.findall(r'href="([^"#]+)', response.get_data(as_text=True)):
            path = urlsplit(href.replace("&amp;", "&")).path
            if path.startswith("/beheer") and path not in seen:
                seen.add(path)
                todo.append(path)
    return seen


def test_the_dashboard_links_every_staff_page(app, factory):
    for load in app.extensions["loket.modules"].each("demo"):
        load()
    from webapp.extensions import db

    db.session.commit()
    staff = factory.user("staf@loket.example", is_staff=True)
    client = app.test_client()
    login(client, staff.email)
    reached = _crawl(client)
    adapter = app.url_map.bind("localhost")
    reached_rules = {adapter.match(path, return_rule=True)[0].rule for path in reached}
    unreachable = [rule.rule for rule, _ in _staff_pages(app) if rule.rule not in reached_rules]
    assert unreachable == [], f"staff pages only reachable by typing their URL: {unreachable}"
    dashboard = client.get("/beheer").get_data(as_text=True)
    for module in app.extensions["loket.modules"].modules:
        for link in module.staff_pages:
            assert f'href="{adapter.build(link.endpoint)}"' in dashboard, link


def test_staff_pages_are_for_staff_only(app, client, factory):
    user = factory.user()
    assert client.get("/beheer").status_code == 302  # to the login page
    login(client, user.email)
    for rule, has_arguments in _staff_pages(app):
        if not has_arguments:
            assert client.get(rule.rule).status_code == 404, rule.rule
