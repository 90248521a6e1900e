"""Template rendering with Django's template engine, from strings.

Text bodies, subjects and SMS are rendered without autoescaping (they are not HTML); the HTML
body is rendered with autoescaping so a variable can never inject markup.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template import Context, Engine, TemplateSyntaxError

_TEXT_ENGINE = Engine(autoescape=False)
_HTML_ENGINE = Engine(autoescape=True)


@dataclass(frozen=True)
class Rendered:
    subject: str
    body_text: str
    body_html: str
    sms_text: str


def render_text(source: str, context: dict) -> str:
    return _TEXT_ENGINE.from_string(source).render(Context(context, autoescape=False)).strip() if source else ""


def render_html(source: str, context: dict) -> str:
    return _HTML_ENGINE.from_string(source).render(Context(context, autoescape=True)).strip() if source else ""


def render(*, subject: str, body_text: str, body_html: str, sms_text: str, context: dict) -> Rendered:
    text = render_text(body_text, context)
    return Rendered(
        subject=" ".join(render_text(subject, context).split()),
        body_text=text,
        body_html=render_html(body_html, context),
        sms_text=render_text(sms_text, context) if sms_text else text,
    )


def syntax_errors(**sources: str) -> dict[str, list[str]]:
    """Field → messages for every source that is not a valid template."""
    errors: dict[str, list[str]] = {}
    for field, source in sources.items():
        try:
            _TEXT_ENGINE.from_string(source or "")
        except TemplateSyntaxError as exc:
            errors[field] = [str(exc)]
    return errors
