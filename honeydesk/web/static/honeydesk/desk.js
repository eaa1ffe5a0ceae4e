// Keyboard shortcuts for the workspace. Ignored while typing in a field.
(function () {
  "use strict";
  let pendingG = false;
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  function mode(value) {
    const radio = document.querySelector('#composer input[name="mode"][value="' + value + '"]');
    const body = document.getElementById("composer-body");
    if (radio && body) { radio.checked = true; body.focus(); }
  }
  function open(id, focusSel) {
    const box = document.getElementById(id);
    if (box) { box.open = true; const f = box.querySelector(focusSel); if (f) f.focus(); }
  }
  // After an htmx swap the focused button may be gone; put focus on the case heading so
  // keyboard and screen-reader users keep their place.
  document.body.addEventListener("htmx:afterSwap", function (ev) {
    if (ev.detail.target && ev.detail.target.id === "case-main" && document.activeElement === document.body) {
      const heading = ev.detail.target.querySelector("h1");
      if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
    }
  });
  // The boundary reply goes into the composer for the rep to finish; never sent as is.
  document.addEventListener("click", function (ev) {
    const button = ev.target.closest ? ev.target.closest("#boundary-reply") : null;
    const body = document.getElementById("composer-body");
    if (button && body) { body.value = button.dataset.text + body.value; body.focus(); }
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && ev.target.id === "composer-body") {
      ev.preventDefault(); ev.target.form.requestSubmit(); return;
    }
    if (typing(ev.target) || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    if (pendingG) { pendingG = false; if (ev.key === "q") { window.location = "/desk/?queue=mine"; } return; }
    switch (ev.key) {
      case "/": ev.preventDefault(); document.getElementById("q")?.focus(); break;
      case "g": pendingG = true; break;
      case "r": ev.preventDefault(); mode("reply"); break;
      case "n": ev.preventDefault(); mode("note"); break;
      case "l": ev.preventDefault(); mode("call"); break;
      case "t": document.getElementById("take")?.click(); break;
      case "e": ev.preventDefault(); open("escalate-box", "textarea"); break;
      case "s": ev.preventDefault(); open("resolve-box", "textarea"); break;
      case "?": document.getElementById("shortcuts")?.showModal(); break;
    }
  });
})();

// A button with data-dismiss="<selector>" removes its closest such element (an offer the
// rep turns down, for instance). A listener here, not an inline handler: the pages'
// Content-Security-Policy forbids inline script.
document.addEventListener("click", (ev) => {
  const button = ev.target.closest ? ev.target.closest("[data-dismiss]") : null;
  if (button) button.closest(button.dataset.dismiss)?.remove();
});

// Polling parts of a page (hx-trigger "every 30s" with data-poll-unless) skip a refresh
// while the tab is hidden or while the selector matches (rows ticked for a bulk action, a
// form being filled). In a listener, not an hx-trigger filter: filters are evaluated as
// script, which the Content-Security-Policy forbids.
document.addEventListener("htmx:beforeRequest", (ev) => {
  const elt = ev.detail && ev.detail.elt;
  if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-poll-unless")) return;
  const unless = elt.getAttribute("data-poll-unless");
  if (document.visibilityState !== "visible" || (unless && document.querySelector(unless))) ev.preventDefault();
});
