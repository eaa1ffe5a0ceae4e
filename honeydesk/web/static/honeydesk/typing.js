// Handle time for written work: the focused typing time spent on a reply or note,
// sent with it in the composer's hidden "compose_seconds" field. Time counts from one
// keystroke to the next while the message box has focus; a pause longer than IDLE_MS
// (reading the case, a phone call, a coffee) is not counted. The composer is replaced
// by htmx after each send, so listeners sit on the document and each message box
// starts from zero.
(function () {
  "use strict";
  var IDLE_MS = 30000;
  var state = new WeakMap();
  function track(box) {
    var s = state.get(box);
    if (!s) { s = { spent: 0, last: null }; state.set(box, s); }
    return s;
  }
  function write(box) {
    var form = box.form;
    var field = form && form.querySelector("input[name=compose_seconds]");
    if (field) field.value = String(Math.round(track(box).spent / 1000));
  }
  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box || box.id !== "composer-body") return;
    var s = track(box);
    var now = Date.now();
    if (s.last !== null && now - s.last <= IDLE_MS) s.spent += now - s.last;
    s.last = now;
    write(box);
  });
  document.addEventListener("focusout", function (event) {
    var box = event.target;
    if (box && box.id === "composer-body") track(box).last = null;
  });
})();
