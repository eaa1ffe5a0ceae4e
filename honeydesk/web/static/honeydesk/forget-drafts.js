// Run by the page shown after signing out: deletes every composer draft honeydesk kept in
// this browser's localStorage (desk.js), so the next person at a shared computer finds none
// and no customer's details stay behind. A file, not inline script: the pages'
// Content-Security-Policy forbids inline script.
(function () {
  "use strict";
  const PREFIX = "honeydesk:draft:";
  let s = null;
  try { s = window.localStorage; } catch (e) { return; }
  if (!s) return;
  // Collect first: removing while walking by index would skip keys.
  const keys = [];
  for (let i = 0; i < s.length; i++) {
    const key = s.key(i);
    if (key && key.indexOf(PREFIX) === 0) keys.push(key);
  }
  keys.forEach((key) => s.removeItem(key));
})();
