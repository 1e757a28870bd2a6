"""The end-of-step questions in Debian's Chromium, from the keyboard alone: each question answered right, then wrong,
with its correction, its link and the step's score; axe finds nothing serious with every correction shown, in the
light and the dark scheme; the page works the same from file://.

The right answers come from the run's files, computed without the quiz files' expressions (tests/quiz_keys.py).
"""
from __future__ import annotations

import re

import pytest

from pipeline.common import fr
from quiz_keys import STEPS, expected_keys, read_run
from test_accessibility import IMPACTS, SCHEMES, describe, open_page, tab_to


@pytest.fixture(scope="module")
def keys(built_project) -> dict:
    return expected_keys(read_run(built_project))


def plain(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def typed(key: float, right: bool) -> str:
    """What a student types: « 54 000 » for an integer, « 0,2860 » with a decimal comma; a wrong one is far off."""
    value = key if right else key * 1.5 + 7
    return fr.integer(value) if float(value).is_integer() else f"{value:.4f}".replace(".", ",")


def focused_in(form_id: str) -> str:
    return f"e.closest('form') !== null && e.closest('form').id === '{form_id}'"


def choose(page, form, form_id: str, key, right: bool) -> None:
    """Reach the question with Tab, pick a choice with the arrow keys (or type a number), then « Vérifier »."""
    tab_to(page, focused_in(form_id))
    if form.get_attribute("data-type") == "numerical":
        page.keyboard.press("Control+A")
        page.keyboard.type(typed(key, right))
        page.keyboard.press("Enter")  # the form's submit button: « Vérifier »
        return
    radios = form.locator("input[type=radio]")
    labels = [plain(form.locator("label.quiz-choix").nth(i).inner_text()) for i in range(radios.count())]
    values = [radios.nth(i).get_attribute("value") for i in range(radios.count())]
    if form.get_attribute("data-type") == "truefalse":
        target = values.index("vrai" if key == right else "faux")
    else:
        target = labels.index(plain(key)) if right else next(i for i, t in enumerate(labels) if t != plain(key))
    start = page.evaluate("[...document.activeElement.form.querySelectorAll('input[type=radio]')]"
                          ".indexOf(document.activeElement)")
    for _ in range(abs(target - start)):
        page.keyboard.press("ArrowDown" if target > start else "ArrowUp")  # moves and checks, as radios do
    if target == start:
        page.keyboard.press("Space")
    assert radios.nth(target).is_checked()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('quiz-verifier')")
    page.keyboard.press("Enter")


def assert_names_the_key(form, verdict: str, key) -> None:
    """A wrong answer's correction gives the right one: the choice, « vraie »/« fausse », or the number."""
    kind = form.get_attribute("data-type")
    if kind == "multichoice":
        assert verdict == f"Non : la bonne réponse est « {plain(key)} ».", verdict
    elif kind == "truefalse":
        assert verdict == f"Non : l'affirmation est {'vraie' if key else 'fausse'}.", verdict
    else:
        number = re.match(r"Non : la réponse attendue est (−?[\d ]+(?:,\d+)?)", verdict)
        assert number, verdict
        tolerance = float(form.locator(".quiz-nombre").get_attribute("data-tolerance"))
        value = float(number.group(1).replace(" ", "").replace(",", ".").replace("−", "-"))
        assert abs(value - key) <= max(tolerance, 10 ** -6), (verdict, key)


def score(page, step: str) -> str:
    return plain(page.inner_text(f"#quiz-{step} .quiz-score"))


@pytest.mark.parametrize("step", STEPS)
def test_every_question_answered_right_then_wrong_from_the_keyboard(page, site_url, built_project, keys, step):
    open_page(page, site_url, built_project, f"{step}.md", "light")
    page.wait_for_function("window.quiz && window.quiz.ready")
    forms = page.locator(f"#quiz-{step} .quiz-question")
    count = forms.count()
    ids = [forms.nth(i).get_attribute("id") for i in range(count)]
    assert 3 <= count <= 6 and score(page, step) == f"Score : 0 sur {count}, aucune question vérifiée."
    assert page.get_attribute(f"#{ids[0]} .quiz-retour", "role") == "status"
    page.evaluate("document.activeElement && document.activeElement.blur()")

    # « Vérifier » with no answer says what to do, and counts nothing.
    tab_to(page, "e.classList.contains('quiz-verifier')")
    page.keyboard.press("Enter")
    assert forms.nth(0).locator(".quiz-manque").is_visible()
    assert score(page, step).startswith(f"Score : 0 sur {count}")
    page.evaluate("document.activeElement.blur()")

    for right in (True, False):
        for i, form_id in enumerate(ids):
            form, key = forms.nth(i), keys[(step, form_id.removeprefix(f"quiz-{step}-"))]
            choose(page, form, form_id, key, right)
            verdict = form.locator(".quiz-juste" if right else ".quiz-faux")
            assert verdict.is_visible(), (form_id, plain(form.locator(".quiz-retour").inner_text()))
            assert not form.locator(".quiz-faux" if right else ".quiz-juste").is_visible()
            if not right:
                assert_names_the_key(form, plain(verdict.inner_text()), key)
            explanation = form.locator(".quiz-explication")
            assert explanation.is_visible() and "Relire «" in plain(explanation.inner_text())
            anchor = explanation.locator("a").get_attribute("href")
            assert anchor.startswith("#") and page.locator(f"[id='{anchor[1:]}']").count() == 1, anchor
            done = i + 1
            right_so_far = done if right else count - done
            expected = (f"Score : {right_so_far} sur {count}, toutes les questions vérifiées." if right and done == count
                        else f"Score : {right_so_far} sur {count}")
            assert score(page, step).startswith(expected), score(page, step)
            page.evaluate("document.activeElement.blur()")
        assert score(page, step).startswith(f"Score : {count if right else 0} sur {count}, toutes les questions")

    # A changed answer is no longer corrected until it is checked again.
    tab_to(page, focused_in(ids[0]))
    page.keyboard.press("ArrowDown" if forms.nth(0).get_attribute("data-type") != "numerical" else "End")
    if forms.nth(0).get_attribute("data-type") == "numerical":
        page.keyboard.type("1")
    assert not forms.nth(0).locator(".quiz-retour > p:not([hidden])").count()

    # « Recommencer », from the keyboard: every answer and correction cleared, the focus on the first question.
    tab_to(page, "e.classList.contains('quiz-recommencer')")
    page.keyboard.press("Enter")
    assert score(page, step) == f"Score : 0 sur {count}, aucune question vérifiée."
    assert page.locator(f"#quiz-{step} .quiz-retour > p:not([hidden])").count() == 0
    assert page.evaluate(focused_in_js(ids[0]))
    assert not page.errors, page.errors


def focused_in_js(form_id: str) -> str:
    return f"(() => {{ const e = document.activeElement; return !!e && {focused_in(form_id)}; }})()"


@pytest.mark.parametrize("scheme", list(SCHEMES))
@pytest.mark.parametrize("step", STEPS)
def test_axe_finds_no_serious_violation_with_every_correction_shown(page, site_url, built_project, axe, step, scheme):
    open_page(page, site_url, built_project, f"{step}.md", scheme)
    page.wait_for_function("window.quiz && window.quiz.ready")
    page.evaluate("""() => document.querySelectorAll('.quiz-question').forEach((form, i) => {
      const radios = form.querySelectorAll('input[type=radio]');
      if (radios.length) radios[i % radios.length].checked = true;
      else form.querySelector('.quiz-nombre').value = '1';
      form.requestSubmit();
    })""")
    assert page.locator(".quiz-explication:not([hidden])").count() == page.locator(".quiz-question").count()
    serious = [v for v in axe.run(page).response["violations"] if v["impact"] in IMPACTS]
    assert not serious, f"{step} en mode {scheme} :\n{describe(serious)}"


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe
    return Axe()


def test_the_questions_work_from_file_without_a_server(page, site_dir, keys):
    page.goto((site_dir / "modele.html").as_uri())
    page.wait_for_function("window.quiz && window.quiz.ready")
    form = page.locator("#quiz-modele-parametres-premiere-couche")
    label = form.locator("label.quiz-choix", has_text=keys[("modele", "parametres-premiere-couche")])
    label.locator("input").check()
    form.locator(".quiz-verifier").click()
    assert form.locator(".quiz-juste").is_visible()
    assert plain(page.inner_text("#quiz-modele .quiz-score")).startswith("Score : 1 sur")
    assert not [e for e in page.errors if "quiz" in e], page.errors
