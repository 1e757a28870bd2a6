"""One exception type for every user-facing failure: what went wrong, where, and how to fix it."""
from __future__ import annotations


class PipelineError(Exception):
    """A failure the user can fix; the CLI prints it in French and exits non-zero.

    `what` says what is wrong, `where` names the file/line/key, `fix` gives the command or edit
    that repairs it; `detail` may carry an English technical message.
    """

    def __init__(self, what: str, where: str = "", fix: str = "", detail: str = "") -> None:
        self.what, self.where, self.fix, self.detail = what, where, fix, detail
        super().__init__(self.message())

    def message(self) -> str:
        lines = [f"Erreur : {self.what}"]
        if self.where:
            lines.append(f"  Où : {self.where}")
        if self.fix:
            lines.append(f"  Correction : {self.fix}")
        if self.detail:
            lines.append(f"  Détail : {self.detail}")
        return "\n".join(lines)
