// The customer portal's few behaviours (a file, not inline script: the pages'
// Content-Security-Policy forbids inline script).

// A confirmation the page was sent to (#confirmation after a reply or a request for a
// supervisor) takes the focus, so the eye and a screen reader land on it at once.
document.addEventListener("DOMContentLoaded", () => {
  const id = window.location.hash.slice(1);
  const target = id && document.getElementById(id);
  if (target && target.hasAttribute("data-confirmation")) {
    target.setAttribute("tabindex", "-1");
    target.focus();
  }
});
