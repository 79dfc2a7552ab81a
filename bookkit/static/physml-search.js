// Search results without raw TeX. Sphinx's search page shows a snippet of each hit taken from
// the page's text, where math is still its TeX source (MathJax typesets it only on the page
// itself). This wraps Search.htmlToText (sphinx/themes/basic/static/searchtools.js) so that the
// text of every math element is turned into plain text first: Greek letters and common symbols
// as Unicode, fractions as a/b, other commands and braces dropped.
(function () {
  "use strict";
  const SYMBOLS = {
    alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", varepsilon: "ε", zeta: "ζ",
    eta: "η", theta: "θ", kappa: "κ", lambda: "λ", mu: "μ", nu: "ν", xi: "ξ", pi: "π", rho: "ρ",
    sigma: "σ", tau: "τ", phi: "φ", varphi: "φ", chi: "χ", psi: "ψ", omega: "ω", Gamma: "Γ",
    Delta: "Δ", Theta: "Θ", Lambda: "Λ", Xi: "Ξ", Pi: "Π", Sigma: "Σ", Phi: "Φ", Psi: "Ψ",
    Omega: "Ω", ell: "ℓ", infty: "∞", le: "≤", leq: "≤", ge: "≥", geq: "≥", approx: "≈",
    times: "×", cdot: "·", pm: "±", to: "→", sum: "Σ", prod: "∏", int: "∫", partial: "∂",
    nabla: "∇", langle: "⟨", rangle: "⟩", sqrt: "√", odot: "⊙", in: "∈", sim: "~", neq: "≠",
  };
  const DROP = new Set(["left", "right", "big", "Big", "bigl", "bigr", "Bigl", "Bigr", "quad",
    "qquad", "displaystyle", "textstyle", "nonumber", "notag", "limits", "mathrm", "text",
    "mathbf", "mathcal", "mathsf", "operatorname", "boldsymbol", "bar", "hat", "tilde", "vec"]);

  function plain(tex) {
    return tex
      .replace(/^\s*\\[([]|\\[)\]]\s*$/g, "")
      .replace(/\\(begin|end)\{[^{}]*\}/g, " ")
      .replace(/\\tag\{([^{}]*)\}/g, " ($1)")
      .replace(/\\frac\{([^{}]*)\}\{([^{}]*)\}/g, "($1)/($2)")
      .replace(/\\([A-Za-z]+)/g, (m, w) => (w in SYMBOLS ? SYMBOLS[w] : DROP.has(w) ? "" : w))
      .replace(/\\[,;:! ]|\\\\/g, " ")
      .replace(/[{}&]/g, "")
      .replace(/\s+/g, " ")
      .trim();
  }

  function patch() {
    if (typeof Search === "undefined" || Search.physmlPlainMath) return;
    const original = Search.htmlToText;
    Search.htmlToText = (htmlString, anchor) => {
      const doc = new DOMParser().parseFromString(htmlString, "text/html");
      doc.querySelectorAll(".math").forEach((el) => { el.textContent = " " + plain(el.textContent) + " "; });
      return original(doc.documentElement.outerHTML, anchor);
    };
    Search.physmlPlainMath = true;
  }

  window.physmlPlainMath = plain;  // for the browser test
  document.addEventListener("DOMContentLoaded", patch);
})();
