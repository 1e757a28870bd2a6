// The end-of-step questions (templates/_quiz.md.jinja): « Vérifier » corrects one question in the page and the
// step's score follows. The corrections are already in the page, hidden; this script only shows the right
// ones. A changed answer is no longer corrected until it is checked again. Plain JavaScript, no library:
// the page works offline and from file://.
(function () {
  "use strict";

  // « 0,347 », « 0.347 », « 54 000 », « −1,5 », « 87,4 % » → a number; anything else → NaN.
  function readNumber(text) {
    var t = text.replace(/[\s\u00a0\u202f]/g, "").replace(/%$/, "").replace(/\u2212/g, "-").replace(",", ".");
    return /^[-+]?(\d+\.?\d*|\.\d+)$/.test(t) ? parseFloat(t) : NaN;
  }

  // "missing", "unreadable", "right" or "wrong".
  function verdict(form) {
    if (form.getAttribute("data-type") === "numerical") {
      var input = form.querySelector(".quiz-nombre");
      if (!input.value.trim()) return "missing";
      var value = readNumber(input.value);
      if (isNaN(value)) return "unreadable";
      var key = parseFloat(input.getAttribute("data-valeur"));
      var tolerance = parseFloat(input.getAttribute("data-tolerance"));
      return Math.abs(value - key) <= tolerance + 1e-9 * Math.max(1, Math.abs(key)) ? "right" : "wrong";
    }
    var chosen = form.querySelector("input[type=radio]:checked");
    if (!chosen) return "missing";
    return chosen.hasAttribute("data-juste") ? "right" : "wrong";
  }

  var SHOWN = {
    missing: [".quiz-manque"], unreadable: [".quiz-illisible"],
    right: [".quiz-juste", ".quiz-explication"], wrong: [".quiz-faux", ".quiz-explication"], none: []
  };

  function show(form, state) {
    var parts = form.querySelectorAll(".quiz-retour > p");
    for (var i = 0; i < parts.length; i++) {
      var visible = SHOWN[state].some(function (selector) { return parts[i].matches(selector); });
      parts[i].hidden = !visible;
    }
    form.setAttribute("data-etat", state === "right" || state === "wrong" ? state : "");
  }

  function plural(n, word) { return n + "\u00a0" + word + (n > 1 ? "s" : ""); }

  function updateScore(quiz) {
    var forms = quiz.querySelectorAll(".quiz-question");
    var right = 0, checked = 0;
    for (var i = 0; i < forms.length; i++) {
      var state = forms[i].getAttribute("data-etat");
      if (state) checked++;
      if (state === "right") right++;
    }
    var total = forms.length;
    var done = checked === 0 ? "aucune question vérifiée" :
      checked === total ? (total > 1 ? "toutes les questions vérifiées" : "la question vérifiée") :
      plural(checked, "question") + " vérifiée" + (checked > 1 ? "s" : "") + " sur " + total;
    quiz.querySelector(".quiz-score").textContent = "Score\u00a0: " + right + " sur " + total + ", " + done + ".";
    quiz.setAttribute("data-score", String(right));
  }

  function setUp(quiz) {
    var forms = quiz.querySelectorAll(".quiz-question");
    Array.prototype.forEach.call(forms, function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        show(form, verdict(form));
        updateScore(quiz);
      });
      var clear = function () {
        if (form.querySelector(".quiz-retour > p:not([hidden])")) {
          show(form, "none");
          updateScore(quiz);
        }
      };
      form.addEventListener("change", clear);
      form.addEventListener("input", clear);
    });
    quiz.querySelector(".quiz-recommencer").addEventListener("click", function () {
      Array.prototype.forEach.call(forms, function (form) { form.reset(); show(form, "none"); });
      updateScore(quiz);
      var first = quiz.querySelector(".quiz-question input");
      if (first) first.focus();
    });
    updateScore(quiz);
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".quiz"), setUp);
    window.quiz = { ready: true, readNumber: readNumber };
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
