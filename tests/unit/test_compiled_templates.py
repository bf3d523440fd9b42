"""The layer ships its templates compiled (`layers/common/Makefile`): each renders as its source does."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import Environment

from peer_support.core import rendering
from tests.unit import test_action_pages, test_emails, test_form_errors, test_group_pages, test_page_links


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("layer") / "compiled_templates"
    rendering.compile_templates(target)
    return target


def sources() -> list[str]:
    return sorted(
        path.relative_to(rendering.TEMPLATES).as_posix()
        for kind in rendering.KINDS
        for path in rendering.TEMPLATES.rglob(f"*.{kind}")
    )


def every_render() -> list[str]:
    """A page or an email of every kind the other tests render (every email, every page of a case, the
    forms, an error page, a text), each as a person would receive it."""
    emails = [test_emails.render(kind) for kind in test_emails.SAMPLES]
    errors = {"requester.email": "Please enter your email address."}
    return [
        *(part for email in emails for part in (email.subject, email.text, email.html)),
        *test_action_pages.every_page(),
        test_page_links.request_form(),
        test_form_errors.page("pages/form.html", errors, {"requester": {"name": "Dr. <b>Ada</b>"}}),
        test_group_pages.group_page(),
        test_group_pages.group_page(full=True, errors={"email": "Please enter your email address."}),
        test_page_links.page("pages/error.html", detail="x"),
        rendering.render(
            "sms/assigned.txt", reference="PS-1", contact_due_time="4:30 pm", case_url="https://x.org/c"
        ),
    ]


def test_every_template_is_compiled_and_loads_from_its_module(compiled: Path) -> None:
    env = rendering.new_environment(compiled)

    assert len(sources()) > 100
    for name in sources():
        assert Path(env.get_template(name).filename or "").parent == compiled, name


def test_compiled_templates_render_exactly_as_their_sources(
    compiled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from_sources = every_render()
    env = rendering.new_environment(compiled)
    monkeypatch.setattr(rendering, "environment", lambda: env)

    assert every_render() == from_sources
    served = list(env.cache.values()) if env.cache is not None else []
    assert len(served) > 50
    assert all(Path(template.filename or "").parent == compiled for template in served)
    assert any("Dr. &lt;b&gt;Ada&lt;/b&gt;" in page for page in from_sources)  # escaped, as in the source


def test_the_environment_takes_the_compiled_templates_where_the_layer_has_them(
    compiled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def form(env: Environment) -> str | None:
        return env.get_template("pages/form.html").filename

    monkeypatch.setattr(rendering, "COMPILED", compiled)
    rendering.environment.cache_clear()
    try:
        assert Path(form(rendering.environment()) or "").parent == compiled
    finally:
        rendering.environment.cache_clear()
    monkeypatch.undo()
    assert form(rendering.environment()) == str(rendering.TEMPLATES / "pages" / "form.html")
