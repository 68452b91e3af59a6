// Chart values on hover and keyboard focus: every drawn point carries data-tip (web/charts.py);
// this shows it in one tooltip next to the point. Without this script the <title> still shows on hover.
(function () {
  "use strict";
  var tip = document.createElement("div");
  tip.className = "chart-tip";
  tip.setAttribute("role", "status");
  tip.hidden = true;
  document.body.appendChild(tip);
  function show(event) {
    var target = event.target;
    if (!target.getAttribute || !target.getAttribute("data-tip")) return;
    var box = target.getBoundingClientRect();
    tip.textContent = target.getAttribute("data-tip");
    tip.hidden = false;
    var left = Math.min(window.scrollX + box.left, window.scrollX + document.documentElement.clientWidth - tip.offsetWidth - 8);
    tip.style.left = Math.max(window.scrollX + 4, left) + "px";
    tip.style.top = (window.scrollY + box.top - tip.offsetHeight - 8) + "px";
  }
  function hide(event) {
    if (event.target.getAttribute && event.target.getAttribute("data-tip")) tip.hidden = true;
  }
  document.addEventListener("mouseover", show);
  document.addEventListener("focusin", show);
  document.addEventListener("mouseout", hide);
  document.addEventListener("focusout", hide);
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
