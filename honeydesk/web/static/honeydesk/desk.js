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

// Drafts survive a reload: the composer's text (and its mode) is kept in this browser's
// localStorage under the person and the case reference while the rep types, put back when
// the page opens with an empty composer, and dropped once the entry is sent. Nothing leaves
// the browser. On a shared computer each person's drafts are apart (the page's
// data-user-key, the user's id), a page opened by someone else drops drafts left by a
// previous person (say, whose session ran out), and signing out deletes them all (here on
// the button, and again by forget-drafts.js on the page shown after signing out).
(function () {
  "use strict";
  const PREFIX = "honeydesk:draft:";
  function store() {
    try { return window.localStorage; } catch (e) { return null; }
  }
  function userKey() { return document.body ? document.body.dataset.userKey || "" : ""; }
  function composer() { return document.getElementById("composer"); }
  function keyOf(form) {
    const who = userKey();
    return who && form && form.dataset.draftKey ? PREFIX + who + ":" + form.dataset.draftKey : null;
  }
  // Every draft key but those starting with `keep` (all of them when keep is empty).
  function dropDrafts(keep) {
    const s = store();
    if (!s) return;
    const doomed = [];
    for (let i = 0; i < s.length; i++) {
      const key = s.key(i);
      if (key && key.indexOf(PREFIX) === 0 && !(keep && key.indexOf(keep) === 0)) doomed.push(key);
    }
    doomed.forEach((key) => s.removeItem(key));
  }
  function dropOthersDrafts() {
    const who = userKey();
    if (who) dropDrafts(PREFIX + who + ":");
  }
  function say(text) { const el = document.getElementById("draft-state"); if (el) el.textContent = text; }
  function save() {
    const form = composer(), key = keyOf(form), s = store();
    if (!key || !s) return;
    const body = form.querySelector("#composer-body");
    const mode = form.querySelector('input[name="mode"]:checked');
    if (body && body.value.trim()) {
      s.setItem(key, JSON.stringify({ body: body.value, mode: mode ? mode.value : "reply", at: Date.now() }));
      say("Draft saved");
    } else {
      s.removeItem(key);
      say("");
    }
  }
  function restore() {
    const form = composer(), key = keyOf(form), s = store();
    if (!key || !s) return;
    const body = form.querySelector("#composer-body");
    const raw = s.getItem(key);
    if (!body || !raw || body.value.trim()) return;
    try {
      const draft = JSON.parse(raw);
      body.value = draft.body || "";
      const radio = form.querySelector('input[name="mode"][value="' + (draft.mode || "reply") + '"]');
      if (radio) radio.checked = true;
      say("Draft restored");
    } catch (e) { s.removeItem(key); }
  }
  function forget(form) { const key = keyOf(form), s = store(); if (key && s) s.removeItem(key); }
  document.addEventListener("input", (ev) => {
    if (ev.target && ev.target.closest && ev.target.closest("#composer")) save();
  });
  document.addEventListener("change", (ev) => {
    if (ev.target && ev.target.name === "mode" && ev.target.closest("#composer")) save();
  });
  // Sent: htmx swaps the case in (the request succeeded and the server showed no error),
  // or a plain form post leaves the page (then the server re-shows the text on an error).
  // Checked before the swap: afterwards the sending form is detached from the document and
  // its events no longer reach this listener, and the new composer must not get the draft back.
  document.addEventListener("htmx:beforeSwap", (ev) => {
    const config = ev.detail && ev.detail.requestConfig;
    const form = config && config.elt;
    const xhr = ev.detail.xhr;
    if (form && form.id === "composer" && xhr && xhr.status < 400 && !/class="error" role="alert"/.test(xhr.responseText || "")) {
      forget(form);
    }
  });
  document.addEventListener("submit", (ev) => {
    if (ev.target && ev.target.id === "composer" && !window.htmx) forget(ev.target);
    if (ev.target && ev.target.hasAttribute && ev.target.hasAttribute("data-forget-drafts")) dropDrafts("");
  });
  document.addEventListener("DOMContentLoaded", () => { dropOthersDrafts(); restore(); });
  document.addEventListener("htmx:afterSettle", restore);
})();

// "Select all" for bulk actions: a checkbox with data-select-all="<name>" ticks or clears
// every checkbox of that name in its table, and shows "some" when only part is ticked.
document.addEventListener("change", (ev) => {
  const el = ev.target;
  if (!el || !el.matches) return;
  const table = el.closest("table");
  if (!table) return;
  if (el.matches("[data-select-all]")) {
    table.querySelectorAll('input[type="checkbox"][name="' + el.dataset.selectAll + '"]').forEach((box) => {
      box.checked = el.checked;
    });
    el.indeterminate = false;
    return;
  }
  const all = table.querySelector("[data-select-all]");
  if (all && el.name === all.dataset.selectAll) {
    const boxes = Array.from(table.querySelectorAll('input[type="checkbox"][name="' + el.name + '"]'));
    const ticked = boxes.filter((b) => b.checked).length;
    all.checked = ticked === boxes.length && ticked > 0;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  }
});
