"""One template serves a page and its fragments: render a block for htmx, the page otherwise."""

from flask import make_response, render_template, request
from jinja2_fragments.flask import render_block, render_blocks


def render(
    template: str,
    block: str | None = None,
    *,
    oob: tuple[str, ...] = (),
    status: int = 200,
    push_url: str | None = None,
    **context,
):
    """Render `block` of `template` for an htmx request (plus any out-of-band blocks), the whole page otherwise.

    A fragment is rendered with `fragment` true: an out-of-band block marks itself hx-swap-oob only then,
    since htmx also swaps out of band what a whole page carries (a history restore) and so loses it.
    `push_url`: the address a fragment puts in the browser's history (a list's filters, to go back to or bookmark)."""
    fragment = bool(block and request.htmx and not request.htmx.history_restore_request)
    if fragment:
        context["fragment"] = True
        body = render_blocks(template, [block, *oob], **context) if oob else render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    if fragment and push_url is not None:
        response.headers["HX-Push-Url"] = push_url
    return response


def redirect_after_post(location: str):
    """Post/redirect/get that also works when htmx made the post (HX-Redirect is a full navigation)."""
    from flask import redirect

    if request.htmx:
        response = make_response("", 204)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location, code=303)
