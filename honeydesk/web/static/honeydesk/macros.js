// The macro and answer picker of the case page (issue 17). Alt+M anywhere (or "m" outside
// a text field) opens it; type to search, arrows to move, Enter to choose, Esc to close.
// A macro is applied on the server (all its actions or none) and the case comes back with
// its reply in the composer and the listening coach's reading of it; an article's text is
// inserted where the cursor is and the coach asked to read it. No inline script:
// the pages' Content-Security-Policy forbids it.
(function () {
  "use strict";
  let dialog = null, input = null, list = null, items = [], index = 0, timer = null, seq = 0;
  let cursor = null;  // where the composer's cursor was when the picker opened

  function section() { return document.getElementById("case-properties"); }
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  // The coach reads the composer on input; a value set by script is not typed, so ask it
  // the way the composer's own hx-post would (the form's fields included).
  function coach() {
    const body = document.getElementById("composer-body");
    if (!body || !body.value) return;
    body.focus();
    const url = body.getAttribute("hx-post");
    if (url && window.htmx) window.htmx.ajax("POST", url, { source: body, target: "#coach", swap: "innerHTML" });
  }

  function build() {
    if (dialog) return;
    dialog = document.createElement("dialog");
    dialog.id = "macro-picker";
    dialog.className = "picker";
    dialog.setAttribute("aria-label", "Macros and answers");
    const label = document.createElement("label");
    label.htmlFor = "macro-search";
    label.textContent = "Macro or answer";
    input = document.createElement("input");
    input.id = "macro-search";
    input.type = "search";
    input.autocomplete = "off";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-controls", "macro-results");
    list = document.createElement("ul");
    list.id = "macro-results";
    list.className = "plain picker-results";
    list.setAttribute("role", "listbox");
    const keys = document.createElement("p");
    keys.className = "hint picker-keys";
    keys.textContent = "\u2191 \u2193 to move, Enter to choose, Esc to close";
    dialog.append(label, input, list, keys);
    document.body.append(dialog);
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, 150); });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "ArrowDown") { ev.preventDefault(); move(1); }
      else if (ev.key === "ArrowUp") { ev.preventDefault(); move(-1); }
      else if (ev.key === "Enter") { ev.preventDefault(); if (items[index]) choose(items[index]); }
    });
    list.addEventListener("click", function (ev) {
      const li = ev.target.closest("li[data-index]");
      if (li) choose(items[Number(li.dataset.index)]);
    });
  }

  function search() {
    const s = section();
    if (!s) return;
    const mine = ++seq;
    fetch(s.dataset.macros + "?q=" + encodeURIComponent(input.value), {
      credentials: "same-origin", headers: { Accept: "application/json" },
    }).then(function (r) { return r.json(); }).then(function (data) {
      if (mine !== seq) return;  // an older answer arriving late
      items = data.macros.map(function (m) { return Object.assign({ kind: "macro" }, m); })
        .concat(data.articles.map(function (a) { return Object.assign({ kind: "article" }, a); }));
      index = 0;
      render();
    });
  }

  function render() {
    list.replaceChildren();
    items.forEach(function (item, i) {
      const li = document.createElement("li");
      li.dataset.index = String(i);
      li.id = "macro-option-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", i === index ? "true" : "false");
      const kind = document.createElement("small");
      kind.textContent = item.kind === "macro" ? "Macro · " + item.scope + " " : "Answer ";
      li.append(kind, document.createTextNode(item.name));
      list.append(li);
    });
    if (!items.length) {
      const li = document.createElement("li");
      li.textContent = "Nothing found";
      list.append(li);
    }
    input.setAttribute("aria-activedescendant", items.length ? "macro-option-" + index : "");
  }

  function move(step) {
    if (!items.length) return;
    index = (index + step + items.length) % items.length;
    render();
  }

  function insert(text) {
    const body = document.getElementById("composer-body");
    if (!body) return;
    const start = cursor ? cursor[0] : body.value.length, end = cursor ? cursor[1] : start;
    body.value = body.value.slice(0, start) + text + body.value.slice(end);
    body.selectionStart = body.selectionEnd = start + text.length;
    coach();
  }

  function apply(item) {
    const s = section();
    // A plain form htmx submits, so the case is swapped in like after any other action.
    const form = document.createElement("form");
    form.method = "post";
    form.action = item.apply;
    form.setAttribute("hx-post", item.apply);
    form.setAttribute("hx-target", "#case-main");
    form.hidden = true;
    [["csrfmiddlewaretoken", s.dataset.csrf], ["version", s.dataset.version]].forEach(function (pair) {
      const field = document.createElement("input");
      field.type = "hidden";
      field.name = pair[0];
      field.value = pair[1];
      form.append(field);
    });
    document.body.append(form);
    // The case comes back with the coach's reading of the reply already in it; the rep
    // goes on in the composer.
    form.addEventListener("htmx:afterRequest", function () {
      form.remove();
      document.getElementById("composer-body")?.focus();
    });
    if (window.htmx) window.htmx.process(form);
    form.requestSubmit();
  }

  function choose(item) {
    dialog.close();
    if (item.kind === "article") insert(item.body); else apply(item);
  }

  function open() {
    if (!section()) return;
    const body = document.getElementById("composer-body");
    cursor = body && document.activeElement === body ? [body.selectionStart, body.selectionEnd] : null;
    build();
    input.value = "";
    items = [];
    render();
    dialog.showModal();
    input.focus();
    search();
  }

  document.addEventListener("keydown", function (ev) {
    const alt = ev.altKey && !ev.ctrlKey && !ev.metaKey && ev.code === "KeyM";
    const plain = ev.key === "m" && !ev.altKey && !ev.ctrlKey && !ev.metaKey && !typing(ev.target);
    if ((alt || plain) && !(dialog && dialog.open)) { ev.preventDefault(); open(); }
  });
})();
