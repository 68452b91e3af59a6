// The run page's Print button: a script file, not an inline handler, so the Content-Security-Policy
// allows no inline script at all.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
