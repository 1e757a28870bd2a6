"""The end-of-step questions as the templates print them: each step's questions with their corrections, and the downloads."""
from __future__ import annotations

from pipeline.common import fr
from pipeline.quiz import feedback


def build(quiz: dict | None) -> dict | None:
    """artifacts/quiz.json (stage "quiz") ready for templates/_quiz.md.jinja; None without it (no questions)."""
    if not quiz:
        return None
    steps = {step["page"]: {**step, "count": len(step["questions"]),
                            "questions": [_question(q) for q in step["questions"]]} for step in quiz["steps"]}
    return {"steps": steps, "steps_count": len(steps), "count": sum(s["count"] for s in steps.values()),
            "files": {kind: {**f, "size": fr.kilobytes(f["bytes"])} for kind, f in quiz.get("files", {}).items()}}


def _question(q: dict) -> dict:
    """One question with the sentences the page shows after « Vérifier »: right, wrong (with the key)."""
    extra = {"right_feedback": feedback.RIGHT, "wrong_feedback": feedback.wrong(q)}
    if q["type"] == "numerical":
        extra["key_value"] = feedback.number(q["answer"])
        extra["tolerance_value"] = feedback.number(q["tolerance"])
    return {**q, **extra}
