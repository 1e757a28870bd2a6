"""The French grammar of the class names (gender, number, agreement), shared by the figures and the pages.

The names themselves are pipeline/data/dataset.py's CLASS_NAMES; their grammar lives here, apart from
the figures and from the pages, so that neither reads it from the other (a dataset descriptor will
later hold both). Editing a word here never changes the training's key: training does not import it.
"""
from __future__ import annotations

# Grammatical gender of the French class names, for « 68 Chemise prises pour T-shirt/haut ».
FEMININE = {"Robe", "Sandale", "Chemise", "Baskets", "Bottine"}
PLURAL = {"Baskets"}  # one article is « des Baskets »


def taken_for(name: str, count: int = 1) -> str:
    """Past participle of « prendre » agreeing with a class name: pris, prise, prises."""
    if name not in FEMININE:
        return "pris"
    return "prise" if count == 1 else "prises"


def indefinite_article(name: str) -> str:
    """« un » Pantalon, « une » Robe, « des » Baskets."""
    return "des" if name in PLURAL else "une" if name in FEMININE else "un"
