"""French number formatting and typography."""
import pytest

from pipeline.common import fr

NB = "\u00a0"


@pytest.mark.parametrize("value, expected", [(60000, f"60{NB}000"), (101770, f"101{NB}770"), (7, "7"),
                                             (1234567, f"1{NB}234{NB}567")])
def test_integers_group_thousands_with_non_breaking_spaces(value, expected):
    assert fr.integer(value) == expected


def test_decimal_comma_and_percent():
    assert fr.decimal(0.88531, 3) == "0,885"
    assert fr.percent(0.885) == f"88,5{NB}%"
    assert fr.percent(0.8833, 2) == f"88,33{NB}%"
    assert fr.decimal(-0.5, 1) == "−0,5"


def test_durations_read_naturally():
    assert fr.seconds(0.93) == f"0,9{NB}s"
    assert fr.seconds(31.4) == f"31{NB}s"
    assert fr.seconds(125) == f"2{NB}min{NB}05{NB}s"


def test_typography_puts_non_breaking_spaces_before_high_punctuation():
    text = fr.typography("Précision : 88 % ! Pourquoi? Oui ; non")
    assert text == f"Précision{NB}: 88{NB}%{NB}! Pourquoi{NB}? Oui{NB}; non"


def test_typography_leaves_code_links_and_html_alone():
    source = "\n".join([
        "Voir [le lien](https://example.org/a?b=1) et `x = a ? b : c`.",
        "```python",
        "model.fit(x, y) ; print('ok !')",
        "```",
        '<div class="formule"><mo>&#x0003D;</mo></div>',
    ])
    assert fr.typography(source) == source


def test_typography_keeps_markdown_images_and_handles_marks_after_code():
    assert fr.typography("![Une image](figures/a.png)") == "![Une image](figures/a.png)"
    assert fr.typography("Appelez `fit` : il entraîne.") == f"Appelez `fit`{NB}: il entraîne."


def test_dates_are_written_in_french():
    assert fr.date_time("2026-11-26T05:45:12+0000") == f"26{NB}novembre{NB}2026 à 05{NB}h{NB}45"
    assert fr.date_time("") == ""


def test_guillemets_hold_their_words_with_non_breaking_spaces():
    assert fr.typography("C'est « dérouler » l'image.") == f"C'est «{NB}dérouler{NB}» l'image."


def test_sizes_and_tiny_differences_read_in_french():
    assert fr.kilobytes(543_127) == f"543{NB}ko"
    assert fr.scientific(4.6e-7) == f"4,6{NB}×{NB}10⁻⁷"
    assert fr.scientific(0.0) == "0"


def test_long_decimals_are_grouped_by_three():
    assert fr.long_decimal(0.9999666, 7) == f"0,999{NB}966{NB}6"
    assert fr.long_decimal(0.408, 3) == "0,408"


def test_a_thousands_separator_typed_in_a_template_becomes_non_breaking_but_code_keeps_its_spaces():
    from pipeline.common.fr import NBSP, typography

    text = typography("les 10 000 images, 1 024 octets, 1 234 567 poids et `x = [1, 000]` ; en 2026 à 5 h")
    assert f"10{NBSP}000 images" in text and f"1{NBSP}024 octets" in text and f"1{NBSP}234{NBSP}567 poids" in text
    assert "`x = [1, 000]`" in text and "2026 à 5 h" in text
